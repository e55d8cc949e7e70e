//! select!, join!, try_join!: semantics, branch order (biased, or drawn
//! from the seed and replayed), and what happens to the losers.
mod util;

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::pending;
use std::rc::Rc;
use std::time::Duration;

use evloop::sync::{Event, Queue};
use evloop::testing::Harness;
use evloop::{Policy, Runtime, join, select, sleep, try_join, yield_now};
use util::{Trace, virtual_rt};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn the_first_ready_branch_runs_with_its_bindings_and_the_others_are_dropped() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    struct Loud(&'static str, Trace);
    impl Drop for Loud {
        fn drop(&mut self) {
            self.1.push(format!("dropped {}", self.0));
        }
    }
    let t = trace.clone();
    let out = rt.block_on(async move {
        let slow = Loud("slow", t.clone());
        select! {
            (n, word) = async { sleep(secs(1)).await; (2, "two") } => {
                t.push("handler".to_string());
                format!("{word}={n}")
            }
            _ = async move { let _s = slow; sleep(secs(5)).await } => unreachable!(),
        }
    });
    assert_eq!(out, "two=2");
    assert_eq!(
        trace.take(),
        ["dropped slow", "handler"],
        "losers go before the handler runs"
    );
}

#[test]
fn a_value_that_does_not_fit_its_pattern_disables_the_branch_and_else_ends_it() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let q: Queue<u32> = Queue::unbounded();
        q.close();
        let out = select! {
            Ok(v) = q.get() => v,                       // Err(Closed): disabled
            Some(mut v) = async { Some(40) } => { v += 2; v }
        };
        assert_eq!(out, 42);
        let out = select! {
            Ok(v) = q.get() => v,
            Some(v) = async { None::<u32> } => v,
            else => 0,
        };
        assert_eq!(out, 0);
        // A condition disables a branch before its future is polled.
        let polled = RefCell::new(false);
        let out = select! {
            _ = async { *polled.borrow_mut() = true; } , if false => "disabled",
            _ = sleep(secs(1)) => "slept",
        };
        assert_eq!((out, *polled.borrow()), ("slept", false));
        let every = select! {
            _ = pending::<()>(), if 1 > 2 => 1,
            else => 2,
        };
        assert_eq!(every, 2);
    });
}

#[test]
fn handlers_may_break_continue_and_await_in_the_enclosing_loop() {
    let (rt, _) = virtual_rt();
    let got = rt.block_on(async {
        let q: Queue<u32> = Queue::unbounded();
        for i in 0..4 {
            q.try_put(i).unwrap();
        }
        let mut got = Vec::new();
        loop {
            select! {
                Ok(v) = q.get() => {
                    if v == 1 {
                        continue;
                    }
                    sleep(secs(1)).await;
                    got.push(v);
                }
                _ = sleep(secs(10)) => break,
            }
        }
        got
    });
    assert_eq!(got, [0, 2, 3]);
    assert_eq!(rt.now().since_start(), secs(13));
}

async fn race_of_two_ready(log: Rc<RefCell<Vec<&'static str>>>) {
    // Both branches are ready at the first poll: only the start decides.
    let winner = select! {
        _ = async {} => "a",
        _ = async {} => "b",
    };
    log.borrow_mut().push(winner);
}

#[test]
fn biased_under_fifo_and_drawn_from_the_seed_otherwise() {
    let winners = |policy: Policy| {
        let rt = Runtime::builder().virtual_clock().policy(policy).build();
        let log = Rc::new(RefCell::new(Vec::new()));
        for _ in 0..20 {
            rt.block_on(race_of_two_ready(log.clone()));
        }
        log.take()
    };
    assert!(winners(Policy::Fifo).iter().all(|w| *w == "a"), "biased");
    assert!(winners(Policy::Lifo).iter().all(|w| *w == "a"), "biased");
    let seeded = winners(Policy::Random { seed: 3 });
    let distinct: HashSet<_> = seeded.iter().collect();
    assert_eq!(distinct.len(), 2, "{seeded:?}");
    assert_eq!(
        seeded,
        winners(Policy::Random { seed: 3 }),
        "the same seed, the same draws"
    );
    let pct: HashSet<_> = winners(Policy::Pct { seed: 9, depth: 2 })
        .into_iter()
        .collect();
    assert_eq!(pct.len(), 2);
}

#[test]
fn a_recorded_schedule_replays_the_branch_choices() {
    let program = |rt: &Runtime| {
        let log = Rc::new(RefCell::new(Vec::new()));
        for _ in 0..10 {
            let l = log.clone();
            rt.spawn(race_of_two_ready(l)).detach();
        }
        rt.run_until_done().unwrap();
        log.take()
    };
    let rt = Runtime::builder()
        .virtual_clock()
        .policy(Policy::Random { seed: 11 })
        .build();
    rt.scheduler().record(true);
    let seen = program(&rt);
    assert!(seen.contains(&"b"), "{seen:?}");
    let schedule = rt.scheduler().recorded();

    let again = Runtime::builder().virtual_clock().build(); // FIFO, but…
    again.scheduler().replay(schedule);
    assert_eq!(program(&again), seen);
    assert_eq!(again.scheduler().divergence(), None);
}

#[test]
fn exploration_finds_an_order_that_only_a_branch_choice_makes() {
    // FIFO always picks "a"; the bug shows only when "b" wins.
    let body = || async {
        let log = Rc::new(RefCell::new(Vec::new()));
        race_of_two_ready(log.clone()).await;
        assert_eq!(log.borrow()[0], "a", "b won");
    };
    let failure = Harness::new()
        .use_env(false)
        .runs(50)
        .try_explore(body)
        .unwrap_err();
    assert!(failure.message().contains("b won"), "{failure}");
    let replayed = Harness::new()
        .use_env(false)
        .try_replay(&failure.schedule, body)
        .unwrap_err();
    assert_eq!(replayed.kind, failure.kind);
}

#[test]
fn a_select_with_every_branch_disabled_and_no_else_waits_and_says_why() {
    let rt = Runtime::builder().virtual_clock().build();
    let err = rt
        .try_block_on(async {
            select! {
                Some(v) = async { None::<u8> } => v,
            }
        })
        .unwrap_err();
    let report = err.stall().unwrap().to_string();
    assert!(
        report.contains("waits on select! with every branch disabled and no `else` branch"),
        "{report}"
    );
}

#[test]
fn sixteen_branches_of_different_types() {
    let out = evloop::run(async {
        select! {
            _ = pending::<u8>() => 0u32,
            _ = pending::<u16>() => 1,
            _ = pending::<u32>() => 2,
            _ = pending::<u64>() => 3,
            _ = pending::<i8>() => 4,
            _ = pending::<i16>() => 5,
            _ = pending::<i32>() => 6,
            _ = pending::<i64>() => 7,
            _ = pending::<()>() => 8,
            _ = pending::<bool>() => 9,
            _ = pending::<char>() => 10,
            _ = pending::<String>() => 11,
            _ = pending::<Vec<u8>>() => 12,
            _ = pending::<f32>() => 13,
            _ = pending::<f64>() => 14,
            v = async { 15u32 } => v,
        }
    });
    assert_eq!(out, 15);
}

#[test]
fn join_runs_everything_concurrently_and_keeps_the_order_written() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let (a, b, c) = rt.block_on(async move {
        join!(
            async {
                sleep(secs(3)).await;
                t.push("a".to_string());
                1u8
            },
            async {
                sleep(secs(1)).await;
                t.push("b".to_string());
                "two"
            },
            async { 3.0f32 },
        )
    });
    assert_eq!((a, b, c), (1, "two", 3.0));
    assert_eq!(trace.take(), ["b", "a"]);
    assert_eq!(rt.now().since_start(), secs(3));
}

#[test]
fn try_join_returns_the_first_error_at_once_and_drops_the_rest() {
    let (rt, _) = virtual_rt();
    let done = Event::new();
    let d = done.clone();
    let out = rt.block_on(async move {
        try_join!(
            async move {
                sleep(secs(5)).await;
                d.set();
                Ok::<_, String>(1)
            },
            async {
                sleep(secs(1)).await;
                Err::<u8, _>("broken".to_string())
            },
        )
    });
    assert_eq!(out, Err("broken".to_string()));
    assert_eq!(rt.now().since_start(), secs(1));
    rt.run_until_done().unwrap();
    assert!(!done.is_set(), "the other future was dropped");
    let ok = rt.block_on(async { try_join!(async { Ok::<_, ()>(1) }, async { Ok(2) }) });
    assert_eq!(ok, Ok((1, 2)));
}

#[test]
fn join_explores_poll_orders_too() {
    let orders = |policy| {
        let rt = Runtime::builder().virtual_clock().policy(policy).build();
        (0..20)
            .map(|_| {
                let order = Rc::new(RefCell::new(String::new()));
                let (a, b) = (order.clone(), order.clone());
                rt.block_on(async move {
                    join!(async move { a.borrow_mut().push('a') }, async move {
                        b.borrow_mut().push('b')
                    });
                    yield_now().await;
                });
                order.take()
            })
            .collect::<HashSet<_>>()
    };
    assert_eq!(orders(Policy::Fifo).len(), 1);
    assert_eq!(orders(Policy::Random { seed: 1 }).len(), 2);
}

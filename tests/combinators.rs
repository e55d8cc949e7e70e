//! gather, wait, as_completed, race, select, TaskGroup, shield, timeout.
mod util;

use std::time::Duration;

use evloop::combinators::{
    ChildFailureKind, Either, ReturnWhen, TaskGroup, as_completed, gather, gather_all, race,
    select, shield, wait,
};
use evloop::stream::StreamExt;
use evloop::{TaskState, sleep, time::Instant, timeout};
use util::{Trace, virtual_rt};

type BoxedResult = std::pin::Pin<Box<dyn std::future::Future<Output = Result<i32, &'static str>>>>;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn gather_keeps_argument_order_and_takes_the_longest_time() {
    let (rt, _) = virtual_rt();
    let (results, took) = rt.block_on(async {
        let start = Instant::now();
        let tasks = [("A", 2), ("B", 3), ("C", 1)].map(|(n, s)| {
            evloop::spawn_named(n, async move {
                sleep(secs(s)).await;
                n
            })
        });
        (gather(tasks).await.unwrap(), start.elapsed())
    });
    assert_eq!(results, ["A", "B", "C"]);
    assert_eq!(took, secs(3));
}

#[test]
fn gather_returns_the_first_error_at_once_and_the_other_tasks_keep_running() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let slow = rt.block_on(async move {
        let t2 = t.clone();
        let slow = evloop::spawn_named("slow", async move {
            sleep(secs(5)).await;
            t2.push("slow finished");
        });
        let slow_id = slow.id();
        let bad = evloop::spawn_named("bad", async {
            sleep(secs(1)).await;
            panic!("bad gateway");
        });
        let err = gather([slow, bad]).await.unwrap_err();
        t.push(format!(
            "gather failed @{}s: {}",
            Instant::now().since_start().as_secs(),
            err.panic_message().unwrap()
        ));
        slow_id
    });
    assert_eq!(trace.take(), ["gather failed @1s: bad gateway"]);
    assert_eq!(
        rt.snapshot().task(slow).unwrap().state,
        TaskState::Waiting,
        "not cancelled by gather"
    );
    rt.run_until_done().unwrap();
    assert_eq!(trace.take(), ["slow finished"]);
}

#[test]
fn gather_over_plain_futures_short_circuits_on_err() {
    let (rt, _) = virtual_rt();
    let (r, at) = rt.block_on(async {
        let a = async {
            sleep(secs(5)).await;
            Ok::<_, &str>(1)
        };
        let b = async {
            sleep(secs(1)).await;
            Err("nope")
        };
        let futs: Vec<BoxedResult> = vec![Box::pin(a), Box::pin(b)];
        (gather(futs).await, Instant::now().since_start())
    });
    assert_eq!((r, at), (Err("nope"), secs(1)));
}

#[test]
fn gather_all_returns_every_outcome_in_order() {
    let (rt, _) = virtual_rt();
    let out = rt.block_on(async {
        let a = evloop::spawn(async {
            sleep(secs(2)).await;
            1
        });
        let b = evloop::spawn(async {
            sleep(secs(1)).await;
            if true {
                panic!("b failed")
            }
            2
        });
        let c = evloop::spawn(async { 3 });
        gather_all([a, b, c]).await
    });
    assert_eq!(out[0], Ok(1));
    assert_eq!(
        out[1].as_ref().unwrap_err().panic_message(),
        Some("b failed")
    );
    assert_eq!(out[2], Ok(3));
}

#[test]
fn gather_macro_mixes_types() {
    let (rt, _) = virtual_rt();
    let (a, b, c) = rt.block_on(async {
        evloop::gather!(
            async {
                sleep(secs(1)).await;
                1u8
            },
            async { "two" },
            evloop::spawn(async { 3.0 })
        )
        .await
    });
    assert_eq!((a, b, c.unwrap()), (1, "two", 3.0));
}

#[test]
fn wait_first_completed_all_completed_first_exception_and_timeout() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let spawn3 = || {
            vec![
                evloop::spawn_named("t3", async {
                    sleep(secs(3)).await;
                }),
                evloop::spawn_named("t1", async {
                    sleep(secs(1)).await;
                }),
                evloop::spawn_named("t2", async {
                    sleep(secs(2)).await;
                    if true {
                        panic!("t2")
                    }
                }),
            ]
        };
        let start = Instant::now();
        let w = wait(spawn3(), ReturnWhen::FirstCompleted, None).await;
        assert_eq!(start.elapsed(), secs(1));
        assert_eq!(w.done.iter().map(|h| h.name()).collect::<Vec<_>>(), ["t1"]);
        assert_eq!(
            w.pending.iter().map(|h| h.name()).collect::<Vec<_>>(),
            ["t3", "t2"]
        );
        assert!(
            w.pending.iter().all(|h| !h.is_finished()),
            "wait cancels nothing"
        );

        let start = Instant::now();
        let w = wait(spawn3(), ReturnWhen::FirstException, None).await;
        assert_eq!(start.elapsed(), secs(2));
        assert_eq!(w.done.len(), 2);
        assert!(w.done.iter().any(|h| h.is_failed()));

        let start = Instant::now();
        let w = wait(
            spawn3(),
            ReturnWhen::AllCompleted,
            Some(Duration::from_millis(1500)),
        )
        .await;
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
        assert_eq!((w.done.len(), w.pending.len()), (1, 2));
        for h in w.pending {
            h.cancel();
        }
        let w = wait(
            Vec::<evloop::JoinHandle<()>>::new(),
            ReturnWhen::AllCompleted,
            None,
        )
        .await;
        assert!(w.done.is_empty() && w.pending.is_empty());
    });
}

#[test]
fn as_completed_yields_in_completion_order_with_ids() {
    let (rt, _) = virtual_rt();
    let got = rt.block_on(async {
        let tasks = [3, 1, 2].map(|s| {
            evloop::spawn(async move {
                sleep(secs(s)).await;
                s
            })
        });
        let ids: Vec<_> = tasks.iter().map(|t| t.id()).collect();
        let mut stream = as_completed(tasks);
        let mut got = Vec::new();
        while let Some((id, r)) = stream.next().await {
            let pos = ids.iter().position(|i| *i == id).unwrap();
            got.push((pos, r.unwrap(), Instant::now().since_start().as_secs()));
        }
        got
    });
    assert_eq!(got, [(1, 1, 1), (2, 2, 2), (0, 3, 3)]);
}

#[test]
fn race_drops_the_losers_and_select_picks_a_side() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    struct Loud(Trace, u64);
    impl Drop for Loud {
        fn drop(&mut self) {
            self.0.push(format!("dropped {}", self.1));
        }
    }
    let t = trace.clone();
    let out = rt.block_on(async move {
        let runners = [3u64, 1, 2].map(|s| {
            let t = t.clone();
            async move {
                let _g = Loud(t, s);
                sleep(secs(s)).await;
                s
            }
        });
        race(runners).await
    });
    assert_eq!(out, Ok((1, 1)));
    let mut dropped = trace.take();
    dropped.sort();
    assert_eq!(dropped, ["dropped 1", "dropped 2", "dropped 3"]);
    assert_eq!(rt.next_deadline(), None, "the losers' timers are gone");
    let empty: Vec<std::future::Ready<u8>> = Vec::new();
    let err = rt.block_on(race(empty)).unwrap_err();
    assert!(err.to_string().contains("no futures"), "{err}");
    let s = rt.block_on(select(sleep(secs(1)), async {
        sleep(secs(2)).await;
        "late"
    }));
    assert_eq!(s, Either::Left(()));
}

#[test]
fn task_group_joins_all_children() {
    let (rt, _) = virtual_rt();
    let (r, took) = rt.block_on(async {
        let start = Instant::now();
        let g = TaskGroup::new();
        let a = g.spawn(async {
            sleep(secs(1)).await;
            Ok::<_, String>(1)
        });
        let b = g.spawn_named("b", async {
            sleep(secs(2)).await;
            Ok::<_, String>(2)
        });
        let r = g.join().await;
        assert_eq!((a.await.unwrap(), b.await.unwrap()), (1, 2));
        (r, start.elapsed())
    });
    assert!(r.is_ok());
    assert_eq!(took, secs(2));
}

#[test]
fn task_group_first_failure_cancels_the_rest_and_join_lists_every_failure() {
    let (rt, _) = virtual_rt();
    #[derive(Debug, PartialEq)]
    struct DiskFull;
    impl std::fmt::Display for DiskFull {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("disk full")
        }
    }
    let (err, slow, took) = rt.block_on(async {
        let start = Instant::now();
        let g = TaskGroup::new();
        let slow = g.spawn_named("slow", async {
            sleep(secs(10)).await;
            Ok::<_, DiskFull>(())
        });
        let bad = g.spawn_named("writer", async {
            sleep(secs(1)).await;
            Err::<(), _>(DiskFull)
        });
        let err = g.join().await.unwrap_err();
        let bad = bad.await.unwrap_err();
        assert!(bad.is_error());
        assert_eq!(bad.error_message(), Some("disk full"));
        (err, slow.await, start.elapsed())
    });
    assert_eq!(
        took,
        secs(1),
        "join returned as soon as the failure cancelled the rest"
    );
    assert!(slow.unwrap_err().is_cancelled());
    assert_eq!(err.failures().len(), 1);
    let f = &err.failures()[0];
    assert_eq!(
        (f.name.as_str(), f.kind),
        ("writer", ChildFailureKind::Error)
    );
    assert_eq!(f.downcast_ref::<DiskFull>(), Some(&DiskFull));
    assert!(
        err.to_string()
            .starts_with("1 child of the task group failed: 'writer'"),
        "{err}"
    );
}

#[test]
fn task_group_child_panic_is_a_failure() {
    let (rt, _) = virtual_rt();
    let err = rt.block_on(async {
        let g = TaskGroup::new();
        let _p = g.spawn_named("p", async {
            sleep(secs(1)).await;
            if true {
                panic!("oops");
            }
            Ok::<(), String>(())
        });
        let _q = g.spawn(async {
            sleep(secs(5)).await;
            Ok::<(), String>(())
        });
        g.join().await.unwrap_err()
    });
    assert_eq!(err.failures()[0].kind, ChildFailureKind::Panicked);
    assert_eq!(err.failures()[0].message, "oops");
    assert_eq!(
        rt.snapshot().task_named("p").unwrap().state,
        TaskState::Panicked
    );
}

#[test]
fn dropping_a_group_or_timing_out_its_join_cancels_every_child() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let (timed_out, ids) = rt.block_on(async move {
        let g = TaskGroup::new();
        let ids: Vec<_> = (0..3)
            .map(|i| {
                let t = t.clone();
                g.spawn(async move {
                    sleep(secs(10)).await;
                    t.push(format!("child {i} ran to the end"));
                    Ok::<(), String>(())
                })
                .id()
            })
            .collect();
        (timeout(secs(1), g.join()).await.is_err(), ids)
    });
    assert!(timed_out);
    rt.run_until_done().unwrap();
    assert!(trace.take().is_empty(), "no child outlived the group");
    let snap = rt.snapshot();
    assert!(
        ids.iter()
            .all(|id| snap.task(*id).unwrap().state == TaskState::Cancelled)
    );
}

#[test]
fn a_child_spawned_while_the_group_is_cancelling_is_cancelled_at_once() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let g = TaskGroup::new();
        let _first = g.spawn(async { Err::<(), _>("first") });
        sleep(secs(1)).await;
        assert!(g.is_cancelling());
        let late = g.spawn(async { Ok::<_, String>(1) });
        assert!(late.await.unwrap_err().is_cancelled());
        assert_eq!(g.join().await.unwrap_err().failures().len(), 1);
    });
}

#[test]
#[allow(clippy::async_yields_async)] // the block hands the inner task's handle out on purpose
fn shield_survives_the_timeout_of_its_awaiter() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let handle = rt.block_on(async move {
        let mut s = shield(async move {
            sleep(secs(3)).await;
            t.push("payment committed");
            "paid"
        });
        assert!(timeout(secs(1), &mut s).await.is_err());
        s.into_handle()
    });
    assert_eq!(rt.block_on(handle).unwrap(), "paid");
    assert_eq!(trace.take(), ["payment committed"]);
}

#[test]
fn shield_survives_cancellation_of_the_outer_task() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let outer = rt.spawn(async move {
        let inner = shield(async move {
            sleep(secs(3)).await;
            t.push("inner finished");
        });
        inner.await.unwrap();
    });
    rt.advance(secs(1)).unwrap();
    outer.cancel();
    rt.run_until_done().unwrap();
    assert_eq!(trace.take(), ["inner finished"]);
}

#[test]
fn timeout_composes_with_gather_wait_and_race() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let slow = || {
            evloop::spawn(async {
                sleep(secs(5)).await;
                1
            })
        };
        assert!(timeout(secs(1), gather([slow(), slow()])).await.is_err());
        assert!(
            timeout(secs(1), wait(vec![slow()], ReturnWhen::AllCompleted, None))
                .await
                .is_err()
        );
        let r = timeout(secs(10), race([sleep(secs(2)), sleep(secs(3))])).await;
        assert_eq!(r, Ok(Ok((0, ()))));
        assert_eq!(Instant::now().since_start(), secs(4));
    });
}

/// Item 16 of issue 17: one obvious way to cancel the tasks a race, a select
/// or a timeout gives up on: handles made with `cancel_on_drop`.
#[test]
fn cancel_on_drop_handles_are_cancelled_when_a_race_select_or_timeout_gives_up() {
    let (rt, _) = virtual_rt();
    let state = |id| rt.snapshot().task(id).unwrap().state;
    let (a, b) = rt.block_on(async {
        let slow = evloop::spawn(sleep(Duration::from_secs(9)));
        let fast = evloop::spawn(async {
            sleep(Duration::from_secs(1)).await;
            7
        });
        let ids = (slow.id(), fast.id());
        let out = select(slow.cancel_on_drop(), fast.cancel_on_drop()).await;
        assert!(matches!(out, Either::Right(Ok(7))));
        ids
    });
    assert_eq!(
        (state(a), state(b)),
        (TaskState::Cancelled, TaskState::Done)
    );

    let ids = rt.block_on(async {
        let tasks: Vec<_> = [3, 1, 2]
            .into_iter()
            .map(|s| evloop::spawn(async move { sleep(Duration::from_secs(s)).await }))
            .collect();
        let ids: Vec<_> = tasks.iter().map(|t| t.id()).collect();
        let (_, winner) = race(tasks.into_iter().map(|t| t.cancel_on_drop()))
            .await
            .unwrap();
        winner.unwrap();
        ids
    });
    let states: Vec<_> = ids.iter().map(|id| state(*id)).collect();
    assert_eq!(
        states,
        [TaskState::Cancelled, TaskState::Done, TaskState::Cancelled]
    );

    let slow = rt.spawn(sleep(Duration::from_secs(60)));
    let id = slow.id();
    let out = rt.block_on(timeout(Duration::from_secs(1), slow.cancel_on_drop()));
    assert!(out.is_err());
    assert_eq!(
        state(id),
        TaskState::Cancelled,
        "asyncio's wait_for(task) cancels the task"
    );
}

/// Item 5 of issue 17: a task group child that returned `Err` is `failed`,
/// not `done`, in snapshots and the event stream.
#[test]
fn a_task_group_child_that_returned_an_error_is_failed() {
    let (rt, _) = virtual_rt();
    rt.events().record(1000);
    let id = rt.block_on(async {
        let group = TaskGroup::new();
        let h = group.spawn_named("broken", async { Err::<(), _>("disk full") });
        let id = h.id();
        assert!(group.join().await.is_err());
        assert!(h.is_failed());
        id
    });
    assert_eq!(rt.snapshot().task(id).unwrap().state, TaskState::Failed);
    assert!(rt.events().recorded().iter().any(|e| matches!(
        &e.kind,
        evloop::inspect::LoopEventKind::Failed { task, message } if *task == id && message == "disk full"
    )));
}

//! TaskSet (tokio's JoinSet) and CancelHandle: completion order, any
//! output type, cancel_all, shutdown, cancel on drop, snapshots.
mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::TaskSet;
use evloop::sync::Event;
use evloop::{Cancel, Runtime, TaskState, WaitOn};
use util::virtual_rt;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn members_come_out_in_finishing_order_with_any_output_type() {
    let (rt, _) = virtual_rt();
    let out = rt.block_on(async {
        let set: TaskSet<(u64, &'static str)> = TaskSet::new();
        for (s, name) in [(3, "c"), (1, "a"), (2, "b")] {
            set.spawn_named(name, async move {
                evloop::sleep(secs(s)).await;
                (s, name)
            });
        }
        assert_eq!(set.len(), 3);
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            out.push(r.unwrap().1);
        }
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none(), "empty: None at once");
        out
    });
    assert_eq!(out, ["a", "b", "c"]);
}

#[test]
fn spawning_while_joining_and_ids_come_with_results() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let set = TaskSet::new();
        let first = set.spawn(async { 1 });
        let (id, r) = set.join_next_with_id().await.unwrap();
        assert_eq!((id, r.unwrap()), (first.id(), 1));
        // Spawn again after it emptied: a pool used over time.
        set.spawn(async {
            evloop::sleep(secs(1)).await;
            2
        });
        assert_eq!(set.join_next().await.unwrap().unwrap(), 2);
        assert!(set.try_join_next().is_none());
    });
}

#[test]
fn a_failure_does_not_cancel_the_others_and_counts_as_retrieved() {
    let (rt, found) = virtual_rt();
    rt.block_on(async {
        let set = TaskSet::new();
        set.spawn(async { panic!("one broke") });
        set.spawn(async {
            evloop::sleep(secs(1)).await;
            "other"
        });
        let first = set.join_next().await.unwrap().unwrap_err();
        assert_eq!(first.panic_message(), Some("one broke"));
        assert_eq!(set.join_next().await.unwrap().unwrap(), "other");
    });
    assert!(
        found
            .borrow()
            .iter()
            .all(|d| d.kind() != "unretrieved-failure"),
        "{:?}",
        found.borrow()
    );
}

#[test]
fn cancel_all_and_shutdown_cancel_every_member() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let set = TaskSet::new();
        for _ in 0..3 {
            set.spawn(evloop::sleep(secs(10)));
        }
        evloop::yield_now().await;
        set.cancel_all();
        let mut cancelled = 0;
        while let Some(r) = set.join_next().await {
            cancelled += usize::from(r.unwrap_err().is_cancelled());
        }
        assert_eq!(cancelled, 3);
        for _ in 0..2 {
            set.spawn(evloop::sleep(secs(10)));
        }
        set.shutdown().await;
        assert!(set.is_empty());
    });
    assert_eq!(rt.now().since_start(), Duration::ZERO, "nobody waited 10 s");
}

#[test]
fn dropping_the_set_cancels_its_members_even_unpolled_ones() {
    let (rt, _) = virtual_rt();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let (ids, handle) = rt.block_on(async move {
        let set = TaskSet::new();
        let polled = set.spawn(evloop::sleep(secs(5)));
        evloop::yield_now().await; // 'polled' runs once; the next one never does
        let never = set.spawn(async move { r.set(true) });
        let keep = never.clone();
        drop(set);
        ((polled.id(), never.id()), keep)
    });
    rt.run_until_done().unwrap();
    assert!(!ran.get());
    assert!(handle.is_finished());
    let snap = rt.snapshot();
    assert_eq!(snap.task(ids.0).unwrap().state, TaskState::Cancelled);
    assert_eq!(snap.task(ids.1).unwrap().state, TaskState::Cancelled);
}

#[test]
fn a_cancel_handle_can_be_kept_and_sent_to_another_task() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let set = TaskSet::new();
        let handle = set.spawn_named("slow", evloop::sleep(secs(100)));
        assert_eq!(handle.name(), "slow");
        let canceller = evloop::spawn(async move {
            evloop::sleep(secs(1)).await;
            handle.cancel()
        });
        assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
        assert_eq!(canceller.await.unwrap(), Cancel::Cancelled);
    });
    assert_eq!(rt.now().since_start(), secs(1));
}

#[test]
fn a_dropped_join_next_loses_no_result() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let set = TaskSet::new();
        set.spawn(async {
            evloop::sleep(secs(2)).await;
            7
        });
        assert!(
            evloop::time::timeout(secs(1), set.join_next())
                .await
                .is_err()
        );
        assert_eq!(set.join_next().await.unwrap().unwrap(), 7);
    });
}

#[test]
fn a_joiner_granted_a_result_and_cancelled_passes_it_on() {
    let (rt, _) = virtual_rt();
    let set = Rc::new(TaskSet::new());
    let go = Event::new();
    {
        let _enter = rt.enter();
        let go = go.clone();
        set.spawn(async move {
            go.wait().await;
            7
        });
    }
    let s = set.clone();
    let a = rt.spawn(async move { s.join_next().await.map(Result::unwrap) });
    let s = set.clone();
    let b = rt.spawn(async move { s.join_next().await.map(Result::unwrap) });
    rt.run_until_idle().unwrap();
    go.set();
    // The member finishes: its result is granted to 'a', first in line,
    // which is cancelled before it runs. 'b' must get the result.
    rt.step().unwrap();
    a.cancel();
    rt.run_until_idle().unwrap();
    assert!(b.is_finished(), "the result went on to 'b'");
    assert_eq!(rt.block_on(b).unwrap(), Some(7));
}

#[test]
fn the_set_shows_in_snapshots_held_by_its_members() {
    let rt = Runtime::builder().virtual_clock().build();
    let set = Rc::new({
        let _enter = rt.enter();
        TaskSet::named("crawlers")
    });
    let ids: Vec<_> = {
        let _enter = rt.enter();
        (0..2)
            .map(|i| {
                set.spawn_named(format!("crawler-{i}"), evloop::sleep(secs(5)))
                    .id()
            })
            .collect()
    };
    let s = set.clone();
    let joiner = rt.spawn_named("joiner", async move { s.join_next().await.is_some() });
    rt.run_until_idle().unwrap();
    let snap = rt.snapshot();
    let info = snap.primitive_named("crawlers").unwrap();
    assert_eq!(info.kind, "task set");
    assert_eq!(info.state, "2 running, 0 finished and not joined");
    assert_eq!(info.holders, ids);
    assert_eq!(info.waiters, [joiner.id()]);
    assert_eq!(
        snap.task(joiner.id()).unwrap().waiting_on,
        Some(WaitOn::Primitive {
            kind: "task set",
            name: "crawlers".into()
        })
    );
    rt.run_until_done().unwrap();
}

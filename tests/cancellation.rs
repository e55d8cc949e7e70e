//! Cancellation beyond dropping: tokens with children, trio-style cancel
//! scopes (move_on / fail, movable deadlines, shields), and TaskGroup::start.
mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::{
    CancelScope, TaskGroup, TaskStatus, fail_after, fail_at, move_on_after, move_on_at,
};
use evloop::sync::CancelToken;
use evloop::time::Instant;
use evloop::{Runtime, sleep};
use util::{Trace, virtual_rt};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn now() -> Duration {
    Instant::now().since_start()
}

// ----- tokens -------------------------------------------------------------------

#[test]
fn cancelling_a_token_cancels_its_children_but_not_its_parent() {
    let (rt, _) = virtual_rt();
    let root = CancelToken::named("root");
    let a = root.child();
    let a1 = a.child();
    let b = root.child();
    assert_eq!(a1.name(), "root/0/0");
    a.cancel();
    assert!(a.is_cancelled() && a1.is_cancelled());
    assert!(!root.is_cancelled() && !b.is_cancelled());
    let waiters: Vec<_> = [b.clone(), root.clone()]
        .into_iter()
        .map(|t| rt.spawn(async move { t.cancelled().await }))
        .collect();
    rt.run_until_idle().unwrap();
    assert!(waiters.iter().all(|w| !w.is_finished()));
    root.cancel();
    rt.run_until_idle().unwrap();
    assert!(waiters.iter().all(|w| w.is_finished()));
    assert!(root.child().is_cancelled(), "born cancelled");
}

#[test]
fn run_until_cancelled_drops_the_work_when_the_token_fires() {
    let (rt, _) = virtual_rt();
    let token = CancelToken::new();
    let dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let (t, d) = (token.clone(), dropped.clone());
    let work = rt.spawn(async move {
        t.run_until_cancelled(async move {
            let _flag = Flag(d);
            sleep(secs(100)).await;
        })
        .await
    });
    rt.advance(secs(1)).unwrap();
    token.cancel();
    rt.run_until_done().unwrap();
    assert_eq!(rt.block_on(work).unwrap(), None);
    assert!(dropped.get());
    let t = token.clone();
    assert_eq!(
        rt.block_on(async move { t.run_until_cancelled(async { 1 }).await }),
        Some(1),
        "ready work wins even over a cancelled token"
    );
}

#[test]
fn a_dropped_cancelled_future_leaves_the_line_and_a_drop_guard_cancels() {
    let (rt, _) = virtual_rt();
    let token = CancelToken::named("t");
    let t = token.clone();
    let waiter = rt.spawn(async move { t.cancelled().await });
    rt.run_until_idle().unwrap();
    assert_eq!(rt.snapshot().primitive_named("t").unwrap().waiters.len(), 1);
    waiter.cancel();
    assert!(
        rt.snapshot()
            .primitive_named("t")
            .unwrap()
            .waiters
            .is_empty()
    );
    let guard = token.clone().drop_guard();
    assert!(!token.is_cancelled());
    drop(guard);
    assert!(token.is_cancelled());
    assert_eq!(
        rt.snapshot().primitive_named("t").unwrap().state,
        "cancelled"
    );
}

// ----- scopes ---------------------------------------------------------------------

#[test]
fn move_on_and_fail_after_say_whether_the_deadline_fired() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let slow = move_on_after(secs(1), sleep(secs(5)));
        let scope = slow.scope().clone();
        assert_eq!(slow.await, None);
        assert!(scope.cancelled_caught() && scope.cancel_called());
        assert_eq!(now(), secs(1));

        let fast = move_on_after(secs(5), async { 7 });
        let scope = fast.scope().clone();
        assert_eq!(fast.await, Some(7));
        assert!(!scope.cancelled_caught());

        let err = fail_after(secs(1), sleep(secs(5))).await.unwrap_err();
        assert_eq!(err.deadline, Some(Instant::START + secs(2)));
        let at = Instant::now() + secs(1);
        assert_eq!(move_on_at(at, async { "in time" }).await, Some("in time"));
        assert!(fail_at(at, sleep(secs(2))).await.is_err());
        assert_eq!(now(), secs(3));
    });
}

#[test]
fn the_deadline_moves_while_the_work_runs() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        // Pushed back from inside.
        let scope = CancelScope::after(secs(2));
        let s = scope.clone();
        let out = scope
            .run(async move {
                sleep(secs(1)).await;
                s.reschedule(Some(Instant::now() + secs(10)));
                sleep(secs(5)).await;
                "finished"
            })
            .await;
        assert_eq!(out, Some("finished"));
        assert_eq!(now(), secs(6));

        // Pulled in from another task.
        let scope = CancelScope::after(secs(100));
        let s = scope.clone();
        evloop::spawn(async move {
            sleep(secs(1)).await;
            s.reschedule(Some(Instant::now()));
        })
        .detach();
        assert_eq!(scope.run(sleep(secs(50))).await, None);
        assert_eq!(now(), secs(7));

        // Removed.
        let scope = CancelScope::after(secs(1));
        scope.reschedule(None);
        assert_eq!(scope.deadline(), None);
        assert_eq!(scope.run(sleep(secs(3))).await, Some(()));

        // Cancelled by hand: fail_after's error says so.
        let scope = CancelScope::new();
        let s = scope.clone();
        let err = scope
            .run_or_fail(async move {
                s.cancel();
                sleep(secs(1)).await;
            })
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the cancel scope was cancelled before its work finished"
        );
    });
}

#[test]
fn a_shielded_scope_inside_defers_the_outer_cancellation_until_it_ends() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let out = rt.block_on(async move {
        move_on_after(secs(1), async move {
            t.push(format!("start @{:?}", now()));
            let inner = CancelScope::shielded();
            inner
                .run(async {
                    sleep(secs(3)).await; // the outer deadline passes in here
                    t.push(format!("shielded work done @{:?}", now()));
                })
                .await;
            t.push("after the shield (runs until the next await)".to_string());
            sleep(secs(10)).await;
            t.push("never".to_string());
        })
        .await
    });
    assert_eq!(out, None);
    assert_eq!(
        trace.take(),
        [
            "start @0ns",
            "shielded work done @3s",
            "after the shield (runs until the next await)"
        ]
    );
    assert_eq!(rt.now().since_start(), secs(3));
}

#[test]
fn lowering_the_shield_lets_the_outer_scope_cancel_at_once() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let inner = CancelScope::shielded();
        let lower = inner.clone();
        evloop::spawn(async move {
            sleep(secs(2)).await;
            lower.set_shield(false);
        })
        .detach();
        let out = move_on_after(secs(1), inner.run(sleep(secs(10)))).await;
        assert_eq!(out, None);
        assert_eq!(now(), secs(2));
        assert!(
            !inner.cancelled_caught(),
            "the inner scope itself never fired"
        );
    });
}

#[test]
fn a_shielded_scope_keeps_its_own_deadline_and_a_token_respects_shields() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let inner = CancelScope::after(secs(2));
        inner.set_shield(true);
        assert_eq!(inner.run(sleep(secs(5))).await, None);
        assert_eq!(now(), secs(2));

        let token = CancelToken::new();
        let t = token.clone();
        evloop::spawn(async move { t.cancel() }).detach();
        let out = token
            .run_until_cancelled(async {
                CancelScope::shielded().run(sleep(secs(1))).await;
                sleep(secs(5)).await; // the first await after the shield
                "not reached"
            })
            .await;
        assert_eq!(out, None);
        assert_eq!(now(), secs(3), "the token waited for the shielded second");
    });
}

#[test]
fn a_scope_made_outside_the_loop_counts_from_its_first_poll() {
    let rt = Runtime::builder().virtual_clock().build();
    rt.advance(secs(5)).unwrap();
    let out = move_on_after(secs(1), sleep(secs(3)));
    let scope = out.scope().clone();
    assert_eq!(scope.deadline(), None, "not known yet");
    assert_eq!(rt.block_on(out), None);
    assert_eq!(scope.deadline(), Some(Instant::START + secs(6)));
}

// ----- TaskGroup::start -------------------------------------------------------------

#[test]
fn start_waits_for_started_and_the_child_runs_on_in_the_group() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    rt.block_on(async move {
        let group = TaskGroup::new();
        let t2 = t.clone();
        let port = group
            .start_named("server", move |status: TaskStatus<u16>| async move {
                sleep(secs(1)).await;
                status.started(8080);
                sleep(secs(2)).await;
                t2.push(format!("server done @{:?}", now()));
                Ok::<_, String>(())
            })
            .await
            .unwrap();
        t.push(format!("started on {port} @{:?}", now()));
        group.join().await.unwrap();
    });
    assert_eq!(trace.take(), ["started on 8080 @1s", "server done @3s"]);
}

#[test]
fn start_fails_with_how_the_child_ended() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let group = TaskGroup::new();
        let err = group
            .start_named("quitter", |status: TaskStatus<()>| async move {
                let _kept = status; // but never used
                Ok::<_, String>(())
            })
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("task 'quitter' (#2) returned before it called TaskStatus::started()"),
            "{err}"
        );
        let err = group
            .start_named("broken", |status: TaskStatus<()>| async move {
                let _kept = status;
                Err::<(), _>("no port")
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("failed (no port)"), "{err}");
        let _ = group.join().await;
        // A status dropped at once (a closure that ignores it): the child
        // can never start, so it is cancelled.
        let group = TaskGroup::new();
        let err = group
            .start_named("forgetful", |_: TaskStatus<()>| async {
                sleep(secs(1)).await;
                Ok::<_, String>(())
            })
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("dropped its TaskStatus (so it was cancelled)"),
            "{err}"
        );
        let _ = group.join().await;
    });
}

#[test]
fn dropping_start_before_started_cancels_the_child() {
    let (rt, _) = virtual_rt();
    let ran_on = Rc::new(Cell::new(false));
    let r = ran_on.clone();
    rt.block_on(async move {
        let group = TaskGroup::new();
        let slow = group.start(move |status: TaskStatus<()>| async move {
            sleep(secs(5)).await;
            status.started(());
            r.set(true);
            Ok::<_, String>(())
        });
        assert!(evloop::time::timeout(secs(1), slow).await.is_err());
        group.join().await.unwrap(); // a cancelled child is not a failure
    });
    assert!(!ran_on.get());
}

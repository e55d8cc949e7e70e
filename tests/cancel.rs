//! Cancellation: the future is dropped where it is parked.
mod util;

use std::time::Duration;

use evloop::{Cancel, TaskState};
use util::{Trace, virtual_rt};

struct Guard(Trace, &'static str);
impl Drop for Guard {
    fn drop(&mut self) {
        self.0.push(format!("drop {}", self.1));
    }
}

#[test]
fn cancel_runs_destructors_at_the_await_point() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let h = rt.spawn_named("worker", async move {
        let _g = Guard(t.clone(), "guard");
        t.push("sleeping");
        evloop::sleep(Duration::from_secs(10)).await;
        t.push("never");
    });
    rt.run_until_idle().unwrap();
    assert_eq!(h.cancel(), Cancel::Cancelled);
    assert_eq!(trace.take(), ["sleeping", "drop guard"]);
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(
        rt.next_deadline(),
        None,
        "the cancelled sleep left no timer"
    );
}

#[test]
fn cancelling_a_finished_task_changes_nothing_and_says_so() {
    let (rt, _) = virtual_rt();
    let h = rt.spawn(async { 5 });
    rt.run_until_done().unwrap();
    assert_eq!(h.cancel(), Cancel::AlreadyFinished);
    assert_eq!(rt.block_on(h).unwrap(), 5);
}

#[test]
fn cancel_before_first_poll() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    let h = rt.spawn(async move { t.push("ran") });
    assert_eq!(h.cancel(), Cancel::Cancelled);
    rt.run_until_done().unwrap();
    assert!(
        trace.take().is_empty(),
        "a task cancelled while queued is never polled"
    );
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
}

#[test]
fn a_task_cancelling_itself_is_dropped_after_its_poll() {
    let (rt, _) = virtual_rt();
    let slot = std::rc::Rc::new(std::cell::RefCell::new(None::<evloop::JoinHandle<()>>));
    let s = slot.clone();
    let trace = Trace::default();
    let t = trace.clone();
    let h = rt.spawn(async move {
        let _g = Guard(t.clone(), "self");
        let me = s.borrow_mut().take().unwrap();
        t.push(format!("{:?}", me.cancel()));
        *s.borrow_mut() = Some(me);
        evloop::yield_now().await;
        t.push("never");
    });
    let id = h.id();
    *slot.borrow_mut() = Some(h);
    rt.run_until_done().unwrap();
    assert_eq!(trace.take(), ["Requested", "drop self"]);
    assert_eq!(rt.snapshot().task(id).unwrap().state, TaskState::Cancelled);
}

#[test]
fn cancel_from_another_task_wakes_the_awaiter() {
    let (rt, _) = virtual_rt();
    let out = rt.block_on(async {
        let victim = evloop::spawn(evloop::sleep(Duration::from_secs(60)));
        evloop::yield_now().await;
        victim.cancel();
        victim.await
    });
    assert!(out.unwrap_err().is_cancelled());
}

#[test]
fn runtime_cancel_by_id_and_unknown_ids() {
    let (rt, _) = virtual_rt();
    let h = rt.spawn(evloop::sleep(Duration::from_secs(1)));
    assert_eq!(rt.cancel(h.id()), Ok(Cancel::Cancelled));
    let err = rt.cancel(h.id()).unwrap_err();
    assert!(err.to_string().contains("no live task has id"), "{err}");
}

/// Item 19 of issue 17: a panic in cleanup code during `cancel()` is the
/// task's failure (asyncio makes it the task's exception), not lost.
#[test]
fn a_panic_in_cleanup_during_cancel_is_the_tasks_failure() {
    struct Panicky;
    impl Drop for Panicky {
        fn drop(&mut self) {
            panic!("cleanup failed");
        }
    }
    let (rt, found) = virtual_rt();
    let h = rt.spawn_named("worker", async {
        let _cleanup = Panicky;
        evloop::sleep(Duration::from_secs(10)).await;
    });
    let id = h.id();
    rt.run_until_idle().unwrap();
    assert_eq!(h.cancel(), Cancel::Cancelled, "the future was dropped");
    assert_eq!(rt.snapshot().task(id).unwrap().state, TaskState::Panicked);
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled(), "{err}");
    assert_eq!(err.panic_message(), Some("cleanup failed"));
    assert!(
        err.to_string()
            .contains("was being cancelled, and its cleanup panicked"),
        "{err}"
    );
    assert!(
        found.borrow().is_empty(),
        "retrieved through the handle: {:?}",
        found.borrow()
    );

    // Nobody reads it: debug mode says so.
    let h = rt.spawn_named("worker2", async {
        let _cleanup = Panicky;
        evloop::sleep(Duration::from_secs(10)).await;
    });
    rt.run_until_idle().unwrap();
    h.cancel();
    drop(h);
    assert!(
        matches!(&found.borrow()[..], [evloop::debug::Diagnostic::UnretrievedFailure { message, .. }] if message == "cleanup failed"),
        "{:?}",
        found.borrow()
    );
}

/// Item 17 of issue 17: cancelling `block_on`'s own future says what really
/// happened: it is cancelled, and `block_on` ends with `Cancelled`.
#[test]
fn cancelling_block_on_s_own_future_ends_block_on() {
    use std::rc::Rc;
    let (rt, _) = virtual_rt();
    let rt = Rc::new(rt);
    let weak = Rc::downgrade(&rt);
    let answer = Rc::new(std::cell::Cell::new(None));
    let answer2 = answer.clone();
    let err = rt
        .try_block_on(async move {
            let _canceller = evloop::spawn(async move {
                let rt = weak.upgrade().unwrap();
                let main = rt.snapshot().task_named("main").unwrap().id;
                answer2.set(Some(rt.cancel(main).unwrap()));
            });
            evloop::sleep(Duration::from_secs(10)).await;
            "never"
        })
        .unwrap_err();
    assert_eq!(answer.get(), Some(Cancel::Cancelled));
    assert_eq!(err.kind, evloop::RunErrorKind::Cancelled, "{err}");
    let main = rt
        .snapshot()
        .tasks
        .into_iter()
        .find(|t| t.name == "main")
        .unwrap();
    assert_eq!(main.state, TaskState::Cancelled);
}

/// A cancelled task's error names it. The error keeps a default name as the
/// task's id until asked for it as text (cancelling costs no allocation for
/// the name), and spells it then as the task would: `task-N`.
#[test]
fn a_cancelled_tasks_error_names_it_by_its_default_or_given_name() {
    let (rt, _) = virtual_rt();
    let (unnamed, named) = rt.block_on(async {
        let unnamed = evloop::spawn(evloop::sleep(Duration::from_secs(1)));
        let named = evloop::spawn_named("fetch", evloop::sleep(Duration::from_secs(1)));
        evloop::yield_now().await;
        unnamed.cancel();
        named.cancel();
        (unnamed.await.unwrap_err(), named.await.unwrap_err())
    });
    let n = unnamed.task_id().as_u64();
    assert_eq!(
        unnamed.to_string(),
        format!("task 'task-{n}' (#{n}) was cancelled")
    );
    assert_eq!(unnamed.task_name(), format!("task-{n}"));
    assert_eq!(
        unnamed.task_name(),
        format!("task-{n}"),
        "spelled once, asked twice"
    );
    assert!(format!("{unnamed:?}").contains(&format!("name: \"task-{n}\"")));
    assert_eq!(named.task_name(), "fetch");
    assert_eq!(
        named.to_string(),
        format!("task 'fetch' (#{}) was cancelled", n + 1)
    );
    assert!(unnamed.is_cancelled() && named.is_cancelled());
    assert_ne!(unnamed, named);
}

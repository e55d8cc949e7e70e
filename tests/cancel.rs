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

//! Spawning, joining, names, ids and states.
mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::{Runtime, TaskState, WakeCause};
use util::virtual_rt;

#[test]
fn run_returns_the_output() {
    assert_eq!(evloop::run(async { 7 }), 7);
}

#[test]
fn spawned_tasks_run_and_join_in_any_order() {
    let (rt, _) = virtual_rt();
    let out = rt.block_on(async {
        let handles: Vec<_> = (0..10)
            .map(|i| evloop::spawn(async move { i * i }))
            .collect();
        let mut sum = 0;
        for h in handles.into_iter().rev() {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(out, (0..10).map(|i| i * i).sum::<i32>());
}

#[test]
fn tasks_may_be_not_send() {
    let (rt, _) = virtual_rt();
    let counter = Rc::new(Cell::new(0));
    let c = counter.clone();
    rt.block_on(async move {
        evloop::spawn(async move { c.set(c.get() + 1) })
            .await
            .unwrap();
    });
    assert_eq!(counter.get(), 1);
}

#[test]
fn names_ids_and_default_names() {
    let (rt, _) = virtual_rt();
    let a = rt.spawn_named("fetch", async {});
    let b = rt.spawn(async {});
    assert_eq!(a.name(), "fetch");
    assert_eq!(b.name(), format!("task-{}", b.id().as_u64()));
    assert!(a.id() < b.id());
    assert_eq!(a.id().to_string(), format!("#{}", a.id().as_u64()));
}

#[test]
fn detached_task_still_runs() {
    let (rt, _) = virtual_rt();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    drop(rt.spawn(async move {
        evloop::sleep(Duration::from_secs(1)).await;
        r.set(true);
    }));
    rt.run_until_done().unwrap();
    assert!(ran.get(), "the loop keeps a detached task alive");
}

#[test]
fn states_through_a_life() {
    let (rt, _) = virtual_rt();
    let h = rt.spawn_named("sleeper", evloop::sleep(Duration::from_secs(1)));
    let state = |rt: &Runtime| rt.snapshot().task(h.id()).unwrap().state;
    assert_eq!(state(&rt), TaskState::Ready);
    let report = rt.step().unwrap();
    assert_eq!(report.cause, WakeCause::Spawned);
    assert_eq!(state(&rt), TaskState::Waiting);
    rt.advance(Duration::from_secs(1)).unwrap();
    assert_eq!(state(&rt), TaskState::Done);
    let info = rt.snapshot().task(h.id()).cloned().unwrap();
    assert_eq!(info.polls, 2);
    assert_eq!(info.last_cause, WakeCause::Timer);
}

#[test]
fn a_panicking_task_does_not_take_the_loop_down() {
    let (rt, found) = virtual_rt();
    let bad = rt.spawn_named("bad", async { panic!("boom") });
    let good = rt.spawn_named("good", async { 1 });
    rt.run_until_done().unwrap();
    let err = rt.block_on(bad).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("boom"));
    assert_eq!(
        err.to_string(),
        format!("task 'bad' ({}) panicked: boom", err.task_id())
    );
    assert_eq!(rt.block_on(good).unwrap(), 1);
    // (A slow-poll warning may appear: printing a panic's backtrace can
    // take longer than the threshold. What must not appear is this:)
    assert!(
        !found
            .borrow()
            .iter()
            .any(|d| d.kind() == "unretrieved-failure"),
        "the failure was retrieved: {:?}",
        found.borrow()
    );
}

#[test]
#[should_panic(expected = "polled after it returned its result")]
fn polling_a_handle_twice_panics_with_a_clear_message() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::Context;
    let (rt, _) = virtual_rt();
    let h = rt.spawn(async { 1 });
    rt.run_until_done().unwrap();
    let mut h = pin!(h);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    assert!(h.as_mut().poll(&mut cx).is_ready());
    let _ = h.as_mut().poll(&mut cx);
}

#[test]
#[should_panic(expected = "evloop::spawn() was called outside a running evloop loop")]
fn spawn_outside_a_loop_panics_with_a_clear_message() {
    evloop::spawn(async {}).detach();
}

#[test]
#[should_panic(expected = "an evloop::Sleep was polled outside a running evloop loop")]
fn polling_sleep_outside_a_loop_panics_with_a_clear_message() {
    use std::future::Future;
    let mut s = std::pin::pin!(evloop::sleep(Duration::from_secs(1)));
    let _ = s
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
}

#[test]
fn nested_block_on_panics_inside_the_task_with_a_clear_message() {
    let (rt, _) = virtual_rt();
    let inner = Runtime::new();
    let h = rt.spawn(async move { inner.block_on(async {}) });
    rt.run_until_done().unwrap();
    let err = rt.block_on(h).unwrap_err();
    assert!(
        err.panic_message()
            .unwrap()
            .contains("a task cannot block the loop it runs on"),
        "{err}"
    );
}

#[test]
fn awaiting_your_own_handle_is_an_error_not_a_hang() {
    let (rt, _) = virtual_rt();
    let slot: Rc<Cell<Option<evloop::JoinHandle<()>>>> = Rc::new(Cell::new(None));
    let s = slot.clone();
    let h = rt.spawn_named("ouroboros", async move {
        evloop::yield_now().await;
        if let Some(me) = s.take() {
            let _ = me.await;
        }
    });
    let id = h.id();
    slot.set(Some(h));
    rt.run_until_done().unwrap();
    let info = rt.snapshot().task(id).cloned().unwrap();
    assert_eq!(info.state, TaskState::Panicked);
}

/// Item 19b of issue 17: a runtime kept in a `thread_local!` (one per
/// thread, reused by every `block_on` on it) is dropped while the thread is
/// torn down, after evloop's own thread-locals may be gone: that must work,
/// not abort the process.
#[test]
fn a_runtime_in_a_thread_local_is_dropped_with_its_thread() {
    thread_local! {
        static RT: evloop::Runtime = evloop::Runtime::new();
    }
    let out = std::thread::spawn(|| {
        RT.with(|rt| {
            let h = rt.spawn(async { evloop::sleep(Duration::from_secs(3600)).await });
            let n = rt.block_on(async { 1 + 1 });
            drop(h); // still pending: the runtime drops it at thread exit
            n
        })
    })
    .join()
    .expect("the thread ends normally");
    assert_eq!(out, 2);
}

//! Interrupting a loop: Ctrl-C's way in (`evloop::interrupt_on_ctrl_c`)
//! and any thread's (`Runtime::interrupter`).
mod util;

use evloop::RunErrorKind;
use util::virtual_rt;

/// Item 2 of issue 17: an interrupt takes effect after the poll in
/// progress, not at the end of the loop's turn (up to 61 polls later).
#[test]
fn an_interrupt_stops_the_loop_after_the_poll_in_progress() {
    let (rt, _) = virtual_rt();
    let ctrl_c = rt.interrupter();
    for i in 0..100 {
        let ctrl_c = ctrl_c.clone();
        rt.spawn(async move {
            if i == 0 {
                ctrl_c.interrupt(); // as if Ctrl-C came during this poll
                assert!(ctrl_c.is_interrupted());
            }
            loop {
                evloop::yield_now().await;
            }
        })
        .detach();
    }
    let err = rt.run_until_done().unwrap_err();
    assert_eq!(err.kind, RunErrorKind::Interrupted);
    assert_eq!(err.polls, 1, "{err}");
    assert!(!ctrl_c.is_interrupted(), "the loop took it");
    assert_eq!(rt.live_tasks(), 100, "every task is intact");
}

#[test]
fn an_interrupt_from_another_thread_wakes_a_sleeping_loop() {
    let rt = evloop::Runtime::new(); // the real clock: the loop really sleeps
    let ctrl_c = rt.interrupter();
    let never = evloop::sync::Event::new();
    let waiter = rt.spawn({
        let never = never.clone();
        async move { never.wait().await }
    });
    let _keep = rt.external_work(); // so it is not a stall
    let thread = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        ctrl_c.interrupt();
    });
    let err = rt.run_until(&waiter).unwrap_err();
    assert_eq!(err.kind, RunErrorKind::Interrupted);
    thread.join().unwrap();
}

/// Interrupts `rt` after `after`, from another thread: a test that would
/// hang fails instead (with `Interrupted` rather than the answer it wants).
fn watchdog(rt: &evloop::Runtime, after: std::time::Duration) -> std::thread::JoinHandle<()> {
    let ctrl_c = rt.interrupter();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        ctrl_c.interrupt();
    })
}

/// Items 23 and 29 of issue 17: on the real clock, a task waiting on an
/// event nobody can set (no timer, no I/O, no thread in flight) is a stall,
/// reported as on the virtual clock, not a hang.
#[test]
fn on_the_real_clock_a_wait_only_this_loop_could_end_is_a_stall() {
    let rt = evloop::Runtime::new();
    let never = evloop::sync::Event::named("never");
    let waiter = rt.spawn_named("waiter", {
        let never = never.clone();
        async move { never.wait().await }
    });
    let _dog = watchdog(&rt, std::time::Duration::from_secs(5));
    let err = rt.run_until(&waiter).unwrap_err();
    let stall = err.stall().unwrap_or_else(|| panic!("not a stall: {err}"));
    assert!(stall.to_string().contains("'waiter'"), "{stall}");
}

/// Item 29 of issue 17: a waker held by another runtime's task on this
/// thread cannot fire while this thread runs this loop: a stall too.
#[test]
fn on_the_real_clock_a_wait_on_another_runtime_of_this_thread_is_a_stall() {
    let other = evloop::Runtime::new();
    let never = evloop::sync::Event::named("never");
    let theirs = other.spawn_named("theirs", {
        let never = never.clone();
        async move { never.wait().await }
    });
    other.run_until_idle().unwrap();
    let rt = evloop::Runtime::new();
    let ours = rt.spawn_named("ours", async move { theirs.await.ok() });
    let _dog = watchdog(&rt, std::time::Duration::from_secs(5));
    let err = rt.run_until(&ours).unwrap_err();
    assert!(err.stall().is_some(), "{err}");
}

/// And a waker another thread holds may still fire: the loop waits.
#[test]
fn on_the_real_clock_a_waker_held_by_another_thread_is_waited_for() {
    use std::sync::{Arc, Mutex};
    let rt = evloop::Runtime::new();
    let slot: Arc<Mutex<Option<std::task::Waker>>> = Arc::default();
    let theirs = slot.clone();
    let parked = rt.spawn(std::future::poll_fn(move |cx| {
        *theirs.lock().unwrap() = Some(cx.waker().clone());
        std::task::Poll::<()>::Pending
    }));
    let _dog = watchdog(&rt, std::time::Duration::from_millis(100));
    let err = rt.run_until(&parked).unwrap_err();
    assert_eq!(err.kind, RunErrorKind::Interrupted, "{err}");
    drop(slot);
}

/// A loop of many tasks looks for a deadlock only now and then on the real
/// clock (the check visits every task: `src/executor/stall_check.rs`), and
/// still finds one that appears between two looks: here, after the last
/// wake from another thread, which then lets its waker go.
#[test]
fn a_large_loop_still_reports_a_deadlock_that_follows_wakes_from_another_thread() {
    use std::sync::{Arc, Mutex};
    const ROUNDS: u32 = 20;
    let rt = evloop::Runtime::new();
    let never = evloop::sync::Event::named("never");
    // How many times the thread has rung, and the waker of the task waiting
    // for the next ring.
    let bell: Arc<Mutex<(u32, Option<std::task::Waker>)>> = Arc::default();
    let ringer = std::thread::spawn({
        let bell = bell.clone();
        move || {
            for _ in 0..ROUNDS {
                // Each ring wakes the task from a sleep: the loop has
                // looked for a deadlock (and found this thread's waker)
                // before the first, and not again since.
                let waker = loop {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    let mut bell = bell.lock().unwrap();
                    if let Some(waker) = bell.1.take() {
                        bell.0 += 1;
                        break waker;
                    }
                };
                waker.wake();
            }
        }
    });
    let last = rt.spawn_named("last", {
        let never = never.clone();
        async move {
            for round in 1..=ROUNDS {
                std::future::poll_fn(|cx| {
                    let mut bell = bell.lock().unwrap();
                    if bell.0 >= round {
                        return std::task::Poll::Ready(());
                    }
                    bell.1 = Some(cx.waker().clone());
                    std::task::Poll::Pending
                })
                .await;
            }
            // The thread rings no more, and holds no waker: nothing can
            // set the event now.
            never.wait().await;
        }
    });
    // Spawned after `last`, which the check then visits first, before a
    // ring can take its waker away.
    for _ in 0..20_000 {
        let never = never.clone();
        rt.spawn(async move { never.wait().await }).detach();
    }
    let _dog = watchdog(&rt, std::time::Duration::from_secs(30));
    let err = rt.run_until(&last).unwrap_err();
    let stall = err.stall().unwrap_or_else(|| panic!("not a stall: {err}"));
    assert!(stall.to_string().contains("'last'"), "{stall}");
    ringer.join().unwrap();
}

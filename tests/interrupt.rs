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

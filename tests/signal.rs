//! Signals as futures: `evloop::signal::{signal, ctrl_c, raise}`.
//!
//! Signals are process-wide and the tests of this file run in parallel in
//! one process, so each test uses a signal of its own, and every listener
//! it raises a signal for is alive until the delivery arrives (a signal
//! nobody listens to does what it did before evloop: `SIGTERM` would end
//! the test binary). The test that checks exactly that runs in a child
//! process.
#![cfg(unix)]

use std::io::ErrorKind;
use std::process::Command;
use std::time::Duration;

use evloop::signal::{self, SignalKind};
use evloop::stream::StreamExt;

/// Real time that only guards against a hang; no assertion depends on it.
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn a_kill_term_of_our_own_pid_is_caught_by_the_signal_stream() {
    evloop::run(async {
        let mut term = signal::signal(SignalKind::terminate()).unwrap();
        assert_eq!(term.kind(), SignalKind::terminate());
        let status = Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .expect("the `kill` command");
        assert!(status.success(), "kill -TERM: {status}");
        let next = evloop::timeout(PATIENCE, term.next()).await;
        assert_eq!(next, Ok(Some(())), "the stream yields one () per delivery");
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn ctrl_c_resolves_when_sigint_is_raised_in_process() {
    evloop::run(async {
        // Listening starts at the call, so the raise below cannot be missed
        // even though the future is first polled after it.
        let ctrl_c = signal::ctrl_c();
        signal::raise(SignalKind::interrupt()).unwrap();
        let done = evloop::timeout(PATIENCE, ctrl_c).await;
        assert!(matches!(done, Ok(Ok(()))), "{done:?}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn every_listener_in_every_loop_hears_every_delivery() {
    let usr1 = SignalKind::user_defined1();
    // A second loop on another thread, listening before the raise.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let other = std::thread::spawn(move || {
        evloop::run(async move {
            let mut sig = signal::signal(usr1).unwrap();
            ready_tx.send(()).unwrap();
            evloop::timeout(PATIENCE, sig.recv()).await.is_ok()
        })
    });
    ready_rx.recv().unwrap();
    let heard_here = evloop::run(async move {
        let mut a = signal::signal(usr1).unwrap();
        let mut b = signal::signal(usr1).unwrap();
        signal::raise(usr1).unwrap();
        let (a, b) = evloop::join!(
            evloop::timeout(PATIENCE, a.recv()),
            evloop::timeout(PATIENCE, b.recv())
        );
        a.is_ok() && b.is_ok()
    });
    assert!(heard_here, "both listeners of this loop");
    assert!(other.join().unwrap(), "the listener of the other loop");
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn a_listener_works_without_a_reactor() {
    let rt = evloop::Runtime::builder().reactor(false).build();
    let heard = rt.block_on(async {
        let mut hup = signal::signal(SignalKind::hangup()).unwrap();
        signal::raise(SignalKind::hangup()).unwrap();
        evloop::timeout(PATIENCE, hup.recv()).await
    });
    assert_eq!(heard, Ok(()));
}

/// While a task awaits a signal the loop counts it as outside work: the
/// virtual clock does not jump an hour ahead to fire the timeout, it waits
/// for the signal.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn a_waiting_listener_holds_the_virtual_clock() {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    let mut winch = rt
        .block_on(async { signal::signal(SignalKind::window_change()) })
        .unwrap();
    let raiser = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(20));
        signal::raise(SignalKind::window_change()).unwrap();
    });
    let heard =
        rt.block_on(async { evloop::timeout(Duration::from_secs(3600), winch.recv()).await });
    raiser.join().unwrap();
    assert_eq!(heard, Ok(()), "the timeout fired first: the clock jumped");
}

#[test]
fn signals_that_cannot_be_awaited_are_refused_with_a_reason() {
    for (signum, says) in [
        (9, "SIGKILL cannot be caught"),
        (11, "SIGSEGV reports a fault"),
        (0, "0 is not a signal number"),
        (-3, "-3 is not a signal number"),
        (200, "200 is not a signal number"),
    ] {
        let err = signal::signal(SignalKind::from_raw(signum)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{signum}");
        assert!(err.to_string().contains(says), "{signum}: {err}");
    }
    let err = signal::raise(SignalKind::from_raw(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn signal_kinds_print_their_c_names() {
    assert_eq!(SignalKind::terminate().to_string(), "SIGTERM");
    assert_eq!(SignalKind::hangup().to_string(), "SIGHUP");
    assert_eq!(SignalKind::interrupt().as_raw_value(), 2);
    assert_eq!(SignalKind::from_raw(40).to_string(), "signal 40");
    assert_eq!(SignalKind::from_raw(40).name(), None);
}

const CHILD_VAR: &str = "EVLOOP_SIGNAL_TEST_CHILD";

/// Run by the test below in a child process of this test binary: listens
/// for SIGTERM, stops listening, then sends itself SIGTERM, which must end
/// it as if evloop had never been there.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn child_helper_stops_listening_then_gets_sigterm() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return; // only meaningful as the child of the test below
    }
    evloop::run(async {
        let mut term = signal::signal(SignalKind::terminate()).unwrap();
        signal::raise(SignalKind::terminate()).unwrap();
        term.recv().await; // heard: the process lives on
        println!("heard SIGTERM once");
    });
    // No listener now: this one takes SIGTERM's default action.
    signal::raise(SignalKind::terminate()).unwrap();
    std::thread::sleep(PATIENCE);
    println!("still alive");
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn a_signal_nobody_listens_to_any_more_does_what_it_did_before() {
    use std::os::unix::process::ExitStatusExt;
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_helper_stops_listening_then_gets_sigterm",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("heard SIGTERM once"), "{stdout}");
    assert!(!stdout.contains("still alive"), "{stdout}");
    assert_eq!(
        out.status.signal(),
        Some(15),
        "ended by SIGTERM: {:?}",
        out.status
    );
}

/// A `recv` that is cancelled gives the clock back: the loop no longer
/// waits for the world, and the virtual hour after it passes at once. (If
/// the guard leaked, the loop would wait for real; the watchdog then
/// interrupts it and the test fails.)
#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn a_cancelled_recv_lets_the_virtual_clock_run_again() {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    let main = rt.spawn(async {
        let mut usr2 = signal::signal(SignalKind::user_defined2()).unwrap();
        let cancelled = evloop::timeout(Duration::ZERO, usr2.recv()).await;
        assert!(cancelled.is_err(), "nobody sent SIGUSR2");
        evloop::sleep(Duration::from_secs(3600)).await;
    });
    let ctrl = rt.interrupter();
    let _watchdog = std::thread::spawn(move || {
        std::thread::sleep(PATIENCE);
        ctrl.interrupt();
    });
    rt.run_until(&main)
        .unwrap_or_else(|e| panic!("the loop kept waiting for the signal: {e}"));
    rt.block_on(main).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot install signal handlers")]
fn a_task_waiting_for_a_signal_says_so_in_the_step_report() {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    let _keep = rt.spawn_named("waiter", async {
        let mut quit = signal::signal(SignalKind::quit()).unwrap();
        quit.recv().await;
    });
    let report = rt.step().unwrap();
    assert_eq!(
        report.waiting_on,
        Some(evloop::WaitOn::Primitive {
            kind: "signal",
            name: "SIGQUIT".into()
        })
    );
}

//! A console attached to a failing test (issue 12, item 4): with
//! `EVLOOP_CONSOLE=1`, an `#[evloop::test]` that fails opens the console on
//! its failing schedule, and the commands typed there step it by hand.
//!
//! The failing test below is ignored in a plain run (it fails on purpose);
//! the test after it runs this very binary on it, under a console fed from
//! a pipe, as a person would type at the prompt.
#![cfg(feature = "repl")]

use std::io::Write;
use std::process::{Command, Stdio};

use evloop::testing::Shared;

/// The lost update: each adder reads the total, yields, and writes what it
/// read plus one.
#[evloop::test(explore = 20)]
#[ignore = "fails on purpose: a_failing_test_opens_a_console_on_its_schedule runs it under a console"]
async fn two_adders_lose_an_update() {
    let total = Shared::new(0);
    let adders: Vec<_> = (0..2)
        .map(|i| {
            let total = total.clone();
            evloop::spawn_named(format!("adder-{i}"), async move {
                let seen = total.get();
                evloop::yield_now().await;
                total.with(|t| *t = seen + 1);
            })
        })
        .collect();
    for adder in adders {
        adder.await.unwrap();
    }
    assert_eq!(total.get(), 2, "an update was lost");
}

/// Runs this test binary on `two_adders_lose_an_update` with `env` set and
/// `typed` on its stdin; returns (stdout, stderr, success).
fn run_under(env: &[(&str, &str)], typed: &str) -> (String, String, bool) {
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "two_adders_lose_an_update",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("EVLOOP_SCHEDULE")
        .env_remove("EVLOOP_SEED")
        .env_remove("EVLOOP_CONSOLE")
        .envs(env.iter().copied())
        .env(
            "EVLOOP_TRACE_DIR",
            std::env::temp_dir().join("evloop-console-on-failure"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the test binary");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(typed.as_bytes())
        .expect("type the commands");
    let out = child.wait_with_output().expect("the test binary ends");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn a_failing_test_opens_a_console_on_its_schedule() {
    let (out, err, ok) = run_under(&[("EVLOOP_CONSOLE", "1")], "step\nstep\nqueue\nrun\n");
    assert!(!ok, "the test still fails after the console:\n{out}\n{err}");
    // The report comes first, and says the console opens.
    assert!(err.contains("an update was lost"), "the report:\n{err}");
    assert!(
        err.contains("opening a console on the failing schedule"),
        "stderr:\n{err}"
    );
    // The console spawned the body and follows the schedule…
    assert!(out.contains("> spawn test test"), "stdout:\n{out}");
    assert!(out.contains("> replay \""), "stdout:\n{out}");
    // …and the commands typed step it: the adders appear as they are polled,
    // and the run ends with the body's failure.
    assert!(out.contains("adder-0"), "stdout:\n{out}");
    assert!(out.contains("adder-1"), "stdout:\n{out}");
    assert!(out.contains("an update was lost"), "stdout:\n{out}");
}

#[test]
fn without_the_variable_the_failing_test_fails_as_usual() {
    let (out, err, ok) = run_under(&[], "step\n");
    assert!(!ok);
    assert!(err.contains("an update was lost"), "the report:\n{err}");
    assert!(
        err.contains("step it:  EVLOOP_CONSOLE=1"),
        "the report says how to step it:\n{err}"
    );
    assert!(!out.contains("> spawn test test"), "no console:\n{out}");
}

#[test]
fn a_schedule_from_the_environment_is_the_one_the_console_follows() {
    let (out, err, ok) = run_under(
        &[("EVLOOP_CONSOLE", "1"), ("EVLOOP_SCHEDULE", "0")],
        "run\n",
    );
    assert!(!ok, "{out}\n{err}");
    assert!(out.contains("> replay \"0\""), "stdout:\n{out}");
}

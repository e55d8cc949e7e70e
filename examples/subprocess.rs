//! asyncio's subprocess example, in evloop: run programs, read their output
//! line by line, give up on one that takes too long, and stop cleanly at
//! `SIGTERM` or Ctrl-C.
//!
//! ```text
//! cargo run --example subprocess
//! ```
//!
//! The chapter `docs/processes.md` quotes the three functions below;
//! `cargo test --example subprocess` runs them.

use std::io;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use evloop::io::BufReader;
use evloop::process;
use evloop::signal::{self, SignalKind};
use evloop::stream::StreamExt;

// ANCHOR: lines_of
/// Runs `command` and collects its stdout line by line, as it comes
/// (asyncio: `proc.stdout.readline()` in a loop).
async fn lines_of(command: &mut Command) -> io::Result<(Vec<String>, ExitStatus)> {
    let mut child = process::spawn(command.stdout(Stdio::piped()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let mut got = Vec::new();
    while let Some(line) = lines.next().await {
        got.push(line?);
    }
    Ok((got, child.wait().await?))
}
// ANCHOR_END: lines_of

// ANCHOR: with_deadline
/// Runs `command` for at most `limit`; a child still running then is killed
/// (asyncio: `wait_for(proc.wait(), limit)`, then `proc.kill()`).
/// `None` means it was killed.
async fn with_deadline(command: &mut Command, limit: Duration) -> io::Result<Option<ExitStatus>> {
    let mut child = process::spawn(command)?;
    match evloop::timeout(limit, child.wait()).await {
        Ok(status) => status.map(Some),
        Err(_elapsed) => {
            child.kill()?;
            child.wait().await?; // reap it
            Ok(None)
        }
    }
}
// ANCHOR_END: with_deadline

// ANCHOR: until_terminated
/// Does one unit of work per `tick` until the process gets `SIGTERM` or
/// Ctrl-C, then finishes the unit in progress and returns how many were
/// done (asyncio: `loop.add_signal_handler(SIGTERM, stop.set)`).
async fn until_terminated(tick: Duration, mut work: impl FnMut(u32)) -> io::Result<u32> {
    let mut term = signal::signal(SignalKind::terminate())?;
    let mut ctrl_c = signal::ctrl_c();
    let mut done = 0;
    loop {
        evloop::select! {
            _ = term.recv() => break,
            _ = &mut ctrl_c => break,
            _ = evloop::sleep(tick) => {
                done += 1;
                work(done);
            }
        }
    }
    Ok(done)
}
// ANCHOR_END: until_terminated

fn main() -> io::Result<()> {
    evloop::run(async {
        let (lines, status) =
            lines_of(Command::new("sh").args(["-c", "echo one; echo two; exit 0"])).await?;
        println!("sh printed {lines:?} and exited with {status}");

        let quick = with_deadline(&mut Command::new("true"), Duration::from_secs(5)).await?;
        println!("`true` within 5 s: {quick:?}");
        let slow =
            with_deadline(Command::new("sleep").arg("30"), Duration::from_millis(100)).await?;
        println!("`sleep 30` within 100 ms: {slow:?} (killed)");

        println!("working; the 3rd unit sends SIGTERM to this process, as `kill -TERM` would");
        let done = until_terminated(Duration::from_millis(50), |n| {
            println!("  unit {n}");
            if n == 3 {
                signal::raise(SignalKind::terminate()).expect("raise SIGTERM");
            }
        })
        .await?;
        println!("stopped cleanly after {done} units");
        Ok(())
    })
}

/// True (saying so) when runtimes have no reactor (`EVLOOP_REACTOR=off`, as
/// `.ci/run`'s fallback-loop step sets): a child's piped stdout needs one.
#[cfg(test)]
fn skip_without_reactor(test: &str) -> bool {
    let off = std::env::var_os(evloop::io::REACTOR_VAR).is_some_and(|v| v == "off");
    if off {
        eprintln!(
            "skipping {test}: a child's piped stdout needs a reactor, and EVLOOP_REACTOR=off builds runtimes without one"
        );
    }
    off
}

#[test]
fn lines_come_out_in_order_with_the_exit_status() {
    if skip_without_reactor("lines_come_out_in_order_with_the_exit_status") {
        return;
    }
    let (lines, status) = evloop::run(async {
        lines_of(Command::new("sh").args(["-c", "echo a; echo b; exit 4"])).await
    })
    .unwrap();
    assert_eq!(lines, ["a", "b"]);
    assert_eq!(status.code(), Some(4));
}

#[test]
fn a_child_past_its_deadline_is_killed() {
    let (quick, slow) = evloop::run(async {
        let quick = with_deadline(&mut Command::new("true"), Duration::from_secs(30)).await;
        let slow =
            with_deadline(Command::new("sleep").arg("1000"), Duration::from_millis(20)).await;
        (quick.unwrap(), slow.unwrap())
    });
    assert!(quick.is_some_and(|s| s.success()));
    assert_eq!(slow, None);
}

#[test]
fn sigterm_stops_the_work_after_the_unit_in_progress() {
    let done = evloop::run(until_terminated(Duration::from_millis(1), |n| {
        if n == 2 {
            signal::raise(SignalKind::terminate()).unwrap();
        }
    }))
    .unwrap();
    // The signal is handled by another thread, so a unit or two more may
    // start before it is heard; at least the two before it were done.
    assert!(done >= 2, "{done}");
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use evloop::debug::Diagnostic;
use evloop::inspect::{LoopEvent, LoopEventKind};
use evloop::testing::{Explored, Failure, Harness};
use evloop::{Builder, Runtime};

/// A virtual-clock runtime whose diagnostics are collected, not printed.
pub fn virtual_rt() -> (Runtime, Rc<RefCell<Vec<Diagnostic>>>) {
    virtual_builder()
}

pub fn virtual_builder() -> (Runtime, Rc<RefCell<Vec<Diagnostic>>>) {
    let found = Rc::new(RefCell::new(Vec::new()));
    let sink = found.clone();
    let rt = Builder::new()
        .virtual_clock()
        .debug(true)
        // Tests about slow polls set their own threshold; for the others a
        // loaded machine (or a panic hook printing a backtrace) must not
        // turn an ordinary poll into a finding.
        .slow_poll_threshold(Duration::from_secs(10))
        .diagnostics(move |d| sink.borrow_mut().push(d.clone()))
        .build();
    (rt, found)
}

/// A shared list that tasks push trace lines into.
#[derive(Clone, Default)]
pub struct Trace(Rc<RefCell<Vec<String>>>);

impl Trace {
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// The event stream as lines without timing, for comparing runs.
pub fn lines(events: &[LoopEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| e.without_timing().to_string())
        .collect()
}

pub fn polled_ids(events: &[LoopEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            LoopEventKind::Polled { task, .. } => Some(task.as_u64()),
            _ => None,
        })
        .collect()
}

/// How many descriptors this process has open, from `/proc/self/fd`; `None`
/// (with a message) where there is no `/proc`.
pub fn open_fds() -> Option<usize> {
    match std::fs::read_dir("/proc/self/fd") {
        // The count includes the directory handle read_dir itself holds,
        // which is the same on every call.
        Ok(dir) => Some(dir.count()),
        Err(e) => {
            eprintln!("skipping the descriptor count: /proc/self/fd is unavailable ({e})");
            None
        }
    }
}

/// A real-clock runtime with an event log, for I/O tests.
pub fn io_rt() -> Runtime {
    Builder::new().event_log(100_000).build()
}

/// The bug zoo's protocol, for one buggy program: FIFO passes it,
/// exploration (`runs` runs of `harness`) finds the failure, and both the
/// printed schedule and the printed seed replay exactly that failure.
/// Returns the failure, for further checks.
pub fn find_and_replay<B, Fut>(harness: &Harness, body: B) -> Failure
where
    B: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let harness = harness.clone().use_env(false);
    harness
        .clone()
        .runs(1)
        .try_explore(&body)
        .expect("FIFO passes the buggy program (that is why the bug hides)");
    let failure = harness
        .try_explore(&body)
        .expect_err("exploration finds the bug");
    eprintln!("{failure}");
    assert!(failure.run > 0, "found after the FIFO run");

    let replayed = harness
        .try_replay(&failure.schedule, &body)
        .expect_err("the schedule replays the failure");
    assert_eq!(replayed.kind, failure.kind);
    assert_eq!(replayed.schedule, failure.schedule);

    // A failure found by FIFO or LIFO has no seed: the seeded runs must find
    // the bug too, and their seed must replay it.
    let seeded = match failure.seed {
        Some(_) => failure.clone(),
        None => (0..200)
            .find_map(|seed| harness.try_seed(seed, &body).err())
            .expect("a seeded run finds the bug too"),
    };
    eprintln!("{seeded}");
    if let Some(seed) = seeded.seed {
        let failure = &seeded;
        let by_seed = harness
            .try_seed(seed, &body)
            .expect_err("the seed replays the failure");
        assert_eq!(by_seed.kind, failure.kind);
        assert_eq!(by_seed.schedule, failure.schedule);
        assert_eq!(by_seed.policy, failure.policy);
    }
    failure
}

/// The fixed program passes the same exploration.
pub fn passes<B, Fut>(harness: &Harness, body: B) -> Explored
where
    B: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let explored = harness.clone().use_env(false).explore(body);
    assert!(explored.distinct_schedules > 1, "{explored:?}");
    explored
}

/// Runs `program` in script mode in `dir`, the script piped to its stdin;
/// its output and exit status. It must write nothing to stderr.
pub fn run_script(program: &std::path::Path, script: &str, dir: &std::path::Path) -> (String, i32) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.is_empty(),
        "{} wrote to stderr:\n{stderr}",
        program.display()
    );
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        out.status.code().unwrap_or(-1),
    )
}

/// True (with a message saying which test skips and why) when the runtimes
/// of this run have no reactor (`EVLOOP_REACTOR=off`, as `.ci/run` sets for
/// its fallback-loop step): a test that needs real sockets cannot run.
pub fn skip_without_reactor(test: &str) -> bool {
    let off = std::env::var_os(evloop::io::REACTOR_VAR).is_some_and(|v| v == "off");
    if off {
        eprintln!(
            "skipping {test}: it needs real sockets, and EVLOOP_REACTOR=off builds runtimes without a reactor"
        );
    }
    off
}

//! M: 1,000,000 tasks parked at once on an event that never fires, and the
//! resident memory they take, per task.
//!
//! Each runtime is measured in a fresh process (the harness re-runs itself
//! with a hidden `--memory-child RUNTIME TASKS` flag), so that one runtime's
//! freed-but-kept heap cannot flatter the next. The child reads `VmRSS` from
//! `/proc/self/status` before spawning and once every task has parked.
//!
//! Every runtime parks on the same [`Gate`], whose waker list is allocated
//! and touched before the first reading: what the growth measures is the
//! runtime's own cost per task (the task allocation, its header and state,
//! the join state), plus the few bytes of the parked future itself.

use std::future::Future;
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const WORKLOAD: Workload = Workload {
    id: "M",
    what: "1,000,000 parked tasks: resident memory",
    figure: "bytes/task",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run,
};

/// The hidden flag that makes the harness a memory child.
pub const CHILD_FLAG: &str = "--memory-child";

/// An event that never fires: it keeps every waiter's waker, as a real
/// event would, in a list sized (and touched) in advance.
struct Gate {
    wakers: Mutex<Vec<Waker>>,
}

impl Gate {
    fn with_capacity(n: usize) -> Gate {
        let mut wakers = vec![Waker::noop().clone(); n];
        wakers.clear(); // The pages stay resident; the growth is the tasks'.
        Gate {
            wakers: Mutex::new(wakers),
        }
    }

    fn wait(&self) -> Parked<'_> {
        Parked {
            gate: self,
            registered: false,
        }
    }
}

struct Parked<'a> {
    gate: &'a Gate,
    registered: bool,
}

impl Future for Parked<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.registered {
            self.registered = true;
            self.gate
                .wakers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// This process's resident set size, from `/proc/self/status`.
///
/// # Errors
///
/// When the file cannot be read or has no `VmRSS:` line (not Linux).
pub fn resident_bytes() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| "no `VmRSS: N kB` line in /proc/self/status".to_string())
}

macro_rules! parked {
    ($rt:ident, ($tasks:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let tasks: u64 = $tasks;
            let gate = Arc::new(Gate::with_capacity(tasks as usize));
            let parked = Arc::new(AtomicU64::new(0));
            let before = resident_bytes()?;
            for _ in 0..tasks {
                let (gate, parked) = (gate.clone(), parked.clone());
                rt::spawn_detached(async move {
                    parked.fetch_add(1, Ordering::Relaxed);
                    gate.wait().await;
                });
            }
            while parked.load(Ordering::Relaxed) < tasks {
                futures_lite::future::yield_now().await;
            }
            let after = resident_bytes()?;
            Ok::<f64, String>(after.saturating_sub(before) as f64 / tasks as f64)
        }
    };
}

/// The child's side: park `tasks` tasks on `kind` and print the bytes per
/// task on stdout.
///
/// # Errors
///
/// When resident memory cannot be read.
pub fn child(kind: Kind, tasks: u64) -> Result<f64, String> {
    run_on_every!(kind, parked(tasks)).unwrap_or_else(|| Err(format!("no M for {kind}")))
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    let tasks = size.count(1_000_000);
    let exe = std::env::current_exe().ok()?;
    let output = Command::new(exe)
        .args([CHILD_FLAG, kind.name(), &tasks.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "M on {kind}: the child failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    let bytes: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    Some(Sample {
        value: bytes,
        extras: Vec::new(),
    })
}

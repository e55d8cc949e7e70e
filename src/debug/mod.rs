//! Debug mode: the mistakes an event loop can see and a compiler cannot.
//!
//! On by default in debug builds (like `PYTHONASYNCIODEBUG`), switched with
//! [`Builder::debug`](crate::Builder::debug). Each finding is a
//! [`Diagnostic`] sent to one sink: stderr by default, or a closure given to
//! [`Builder::diagnostics`](crate::Builder::diagnostics) so tests and the
//! REPL can collect them.
//!
//! - **Slow poll**: a poll that took longer than the threshold (100 ms by
//!   default, as asyncio's `slow_callback_duration`) blocked every other task
//!   for that long.
//! - **Lost waker**: a task returned `Pending`, is not queued, and no clone of
//!   its waker exists anywhere: nothing can ever wake it. evloop sees this by
//!   counting the owners of the task's allocation (its header's `strong`
//!   count: the loop's side, plus one per stored waker).
//! - **Unretrieved failure**: a task panicked and nobody will ever read its
//!   `JoinError` (its handle was dropped), asyncio's "Task exception was
//!   never retrieved".
//! - **Leaked tasks**: tasks still pending when the runtime is dropped.
//!
//! And one tool: [`breakpoint`]`().await` stops the loop at that point of a
//! task when a console is attached ([`on_breakpoint`]), and costs one
//! branch when none is.

use std::fmt;
use std::time::Duration;

mod breakpoint;

pub use breakpoint::{Breakpoint, BreakpointHandler, breakpoint, on_breakpoint};

use crate::task::{TaskId, TaskState};

/// The CPU time the calling thread has used so far, where the OS tells it
/// per thread (Linux); `None` elsewhere.
///
/// Debug mode reads the same counter around a slow poll, to tell a poll
/// that computed from one the OS only preempted.
///
/// ```
/// if let Some(before) = evloop::debug::thread_cpu_time() {
///     evloop::debug::spin_for(std::time::Duration::from_millis(2));
///     assert!(evloop::debug::thread_cpu_time().unwrap() >= before);
/// }
/// ```
pub fn thread_cpu_time() -> Option<Duration> {
    crate::sys::usage::thread_usage().map(|u| u.cpu)
}

/// Computes on the calling thread until it has used `d` of CPU time: a
/// stand-in for CPU-bound work (a parser, a hash, a loop that forgot to
/// yield) in examples, tests and the REPL's `spin`.
///
/// It counts the thread's own CPU time, so on a busy machine it takes
/// longer than `d` of wall time but is still `d` of work, and debug mode
/// reports it as computing (see [`Diagnostic::SlowPoll`]). Where the OS
/// does not tell a thread's CPU time, it spins for `d` of wall time.
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let start = Instant::now();
/// evloop::debug::spin_for(Duration::from_millis(3));
/// assert!(start.elapsed() >= Duration::from_millis(3));
/// ```
pub fn spin_for(d: Duration) {
    let start = std::time::Instant::now();
    let cpu_start = thread_cpu_time();
    loop {
        std::hint::spin_loop();
        let spent = match (cpu_start, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a).min(start.elapsed()),
            _ => start.elapsed(),
        };
        if spent >= d {
            return;
        }
    }
}

/// One finding of debug mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Diagnostic {
    /// A poll blocked the loop for longer than the threshold.
    SlowPoll {
        /// The task.
        task: TaskId,
        /// Its name.
        name: String,
        /// How long the poll took (wall time).
        took: Duration,
        /// The threshold it exceeded.
        threshold: Duration,
        /// How much of it the thread spent on the CPU, where the OS tells
        /// (Linux). Below the threshold, the rest was spent in a blocking
        /// call: a poll that was only preempted by the OS is not reported.
        cpu: Option<Duration>,
    },
    /// A task returned `Pending` without leaving its waker anywhere.
    LostWaker {
        /// The task.
        task: TaskId,
        /// Its name.
        name: String,
    },
    /// A task panicked and its failure can no longer be retrieved.
    UnretrievedFailure {
        /// The task.
        task: TaskId,
        /// Its name.
        name: String,
        /// The panic message.
        message: String,
    },
    /// Tasks still pending when the runtime was dropped.
    LeakedTasks {
        /// Each task: id, name and state.
        tasks: Vec<(TaskId, String, TaskState)>,
    },
}

impl Diagnostic {
    /// A short, stable name for the kind of finding.
    pub fn kind(&self) -> &'static str {
        match self {
            Diagnostic::SlowPoll { .. } => "slow-poll",
            Diagnostic::LostWaker { .. } => "lost-waker",
            Diagnostic::UnretrievedFailure { .. } => "unretrieved-failure",
            Diagnostic::LeakedTasks { .. } => "leaked-tasks",
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::SlowPoll {
                task,
                name,
                took,
                threshold,
                cpu,
            } => {
                write!(
                    f,
                    "task '{name}' ({task}) blocked the loop for {took:?} in one poll (threshold {threshold:?})"
                )?;
                match cpu {
                    Some(cpu) if cpu < threshold => write!(
                        f,
                        ", only {cpu:?} of it on the CPU: it waited in a blocking call (a sleep, a \
                         blocking read, a lock); await instead, or move it to to_thread()"
                    ),
                    Some(cpu) => write!(
                        f,
                        ", {cpu:?} of it computing on the CPU; move the work to to_thread() or add awaits"
                    ),
                    None => f.write_str("; move blocking work to to_thread() or add awaits"),
                }
            }
            Diagnostic::LostWaker { task, name } => write!(
                f,
                "task '{name}' ({task}) returned Pending but kept no waker: nothing can ever wake it \
                 (a future must store cx.waker() before returning Pending)"
            ),
            Diagnostic::UnretrievedFailure {
                task,
                name,
                message,
            } => write!(
                f,
                "task '{name}' ({task}) panicked: {message} — and nobody awaited it (its handle was dropped)"
            ),
            Diagnostic::LeakedTasks { tasks } => {
                write!(f, "runtime dropped with {} pending task(s):", tasks.len())?;
                for (id, name, state) in tasks {
                    write!(f, " '{name}' ({id}, {state})")?;
                }
                Ok(())
            }
        }
    }
}

/// Where diagnostics go.
pub(crate) type Sink = Box<dyn FnMut(&Diagnostic)>;

pub(crate) fn stderr_sink() -> Sink {
    Box::new(|d| eprintln!("evloop: warning: {d}"))
}

/// Debug-mode settings of one runtime.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DebugConfig {
    pub(crate) enabled: bool,
    pub(crate) slow_poll: Duration,
}

/// asyncio's default `slow_callback_duration`.
pub(crate) const DEFAULT_SLOW_POLL: Duration = Duration::from_millis(100);

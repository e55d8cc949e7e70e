//! What stepping and running the loop report back.

use std::fmt;
use std::time::Duration;

use crate::inspect::PollResult;
use crate::task::{TaskId, WaitOn, WakeCause};
use crate::time::Instant;

/// What one [`Runtime::step`](crate::Runtime::step) did: which task was
/// polled, why it was runnable, what the poll returned, and what it woke.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// The polled task.
    pub task: TaskId,
    /// Its name.
    pub name: String,
    /// Why it was in the ready queue.
    pub cause: WakeCause,
    /// The clock when the poll started.
    pub at: Instant,
    /// What the poll returned.
    pub result: PollResult,
    /// How long the poll took (real time; zero if poll timing is off).
    pub took: Duration,
    /// What the task now waits on, if it returned `Pending`.
    pub waiting_on: Option<WaitOn>,
    /// Tasks this poll made ready, in wake order.
    pub woke: Vec<TaskId>,
}

impl fmt::Display for StepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] polled '{}' ({}) — {} → {}",
            self.at, self.name, self.task, self.cause, self.result
        )?;
        if let Some(w) = &self.waiting_on {
            write!(f, ", waiting on {w}")?;
        }
        if !self.woke.is_empty() {
            let woke: Vec<String> = self.woke.iter().map(ToString::to_string).collect();
            write!(f, "; woke {}", woke.join(", "))?;
        }
        Ok(())
    }
}

/// How a driving call ([`Runtime::run`](crate::Runtime::run) and friends) ended.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// How many polls it made.
    pub polls: u64,
    /// Why it stopped.
    pub stop: StopReason,
}

/// Why a driving call stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// It reached its goal (the task finished, all tasks finished).
    Finished,
    /// Nothing is ready at the current time (`run_until_idle`).
    Idle,
    /// The clock reached the end of the span (`advance`, `run_for`).
    TimeReached,
    /// Tasks are pending and nothing can ever wake them.
    Stalled(StallReport),
    /// [`Interrupter::interrupt`](crate::Interrupter::interrupt) was called.
    Interrupted,
    /// The poll budget ran out (a task may be spinning); every task is intact.
    BudgetExhausted,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Finished => f.write_str("finished"),
            StopReason::Idle => f.write_str("idle: no task is ready"),
            StopReason::TimeReached => f.write_str("reached the end of the time span"),
            StopReason::Stalled(r) => write!(f, "{r}"),
            StopReason::Interrupted => f.write_str("interrupted"),
            StopReason::BudgetExhausted => f.write_str("stopped after the poll budget ran out"),
        }
    }
}

/// The tasks of a loop that can no longer make progress, and what each waits on.
#[derive(Clone, Debug, PartialEq)]
pub struct StallReport {
    /// The clock at the stall.
    pub now: Instant,
    /// Every pending task: id, name, what it waits on.
    pub waiting: Vec<(TaskId, String, Option<WaitOn>)>,
}

impl fmt::Display for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stalled at {}: {} task(s) pending and nothing can wake them (no timer, no I/O, no other thread)",
            self.now,
            self.waiting.len()
        )?;
        for (id, name, wait) in &self.waiting {
            match wait {
                Some(w) => write!(f, "\n  '{name}' ({id}) waits on {w}")?,
                None => write!(f, "\n  '{name}' ({id}) was never polled")?,
            }
        }
        Ok(())
    }
}

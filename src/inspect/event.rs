//! The event stream: everything the loop does, as data.

use std::fmt;
use std::time::Duration;

use crate::debug::Diagnostic;
use crate::task::{TaskId, TaskName, WaitOn, WakeCause};
use crate::time::Instant;

/// One thing the loop did, at a time on its clock.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopEvent {
    /// The loop's clock when it happened.
    pub at: Instant,
    /// What happened.
    pub kind: LoopEventKind,
}

/// What a poll returned, as events and step reports tell it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollResult {
    /// The task is parked until its waker fires.
    Pending,
    /// The task returned its output.
    Ready,
    /// The task panicked with this message.
    Panicked(String),
}

impl fmt::Display for PollResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PollResult::Pending => f.write_str("Pending"),
            PollResult::Ready => f.write_str("Ready"),
            PollResult::Panicked(m) => write!(f, "panicked: {m}"),
        }
    }
}

/// The kinds of [`LoopEvent`].
#[derive(Clone, Debug, PartialEq)]
pub enum LoopEventKind {
    /// A task was spawned (by `parent`, if spawned from inside a task).
    Spawned {
        /// The new task.
        task: TaskId,
        /// Its name.
        name: TaskName,
        /// The task that spawned it.
        parent: Option<TaskId>,
    },
    /// A task was put on the ready queue.
    Woken {
        /// The woken task.
        task: TaskId,
        /// Why.
        cause: WakeCause,
    },
    /// A task was polled.
    Polled {
        /// The polled task.
        task: TaskId,
        /// What the poll returned.
        result: PollResult,
        /// How long the poll took (real time; zero unless poll timing is on:
        /// debug mode, or [`Builder::poll_timing`](crate::Builder::poll_timing)).
        took: Duration,
        /// What the task noted it waits on, when it returned `Pending`
        /// (what [`TaskInfo::waiting_on`](super::TaskInfo::waiting_on) shows).
        waiting_on: Option<WaitOn>,
    },
    /// A timer fired.
    TimerFired {
        /// The task that set it.
        owner: Option<TaskId>,
        /// Its deadline.
        deadline: Instant,
    },
    /// The virtual clock moved forward.
    ClockAdvanced {
        /// The time before.
        from: Instant,
        /// The time after.
        to: Instant,
    },
    /// A task returned its output.
    Completed {
        /// The task.
        task: TaskId,
    },
    /// A task was cancelled.
    Cancelled {
        /// The task.
        task: TaskId,
    },
    /// A task returned an error its handle reports as a failure (a
    /// [`TaskGroup`](crate::combinators::TaskGroup) child returning `Err`).
    Failed {
        /// The task.
        task: TaskId,
        /// The error's text.
        message: String,
    },
    /// A task panicked.
    Panicked {
        /// The task.
        task: TaskId,
        /// The panic message.
        message: String,
    },
    /// A debug-mode report (slow poll, lost waker…).
    Diagnostic(Diagnostic),
}

impl LoopEventKind {
    /// The task the event is about, if it is about one (a timer's owner is
    /// not the subject of its firing).
    pub fn task(&self) -> Option<TaskId> {
        match self {
            LoopEventKind::Spawned { task, .. }
            | LoopEventKind::Woken { task, .. }
            | LoopEventKind::Polled { task, .. }
            | LoopEventKind::Completed { task }
            | LoopEventKind::Cancelled { task }
            | LoopEventKind::Failed { task, .. }
            | LoopEventKind::Panicked { task, .. } => Some(*task),
            LoopEventKind::TimerFired { .. }
            | LoopEventKind::ClockAdvanced { .. }
            | LoopEventKind::Diagnostic(_) => None,
        }
    }
}

impl LoopEvent {
    /// Whether the event concerns `task`: it is its subject, the timer that
    /// fired was its own, or the warning names it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// rt.events().record(100);
    /// let a = rt.spawn(evloop::sleep(std::time::Duration::from_millis(1))).id();
    /// rt.run_until_done().unwrap();
    /// let mine = rt.events().recorded().into_iter().filter(|e| e.involves(a)).count();
    /// assert_eq!(mine, 6); // spawned, ready, polled, timer fired, ready, polled, done − the first ready
    /// ```
    pub fn involves(&self, task: TaskId) -> bool {
        match &self.kind {
            LoopEventKind::TimerFired { owner, .. } => *owner == Some(task),
            LoopEventKind::Diagnostic(d) => d.to_string().contains(&format!("({task})")),
            kind => kind.task() == Some(task),
        }
    }

    /// The same event with every real-time duration set to zero. Two runs of
    /// the same program under the same seed give the same stream of these.
    pub fn without_timing(&self) -> LoopEvent {
        let mut e = self.clone();
        if let LoopEventKind::Polled { took, .. } = &mut e.kind {
            *took = Duration::ZERO;
        }
        if let LoopEventKind::Diagnostic(Diagnostic::SlowPoll { took, .. }) = &mut e.kind {
            *took = Duration::ZERO;
        }
        e
    }
}

impl fmt::Display for LoopEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.at)?;
        match &self.kind {
            LoopEventKind::Spawned { task, name, parent } => match parent {
                Some(p) => write!(f, "spawned {task} '{name}' (by {p})"),
                None => write!(f, "spawned {task} '{name}'"),
            },
            LoopEventKind::Woken { task, cause } => write!(f, "{task} ready: {cause}"),
            LoopEventKind::Polled {
                task, result, took, ..
            } => {
                write!(f, "polled {task} → {result}")?;
                // Zero when the poll was not timed: then say nothing of it.
                if !took.is_zero() {
                    write!(f, " in {took:?}")?;
                }
                Ok(())
            }
            LoopEventKind::TimerFired { owner, deadline } => match owner {
                Some(o) => write!(f, "timer @{deadline} of {o} fired"),
                None => write!(f, "timer @{deadline} fired"),
            },
            LoopEventKind::ClockAdvanced { from, to } => write!(f, "clock {from} → {to}"),
            LoopEventKind::Completed { task } => write!(f, "{task} done"),
            LoopEventKind::Cancelled { task } => write!(f, "{task} cancelled"),
            LoopEventKind::Panicked { task, message } => write!(f, "{task} panicked: {message}"),
            LoopEventKind::Failed { task, message } => write!(f, "{task} failed: {message}"),
            LoopEventKind::Diagnostic(d) => write!(f, "warning: {d}"),
        }
    }
}

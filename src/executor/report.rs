//! What stepping and running the loop report back.

use std::fmt;
use std::time::Duration;

use crate::inspect::{PollResult, PrimitiveInfo};
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

/// How a driving call ([`Runtime::run_until_done`](crate::Runtime::run_until_done)
/// and friends) reached its goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// How many polls it made.
    pub polls: u64,
    /// Which goal it reached.
    pub stop: Stop,
}

/// The normal ways a driving call ends. The others are a [`RunError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// It reached its goal: the task finished, or every task did.
    Finished,
    /// Nothing is ready at the current time (`run_until_idle`).
    Idle,
    /// The clock reached the end of the span (`advance`, `run_for`).
    TimeReached,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Finished => f.write_str("finished"),
            Stop::Idle => f.write_str("idle: no task is ready"),
            Stop::TimeReached => f.write_str("reached the end of the time span"),
        }
    }
}

/// A driving call that stopped before its goal: its tasks are all still
/// there, as they were, and the loop can be driven again.
#[derive(Clone, Debug, PartialEq)]
pub struct RunError {
    /// How many polls it made before it stopped.
    pub polls: u64,
    /// Why it stopped.
    pub kind: RunErrorKind,
}

/// Why a driving call stopped before its goal.
#[derive(Clone, Debug, PartialEq)]
pub enum RunErrorKind {
    /// Tasks are pending and nothing can ever wake them (a deadlock).
    Stalled(StallReport),
    /// [`Interrupter::interrupt`](crate::Interrupter::interrupt) was called
    /// (Ctrl-C, with [`interrupt_on_ctrl_c`](crate::interrupt_on_ctrl_c)).
    Interrupted,
    /// The poll budget ran out (a task may be spinning); see
    /// [`Runtime::set_poll_budget`](crate::Runtime::set_poll_budget).
    BudgetExhausted,
    /// [`advance`](crate::Runtime::advance) was called on the real clock,
    /// which cannot be moved.
    RealClock,
    /// `block_on`'s own future (the task named `main`) was cancelled
    /// ([`Runtime::cancel`](crate::Runtime::cancel)): `block_on` ends without
    /// its output, as `asyncio.run` raises `CancelledError`.
    Cancelled,
}

impl RunError {
    pub(crate) fn new(polls: u64, kind: RunErrorKind) -> RunError {
        RunError { polls, kind }
    }

    /// The deadlock report, if the loop stalled.
    pub fn stall(&self) -> Option<&StallReport> {
        match &self.kind {
            RunErrorKind::Stalled(report) => Some(report),
            _ => None,
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RunErrorKind::Stalled(report) => write!(f, "deadlock — {report}"),
            RunErrorKind::Interrupted => write!(
                f,
                "interrupted after {} poll(s); every task is intact",
                self.polls
            ),
            RunErrorKind::BudgetExhausted => write!(
                f,
                "the poll budget ran out after {} poll(s) (a task may never stop); every task is \
                 intact: raise it with Runtime::set_poll_budget, or cancel the spinning task",
                self.polls
            ),
            RunErrorKind::Cancelled => f.write_str(
                "block_on's future (the task 'main') was cancelled; its future was dropped where it was parked",
            ),
            RunErrorKind::RealClock => f.write_str(
                "advance() moves the virtual clock, but this loop runs on the real clock; \
                 switch with set_clock(ClockKind::Virtual), or use run_for() to run for a span of real time",
            ),
        }
    }
}

impl std::error::Error for RunError {}

/// The tasks of a loop that can no longer make progress, what each waits
/// on, and who holds what they wait for.
///
/// Its `Display` is the deadlock report:
///
/// ```text
/// stalled at 0.000s: 2 task(s) pending and nothing can wake them (no timer, no I/O, no other thread)
///   'a' (#2) waits on lock B held by 'b' (#3)
///   'b' (#3) waits on lock A held by 'a' (#2)
///   cycle: 'a' (#2) → 'b' (#3) → 'a' (#2)
/// ```
///
/// # When it is produced
///
/// On the virtual clock, whenever nothing is ready, no timer is pending and
/// no [`ExternalWork`](crate::ExternalWork) guard is alive: then nothing can
/// ever make a task ready, so the loop stops instead of hanging.
///
/// On the real clock, also when no timer, I/O wait or outside work is
/// pending, and every waker of every pending task is held where only this
/// thread can call it: nowhere, in a primitive of a loop of this thread (a
/// [`Lock`](crate::sync::Lock)'s line, a queue's, an event's), or by a task
/// of such a loop awaiting another's handle. This thread is about to block
/// in this loop, so none of them can fire. A waker held anywhere else (by
/// another thread, or in a structure evloop cannot see into) may still fire,
/// so the loop waits for it, as asyncio would.
#[derive(Clone, Debug, PartialEq)]
pub struct StallReport {
    /// The clock at the stall.
    pub now: Instant,
    /// Every pending task: id, name, what it waits on (in the order of
    /// their ids, as the loop makes it).
    pub waiting: Vec<(TaskId, String, Option<WaitOn>)>,
    /// The live synchronization primitives, with their waiters and holders.
    pub primitives: Vec<PrimitiveInfo>,
}

impl StallReport {
    /// The name of a task of the report, or `None` if it is not pending.
    pub fn name_of(&self, task: TaskId) -> Option<&str> {
        self.entry(task).map(|(_, name, _)| name.as_str())
    }

    /// `task`'s line of `waiting`: found by halving, as the loop lists the
    /// tasks by id (a report of 20,000 tasks looks up each), and by a
    /// search where the list was made otherwise.
    fn entry(&self, task: TaskId) -> Option<&(TaskId, String, Option<WaitOn>)> {
        match self.waiting.binary_search_by_key(&task, |(id, _, _)| *id) {
            Ok(i) => Some(&self.waiting[i]),
            Err(_) => self.waiting.iter().find(|(id, _, _)| *id == task),
        }
    }

    /// The primitive `task` waits on, if it waits on one.
    pub fn primitive_of(&self, task: TaskId) -> Option<&PrimitiveInfo> {
        let (_, _, wait) = self.entry(task)?;
        match wait {
            Some(WaitOn::Primitive { kind, name }) => self
                .primitives
                .iter()
                .find(|p| p.kind == *kind && *p.name == **name)
                .or_else(|| self.primitives.iter().find(|p| p.waiters.contains(&task))),
            _ => None,
        }
    }

    /// The tasks `task` waits for: the holders of the primitive it waits on,
    /// or the task whose handle it awaits.
    pub fn blocked_by(&self, task: TaskId) -> Vec<TaskId> {
        let wait = self.entry(task).and_then(|(_, _, w)| w.as_ref());
        match wait {
            Some(WaitOn::Task(other)) => vec![*other],
            Some(WaitOn::Primitive { .. }) => self
                .primitive_of(task)
                .map(|p| p.holders.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// A cycle of tasks each waiting for the next (a deadlock in the strict
    /// sense), starting from the lowest id on it; `None` if the waits form
    /// no cycle (a task waits on something nobody will ever signal).
    pub fn cycle(&self) -> Option<Vec<TaskId>> {
        // Tasks a walk went through and found no cycle from: a later walk
        // that reaches one stops there (each task is walked once).
        let mut leads_nowhere = std::collections::HashSet::new();
        for (start, _, _) in &self.waiting {
            let mut path = vec![*start];
            let mut on_path = std::collections::HashMap::from([(*start, 0)]);
            let mut at = *start;
            // Follow the first holder: enough to find the classic cycles.
            while let Some(next) = self.blocked_by(at).first().copied() {
                if leads_nowhere.contains(&next) {
                    break;
                }
                if let Some(&i) = on_path.get(&next) {
                    let cycle = path.split_off(i);
                    let low = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, t)| **t)
                        .map_or(0, |(i, _)| i);
                    let mut cycle = cycle;
                    cycle.rotate_left(low);
                    return Some(cycle);
                }
                on_path.insert(next, path.len());
                path.push(next);
                at = next;
            }
            leads_nowhere.extend(path);
        }
        None
    }

    fn who(&self, task: TaskId) -> String {
        match self.name_of(task) {
            Some(name) => format!("'{name}' ({task})"),
            None => format!("task {task}"),
        }
    }
}

impl fmt::Display for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stalled at {}: {} task(s) pending and nothing can wake them (no timer, no I/O, no other thread)",
            self.now,
            self.waiting.len()
        )?;
        for (id, _, wait) in &self.waiting {
            let who = self.who(*id);
            match wait {
                Some(WaitOn::Task(other)) => write!(f, "\n  {who} waits on {}", self.who(*other))?,
                Some(w @ WaitOn::Primitive { .. }) => {
                    write!(f, "\n  {who} waits on {w}")?;
                    let holders = self.blocked_by(*id);
                    if holders.is_empty() {
                        f.write_str(", which nobody holds (nothing will signal it)")?;
                    } else {
                        let names: Vec<String> = holders.iter().map(|h| self.who(*h)).collect();
                        write!(f, " held by {}", names.join(", "))?;
                    }
                }
                Some(w) => write!(f, "\n  {who} waits on {w}")?,
                None => write!(f, "\n  {who} was never polled")?,
            }
        }
        if let Some(cycle) = self.cycle() {
            let mut names: Vec<String> = cycle.iter().map(|t| self.who(*t)).collect();
            names.push(self.who(cycle[0]));
            write!(f, "\n  cycle: {}", names.join(" → "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(ids: &[(u64, u64)]) -> StallReport {
        StallReport {
            now: Instant::START,
            waiting: ids
                .iter()
                .map(|&(id, on)| (TaskId(id), format!("t{id}"), Some(WaitOn::Task(TaskId(on)))))
                .collect(),
            primitives: Vec::new(),
        }
    }

    #[test]
    fn tasks_are_found_in_a_list_made_in_any_order() {
        let sorted = report(&[(1, 2), (2, 3), (3, 1), (4, 1)]);
        let reversed = report(&[(4, 1), (3, 1), (2, 3), (1, 2)]);
        for r in [&sorted, &reversed] {
            assert_eq!(r.name_of(TaskId(3)), Some("t3"));
            assert_eq!(r.blocked_by(TaskId(2)), [TaskId(3)]);
            assert_eq!(r.name_of(TaskId(9)), None);
            assert_eq!(r.cycle(), Some(vec![TaskId(1), TaskId(2), TaskId(3)]));
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "safe code only, and slow under Miri")]
    fn a_long_chain_into_a_cycle_is_walked_once() {
        // 0 → 1 → … → n − 1 → n − 2: each walk stops where an earlier
        // one found nothing, or at the cycle.
        let n = 10_000;
        let mut chain: Vec<_> = (0..n).map(|i| (i, i + 1)).collect();
        chain[n as usize - 1].1 = n - 2;
        let r = report(&chain);
        assert_eq!(r.cycle(), Some(vec![TaskId(n - 2), TaskId(n - 1)]));
        let no_cycle = report(&(0..n).map(|i| (i, i + 1)).collect::<Vec<_>>());
        assert_eq!(no_cycle.cycle(), None);
    }
}

//! The task's state machine: the only place a task's state changes.
//!
//! ```text
//!              ① spawn
//!                 │
//!                 ▼       ② start_poll                    ⑤ end_poll(Ready)
//!   ┌───────▶ Ready ─────────────────────▶ Running ──────────────────────────▶ Done
//!   │           ▲                           │ │ │ ⑤b end_poll(Failed) ─────────▶ Failed
//!   │           ▲                           │ │ │ ⑥ end_poll(Panicked)
//!   │ ⑧ wake    │ ④ end_poll(Pending),      │ │ └─────────────────────────────▶ Panicked
//!   │ (any      │   woken during its poll   │ │
//!   │ thread)   └───────────────────────────┘ │ ③ end_poll(Pending)
//!   │                                         ▼
//!   └──────────────────────────────────── Waiting
//!
//!   ⑨ cancel, from Ready or Waiting ───────────────────────────────────────▶ Cancelled
//!   ⑩ cancel while Running (the task cancels itself): requested, and
//!      ⑦ end_poll(Pending) then answers CancelNow ──────────────────────────▶ Cancelled
//!   ⑪ detach: the JoinHandle is gone (a flag; the life goes on)
//!   ⑫ cleanup_panicked: a cancelled task's cleanup (a destructor of its
//!      future) panicked: Cancelled ──────────────────────────────────────▶ Panicked
//!   ⑬ mark_retrieved: someone else took the failure (a task group, a
//!      gather): a flag; debug mode will not call it unretrieved
//! ```
//!
//! Each transition is a method of [`State`] that returns a `#[must_use]`
//! outcome saying what the caller must now do (tokio's `TransitionToRunning`
//! style): the executor's poll and cancel code read like the diagram.
//!
//! The state is two pieces with different owners:
//!
//! - `queued` (an `AtomicBool`): set by a wake on any thread, cleared by the
//!   loop just before a poll. Only the first wake after a poll finds it clear
//!   and puts the task on a queue: a task is queued at most once.
//! - `life` and `marks` (`Cell`s): the loop's thread alone reads and
//!   changes them.
//!
//! `Ready` and `Waiting` are not stored: an idle task is `Ready` exactly when
//! it is queued, so the two can never disagree.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a task is in its life, as snapshots and the REPL show it. See the
/// numbered diagram in [`crate::task`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Woken and waiting for its turn to be polled: in the ready queue (or, for
    /// a wake from another thread, on its way there through the remote queue).
    Ready,
    /// Being polled right now.
    Running,
    /// Returned `Pending`; waits for its waker to fire.
    Waiting,
    /// Returned its output.
    Done,
    /// Cancelled through [`JoinHandle::cancel`](crate::JoinHandle::cancel) (or by a group or timeout).
    Cancelled,
    /// Panicked while being polled.
    Panicked,
    /// Returned an error that its handle reports as its [`JoinError`](crate::JoinError)
    /// (a [`TaskGroup`](crate::combinators::TaskGroup) child returning `Err`).
    Failed,
}

impl TaskState {
    /// True for `Done`, `Cancelled` and `Panicked`: the task will never be polled again.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Cancelled | TaskState::Panicked | TaskState::Failed
        )
    }

    /// The lower-case word used by the REPL and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Ready => "ready",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
            TaskState::Panicked => "panicked",
            TaskState::Failed => "failed",
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a task is in its life, as the loop keeps it (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    /// Not being polled and not finished: `Ready` if queued, else `Waiting`.
    Idle,
    /// Being polled.
    Running,
    /// Being polled, and it asked to cancel itself: ⑦ follows.
    CancelRequested,
    Done,
    Cancelled,
    Panicked,
    Failed,
}

/// A task's state (see the module docs): the only place it changes.
pub(crate) struct State {
    pub(super) queued: Queued,
    life: Cell<Life>,
    /// ⑪ and ⑬ as bits of one byte (`DETACHED`, `RETRIEVED`): the state is
    /// three bytes, and the header keeps its stage's borrow flag in the
    /// fourth (see `cell`).
    marks: Cell<u8>,
}

/// ⑪: the handle is gone.
const DETACHED: u8 = 1;
/// ⑬: someone else took the failure.
const RETRIEVED: u8 = 2;

/// The part of the state a wake on any thread may touch.
pub(crate) struct Queued(AtomicBool);

/// What a wake must do next (⑧).
#[must_use = "a wake that says Schedule must put the task on a queue, or it is lost"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The task was not queued: put it on the ready queue (or the remote one).
    Schedule,
    /// It is queued already (or, seen from the loop's thread, finished):
    /// nothing to do.
    Nothing,
}

/// What the loop must do with a task it popped (②).
#[must_use = "a task that says Run must be polled"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StartPoll {
    /// Poll it.
    Run,
    /// It finished while it sat in the queue (it was cancelled): skip it.
    Finished,
}

/// How a poll ended, as the task's future told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PollEnd {
    Pending,
    Ready,
    Panicked,
    /// Ready, with an error its handle reports as a failure.
    Failed,
}

/// What the loop must do after a poll (③–⑦).
#[must_use = "the loop must park, requeue, finish or cancel the task as told"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AfterPoll {
    /// ③ Waiting: something holds its waker.
    Parked,
    /// ④ Ready again: it was woken during its own poll (it is queued).
    Requeued,
    /// ⑤ Done: its output is in the stage.
    Done,
    /// ⑥ Panicked: its `JoinError` is in the stage.
    Panicked,
    /// ⑤b Failed: it returned an error its handle reports as a failure.
    Failed,
    /// ⑦ Cancelled itself during the poll: drop its future now.
    CancelNow,
}

/// What a cancel must do next (⑨, ⑩).
#[must_use = "a cancel that says DropFuture must drop the future"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CancelStep {
    /// ⑨ The task is `Cancelled` now: drop its future where it is parked.
    DropFuture,
    /// ⑩ It is running (it cancelled itself): ⑦ will follow its poll.
    Requested,
    /// It had finished already: nothing changes.
    AlreadyFinished,
}

// ANCHOR: queued
impl Queued {
    /// ⑧ from any thread: only the flag can be looked at. A wake of a task
    /// that has finished says `Schedule` too; the loop finds its key stale.
    pub(crate) fn wake(&self) -> Wake {
        if self.0.swap(true, Ordering::AcqRel) {
            Wake::Nothing
        } else {
            Wake::Schedule
        }
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}
// ANCHOR_END: queued

impl State {
    /// ① A new task: `Ready` (spawn queues it).
    pub(crate) fn new() -> State {
        State {
            queued: Queued(AtomicBool::new(true)),
            life: Cell::new(Life::Idle),
            marks: Cell::new(0),
        }
    }

    /// The flag wakes on other threads use (they reach it by a raw
    /// projection; this is for tests).
    #[cfg(test)]
    fn queued(&self) -> &Queued {
        &self.queued
    }

    /// ⑧ on the loop's thread: a finished task is left alone.
    pub(crate) fn wake_here(&self) -> Wake {
        if self.is_finished() {
            return Wake::Nothing;
        }
        self.queued.wake()
    }

    /// ② `Ready → Running`. The flag is cleared *before* the poll, so a wake
    /// during the poll queues the task again (④).
    pub(crate) fn start_poll(&self) -> StartPoll {
        if self.is_finished() {
            return StartPoll::Finished;
        }
        self.queued.0.store(false, Ordering::Release);
        self.life.set(Life::Running);
        StartPoll::Run
    }

    // ANCHOR: end_poll
    /// ③–⑦: how the poll ended decides where the task goes.
    pub(crate) fn end_poll(&self, end: PollEnd) -> AfterPoll {
        let cancel = self.life.get() == Life::CancelRequested;
        let (life, after) = match end {
            PollEnd::Ready => (Life::Done, AfterPoll::Done),
            PollEnd::Panicked => (Life::Panicked, AfterPoll::Panicked),
            PollEnd::Failed => (Life::Failed, AfterPoll::Failed),
            PollEnd::Pending if cancel => (Life::Cancelled, AfterPoll::CancelNow),
            PollEnd::Pending if self.queued.get() => (Life::Idle, AfterPoll::Requeued),
            PollEnd::Pending => (Life::Idle, AfterPoll::Parked),
        };
        self.life.set(life);
        after
    }
    // ANCHOR_END: end_poll

    /// ⑨, ⑩: cancelling.
    pub(crate) fn cancel(&self) -> CancelStep {
        match self.life.get() {
            Life::Idle => {
                self.life.set(Life::Cancelled);
                CancelStep::DropFuture
            }
            Life::Running | Life::CancelRequested => {
                self.life.set(Life::CancelRequested);
                CancelStep::Requested
            }
            Life::Done | Life::Cancelled | Life::Panicked | Life::Failed => {
                CancelStep::AlreadyFinished
            }
        }
    }

    /// ⑪ The handle is gone: nobody will read the output.
    pub(crate) fn detach(&self) {
        self.marks.set(self.marks.get() | DETACHED);
    }

    /// ⑫ A cancelled task's cleanup panicked: that panic is its end.
    pub(crate) fn cleanup_panicked(&self) {
        if self.life.get() == Life::Cancelled {
            self.life.set(Life::Panicked);
        }
    }

    /// ⑬ Someone took the task's failure (a task group keeps it in its
    /// `GroupError`; a gather gave up on it): it is not unretrieved.
    pub(crate) fn mark_retrieved(&self) {
        self.marks.set(self.marks.get() | RETRIEVED);
    }

    /// True when a failure of the task will never be read: its handle is
    /// gone and nobody else took it.
    pub(crate) fn is_unretrieved(&self) -> bool {
        self.marks.get() & (DETACHED | RETRIEVED) == DETACHED
    }

    /// True when the task is queued (a wake came in). After a fence, this is
    /// what a wake on another thread did before it let its waker go.
    pub(crate) fn is_queued(&self) -> bool {
        self.queued.get()
    }

    /// Done, cancelled or panicked: it will never be polled again.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(
            self.life.get(),
            Life::Done | Life::Cancelled | Life::Panicked | Life::Failed
        )
    }

    /// True while it is being polled.
    pub(crate) fn is_running(&self) -> bool {
        matches!(self.life.get(), Life::Running | Life::CancelRequested)
    }

    /// The state as snapshots show it.
    pub(crate) fn get(&self) -> TaskState {
        match self.life.get() {
            Life::Idle if self.queued.get() => TaskState::Ready,
            Life::Idle => TaskState::Waiting,
            Life::Running | Life::CancelRequested => TaskState::Running,
            Life::Done => TaskState::Done,
            Life::Cancelled => TaskState::Cancelled,
            Life::Panicked => TaskState::Panicked,
            Life::Failed => TaskState::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_queued_at_most_once() {
        let s = State::new();
        assert_eq!(s.get(), TaskState::Ready);
        assert_eq!(s.queued().wake(), Wake::Nothing, "spawn queued it");
        assert_eq!(s.start_poll(), StartPoll::Run);
        assert_eq!(s.get(), TaskState::Running);
        assert_eq!(s.end_poll(PollEnd::Pending), AfterPoll::Parked);
        assert_eq!(s.get(), TaskState::Waiting);
        assert_eq!(s.wake_here(), Wake::Schedule);
        assert_eq!(s.wake_here(), Wake::Nothing);
        assert_eq!(s.queued().wake(), Wake::Nothing);
        assert_eq!(s.get(), TaskState::Ready);
    }

    #[test]
    fn woken_during_its_own_poll_it_is_ready_again() {
        let s = State::new();
        assert_eq!(s.start_poll(), StartPoll::Run);
        assert_eq!(s.wake_here(), Wake::Schedule, "the poll cleared the flag");
        assert_eq!(s.get(), TaskState::Running);
        assert_eq!(s.end_poll(PollEnd::Pending), AfterPoll::Requeued);
        assert_eq!(s.get(), TaskState::Ready);
    }

    #[test]
    fn cancel_from_idle_from_running_and_after_the_end() {
        let s = State::new();
        assert_eq!(s.cancel(), CancelStep::DropFuture);
        assert_eq!(s.get(), TaskState::Cancelled);
        assert_eq!(s.cancel(), CancelStep::AlreadyFinished);
        assert_eq!(s.start_poll(), StartPoll::Finished, "a stale queue entry");
        assert_eq!(s.wake_here(), Wake::Nothing, "a finished task is not woken");

        let s = State::new();
        assert_eq!(s.start_poll(), StartPoll::Run);
        assert_eq!(s.cancel(), CancelStep::Requested);
        assert_eq!(s.get(), TaskState::Running);
        assert_eq!(s.end_poll(PollEnd::Pending), AfterPoll::CancelNow);
        assert_eq!(s.get(), TaskState::Cancelled);

        let s = State::new();
        assert_eq!(s.start_poll(), StartPoll::Run);
        assert_eq!(s.cancel(), CancelStep::Requested);
        assert_eq!(
            s.end_poll(PollEnd::Ready),
            AfterPoll::Done,
            "a task that returns is done, even if it asked to cancel itself"
        );
    }

    #[test]
    fn ends_of_a_poll() {
        let s = State::new();
        assert_eq!(s.start_poll(), StartPoll::Run);
        assert_eq!(s.end_poll(PollEnd::Panicked), AfterPoll::Panicked);
        assert!(s.is_finished());
        assert_eq!(s.get(), TaskState::Panicked);
        assert!(!s.is_unretrieved(), "its handle is still there");
        s.detach();
        assert!(s.is_unretrieved());
        s.mark_retrieved();
        assert!(!s.is_unretrieved(), "a task group or a gather took it");
    }
}

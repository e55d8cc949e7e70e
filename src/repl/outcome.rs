//! How a REPL task ended, readable by everyone who asks.
//!
//! A [`JoinHandle`](evloop::JoinHandle) gives its result once. A REPL task can
//! be awaited by several other tasks (`await NAME` steps) *and* by the
//! session (`await`, `tasks`), so each task also has a [`Slot`]: a cell that
//! receives the task's [`Outcome`] when it ends, however it ends, and wakes
//! every future waiting on it.
//!
//! ```text
//!   task body returns / fails ──┐
//!   task cancelled (dropped) ───┼──▶ Slot::finish(outcome) ──▶ wake every waiter
//!   task panics (unwinding) ────┘        (first call wins)
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use evloop::{TaskId, WaitOn};

use super::body::Value;

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The body ended; `return VALUE` gave a value.
    Returned(Option<Value>),
    /// `fail TEXT`, or a failure it awaited.
    Failed(String),
    /// `panic TEXT`.
    Panicked(String),
    /// Cancelled before it ended.
    Cancelled,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(Some(v)) => write!(f, "returned {v}"),
            Outcome::Returned(None) => f.write_str("returned (no value)"),
            Outcome::Failed(e) => write!(f, "failed: {e}"),
            Outcome::Panicked(m) => write!(f, "panicked: {m}"),
            Outcome::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// What became of a cancelled (or panicked) task's `finally` block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Cleanup {
    /// It did not end that way, or has not ended.
    #[default]
    Unknown,
    /// It was cancelled before its first poll: it never ran, so there is
    /// nothing to clean up (as a Python coroutine that never started).
    NeverStarted,
    /// It has no `finally` block.
    Nothing,
    /// Its `finally` block was spawned as this task, which runs when the
    /// loop does.
    Queued(String),
}

/// Where a task's outcome lands.
#[derive(Debug, Default)]
pub struct Slot {
    outcome: RefCell<Option<Outcome>>,
    waiters: RefCell<Vec<Waker>>,
    cleanup: RefCell<Cleanup>,
    /// Someone will see the outcome: the session awaits the task, or a
    /// command took its handle.
    watched: Cell<bool>,
}

impl Slot {
    /// Records the outcome (the first one wins) and wakes every waiter.
    pub fn finish(&self, outcome: Outcome) {
        {
            let mut slot = self.outcome.borrow_mut();
            if slot.is_some() {
                return;
            }
            *slot = Some(outcome);
        }
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        waiters.into_iter().for_each(Waker::wake);
    }

    /// Says that someone will see the outcome (the session's `await`, a
    /// command holding the handle).
    pub fn watch(&self) {
        self.watched.set(true);
    }

    /// Whether someone will see the outcome: a future waits on it (an
    /// `await` step, `gather`, a group), or [`Slot::watch`] said so.
    pub fn is_watched(&self) -> bool {
        self.watched.get() || !self.waiters.borrow().is_empty()
    }

    /// Says what became of the task's cleanup.
    pub fn set_cleanup(&self, cleanup: Cleanup) {
        *self.cleanup.borrow_mut() = cleanup;
    }

    /// What became of the task's cleanup.
    pub fn cleanup(&self) -> Cleanup {
        self.cleanup.borrow().clone()
    }

    /// The outcome, once the task has ended.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.borrow().clone()
    }

    /// A future that waits for the outcome of `task`, showing
    /// `WaitOn::Task(task)` meanwhile.
    pub fn wait(&self, task: TaskId) -> SlotWait<'_> {
        SlotWait {
            slot: self,
            on: WaitOn::Task(task),
        }
    }

    /// A future that waits for the outcome of a bare future (`new future`),
    /// showing it as a primitive named `name` meanwhile.
    pub fn wait_future(&self, name: &str) -> SlotWait<'_> {
        SlotWait {
            slot: self,
            on: WaitOn::Primitive {
                kind: "future",
                name: name.into(),
            },
        }
    }

    /// Whether a future waits on it now.
    pub fn has_waiters(&self) -> bool {
        !self.waiters.borrow().is_empty()
    }
}

/// The future of [`Slot::wait`] and [`Slot::wait_future`].
pub struct SlotWait<'a> {
    slot: &'a Slot,
    on: WaitOn,
}

impl Future for SlotWait<'_> {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        if let Some(outcome) = self.slot.outcome() {
            // Read: someone sees it.
            self.slot.watch();
            return Poll::Ready(outcome);
        }
        let mut waiters = self.slot.waiters.borrow_mut();
        if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        super::record::note(match &self.on {
            WaitOn::Task(_) => super::record::Wait::Task,
            _ => super::record::Wait::Primitive,
        });
        evloop::task::note_wait(self.on.clone());
        Poll::Pending
    }
}

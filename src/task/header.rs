//! The part of a task every layer can see: identity, state and counters.
//!
//! A header lives inside the task's single allocation (see [`cell`](super::cell)).
//! Everything in it is a `Cell` so the executor can update counters while a
//! task is being polled without any borrow of the task table being held.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use super::id::{TaskId, TaskName, TaskState, WaitOn, WakeCause};
use super::waker::TaskWaker;
use crate::executor::Key;
use crate::time::Instant;

pub(crate) struct Header {
    pub(crate) id: TaskId,
    pub(crate) name: TaskName,
    pub(crate) key: Key,
    pub(crate) parent: Option<TaskId>,
    pub(crate) spawned_at: Instant,
    /// The task's waker, built once at spawn and lent to every poll.
    pub(crate) waker: Waker,
    /// The same waker as an `Arc`, for its `queued` flag and its reference
    /// count (the lost-waker check).
    pub(crate) waker_arc: Arc<TaskWaker>,
    pub(crate) state: Cell<TaskState>,
    pub(crate) cause: Cell<WakeCause>,
    pub(crate) wait: RefCell<Option<WaitOn>>,
    pub(crate) polls: Cell<u64>,
    pub(crate) wakes: Cell<u64>,
    pub(crate) busy: Cell<Duration>,
    /// Who awaits this task's handle, woken when it finishes.
    pub(crate) join_waker: Cell<Option<Waker>>,
    /// The handle was dropped: nobody will read the result.
    pub(crate) detached: Cell<bool>,
    /// `cancel()` was called while the task was being polled (it cancelled
    /// itself); the future is dropped as soon as that poll returns.
    pub(crate) cancel_requested: Cell<bool>,
}

/// How many strong references to a task's `TaskWaker` evloop itself holds:
/// the `Waker` and the `Arc` in the header. More means a clone is stored
/// somewhere and can still wake the task.
pub(crate) const OWN_WAKER_REFS: usize = 2;

impl Header {
    pub(crate) fn new(
        id: TaskId,
        name: TaskName,
        key: Key,
        parent: Option<TaskId>,
        spawned_at: Instant,
        waker_arc: Arc<TaskWaker>,
    ) -> Header {
        Header {
            id,
            name,
            key,
            parent,
            spawned_at,
            waker: Waker::from(waker_arc.clone()),
            waker_arc,
            state: Cell::new(TaskState::Ready),
            cause: Cell::new(WakeCause::Spawned),
            wait: RefCell::new(None),
            polls: Cell::new(0),
            wakes: Cell::new(0),
            busy: Cell::new(Duration::ZERO),
            join_waker: Cell::new(None),
            detached: Cell::new(false),
            cancel_requested: Cell::new(false),
        }
    }

    /// True when no waker clone exists outside evloop's own two references.
    pub(crate) fn waker_unreferenced(&self) -> bool {
        Arc::strong_count(&self.waker_arc) <= OWN_WAKER_REFS
    }

    pub(crate) fn wake_joiner(&self) {
        if let Some(w) = self.join_waker.take() {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-task memory budget. The header is what makes a task
    /// inspectable (name, state, cause, wait, counters, timings) and is most
    /// of a parked task's cost (docs/performance.md, workload M): it may not
    /// grow by accident. Raise the bound only with a reason in that chapter.
    #[test]
    fn the_header_stays_within_its_budget() {
        assert!(
            std::mem::size_of::<Header>() <= 216,
            "Header grew to {} bytes",
            std::mem::size_of::<Header>()
        );
        assert!(std::mem::size_of::<TaskWaker>() <= 24);
    }
}

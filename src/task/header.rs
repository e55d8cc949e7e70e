//! The part of a task every layer can see: identity, state and counters.
//!
//! A header lives inside the task's single allocation (see [`cell`](super::cell)).
//! Everything in it is a `Cell` so the executor can update counters while a
//! task is being polled without any borrow of the task table being held.
//! Only `wake` is ever touched from another thread (see [`waker`](super::waker)).

use std::cell::Cell;
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use super::id::{TaskId, TaskName, TaskState, WaitOn, WakeCause};
use super::waker::WakeState;
use crate::executor::{Key, Shared};
use crate::time::Instant;

/// The fields a wake and a poll touch come first, in declaration order
/// (`repr(C)`): behind the `Arc`'s two counts, what a wake touches fills the
/// allocation's first 64 bytes and a poll adds the next 24 (`id`, `cause`),
/// so waking and polling a task whose memory has left the cache costs one
/// or two cache misses instead of one per field (perf annotate on workload
/// D1, docs/performance.md). Spawn, finish and snapshots read the rest.
#[repr(C)]
pub(crate) struct Header {
    /// What a waker needs, on any thread: the key, the `queued` flag, the loop.
    pub(crate) wake: WakeState,
    /// How many `TaskRef`s hold the task (see [`task_ref`](super::task_ref)).
    pub(crate) local: Cell<u32>,
    pub(crate) state: Cell<TaskState>,
    /// The handle was dropped: nobody will read the result.
    pub(crate) detached: Cell<bool>,
    /// `cancel()` was called while the task was being polled (it cancelled
    /// itself); the future is dropped as soon as that poll returns.
    pub(crate) cancel_requested: Cell<bool>,
    pub(crate) wakes: Cell<u64>,
    pub(crate) polls: Cell<u64>,
    pub(crate) id: TaskId,
    pub(crate) cause: Cell<WakeCause>,
    /// Time spent in polls, in nanoseconds (`u64`: 584 years; half the
    /// size of a `Duration`, in every task's header).
    busy_nanos: Cell<u64>,
    /// Who awaits this task's handle, woken when it finishes.
    pub(crate) join_waker: Cell<Option<Waker>>,
    /// What the task waits on, as noted by its last poll (a `Cell`, not a
    /// `RefCell`: the value is swapped, never borrowed).
    wait: Cell<Option<WaitOn>>,
    pub(crate) name: TaskName,
    pub(crate) parent: Option<TaskId>,
    pub(crate) spawned_at: Instant,
}

impl Header {
    pub(crate) fn new(
        id: TaskId,
        name: TaskName,
        parent: Option<TaskId>,
        spawned_at: Instant,
        key: Key,
        shared: Arc<Shared>,
    ) -> Header {
        Header {
            wake: WakeState::new(key, shared),
            local: Cell::new(0),
            id,
            name,
            parent,
            spawned_at,
            state: Cell::new(TaskState::Ready),
            cause: Cell::new(WakeCause::Spawned),
            wait: Cell::new(None),
            polls: Cell::new(0),
            wakes: Cell::new(0),
            busy_nanos: Cell::new(0),
            join_waker: Cell::new(None),
            detached: Cell::new(false),
            cancel_requested: Cell::new(false),
        }
    }

    pub(crate) fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy_nanos.get())
    }

    pub(crate) fn add_busy(&self, took: Duration) {
        let took = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos
            .set(self.busy_nanos.get().saturating_add(took));
    }

    /// What the task waits on (a copy).
    pub(crate) fn wait(&self) -> Option<WaitOn> {
        let wait = self.wait.take();
        let copy = wait.clone();
        self.wait.set(wait);
        copy
    }

    pub(crate) fn set_wait(&self, wait: Option<WaitOn>) {
        drop(self.wait.replace(wait));
    }

    /// The task's slot in the task table.
    pub(crate) fn key(&self) -> Key {
        self.wake.key
    }

    /// Drops the values that are not `Send` (the noted wait shares a
    /// primitive's `Rc` name) and any joiner's waker: the last loop-side
    /// reference is going (see [`task_ref`](super::task_ref)).
    pub(crate) fn release(&self) {
        drop(self.wait.take());
        drop(self.join_waker.take());
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
            std::mem::size_of::<Header>() <= 192,
            "Header grew to {} bytes",
            std::mem::size_of::<Header>()
        );
    }
}

//! The waker: how a parked task asks to be polled again.
//!
//! evloop builds wakers from [`std::task::Wake`], so there is no unsafe code
//! and no hand-written vtable here. A [`TaskWaker`] is an `Arc` holding the
//! task's slot key, a `queued` flag, and a reference to the loop's
//! [`Shared`] part (the only part of a runtime other threads can touch).
//!
//! ```text
//!  waker.wake()
//!     │  queued.swap(true) was already true? ──▶ done: a task is queued at most once
//!     ▼
//!  on the loop's thread, inside the loop? ──yes──▶ push the key on the ready queue
//!     │no                                         (no lock, no syscall)
//!     ▼
//!  lock the remote queue, push the key, notify the loop once
//!  (a sleeping loop wakes up; many wakes before it runs cost one notification)
//! ```
//!
//! The flag is cleared just before the task is polled, so a wake that arrives
//! during the poll queues the task again. A waker that outlives its runtime
//! finds `closed` set and does nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Wake;

use crate::executor::{Key, Shared, context};

pub(crate) struct TaskWaker {
    pub(crate) key: Key,
    pub(crate) queued: AtomicBool,
    pub(crate) shared: Arc<Shared>,
}

impl TaskWaker {
    pub(crate) fn new(key: Key, shared: Arc<Shared>) -> TaskWaker {
        TaskWaker {
            key,
            // A new task is queued by spawn itself.
            queued: AtomicBool::new(true),
            shared,
        }
    }

    /// Marks the task queued; true if it was not queued before (this wake
    /// must put it on a queue).
    pub(crate) fn mark_queued(&self) -> bool {
        !self.queued.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn is_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire)
    }

    pub(crate) fn clear_queued(&self) {
        self.queued.store(false, Ordering::Release);
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !context::wake_local(self) {
            self.shared.wake_remote(self);
        }
    }
}

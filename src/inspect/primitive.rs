//! Primitives in snapshots: who waits on a semaphore, a queue, a lock.
//!
//! Every primitive of [`sync`](crate::sync) registers a weak reference to
//! itself with the loop it is created in (or first used in). A snapshot asks
//! each live one for a [`PrimitiveInfo`]: its state in words, the tasks
//! parked on it, and the tasks holding it. That last list is what a deadlock
//! report needs: task A waits on lock L, held by task B, which waits on…

use std::fmt;
use std::task::Waker;

use crate::task::TaskId;

/// One synchronization primitive, as a snapshot sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimitiveInfo {
    /// `"semaphore"`, `"queue"`, `"event"`, `"lock"`.
    pub kind: &'static str,
    /// Its name (given, or `kind-N`).
    pub name: String,
    /// Its state in words: `"2/3 permits"`, `"4/10 items"`, `"set"`, `"locked"`.
    pub state: String,
    /// Tasks waiting on it, first in line first.
    pub waiters: Vec<TaskId>,
    /// Tasks holding it (a permit, the lock), in the order they got it.
    pub holders: Vec<TaskId>,
}

impl fmt::Display for PrimitiveInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.kind, self.name, self.state)?;
        let list = |ids: &[TaskId]| {
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.holders.is_empty() {
            write!(f, ", held by {}", list(&self.holders))?;
        }
        if !self.waiters.is_empty() {
            write!(f, ", waited on by {}", list(&self.waiters))?;
        }
        Ok(())
    }
}

/// Implemented by the shared state of every primitive.
pub(crate) trait InspectPrimitive {
    fn info(&self) -> PrimitiveInfo;

    /// Shows `visit` every waker the primitive holds (its waiting lines).
    /// A waker held here can only be called by code on the loop's thread:
    /// the loop uses this to tell a deadlock on the real clock from a wait
    /// for another thread.
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        let _ = visit;
    }
}

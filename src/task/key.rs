//! `TaskKey`: where a task is, for its loop.
//!
//! A [`TaskId`](super::TaskId) names a task for people and never repeats. A
//! key is how the loop finds the task fast: a slot index in its task table
//! plus a generation, which is the low half of the task's id. When a task
//! finishes, its slot is freed, and the next task in it has another id, so
//! a stale key (held by a waker that outlived its task, or sitting in the
//! ready queue of a cancelled task) finds nothing instead of a stranger
//! (unless 2³² tasks were spawned meanwhile: then a stale wake is one
//! spurious wake, which every future must take in its stride). A waker
//! carries the key, because a wake from another thread can carry nothing the
//! loop's thread alone may touch.
//!
//! The generation is the id's rather than a count of its own so that the
//! header keeps the index alone beside the id: 4 bytes, the other half of
//! their word being the allocation's count of owners.

use super::TaskId;

/// A task's slot in its loop's task table, with the slot's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskKey {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

impl TaskKey {
    /// The key of task `id` in slot `index`.
    #[inline]
    pub(crate) fn of(index: u32, id: TaskId) -> TaskKey {
        TaskKey {
            index,
            // The low half, on purpose: see the module docs.
            #[allow(clippy::cast_possible_truncation)]
            generation: id.0 as u32,
        }
    }
}

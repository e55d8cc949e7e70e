//! `TaskKey`: where a task is, for its loop.
//!
//! A [`TaskId`](super::TaskId) names a task for people and never repeats. A
//! key is how the loop finds the task fast: a slot index in its task table
//! plus a generation. When a task finishes, its slot is freed and its
//! generation bumped, so a stale key (held by a waker that outlived its task,
//! or sitting in the ready queue of a cancelled task) finds nothing instead
//! of a stranger. A waker carries the key, because a wake from another
//! thread can carry nothing the loop's thread alone may touch.

/// A task's slot in its loop's task table, with the slot's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskKey {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

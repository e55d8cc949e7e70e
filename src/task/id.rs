//! `TaskId`: who a task is, for people.

use std::fmt;

/// A task's id: a number unique within its runtime, never reused.
///
/// Ids count up from 1 in spawn order, so `#3` is the third task spawned. The
/// future given to [`Runtime::block_on`](crate::Runtime::block_on) is a task too
/// (named `main`), unless it finishes in its first poll on a runtime nothing
/// has used yet: then no loop was built and no id was taken (see
/// [`Runtime::new`](crate::Runtime::new)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id as a plain number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

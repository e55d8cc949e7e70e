//! `TaskName`: a task's name, stored without allocating when it can be,
//! and in one pointer in the task's header.

use std::fmt;
use std::sync::Arc;

use super::TaskId;

/// A task's name: given at spawn, or `task-N` by default.
///
/// Stored without allocating for the default and for `&'static str` names, so
/// naming costs nothing on the spawn hot path.
#[derive(Clone, Debug)]
pub(crate) enum TaskName {
    Default(TaskId),
    Static(&'static str),
    Owned(Arc<str>),
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskName::Default(id) => write!(f, "task-{}", id.0),
            TaskName::Static(s) => f.write_str(s),
            TaskName::Owned(s) => f.write_str(s),
        }
    }
}

/// How a task's header keeps its name: one pointer, null for the default
/// name (which the header's id spells), so the 10^6 unnamed tasks of a big
/// program pay 8 bytes each for being nameable, not 24. A given name costs
/// one small allocation at spawn.
pub(crate) struct StoredName(Option<Box<Given>>);

enum Given {
    Static(&'static str),
    Owned(Arc<str>),
}

impl StoredName {
    #[inline]
    pub(crate) fn new(name: TaskName) -> StoredName {
        match name {
            TaskName::Default(_) => StoredName(None),
            given => StoredName(Some(Self::boxed(given))),
        }
    }

    /// Out of line: keeps the unnamed spawn (the common one) small enough
    /// to inline where the header is built in place.
    #[cold]
    #[inline(never)]
    fn boxed(name: TaskName) -> Box<Given> {
        Box::new(match name {
            TaskName::Static(s) => Given::Static(s),
            TaskName::Owned(s) => Given::Owned(s),
            TaskName::Default(_) => unreachable!("a default name is stored as null"),
        })
    }

    /// The name of the task whose id is `id`.
    #[inline]
    pub(crate) fn get(&self, id: TaskId) -> TaskName {
        match self.0.as_deref() {
            None => TaskName::Default(id),
            Some(Given::Static(s)) => TaskName::Static(s),
            Some(Given::Owned(s)) => TaskName::Owned(Arc::clone(s)),
        }
    }
}

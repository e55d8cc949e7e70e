//! `TaskName`: a task's name, stored without allocating when it can be.

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

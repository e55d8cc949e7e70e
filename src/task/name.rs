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
            TaskName::Default(id) => write!(f, "{PREFIX}{}", id.0),
            TaskName::Static(s) => f.write_str(s),
            TaskName::Owned(s) => f.write_str(s),
        }
    }
}

impl TaskName {
    /// The name as a `String`, in one allocation of the right size: what
    /// events and reports carry. (`to_string` goes through the formatting
    /// machinery and grows its buffer twice for `task-N`: a watched spawn
    /// spent a fifth of its instructions there.)
    pub(crate) fn into_string(self) -> String {
        match self {
            TaskName::Default(id) => {
                let mut digits = [0u8; 20];
                let mut at = digits.len();
                let mut n = id.0;
                loop {
                    at -= 1;
                    digits[at] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                let mut name = String::with_capacity(PREFIX.len() + digits.len() - at);
                name.push_str(PREFIX);
                name.extend(digits[at..].iter().map(|&d| char::from(d)));
                name
            }
            TaskName::Static(s) => s.to_owned(),
            TaskName::Owned(s) => String::from(&*s),
        }
    }
}

/// What a default name starts with.
const PREFIX: &str = "task-";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn into_string_spells_each_name_as_display_does() {
        for id in [0, 1, 9, 10, 99, 100, 12_345, u64::MAX] {
            let name = TaskName::Default(TaskId(id));
            let shown = name.to_string();
            let built = name.into_string();
            assert_eq!(built, shown);
            assert_eq!(
                built.capacity(),
                built.len(),
                "one allocation of the right size"
            );
        }
        assert_eq!(TaskName::Static("main").into_string(), "main");
        assert_eq!(TaskName::Owned("fetch-1".into()).into_string(), "fetch-1");
    }
}

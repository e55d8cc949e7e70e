//! `TaskName`: a task's name, stored without allocating when it can be,
//! and in one pointer in the task's header.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::TaskId;

/// A task's name: given at spawn, or `task-N` by default. What a
/// [`Spawned`](crate::inspect::LoopEventKind::Spawned) event carries.
///
/// Making one, cloning it and dropping it allocate nothing: the default name
/// is the task's id, spelled only when shown; a `&'static str` name is a
/// pointer; a name given at run time is shared with the task. A listener
/// that hears of 100,000 spawns therefore does not pay for 100,000 strings
/// (it did while the event carried a `String`: that was two fifths of what
/// a watched spawn cost).
///
/// It compares with `str` and `String` by its text, and shows as its text.
///
/// # Examples
///
/// ```
/// use evloop::inspect::LoopEventKind;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(10);
/// let _a = rt.spawn(async {});
/// let _b = rt.spawn_named("fetch", async {});
/// let names: Vec<evloop::TaskName> = rt
///     .events()
///     .recorded()
///     .into_iter()
///     .filter_map(|e| match e.kind {
///         LoopEventKind::Spawned { name, .. } => Some(name),
///         _ => None,
///     })
///     .collect();
/// assert_eq!(names[0], "task-1");
/// assert!(names[0].is_default());
/// assert_eq!(names[1], "fetch");
/// assert_eq!(names[1].to_string(), "fetch");
/// ```
#[derive(Clone)]
pub struct TaskName(Repr);

#[derive(Clone)]
enum Repr {
    Default(TaskId),
    Static(&'static str),
    Owned(Arc<str>),
}

impl TaskName {
    /// The default name of the task `id`: `task-N`.
    #[inline]
    pub(crate) fn default_for(id: TaskId) -> TaskName {
        TaskName(Repr::Default(id))
    }

    /// A name fixed in the program (`main`, `shield`, …).
    #[inline]
    pub(crate) fn fixed(name: &'static str) -> TaskName {
        TaskName(Repr::Static(name))
    }

    /// A name given at run time.
    pub(crate) fn given(name: impl Into<Arc<str>>) -> TaskName {
        TaskName(Repr::Owned(name.into()))
    }

    /// True for the default name, `task-N`.
    pub fn is_default(&self) -> bool {
        matches!(self.0, Repr::Default(_))
    }

    /// Whether this is the default name of the task `id` (`task-N` for its
    /// own `N`): then the id alone says the name.
    #[inline]
    pub(crate) fn is_default_for(&self, id: TaskId) -> bool {
        matches!(self.0, Repr::Default(own) if own == id)
    }

    /// The name as text: borrowed when it is kept as text, spelled when it
    /// is the default.
    pub fn as_text(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Default(_) => Cow::Owned(self.clone().into_string()),
            Repr::Static(s) => Cow::Borrowed(s),
            Repr::Owned(s) => Cow::Borrowed(s),
        }
    }

    /// True when dropping it frees nothing (no shared text).
    #[inline]
    pub(crate) fn owns_nothing(&self) -> bool {
        !matches!(self.0, Repr::Owned(_))
    }

    /// The name as a `String`, in one allocation of the right size.
    /// (`to_string` goes through the formatting machinery and grows its
    /// buffer twice for `task-N`.)
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Default(id) => {
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
            Repr::Static(s) => s.to_owned(),
            Repr::Owned(s) => String::from(&*s),
        }
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Default(id) => write!(f, "{PREFIX}{}", id.0),
            Repr::Static(s) => f.write_str(s),
            Repr::Owned(s) => f.write_str(s),
        }
    }
}

/// Shows the text, quoted, as a `String` would be.
impl fmt::Debug for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.as_text(), f)
    }
}

impl PartialEq for TaskName {
    fn eq(&self, other: &TaskName) -> bool {
        match (&self.0, &other.0) {
            (Repr::Default(a), Repr::Default(b)) => a == b,
            _ => self.as_text() == other.as_text(),
        }
    }
}

impl Eq for TaskName {}

impl std::hash::Hash for TaskName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_text().hash(state);
    }
}

impl PartialEq<str> for TaskName {
    fn eq(&self, other: &str) -> bool {
        self.as_text() == other
    }
}

impl PartialEq<&str> for TaskName {
    fn eq(&self, other: &&str) -> bool {
        self.as_text() == *other
    }
}

impl PartialEq<String> for TaskName {
    fn eq(&self, other: &String) -> bool {
        self.as_text() == other.as_str()
    }
}

impl PartialEq<TaskName> for str {
    fn eq(&self, other: &TaskName) -> bool {
        other == self
    }
}

impl PartialEq<TaskName> for &str {
    fn eq(&self, other: &TaskName) -> bool {
        other == *self
    }
}

impl PartialEq<TaskName> for String {
    fn eq(&self, other: &TaskName) -> bool {
        other == self
    }
}

impl From<TaskName> for String {
    fn from(name: TaskName) -> String {
        name.into_string()
    }
}

/// What a default name starts with.
const PREFIX: &str = "task-";

/// How a task's header keeps its name: one pointer, null for the default
/// name (which the header's id spells), so the 10^6 unnamed tasks of a big
/// program pay 8 bytes each for being nameable, not 24. A given name costs
/// one small allocation at spawn.
/// (The box holds a `Static` or an `Owned` name, never a `Default`.)
pub(crate) struct StoredName(Option<Box<Repr>>);

impl StoredName {
    #[inline]
    pub(crate) fn new(name: TaskName) -> StoredName {
        match name.0 {
            Repr::Default(_) => StoredName(None),
            given => StoredName(Some(Self::boxed(given))),
        }
    }

    /// Out of line: keeps the unnamed spawn (the common one) small enough
    /// to inline where the header is built in place.
    #[cold]
    #[inline(never)]
    fn boxed(name: Repr) -> Box<Repr> {
        Box::new(name)
    }

    /// True for the default name (`task-N`, spelled from the id).
    #[inline]
    pub(crate) fn is_default(&self) -> bool {
        self.0.is_none()
    }

    /// The name of the task whose id is `id`.
    #[inline]
    pub(crate) fn get(&self, id: TaskId) -> TaskName {
        TaskName(match self.0.as_deref() {
            None => Repr::Default(id),
            Some(given) => given.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn into_string_spells_each_name_as_display_does() {
        for id in [0, 1, 9, 10, 99, 100, 12_345, u64::MAX] {
            let name = TaskName::default_for(TaskId(id));
            let shown = name.to_string();
            let built = name.into_string();
            assert_eq!(built, shown);
            assert_eq!(
                built.capacity(),
                built.len(),
                "one allocation of the right size"
            );
        }
        assert_eq!(TaskName::fixed("main").into_string(), "main");
        assert_eq!(TaskName::given("fetch-1").into_string(), "fetch-1");
    }

    #[test]
    fn names_compare_and_hash_by_their_text() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let hash = |n: &TaskName| {
            let mut h = DefaultHasher::new();
            n.hash(&mut h);
            h.finish()
        };
        let default = TaskName::default_for(TaskId(7));
        let given = TaskName::given("task-7");
        assert_eq!(default, given, "the same text");
        assert_eq!(hash(&default), hash(&given));
        assert_ne!(default, TaskName::default_for(TaskId(8)));
        assert_eq!(default, "task-7");
        assert_eq!("task-7", default);
        assert_eq!(TaskName::fixed("main"), String::from("main"));
        assert_eq!(format!("{default:?}"), format!("{:?}", "task-7"));
        assert!(default.is_default() && !given.is_default());
        assert!(default.owns_nothing() && TaskName::fixed("x").owns_nothing());
        assert!(!given.owns_nothing());
    }
}

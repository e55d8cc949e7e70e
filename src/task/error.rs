//! `JoinError`: why a task produced no output.

use std::any::Any;
use std::cell::OnceCell;
use std::error::Error;
use std::fmt;

use super::{Header, TaskId, TaskName};

/// Why a task produced no output.
pub struct JoinError {
    id: TaskId,
    /// The task's name, or empty while it is the default name of the task
    /// `id` (`task-N`), which [`task_name`](JoinError::task_name) spells
    /// the first time it is asked for. So cancelling a task of the default
    /// name allocates nothing for its name (a runtime dropped with 10,000
    /// such tasks pending cancels each), and the error is no larger than
    /// with the name a plain `String`: it is moved whole into the output of
    /// every join.
    name: OnceCell<String>,
    kind: JoinErrorKind,
}

/// The name a `JoinError` keeps for the task `id` named `name`.
fn kept(id: TaskId, name: TaskName) -> OnceCell<String> {
    if name.is_default_for(id) {
        OnceCell::new()
    } else {
        OnceCell::from(name.into_string())
    }
}

/// A name given as text, kept.
fn given(name: String) -> OnceCell<String> {
    OnceCell::from(name)
}

enum JoinErrorKind {
    Cancelled,
    Panicked {
        message: String,
        /// The value the task panicked with, for `resume_unwind`.
        payload: Option<Box<dyn Any + Send>>,
        /// The panic came from the task's cleanup, while it was being
        /// cancelled.
        in_cleanup: bool,
    },
    Failed(String),
}

impl JoinError {
    pub(crate) fn cancelled(header: &Header) -> JoinError {
        JoinError {
            id: header.id,
            name: kept(header.id, header.name()),
            kind: JoinErrorKind::Cancelled,
        }
    }

    pub(crate) fn panicked(
        header: &Header,
        message: String,
        payload: Box<dyn Any + Send>,
    ) -> JoinError {
        JoinError {
            id: header.id,
            name: kept(header.id, header.name()),
            kind: JoinErrorKind::Panicked {
                message,
                payload: Some(payload),
                in_cleanup: false,
            },
        }
    }

    /// The task was being cancelled and its cleanup (a destructor of its
    /// future) panicked: the panic is its failure, as asyncio makes an
    /// exception raised while handling `CancelledError` the task's.
    pub(crate) fn cleanup_panicked(
        header: &Header,
        message: String,
        payload: Box<dyn Any + Send>,
    ) -> JoinError {
        JoinError {
            id: header.id,
            name: kept(header.id, header.name()),
            kind: JoinErrorKind::Panicked {
                message,
                payload: Some(payload),
                in_cleanup: true,
            },
        }
    }

    /// A task that returned an error as its failure (a
    /// [`TaskGroup`](crate::combinators::TaskGroup) child returning `Err`).
    pub(crate) fn failed(id: TaskId, name: String, message: String) -> JoinError {
        JoinError {
            id,
            name: given(name),
            kind: JoinErrorKind::Failed(message),
        }
    }

    /// The task returned an error (a [`TaskGroup`](crate::combinators::TaskGroup)
    /// child whose future returned `Err`).
    pub fn is_error(&self) -> bool {
        matches!(self.kind, JoinErrorKind::Failed(_))
    }

    /// The error's text, if the task returned an error.
    pub fn error_message(&self) -> Option<&str> {
        match &self.kind {
            JoinErrorKind::Failed(m) => Some(m),
            _ => None,
        }
    }

    /// A panic outside a task proper (a `to_thread` job), reported under
    /// the id of the task that started it and a name saying what ran.
    pub(crate) fn from_parts(
        id: TaskId,
        name: String,
        message: String,
        payload: Option<Box<dyn Any + Send>>,
    ) -> JoinError {
        JoinError {
            id,
            name: given(name),
            kind: JoinErrorKind::Panicked {
                message,
                payload,
                in_cleanup: false,
            },
        }
    }

    /// A task known by id and name only (run for another thread, say) that
    /// was cancelled, or whose loop went away before it ran.
    pub(crate) fn cancelled_by_id(id: TaskId, name: String) -> JoinError {
        JoinError {
            id,
            name: given(name),
            kind: JoinErrorKind::Cancelled,
        }
    }

    /// The task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, JoinErrorKind::Cancelled)
    }

    /// The task panicked (in its own code, or in its cleanup while it was
    /// being cancelled: then [`is_cancelled`](JoinError::is_cancelled) is
    /// false, as asyncio's `cancelled()` is once the cleanup raised).
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, JoinErrorKind::Panicked { .. })
    }

    /// The panic message, if the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            JoinErrorKind::Panicked { message, .. } => Some(message),
            _ => None,
        }
    }

    /// The value the task panicked with, to continue the panic with
    /// [`std::panic::resume_unwind`] (tokio's `JoinError::into_panic`).
    ///
    /// # Errors
    ///
    /// The error itself, unchanged, if the task did not panic (it was
    /// cancelled or returned an error) or its payload was already taken.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let err = rt.block_on(async { evloop::spawn(async { panic!("boom") }).await }).unwrap_err();
    /// let payload = err.into_panic().unwrap();
    /// let resumed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     std::panic::resume_unwind(payload) // the task's own panic, continued here
    /// }));
    /// assert_eq!(*resumed.unwrap_err().downcast::<&str>().unwrap(), "boom");
    /// ```
    pub fn into_panic(self) -> Result<Box<dyn Any + Send>, JoinError> {
        match self.kind {
            JoinErrorKind::Panicked {
                payload: Some(payload),
                ..
            } => Ok(payload),
            kind => Err(JoinError { kind, ..self }),
        }
    }

    /// The id of the task that failed.
    pub fn task_id(&self) -> TaskId {
        self.id
    }

    /// The name of the task that failed.
    pub fn task_name(&self) -> &str {
        self.name
            .get_or_init(|| TaskName::default_for(self.id).into_string())
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            JoinErrorKind::Cancelled => {
                write!(f, "task '{}' ({}) was cancelled", self.task_name(), self.id)
            }
            JoinErrorKind::Panicked {
                message,
                in_cleanup: false,
                ..
            } => write!(
                f,
                "task '{}' ({}) panicked: {message}",
                self.task_name(),
                self.id
            ),
            JoinErrorKind::Panicked {
                message,
                in_cleanup: true,
                ..
            } => write!(
                f,
                "task '{}' ({}) was being cancelled, and its cleanup panicked: {message}",
                self.task_name(),
                self.id
            ),
            JoinErrorKind::Failed(m) => {
                write!(f, "task '{}' ({}) failed: {m}", self.task_name(), self.id)
            }
        }
    }
}

impl Error for JoinError {}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            JoinErrorKind::Cancelled => "Cancelled".to_owned(),
            JoinErrorKind::Panicked { message, .. } => format!("Panicked({message:?})"),
            JoinErrorKind::Failed(m) => format!("Failed({m:?})"),
        };
        f.debug_struct("JoinError")
            .field("id", &self.id)
            .field("name", &self.task_name())
            .field("kind", &format_args!("{kind}"))
            .finish()
    }
}

/// Two errors are equal when they are about the same task and say the same
/// (a panic's payload is not compared).
impl PartialEq for JoinError {
    fn eq(&self, other: &JoinError) -> bool {
        let same_kind = match (&self.kind, &other.kind) {
            (JoinErrorKind::Cancelled, JoinErrorKind::Cancelled) => true,
            (
                JoinErrorKind::Panicked { message: a, .. },
                JoinErrorKind::Panicked { message: b, .. },
            ) => a == b,
            (JoinErrorKind::Failed(a), JoinErrorKind::Failed(b)) => a == b,
            _ => false,
        };
        same_kind && self.id == other.id && self.task_name() == other.task_name()
    }
}

impl Eq for JoinError {}

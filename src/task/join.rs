//! `JoinHandle`: awaiting a task's result, cancelling it, or letting it go.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Weak;
use std::task::{Context, Poll};

use super::cell::JoinTask;
use super::header::Header;
use super::id::{TaskId, WaitOn};
use super::task_ref::TaskRef;
use crate::executor::{Core, context};

/// An owned permission to await a spawned task's result, or to cancel it.
///
/// Awaiting the handle gives `Ok(output)` when the task returned, or a
/// [`JoinError`] when it was cancelled or panicked.
///
/// Dropping the handle *detaches* the task: it keeps running to completion.
/// This differs from asyncio, where a task that nothing references can be
/// garbage-collected mid-flight (hence asyncio's advice to keep references to
/// background tasks). In evloop the loop owns every task until it finishes.
///
/// # Panics
///
/// Polling a handle again after it returned its result panics with a message
/// saying so: the output has been moved out and cannot be given twice.
///
/// # Examples
///
/// ```
/// let out = evloop::run(async {
///     let handle = evloop::spawn(async { 6 * 7 });
///     handle.await
/// });
/// assert_eq!(out.unwrap(), 42);
/// ```
#[must_use = "dropping a JoinHandle detaches the task: it still runs, but its result and any panic are lost"]
pub struct JoinHandle<T> {
    task: TaskRef<dyn JoinTask<T>>,
    core: Weak<Core>,
    _not_send: PhantomData<*const ()>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: TaskRef<dyn JoinTask<T>>, core: Weak<Core>) -> JoinHandle<T> {
        JoinHandle {
            task,
            core,
            _not_send: PhantomData,
        }
    }

    fn header(&self) -> &Header {
        self.task.header()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// The task's name (`task-N` if none was given).
    pub fn name(&self) -> String {
        self.header().name.to_string()
    }

    /// True once the task has returned, panicked or been cancelled (asyncio's `done()`).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Cancels the task: its future is dropped where it is parked, so every
    /// destructor in it runs (the Rust form of `except CancelledError: cleanup`).
    /// Awaiting the handle afterwards gives [`JoinError::is_cancelled`].
    ///
    /// Cancelling a task that already finished changes nothing, and the
    /// returned [`Cancel`] says so. A task that cancels itself is dropped as
    /// soon as its current poll returns.
    ///
    /// # Panics
    ///
    /// Panics when called outside the thread that owns the task's runtime
    /// (impossible in safe code: handles are not `Send`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{Cancel, Runtime};
    ///
    /// let rt = Runtime::builder().virtual_clock().build();
    /// let handle = rt.spawn(evloop::sleep(Duration::from_secs(10)));
    /// rt.run_until_idle();
    /// assert_eq!(handle.cancel(), Cancel::Cancelled);
    /// assert_eq!(handle.cancel(), Cancel::AlreadyFinished);
    /// assert!(rt.block_on(handle).unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> Cancel {
        let core = self.core.upgrade();
        let _enter = core.as_ref().map(context::enter);
        context::cancel_task(self.header(), core)
    }

    /// Detaches the task explicitly (the same as dropping the handle).
    pub fn detach(self) {}

    /// True once the task finished without an output: it panicked, was
    /// cancelled, or (a [`TaskGroup`](crate::combinators::TaskGroup) child)
    /// returned an error. What `wait(.., ReturnWhen::FirstException, ..)`
    /// looks for (asyncio's `task.exception() is not None`).
    pub fn is_failed(&self) -> bool {
        self.task.is_failed()
    }

    /// `Ready` once the task has finished, without taking its output; the
    /// waker is called when it finishes. One waker per task: the last one
    /// registered (by this or by awaiting the handle) is the one called.
    pub(crate) fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.task.poll_finished(cx)
    }
}

/// Cancels a task by its slot key (stale keys are harmless: the table's
/// generations make them miss).
#[derive(Clone)]
pub(crate) struct Canceller {
    pub(crate) key: crate::executor::Key,
    pub(crate) core: Weak<Core>,
}

impl Canceller {
    pub(crate) fn cancel(&self) -> Cancel {
        match self.core.upgrade() {
            Some(core) => {
                let _enter = context::enter(&core);
                core.cancel(self.key)
            }
            None => Cancel::AlreadyFinished,
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let header = self.task.header();
        header.detached.set(true);
        if let Some(message) = self.task.unretrieved_failure()
            && let Some(core) = self.core.upgrade()
        {
            core.report_unretrieved(header, message);
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.task.poll_join(cx) {
            Poll::Ready(Some(out)) => Poll::Ready(out),
            Poll::Ready(None) => panic!(
                "the JoinHandle of task '{}' ({}) was polled after it returned its result; \
                 a handle gives its result once: keep the value, or check is_finished() instead",
                self.header().name,
                self.header().id
            ),
            Poll::Pending => {
                context::note_wait(WaitOn::Task(self.header().id));
                Poll::Pending
            }
        }
    }
}

/// What [`JoinHandle::cancel`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancel {
    /// The task's future was dropped; awaiting the handle gives `Cancelled`.
    Cancelled,
    /// The task is the one running now (it cancelled itself); its future is
    /// dropped as soon as this poll returns.
    Requested,
    /// The task had already finished; nothing changed.
    AlreadyFinished,
}

/// Why a task produced no output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinError {
    id: TaskId,
    name: String,
    kind: JoinErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JoinErrorKind {
    Cancelled,
    Panicked(String),
    Failed(String),
}

impl JoinError {
    pub(crate) fn cancelled(header: &Header) -> JoinError {
        JoinError {
            id: header.id,
            name: header.name.to_string(),
            kind: JoinErrorKind::Cancelled,
        }
    }

    pub(crate) fn panicked(header: &Header, message: String) -> JoinError {
        JoinError {
            id: header.id,
            name: header.name.to_string(),
            kind: JoinErrorKind::Panicked(message),
        }
    }

    /// A task that returned an error as its failure (a
    /// [`TaskGroup`](crate::combinators::TaskGroup) child returning `Err`).
    pub(crate) fn failed(id: TaskId, name: String, message: String) -> JoinError {
        JoinError {
            id,
            name,
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
    pub(crate) fn from_parts(id: TaskId, name: String, message: String) -> JoinError {
        JoinError {
            id,
            name,
            kind: JoinErrorKind::Panicked(message),
        }
    }

    /// The task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.kind == JoinErrorKind::Cancelled
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, JoinErrorKind::Panicked(_))
    }

    /// The panic message, if the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            JoinErrorKind::Panicked(m) => Some(m),
            _ => None,
        }
    }

    /// The id of the task that failed.
    pub fn task_id(&self) -> TaskId {
        self.id
    }

    /// The name of the task that failed.
    pub fn task_name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            JoinErrorKind::Cancelled => {
                write!(f, "task '{}' ({}) was cancelled", self.name, self.id)
            }
            JoinErrorKind::Panicked(m) => {
                write!(f, "task '{}' ({}) panicked: {m}", self.name, self.id)
            }
            JoinErrorKind::Failed(m) => write!(f, "task '{}' ({}) failed: {m}", self.name, self.id),
        }
    }
}

impl Error for JoinError {}

//! `JoinHandle`: awaiting a task's result, cancelling it, or letting it go.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::cell::OutputRef;
use super::error::JoinError;
use super::task_ref::TaskRef;
use super::{Header, TaskId, TaskState, WaitOn, current};

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
/// A handle is one pointer, to the task (keeping a thousand of them in a
/// `Vec` costs 8 KB on a 64-bit machine); it finds the loop through the task
/// when it needs it, to cancel:
///
/// ```
/// assert_eq!(
///     std::mem::size_of::<evloop::JoinHandle<String>>(),
///     std::mem::size_of::<usize>(),
/// );
/// ```
///
/// # Panics
///
/// Polling a handle again after it returned its result panics with a message
/// saying so: the output has been moved out and cannot be given twice. So
/// does a task awaiting its own handle (it would wait for itself forever).
///
/// # Cancel safety
///
/// Cancel-safe: dropping a future that awaits the handle (or the handle)
/// detaches the task, which runs on. To await it again later, await
/// `&mut handle` (in a [`select!`](crate::select!), say) and keep the handle.
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
#[doc(alias = "Task")]
pub struct JoinHandle<T> {
    /// The task, and nothing else: the loop it asks to cancel the task is
    /// found through the task's hook (see `Schedule::host`), so a handle is
    /// one pointer, as tokio's and async-task's are.
    output: OutputRef<T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(output: OutputRef<T>) -> JoinHandle<T> {
        JoinHandle { output }
    }

    pub(crate) fn header(&self) -> &Header {
        self.output.task().header()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// The task's name (`task-N` if none was given).
    pub fn name(&self) -> String {
        self.header().name().into_string()
    }

    /// True once the task has returned, panicked or been cancelled (asyncio's `done()`).
    #[doc(alias = "done")]
    pub fn is_finished(&self) -> bool {
        observed(self.output.task());
        self.header().state.is_finished()
    }

    /// Cancels the task: its future is dropped where it is parked, so every
    /// destructor in it runs (the Rust form of `except CancelledError: cleanup`).
    /// Awaiting the handle afterwards gives [`JoinError::is_cancelled`].
    ///
    /// Cancelling a task that already finished changes nothing, and the
    /// returned [`Cancel`] says so. A task that cancels itself is dropped as
    /// soon as its current poll returns.
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
    #[doc(alias = "abort")]
    pub fn cancel(&self) -> Cancel {
        cancel(self.output.task())
    }

    /// Detaches the task explicitly (the same as dropping the handle).
    pub fn detach(self) {}

    /// This handle, made to cancel its task if dropped before the task
    /// finished (tokio's `AbortOnDrop`). The one obvious way to cancel the
    /// losers of a [`race`](crate::race) or [`select`](crate::select()), or a
    /// task a [`timeout`](crate::timeout) gave up on: asyncio's
    /// `wait_for(task)` and "first result wins, cancel the rest".
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::TaskState;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let task = rt.spawn(evloop::sleep(Duration::from_secs(10))).cancel_on_drop();
    /// let id = task.id();
    /// drop(task);
    /// assert_eq!(rt.snapshot().task(id).unwrap().state, TaskState::Cancelled);
    /// ```
    #[doc(alias = "abort_on_drop")]
    pub fn cancel_on_drop(self) -> CancelOnDrop<T> {
        CancelOnDrop { handle: Some(self) }
    }

    /// True once the task finished without an output: it panicked, was
    /// cancelled, or (a [`TaskGroup`](crate::combinators::TaskGroup) child)
    /// returned an error. What `wait(.., ReturnWhen::FirstException, ..)`
    /// looks for (asyncio's `task.exception() is not None`).
    pub fn is_failed(&self) -> bool {
        self.output.failed()
    }

    /// `Ready` once the task has finished, without taking its output; the
    /// waker is called when it finishes. One waker per task: the last one
    /// registered (by this or by awaiting the handle) is the one called.
    pub(crate) fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_finished() {
            return Poll::Ready(());
        }
        self.header().set_join_waker(cx.waker());
        Poll::Pending
    }

    /// A handle that can only cancel (for task groups).
    pub(crate) fn canceller(&self) -> Canceller {
        Canceller {
            task: self.output.task().clone(),
        }
    }

    /// A [`CancelHandle`] for this task: it can cancel the task and tell
    /// whether it finished, but not await it; keep it, clone it, or give it
    /// to another task (tokio's `abort_handle()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let task = rt.spawn(evloop::sleep(Duration::from_secs(10)));
    /// let stop = task.cancel_handle();
    /// rt.spawn(async move { stop.cancel(); }).detach(); // from another task
    /// rt.run_until_done().unwrap();
    /// assert!(rt.block_on(task).unwrap_err().is_cancelled());
    /// ```
    #[doc(alias = "abort_handle")]
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            canceller: self.canceller(),
        }
    }
}

/// A handle that cancels a task and tells whether it finished, without
/// awaiting it (tokio's `AbortHandle`): from [`JoinHandle::cancel_handle`],
/// or from spawning into a [`TaskSet`](crate::combinators::TaskSet).
///
/// Clone it freely; dropping it does nothing to the task.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::Cancel;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let handle = rt.spawn(evloop::sleep(Duration::from_secs(10))).cancel_handle();
/// assert!(!handle.is_finished());
/// assert_eq!(handle.cancel(), Cancel::Cancelled);
/// assert!(handle.is_finished());
/// ```
#[doc(alias = "AbortHandle")]
#[derive(Clone)]
pub struct CancelHandle {
    canceller: Canceller,
}

impl CancelHandle {
    /// Cancels the task (see [`JoinHandle::cancel`]).
    #[doc(alias = "abort")]
    pub fn cancel(&self) -> Cancel {
        self.canceller.cancel()
    }

    /// True once the task has finished (returned, panicked, been cancelled).
    pub fn is_finished(&self) -> bool {
        observed(&self.canceller.task);
        self.canceller.task.header().state.is_finished()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.canceller.task.header().id
    }

    /// The task's name.
    pub fn name(&self) -> String {
        self.canceller.task.header().name().into_string()
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Tells the task's host that someone looked at whether it has ended.
fn observed(task: &TaskRef) {
    if let Some(host) = task.host() {
        host.observed(task.header());
    }
}

fn cancel(task: &TaskRef) -> Cancel {
    match task.host() {
        Some(host) => host.cancel(task.header()),
        // The loop is gone, and with it every task.
        None => Cancel::AlreadyFinished,
    }
}

/// Cancels a task it keeps a reference to (a task group's record of a child).
#[derive(Clone)]
pub(crate) struct Canceller {
    task: TaskRef,
}

impl Canceller {
    pub(crate) fn cancel(&self) -> Cancel {
        cancel(&self.task)
    }

    /// The task's failure was taken by whoever holds this (a task group
    /// keeps it in its `GroupError`): debug mode must not call it
    /// unretrieved.
    pub(crate) fn mark_retrieved(&self) {
        self.task.state.mark_retrieved();
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let task = self.output.task();
        let header = task.header();
        header.state.detach();
        // Only a panic has a message to read (a joined task's output is
        // gone; a task still running reports its own panic when it ends).
        if header.state.is_unretrieved()
            && header.state.get() == TaskState::Panicked
            && let Some(message) = task.failure()
            && let Some(host) = task.host()
        {
            host.failure_unread(header, message);
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
        let header = self.header();
        if current::in_gather() {
            header.state.mark_retrieved();
        }
        if !header.state.is_finished() {
            if header.state.is_running() {
                // Only one task runs at a time: the one awaiting is this one.
                panic!(
                    "task '{}' ({}) awaited its own JoinHandle; a task cannot wait for itself to finish",
                    header.name(),
                    header.id
                );
            }
            header.set_join_waker(cx.waker());
            current::note(WaitOn::Task(header.id));
            return Poll::Pending;
        }
        match self.output.take() {
            Some(out) => Poll::Ready(out),
            None => panic!(
                "the JoinHandle of task '{}' ({}) was polled after it returned its result; \
                 a handle gives its result once: keep the value, or check is_finished() instead",
                header.name(),
                header.id
            ),
        }
    }
}

/// A [`JoinHandle`] that cancels its task when dropped before the task
/// finished: see [`JoinHandle::cancel_on_drop`]. Awaiting it is awaiting the
/// handle.
///
/// # Cancel safety
///
/// Not cancel-safe, on purpose: dropping it cancels the task.
#[must_use = "dropping a CancelOnDrop cancels its task"]
pub struct CancelOnDrop<T> {
    /// Always `Some` until `into_handle` or `drop` takes it.
    handle: Option<JoinHandle<T>>,
}

impl<T> CancelOnDrop<T> {
    fn handle(&self) -> &JoinHandle<T> {
        self.handle
            .as_ref()
            .expect("a CancelOnDrop holds its handle until it is dropped")
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.handle().id()
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        self.handle().is_finished()
    }

    /// Cancels the task now (see [`JoinHandle::cancel`]).
    pub fn cancel(&self) -> Cancel {
        self.handle().cancel()
    }

    /// The plain handle back: dropping it then detaches the task.
    pub fn into_handle(mut self) -> JoinHandle<T> {
        self.handle
            .take()
            .expect("a CancelOnDrop holds its handle until it is dropped")
    }
}

impl<T> Future for CancelOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self
            .handle
            .as_mut()
            .expect("a CancelOnDrop holds its handle until it is dropped");
        Pin::new(handle).poll(cx)
    }
}

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take()
            && !handle.is_finished()
        {
            handle.cancel();
        }
    }
}

impl<T> fmt::Debug for CancelOnDrop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CancelOnDrop").field(&self.handle).finish()
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

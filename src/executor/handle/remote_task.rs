//! A future sent from another thread and run as a task on the loop: the
//! slot its result travels back through, and the [`RemoteHandle`] that
//! awaits, waits for or cancels it from any thread.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

use crate::executor::context;
use crate::executor::remote::Remote;
use crate::task::{JoinError, TaskId, TaskName, panic_message};

/// What a remote task and its handle share.
pub(super) struct Slot<T> {
    state: Mutex<SlotState<T>>,
    done: Condvar,
}

struct SlotState<T> {
    name: Option<String>,
    /// The task, once the loop spawned it.
    task: Option<TaskId>,
    result: Option<Result<T, JoinError>>,
    /// The result was taken (by an await or a wait).
    taken: bool,
    cancel_requested: bool,
    waker: Option<Waker>,
}

impl<T> Slot<T> {
    pub(super) fn new(name: Option<String>) -> Slot<T> {
        Slot {
            state: Mutex::new(SlotState {
                name,
                task: None,
                result: None,
                taken: false,
                cancel_requested: false,
                waker: None,
            }),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SlotState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The task ended: keep its result, wake whoever waits (a waker, or a
    /// thread blocked in `wait`). The first end counts.
    fn finish(&self, result: Result<T, JoinError>) {
        let waker = {
            let mut s = self.lock();
            if s.result.is_some() || s.taken {
                return;
            }
            s.result = Some(result);
            s.waker.take()
        };
        self.done.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> SlotState<T> {
    fn cancelled(&self) -> JoinError {
        JoinError::cancelled_by_id(
            self.task.unwrap_or(TaskId(0)),
            self.name.clone().unwrap_or_else(|| "(remote task)".into()),
        )
    }
}

/// The future a remote spawn runs on the loop: the user's future, and the
/// slot its end goes to.
struct RemoteTask<F: Future> {
    future: Pin<Box<F>>,
    slot: Arc<Slot<F::Output>>,
}

/// A remote spawn not yet started; if dropped so, the handle learns that
/// the task was cancelled.
pub(super) struct Unstarted<T>(pub(super) Option<Arc<Slot<T>>>);

impl<T> Drop for Unstarted<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            let error = slot.lock().cancelled();
            slot.finish(Err(error));
        }
    }
}

/// On the loop's thread: make the future and spawn it, unless the handle
/// cancelled it first.
pub(super) fn start<M, F>(mut unstarted: Unstarted<F::Output>, name: Option<String>, make: M)
where
    M: FnOnce() -> F,
    F: Future + 'static,
{
    let Some(slot) = unstarted.0.clone() else {
        return;
    };
    if slot.lock().cancel_requested {
        return; // `unstarted` drops: the slot says "cancelled"
    }
    unstarted.0 = None;
    let task = RemoteTask {
        future: Box::pin(make()),
        slot: slot.clone(),
    };
    let spawned = context::with_core(|core| {
        let handle = core.spawn(name.map(TaskName::given), task);
        // The remote handle reads the task's end, panics included.
        handle.canceller().mark_retrieved();
        handle.id()
    });
    if let Some(id) = spawned {
        slot.lock().task = Some(id);
    }
}

impl<F: Future> Future for RemoteTask<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => {
                this.slot.finish(Ok(out));
                Poll::Ready(())
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                let (id, name) = {
                    let s = this.slot.lock();
                    (
                        s.task.unwrap_or(TaskId(0)),
                        s.name.clone().unwrap_or_default(),
                    )
                };
                this.slot.finish(Err(JoinError::from_parts(
                    id,
                    name,
                    message.clone(),
                    Some(payload),
                )));
                // The task fails on the loop too (its payload went to the
                // handle; the loop gets the message).
                resume_unwind(Box::new(message))
            }
        }
    }
}

impl<F: Future> Drop for RemoteTask<F> {
    fn drop(&mut self) {
        // Dropped before it finished: cancelled on the loop, or never run
        // because the loop went away first.
        let error = self.slot.lock().cancelled();
        self.slot.finish(Err(error));
    }
}

/// The result of a future spawned from another thread with
/// [`LoopHandle::spawn`](super::LoopHandle::spawn): await it (on any executor, any thread), or block
/// on it with [`wait`](RemoteHandle::wait). Dropping it detaches the task.
///
/// # Cancel safety
///
/// Cancel-safe: dropping a future that awaits it detaches the task, which
/// runs on; await `&mut handle` to keep the result reachable.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new();
/// let remote: evloop::RemoteHandle<u8> = rt.handle().spawn(async { 3 });
/// rt.run_until_done().unwrap();
/// assert!(remote.is_finished());
/// // Awaited on another runtime (any executor will do):
/// assert_eq!(evloop::Runtime::new().block_on(remote).unwrap(), 3);
/// ```
#[must_use = "dropping a RemoteHandle detaches the task: it still runs, but its result is lost"]
pub struct RemoteHandle<T> {
    pub(super) slot: Arc<Slot<T>>,
    pub(super) remote: Arc<Remote>,
    pub(super) loop_thread: ThreadId,
}

impl<T: Send + 'static> RemoteHandle<T> {
    /// Blocks this thread until the task finishes and returns its result
    /// (`concurrent.futures.Future.result()`).
    ///
    /// # Errors
    ///
    /// A [`JoinError`] if the task panicked or was cancelled, if the runtime
    /// went away before it finished, or if this is the loop's own thread and
    /// the task has not finished (blocking there would stop the loop that
    /// must run the task: await the handle instead).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let handle = rt.handle();
    /// let answer = rt.block_on(async move {
    ///     evloop::to_thread(move || handle.spawn(async { 2 + 2 }).wait()).await.unwrap()
    /// });
    /// assert_eq!(answer.unwrap(), 4);
    /// ```
    #[doc(alias = "result")]
    pub fn wait(self) -> Result<T, JoinError> {
        if std::thread::current().id() == self.loop_thread {
            let mut s = self.slot.lock();
            if let Some(result) = s.result.take() {
                s.taken = true;
                return result;
            }
            let name = format!(
                "{} (RemoteHandle::wait was called on the loop's own thread, which would block \
                 the loop forever; .await the handle there instead)",
                s.name.clone().unwrap_or_else(|| "remote task".into())
            );
            return Err(JoinError::from_parts(
                s.task.unwrap_or(TaskId(0)),
                name,
                "not waited for".into(),
                None,
            ));
        }
        let mut s = self.slot.lock();
        loop {
            if let Some(result) = s.result.take() {
                s.taken = true;
                return result;
            }
            if self.remote.is_closed() && !s.taken {
                return Err(s.cancelled());
            }
            s = self
                .slot
                .done
                .wait(s)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// True once the task finished (its result is ready).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let remote = rt.handle().spawn(async {});
    /// assert!(!remote.is_finished());
    /// rt.run_until_done().unwrap();
    /// assert!(remote.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot.lock().result.is_some()
    }

    /// The task's id, once the loop has started it.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let remote = rt.handle().spawn(async {});
    /// assert_eq!(remote.id(), None, "not started yet");
    /// rt.run_until_done().unwrap();
    /// assert!(remote.id().is_some());
    /// ```
    pub fn id(&self) -> Option<TaskId> {
        self.slot.lock().task
    }

    /// Cancels the task from any thread: at the loop's next turn, or before
    /// it starts. Awaiting the handle then gives a cancelled [`JoinError`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let remote = rt.handle().spawn(std::future::pending::<()>());
    /// remote.cancel(); // before it starts: it never will
    /// rt.run_until_done().unwrap();
    /// assert!(remote.wait().unwrap_err().is_cancelled());
    /// ```
    #[doc(alias = "abort")]
    pub fn cancel(&self) {
        let task = {
            let mut s = self.slot.lock();
            s.cancel_requested = true;
            s.task
        };
        let Some(id) = task else {
            // Not started: `start` sees the request and drops it.
            return;
        };
        let _ = self.remote.push_job(Box::new(move || {
            context::with_core(|core| {
                if let Some(key) = core.key_of(id) {
                    core.cancel(key);
                }
            });
        }));
    }
}

impl<T> Future for RemoteHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.slot.lock();
        if let Some(result) = s.result.take() {
            s.taken = true;
            return Poll::Ready(result);
        }
        if s.taken {
            panic!(
                "a RemoteHandle was polled after it gave its result; a handle gives its result once"
            );
        }
        if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            s.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for RemoteHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.slot.lock();
        f.debug_struct("RemoteHandle")
            .field("task", &s.task)
            .field("finished", &s.result.is_some())
            .finish()
    }
}

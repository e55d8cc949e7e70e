//! `LoopHandle`: the loop, as other threads may touch it.
//!
//! A `Runtime` stays on its thread (tasks may be `!Send`). Other threads
//! reach it through a `LoopHandle`, which holds only the loop's remote
//! queue (`remote.rs`): everything it does is a closure sent to the loop,
//! run there at its next turn.
//!
//! ```text
//!   another thread                          the loop's thread
//!   ──────────────                          ─────────────────
//!   handle.call_soon_threadsafe(f) ──job──▶ collect: spawn task "call_soon_threadsafe"
//!   handle.spawn(fut) ──────────────job──▶ collect: spawn the task; its end fills
//!   remote.await / remote.wait()  ◀──────── the RemoteHandle's slot and wakes it
//!   remote.cancel() ────────────────job──▶ collect: cancel the task
//! ```
//!
//! A job holds the virtual clock (it counts as outside work) from the
//! moment it is sent until the loop has taken it, so virtual time never
//! jumps ahead of work another thread has already submitted.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

use super::context;
use super::remote::{ExternalWork, Interrupter, Remote};
use crate::task::{JoinError, TaskId, TaskName, panic_message};

/// A handle to a loop that any thread may hold (asyncio's loop object as
/// other threads use it; tokio's `Handle`): run a closure on the loop
/// ([`call_soon_threadsafe`](LoopHandle::call_soon_threadsafe)), spawn a
/// `Send` future onto it and await or wait for its result from here
/// ([`spawn`](LoopHandle::spawn), asyncio's `run_coroutine_threadsafe`).
///
/// Get one from [`Runtime::handle`](crate::Runtime::handle), or
/// [`LoopHandle::current`] inside a task; clone it and send it anywhere.
///
/// # Examples
///
/// A thread hands the loop work and blocks until it is done, while the
/// loop goes on with its own tasks:
///
/// ```
/// use std::time::Duration;
///
/// let rt = evloop::Runtime::new();
/// let handle = rt.handle();
/// let answer = rt.block_on(async move {
///     let worker = evloop::to_thread(move || {
///         // On a worker thread: the future runs on the loop. It sleeps,
///         // so it is made there (evloop's timers are not `Send`).
///         let remote = handle.spawn_with(Some("from a thread".into()), || async {
///             evloop::sleep(Duration::from_millis(5)).await;
///             6 * 7
///         });
///         remote.wait() // blocks this thread, not the loop
///     });
///     worker.await.unwrap()
/// });
/// assert_eq!(answer.unwrap(), 42);
/// ```
#[doc(alias = "Handle")]
#[derive(Clone)]
pub struct LoopHandle {
    remote: Arc<Remote>,
    /// The loop's thread: a blocking `wait()` there would never return.
    thread: ThreadId,
}

impl LoopHandle {
    pub(crate) fn new(remote: Arc<Remote>) -> LoopHandle {
        LoopHandle {
            remote,
            thread: std::thread::current().id(),
        }
    }

    /// The handle of the loop running on this thread (asyncio's
    /// `get_running_loop()`), or `None` outside a running loop.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(evloop::LoopHandle::current().is_none());
    /// evloop::run(async { assert!(evloop::LoopHandle::current().is_some()) });
    /// ```
    #[doc(alias = "get_running_loop")]
    pub fn current() -> Option<LoopHandle> {
        context::with_core(|core| LoopHandle::new(core.remote().clone()))
    }

    /// Runs `f` on the loop at its next turn, as a task named
    /// `call_soon_threadsafe` (asyncio's `loop.call_soon_threadsafe(f)`).
    /// The loop is woken if it sleeps; on the virtual clock, time does not
    /// move until the loop has taken `f`.
    ///
    /// # Errors
    ///
    /// [`LoopClosed`] if the runtime is gone (`f` is dropped, on this thread).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    ///
    /// let rt = evloop::Runtime::new();
    /// let handle = rt.handle();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let r = ran.clone();
    /// std::thread::spawn(move || {
    ///     handle.call_soon_threadsafe(move || r.store(true, Ordering::SeqCst)).unwrap();
    /// })
    /// .join()
    /// .unwrap();
    /// rt.run_until_done().unwrap();
    /// assert!(ran.load(Ordering::SeqCst));
    /// ```
    pub fn call_soon_threadsafe<F>(&self, f: F) -> Result<(), LoopClosed>
    where
        F: FnOnce() + Send + 'static,
    {
        let job = Box::new(move || {
            context::with_core(|core| {
                core.spawn(Some(TaskName::Static("call_soon_threadsafe")), async move {
                    f();
                })
                .detach();
            });
        });
        self.remote.push_job(job).map_err(|_| LoopClosed)
    }

    /// Spawns `future` onto the loop (named `task-N`) and returns a handle
    /// this thread can await, or block on (asyncio's
    /// `run_coroutine_threadsafe(coro, loop)`, which returns a
    /// `concurrent.futures.Future`). See [`spawn_named`](LoopHandle::spawn_named).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let handle = rt.handle();
    /// let remote = std::thread::spawn(move || handle.spawn(async { "computed on the loop" }))
    ///     .join()
    ///     .unwrap();
    /// rt.run_until_done().unwrap();
    /// assert_eq!(remote.wait().unwrap(), "computed on the loop");
    /// ```
    #[doc(alias = "run_coroutine_threadsafe")]
    pub fn spawn<F>(&self, future: F) -> RemoteHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_inner(None, move || future)
    }

    /// Spawns a named task from another thread. The future must be `Send`
    /// (it crosses to the loop's thread); once there it runs like any task,
    /// in snapshots and events. If the runtime is gone, the handle gives a
    /// cancelled [`JoinError`].
    ///
    /// Most of evloop's own futures (`sleep`, a queue's `get`…) belong to
    /// one loop and are not `Send`, so a future that uses them cannot
    /// cross threads: send a closure that makes it on the loop instead,
    /// with [`spawn_with`](LoopHandle::spawn_with).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let remote = rt.handle().spawn_named("from elsewhere", async { 1 });
    /// rt.run_until_done().unwrap();
    /// assert!(rt.snapshot().task_named("from elsewhere").is_some());
    /// assert_eq!(remote.wait().unwrap(), 1);
    /// ```
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> RemoteHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_inner(Some(name.into()), move || future)
    }

    /// Sends `make` to the loop, which calls it there and spawns the future
    /// it returns (named `name`, or `task-N`). Only the closure and the
    /// output cross threads, so the future may be `!Send`: it may sleep,
    /// wait on primitives, hold `Rc`s (asyncio's coroutine *function*
    /// called on the loop).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::new();
    /// let handle = rt.handle();
    /// let answer = rt.block_on(async move {
    ///     evloop::to_thread(move || {
    ///         handle
    ///             .spawn_with(None, || async {
    ///                 evloop::sleep(Duration::from_millis(2)).await; // !Send: made on the loop
    ///                 42
    ///             })
    ///             .wait()
    ///     })
    ///     .await
    ///     .unwrap()
    /// });
    /// assert_eq!(answer.unwrap(), 42);
    /// ```
    pub fn spawn_with<M, F>(&self, name: Option<String>, make: M) -> RemoteHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_inner(name, make)
    }

    fn spawn_inner<M, F>(&self, name: Option<String>, make: M) -> RemoteHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let slot = Arc::new(Slot::new(name.clone()));
        // Fills the slot with "cancelled" if the job is dropped unrun (the
        // runtime went away first).
        let unstarted = Unstarted(Some(slot.clone()));
        let job = Box::new(move || start(unstarted, name, make));
        // Refused: the job was dropped, and `unstarted` said so.
        let _ = self.remote.push_job(job);
        RemoteHandle {
            slot,
            remote: self.remote.clone(),
            loop_thread: self.thread,
        }
    }

    /// A promise that this thread may still wake a task of the loop: while
    /// it lives, the virtual clock waits (see [`ExternalWork`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let handle = rt.handle();
    /// let promise = handle.external_work(); // virtual time waits while it lives
    /// let worker = std::thread::spawn(move || {
    ///     let _promise = promise;
    ///     handle.call_soon_threadsafe(|| ()).unwrap();
    /// });
    /// rt.spawn(evloop::sleep(std::time::Duration::from_secs(1))).detach();
    /// rt.run_until_done().unwrap();
    /// worker.join().unwrap();
    /// ```
    pub fn external_work(&self) -> ExternalWork {
        ExternalWork::new(self.remote.clone())
    }

    /// A handle that interrupts the loop (see [`Interrupter`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// rt.handle().interrupter().interrupt();
    /// assert!(rt.take_interrupt());
    /// ```
    pub fn interrupter(&self) -> Interrupter {
        Interrupter {
            remote: self.remote.clone(),
        }
    }

    /// True once the runtime is gone: everything sent is refused.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let handle = rt.handle();
    /// assert!(!handle.is_closed());
    /// drop(rt);
    /// assert!(handle.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.remote.is_closed()
    }
}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopHandle")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// What a remote task and its handle share.
struct Slot<T> {
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
    fn new(name: Option<String>) -> Slot<T> {
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
struct Unstarted<T>(Option<Arc<Slot<T>>>);

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
fn start<M, F>(mut unstarted: Unstarted<F::Output>, name: Option<String>, make: M)
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
        let handle = core.spawn(name.map(|n| TaskName::Owned(n.into())), task);
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
/// [`LoopHandle::spawn`]: await it (on any executor, any thread), or block
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
    slot: Arc<Slot<T>>,
    remote: Arc<Remote>,
    loop_thread: ThreadId,
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

/// The runtime a [`LoopHandle`] points to is gone: nothing can run there.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new();
/// let handle = rt.handle();
/// drop(rt);
/// assert_eq!(handle.call_soon_threadsafe(|| ()), Err(evloop::LoopClosed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopClosed;

impl fmt::Display for LoopClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the loop this handle points to is gone (its Runtime was dropped); \
             nothing can be sent to it any more",
        )
    }
}

impl std::error::Error for LoopClosed {}

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
use std::sync::Arc;
use std::thread::ThreadId;

use super::context;
use super::remote::{ExternalWork, Interrupter, Remote};
use crate::task::TaskName;

mod remote_task;

pub use remote_task::RemoteHandle;
use remote_task::{Slot, Unstarted, start};

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
                core.spawn(Some(TaskName::fixed("call_soon_threadsafe")), async move {
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
    /// cancelled [`JoinError`](crate::JoinError).
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

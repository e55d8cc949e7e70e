//! `to_thread`: run blocking code on a worker thread and await its result.
//!
//! A task must never block the loop's thread: while it sits in a blocking
//! `read`, `sleep` or long computation, no other task runs. asyncio's answer
//! is `await asyncio.to_thread(f)`; evloop's is the same:
//!
//! ```text
//!   task on the loop                worker thread (see `pool`)
//!   ────────────────                ───────────────────────────
//!   to_thread(f) ──submit──────────▶ runs f()  (the loop keeps polling
//!   .await: Pending                     │       other tasks meanwhile)
//!        ▲                              ▼
//!        └── waker.wake() ◀──── result stored in the shared slot
//!            (a remote wake: pokes the poller, the loop wakes up)
//! ```
//!
//! While a job runs it holds an [`ExternalWork`] guard, so the virtual clock
//! does not jump ahead of it (a timeout around a `to_thread` would otherwise
//! fire at once in virtual time).
//!
//! A panic in `f` is caught on the worker and becomes a [`JoinError`] whose
//! [`is_panic`](JoinError::is_panic) is true; the worker survives.
//!
//! Where this simplifies: a job cannot be cancelled once started (neither can
//! asyncio's or Tokio's); dropping the future only discards the result.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::executor::{ExternalWork, context};
use crate::task::{JoinError, TaskId, WaitOn, current, panic_message};

struct Slot<T> {
    result: Option<std::thread::Result<T>>,
    waker: Option<Waker>,
}

/// The result of a [`to_thread`] job, as a future.
///
/// # Cancel safety
///
/// Dropping it does not stop the job (a thread cannot be
/// interrupted); the job runs to the end and its result is dropped.
#[must_use = "futures do nothing unless awaited; the job runs anyway, but its result is lost"]
pub struct ToThread<T> {
    slot: Arc<Mutex<Slot<T>>>,
    /// The task that started the job, for the error message.
    owner: (TaskId, String),
    /// The pool could not start a thread: the job never ran.
    refused: Option<String>,
}

impl<T> std::fmt::Debug for ToThread<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToThread")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// Runs the blocking closure `f` on a worker thread and resolves with its
/// result (asyncio's `asyncio.to_thread`). The loop keeps running other tasks
/// meanwhile.
///
/// The pool starts threads when needed, up to
/// [`Builder::blocking_threads`](crate::Builder::blocking_threads) (16 by
/// default); more jobs wait for a free worker. Idle workers exit after
/// [`Builder::blocking_keep_alive`](crate::Builder::blocking_keep_alive).
///
/// On the virtual clock, time does not jump ahead while a job runs.
///
/// # Errors
///
/// The future gives a [`JoinError`] if `f` panicked (`is_panic()`, with the
/// panic message) or if no worker thread could be started at all.
///
/// # Panics
///
/// When called outside a running evloop loop (like [`spawn`](crate::spawn)).
///
/// # Cancel safety
///
/// Dropping the future does not stop the job (a thread cannot be
/// interrupted): the job runs to the end and its result is dropped. No
/// other effect is lost or doubled.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new();
/// let sum = rt.block_on(async {
///     evloop::to_thread(|| (1..=100u64).sum::<u64>()).await
/// });
/// assert_eq!(sum.unwrap(), 5050);
///
/// let failed = rt.block_on(async { evloop::to_thread(|| -> u8 { panic!("boom") }).await });
/// assert_eq!(failed.unwrap_err().panic_message(), Some("boom"));
/// ```
#[doc(alias = "run_in_executor")]
pub fn to_thread<F, T>(f: F) -> ToThread<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    context::expect_core("evloop::to_thread", |core| {
        let slot = Arc::new(Mutex::new(Slot {
            result: None,
            waker: None,
        }));
        let guard = ExternalWork::new(core.remote().clone());
        let for_job = Arc::clone(&slot);
        let job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            let waker = {
                let mut slot = for_job.lock().unwrap_or_else(PoisonError::into_inner);
                slot.result = Some(result);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
            // After the wake, so the loop sees the wake before the count drops.
            drop(guard);
        });
        let owner = core
            .polling()
            .map(|id| (id, core.task_name(id).unwrap_or_default()))
            .unwrap_or((TaskId(0), String::from("(outside a task)")));
        let refused = core
            .pool()
            .submit(job)
            .err()
            .map(|e| format!("to_thread could not start a worker thread: {e}"));
        ToThread {
            slot,
            owner,
            refused,
        }
    })
}

/// Another name for [`to_thread`], as Tokio calls it.
///
/// # Errors
///
/// As [`to_thread`].
///
/// # Panics
///
/// As [`to_thread`].
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new();
/// let n = rt.block_on(async { evloop::spawn_blocking(|| 7).await.unwrap() });
/// assert_eq!(n, 7);
/// ```
pub fn spawn_blocking<F, T>(f: F) -> ToThread<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    to_thread(f)
}

impl<T> Future for ToThread<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (id, name) = (this.owner.0, format!("to_thread job of '{}'", this.owner.1));
        if let Some(message) = this.refused.take() {
            return Poll::Ready(Err(JoinError::from_parts(id, name, message, None)));
        }
        let mut slot = this.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(Ok(value)) => Poll::Ready(Ok(value)),
            Some(Err(payload)) => {
                let message = panic_message(payload.as_ref());
                Poll::Ready(Err(JoinError::from_parts(id, name, message, Some(payload))))
            }
            None => {
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.waker = Some(cx.waker().clone());
                }
                drop(slot);
                current::note(WaitOn::Thread);
                Poll::Pending
            }
        }
    }
}

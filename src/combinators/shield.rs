//! `shield`: work that finishes even if its awaiter is cancelled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::task::TaskName;
use crate::{JoinError, JoinHandle, executor::context};

/// Runs `future` as its own task (named `shield`) and returns a [`Shield`]
/// awaiting it (asyncio's `await asyncio.shield(aw)`).
///
/// Awaiting the shield gives the task's result. If the awaiting task is
/// cancelled, or a [`timeout`](crate::timeout) around the shield runs out,
/// the shield is dropped but the inner task goes on; keep its handle
/// ([`Shield::into_handle`], or [`Shield::handle`] before
/// awaiting) to get the result later.
///
/// # Panics
///
/// Outside a running loop (it spawns a task; see [`spawn`](crate::spawn)).
///
/// # Cancel safety
///
/// That is its point: dropping the `Shield` leaves the inner task
/// running; its result stays reachable through [`Shield::handle`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::shield, sleep, timeout};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let mut payment = Some(shield(async { sleep(Duration::from_secs(3)).await; "paid" }));
///     // The caller gives up after 1 s…
///     let r = timeout(Duration::from_secs(1), payment.as_mut().unwrap()).await;
///     assert!(r.is_err());
///     // …but the payment was not cancelled: its result is still there.
///     let handle = payment.take().unwrap().into_handle();
///     assert_eq!(handle.await.unwrap(), "paid");
/// });
/// ```
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + 'static,
{
    Shield {
        handle: context::expect_core("evloop::combinators::shield()", |core| {
            core.spawn(Some(TaskName::fixed("shield")), future)
        }),
    }
}

/// The future returned by [`shield`]. Dropping it does not cancel the inner task.
///
/// # Cancel safety
///
/// See [`shield`].
#[must_use = "the shielded work runs anyway; await the Shield to get its result"]
#[derive(Debug)]
pub struct Shield<T> {
    handle: JoinHandle<T>,
}

impl<T> Shield<T> {
    /// The inner task's handle (to cancel it on purpose, or to await it after
    /// the shield was given up).
    pub fn into_handle(self) -> JoinHandle<T> {
        self.handle
    }

    /// The inner task's handle, borrowed.
    pub fn handle(&self) -> &JoinHandle<T> {
        &self.handle
    }
}

impl<T> Future for Shield<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx)
    }
}

impl<T> Unpin for Shield<T> {}

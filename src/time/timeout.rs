//! `timeout`: give a future a deadline.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{Instant, Sleep, sleep_until};
use crate::executor::context;

/// Runs `future` for at most `duration`: `Ok(output)` if it finishes in time,
/// `Err(Elapsed)` otherwise, in which case the inner future is dropped
/// (cancelled) when the `Timeout` is (asyncio's `asyncio.timeout` /
/// `wait_for`).
///
/// The inner future is polled first, so a future that is ready at the
/// deadline wins.
///
/// # Panics
///
/// Panics when called outside a running loop (see [`sleep`](super::sleep)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{Runtime, time::timeout};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let slow = rt.block_on(async {
///     timeout(Duration::from_secs(1), evloop::sleep(Duration::from_secs(5))).await
/// });
/// assert!(slow.is_err());
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    let now = context::expect_core("evloop::time::timeout()", |core| core.now());
    timeout_at(now + duration, future)
}

/// Like [`timeout`], with an absolute deadline.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
    }
}

/// The future returned by [`timeout`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Consumes the timeout, returning the wrapped future.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `future`: it is never moved out of a
        // pinned `Timeout` (no method hands it out by value while pinned;
        // `into_inner` takes `self` unpinned), `Timeout` has no `Drop` impl
        // that could move it, and `Unpin` is auto-derived from `F`. `sleep`
        // is `Unpin` and is not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `this.future` stays where the pin put it.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let sleep = &mut this.sleep;
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let deadline = sleep.deadline();
        match Pin::new(sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed { deadline })),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The error of a [`timeout`] that ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed {
    deadline: Instant,
}

impl Elapsed {
    /// The deadline that passed.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "deadline has elapsed (at {})", self.deadline)
    }
}

impl Error for Elapsed {}

//! `timeout`: give a future a deadline.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{Instant, Sleep, sleep, sleep_until};

/// Runs `future` for at most `duration`: `Ok(output)` if it finishes in time,
/// `Err(Elapsed)` otherwise (asyncio's `asyncio.timeout` / `wait_for`).
///
/// When the deadline passes, the `Timeout` completes with `Err(Elapsed)` and
/// the inner future is dropped with it, which cancels whatever it was doing
/// (its destructors run). If the inner future is a
/// [`JoinHandle`](crate::JoinHandle), dropping it only *detaches* its task,
/// which runs on; asyncio's `wait_for(task)` cancels the task, and so does a
/// timeout around [`JoinHandle::cancel_on_drop`](crate::JoinHandle::cancel_on_drop):
///
/// ```
/// use std::time::Duration;
/// use evloop::{TaskState, sleep, time::timeout};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let slow = rt.spawn(sleep(Duration::from_secs(10)));
/// let id = slow.id();
/// let out = rt.block_on(timeout(Duration::from_secs(1), slow.cancel_on_drop()));
/// assert!(out.is_err());
/// assert_eq!(rt.snapshot().task(id).unwrap().state, TaskState::Cancelled);
/// ```
///
/// The inner future is polled first, so a future that is ready at the
/// deadline wins. Like [`sleep`](super::sleep), a timeout made outside a
/// running loop counts from its first poll.
///
/// # Cancel safety
///
/// As cancel-safe as `future`: dropping the `Timeout` drops it (and the
/// timer). A timeout that fires drops `future` too: wrap only futures whose
/// cancellation loses nothing, or keep them outside (`timeout(d, &mut fut)`).
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
///
/// // Made outside the loop: the second counts from the first poll.
/// let t = timeout(Duration::from_secs(1), std::future::pending::<()>());
/// assert!(rt.block_on(t).is_err());
/// ```
#[doc(alias = "wait_for")]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future: Box::pin(future),
        sleep: sleep(duration),
    }
}

/// Like [`timeout`], with an absolute deadline.
///
/// # Cancel safety
///
/// As [`timeout`].
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future: Box::pin(future),
        sleep: sleep_until(deadline),
    }
}

/// The future returned by [`timeout`].
///
/// The inner future is boxed: that pins it without unsafe code, and a
/// `Timeout` is `Unpin` whatever it wraps.
///
/// # Cancel safety
///
/// As [`timeout`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Timeout<F> {
    future: Pin<Box<F>>,
    sleep: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Consumes the timeout, returning the wrapped future (pinned, as it was
    /// polled).
    pub fn into_inner(self) -> Pin<Box<F>> {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Poll::Ready(out) = this.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // What the task waits on is the future inside (a semaphore, a
        // socket): the deadline's own note does not replace it.
        let sleep = &mut this.sleep;
        match crate::task::current::keeping_note(|| Pin::new(sleep).poll(cx)) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed {
                deadline: this.sleep.deadline(),
            })),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("sleep", &self.sleep)
            .finish_non_exhaustive()
    }
}

/// The error of a [`timeout`] that ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed {
    deadline: Instant,
}

impl Elapsed {
    /// The error of a deadline at `deadline` that passed.
    pub(crate) fn at(deadline: Instant) -> Elapsed {
        Elapsed { deadline }
    }

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

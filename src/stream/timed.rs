//! Streams and time: a timeout per value, a throttle, and an
//! [`Interval`](crate::time::Interval) as a stream of ticks.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Stream;
use crate::time::{Elapsed, Instant, Interval, Sleep, sleep};

/// The stream returned by [`StreamExt::timeout`](super::StreamExt::timeout).
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing (the deadline and the stream stay).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::stream::{self, StreamExt};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let never = stream::iter([std::future::pending::<u8>()]).then(|f| f);
/// let mut timed = never.timeout(Duration::from_secs(1));
/// assert!(rt.block_on(timed.next()).unwrap().is_err()); // no value within a second
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ItemTimeout<S> {
    stream: Pin<Box<S>>,
    duration: Duration,
    /// The deadline for the next value (set at the first poll after one).
    deadline: Option<Sleep>,
    done: bool,
}

impl<S> ItemTimeout<S> {
    pub(super) fn new(stream: S, duration: Duration) -> ItemTimeout<S> {
        ItemTimeout {
            stream: Box::pin(stream),
            duration,
            deadline: None,
            done: false,
        }
    }
}

impl<S> Unpin for ItemTimeout<S> {}

impl<S: Stream> Stream for ItemTimeout<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        use std::future::Future;
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.stream.as_mut().poll_next(cx) {
            Poll::Ready(Some(v)) => {
                this.deadline = None;
                return Poll::Ready(Some(Ok(v)));
            }
            Poll::Ready(None) => {
                this.done = true;
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        let deadline = this.deadline.get_or_insert_with(|| sleep(this.duration));
        std::task::ready!(Pin::new(&mut *deadline).poll(cx));
        let at = deadline.deadline();
        // The next value gets a fresh `duration`, counted from now.
        this.deadline = None;
        Poll::Ready(Some(Err(Elapsed::at(at))))
    }
}

/// The stream returned by [`StreamExt::throttle`](super::StreamExt::throttle).
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{stream::{self, StreamExt}, time::Instant};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let at: Vec<u64> = rt.block_on(
///     stream::iter(0..3)
///         .throttle(Duration::from_secs(1))
///         .map(|_| Instant::now().since_start().as_secs())
///         .collect(),
/// );
/// assert_eq!(at, [0, 1, 2]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Throttle<S> {
    stream: Pin<Box<S>>,
    period: Duration,
    /// After a value: no polling the stream before this.
    pause: Option<Sleep>,
}

impl<S> Throttle<S> {
    pub(super) fn new(stream: S, period: Duration) -> Throttle<S> {
        Throttle {
            stream: Box::pin(stream),
            period,
            pause: None,
        }
    }
}

impl<S> Unpin for Throttle<S> {}

impl<S: Stream> Stream for Throttle<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        use std::future::Future;
        let this = self.get_mut();
        if let Some(pause) = this.pause.as_mut() {
            std::task::ready!(Pin::new(pause).poll(cx));
            this.pause = None;
        }
        let next = std::task::ready!(this.stream.as_mut().poll_next(cx));
        if next.is_some() && !this.period.is_zero() {
            this.pause = Some(sleep(this.period));
        }
        Poll::Ready(next)
    }
}

/// The ticks of an interval, each its scheduled instant (tokio-stream's
/// `IntervalStream`); it never ends.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{stream::StreamExt, time::interval};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let ticks: Vec<Duration> = rt.block_on(
///     interval(Duration::from_secs(1)).take(3).map(|t| t.since_start()).collect(),
/// );
/// assert_eq!(ticks, [0, 1, 2].map(Duration::from_secs));
/// ```
impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

impl<S> fmt::Debug for ItemTimeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemTimeout")
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for Throttle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

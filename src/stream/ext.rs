//! `StreamExt`: `next().await`, the adapters, and the futures that consume
//! a stream.
//!
//! Every adapter and consumer boxes the stream it takes (`Pin<Box<S>>`),
//! once, when it is made: that pins it without unsafe pin projection, so
//! they work on streams that are not `Unpin` (an `async` generator from
//! another crate, say) and are `Unpin` themselves. What this simplifies:
//! one allocation per adapter (none per item); `futures-util` projects pins
//! with `pin-project` instead and allocates nothing.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Stream;
use super::adapt::{Chain, Enumerate, Filter, FilterMap, Map, Take, TakeWhile, Then, Zip};
use super::concurrent::BufferUnordered;
use super::timed::{ItemTimeout, Throttle};

/// Methods for every [`Stream`] (the counterparts of `async for`,
/// comprehensions over async iterators, and `itertools`-style adapters).
///
/// The adapters take any stream, `Unpin` or not; only
/// [`next`](StreamExt::next), which borrows the stream, needs it `Unpin`
/// (pin one that is not with `std::pin::pin!` or `Box::pin`).
pub trait StreamExt: Stream {
    /// The next value, or `None` at the end: `while let Some(x) = s.next().await`.
    ///
    /// # Cancel safety
    ///
    /// As cancel-safe as the stream's `poll_next`: every stream of evloop
    /// (queues, receivers, generators, `as_completed`, the adapters over
    /// them) keeps what it had not yet given, so a dropped `next()` loses
    /// nothing.
    #[doc(alias = "anext")]
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin,
    {
        Next { stream: self }
    }

    /// Each value transformed by `f`.
    fn map<U, F: FnMut(Self::Item) -> U>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
    {
        Map::new(self, f)
    }

    /// Only the values for which `keep` is true.
    fn filter<F: FnMut(&Self::Item) -> bool>(self, keep: F) -> Filter<Self, F>
    where
        Self: Sized,
    {
        Filter::new(self, keep)
    }

    /// The values `f` maps to `Some`, unwrapped; the others are skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::stream::{self, StreamExt};
    ///
    /// let n: Vec<u32> = evloop::run(
    ///     stream::iter(["1", "x", "3"])
    ///         .filter_map(|s| s.parse::<u32>().ok())
    ///         .collect(),
    /// );
    /// assert_eq!(n, [1, 3]);
    /// ```
    fn filter_map<U, F: FnMut(Self::Item) -> Option<U>>(self, f: F) -> FilterMap<Self, F>
    where
        Self: Sized,
    {
        FilterMap::new(self, f)
    }

    /// Each value run through the async function `f`, one at a time, in
    /// order (asyncio's `[await f(x) async for x in s]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::stream::{self, StreamExt};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let got: Vec<u64> = rt.block_on(
    ///     stream::iter([2, 1])
    ///         .then(|s| async move {
    ///             evloop::sleep(Duration::from_secs(s)).await;
    ///             s * 10
    ///         })
    ///         .collect(),
    /// );
    /// assert_eq!(got, [20, 10]); // in order: 3 s in all
    /// ```
    fn then<Fut, F>(self, f: F) -> Then<Self, F, Fut>
    where
        Self: Sized,
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
    {
        Then::new(self, f)
    }

    /// At most `n` values; the stream is not polled again after the `n`th.
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized,
    {
        Take::new(self, n)
    }

    /// The values while `keep` is true; the first for which it is false
    /// ends the stream (and is dropped).
    fn take_while<F: FnMut(&Self::Item) -> bool>(self, keep: F) -> TakeWhile<Self, F>
    where
        Self: Sized,
    {
        TakeWhile::new(self, keep)
    }

    /// Each value with its index, from 0.
    fn enumerate(self) -> Enumerate<Self>
    where
        Self: Sized,
    {
        Enumerate::new(self)
    }

    /// Pairs of values from this stream and `other`, until either ends.
    fn zip<O: Stream>(self, other: O) -> Zip<Self, O>
    where
        Self: Sized,
    {
        Zip::new(self, other)
    }

    /// This stream's values, then `other`'s.
    fn chain<O: Stream<Item = Self::Item>>(self, other: O) -> Chain<Self, O>
    where
        Self: Sized,
    {
        Chain::new(self, other)
    }

    /// For a stream of futures: runs up to `limit` of them at once and
    /// yields their outputs as they finish (futures' `buffer_unordered`;
    /// asyncio's `as_completed` over a bounded pool). A `limit` of 0 is
    /// taken as 1. The futures run inside the task polling the stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{stream::{self, StreamExt}, time::Instant};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let (order, took) = rt.block_on(async {
    ///     let start = Instant::now();
    ///     let fetches = stream::iter([3, 1, 2, 1]).map(|s| async move {
    ///         evloop::sleep(Duration::from_secs(s)).await;
    ///         s
    ///     });
    ///     let order: Vec<u64> = fetches.buffer_unordered(2).collect().await;
    ///     (order, start.elapsed())
    /// });
    /// assert_eq!(order, [1, 3, 2, 1]);
    /// assert_eq!(took, Duration::from_secs(4)); // two at a time
    /// ```
    fn buffer_unordered(self, limit: usize) -> BufferUnordered<Self>
    where
        Self: Sized,
        Self::Item: Future,
    {
        BufferUnordered::new(self, limit)
    }

    /// Each value as `Ok`, or `Err(Elapsed)` when none came within
    /// `duration` of the previous one (or of the first poll); the stream
    /// goes on after an `Err` (tokio-stream's `timeout`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::stream::{self, StreamExt};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let got: Vec<bool> = rt.block_on(
    ///     stream::iter([1, 5])
    ///         .then(|s| evloop::sleep(Duration::from_secs(s)))
    ///         .timeout(Duration::from_secs(2))
    ///         .map(|r| r.is_ok())
    ///         .collect(),
    /// );
    /// assert_eq!(got, [true, false, false, true]); // the 5 s gap times out twice
    /// ```
    fn timeout(self, duration: Duration) -> ItemTimeout<Self>
    where
        Self: Sized,
    {
        ItemTimeout::new(self, duration)
    }

    /// At most one value per `period`: after a value, the stream is not
    /// polled again until `period` has passed (tokio-stream's `throttle`).
    fn throttle(self, period: Duration) -> Throttle<Self>
    where
        Self: Sized,
    {
        Throttle::new(self, period)
    }

    /// Every value, collected (into a `Vec`, a `String`…).
    fn collect<C: Default + Extend<Self::Item>>(self) -> Collect<Self, C>
    where
        Self: Sized,
    {
        Collect {
            stream: Box::pin(self),
            into: C::default(),
        }
    }

    /// Combines every value into one with `f`, starting from `init`
    /// (`Iterator::fold`, awaited).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::stream::{self, StreamExt};
    ///
    /// assert_eq!(evloop::run(stream::iter(1..=4).fold(0, |acc, n| acc + n)), 10);
    /// ```
    fn fold<A, F: FnMut(A, Self::Item) -> A>(self, init: A, f: F) -> Fold<Self, A, F>
    where
        Self: Sized,
    {
        Fold {
            stream: Box::pin(self),
            acc: Some(init),
            f,
        }
    }

    /// Calls `f` with every value, until the end.
    fn for_each<F: FnMut(Self::Item)>(self, f: F) -> ForEach<Self, F>
    where
        Self: Sized,
    {
        ForEach {
            stream: Box::pin(self),
            f,
        }
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}

/// The future returned by [`StreamExt::next`].
///
/// # Cancel safety
///
/// See [`StreamExt::next`].
#[must_use = "futures do nothing unless awaited or spawned"]
#[derive(Debug)]
pub struct Next<'a, S: ?Sized> {
    stream: &'a mut S,
}

impl<S: Stream + Unpin + ?Sized> Future for Next<'_, S> {
    type Output = Option<S::Item>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.stream).poll_next(cx)
    }
}

/// The future returned by [`StreamExt::collect`].
///
/// # Cancel safety
///
/// Not cancel-safe: the values gathered so far are lost with it.
#[must_use = "futures do nothing unless awaited or spawned"]
#[derive(Debug)]
pub struct Collect<S, C> {
    stream: Pin<Box<S>>,
    into: C,
}

impl<S, C> Unpin for Collect<S, C> {}

impl<S: Stream, C: Default + Extend<S::Item>> Future for Collect<S, C> {
    type Output = C;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C> {
        let this = self.get_mut();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) => this.into.extend(Some(v)),
                Poll::Ready(None) => return Poll::Ready(std::mem::take(&mut this.into)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The future returned by [`StreamExt::fold`].
///
/// # Cancel safety
///
/// Not cancel-safe: the value folded so far is lost with it.
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, Fold, StreamExt};
///
/// let longest: Fold<_, usize, _> = stream::iter(["a", "abc", "ab"]).fold(0, |m, s| m.max(s.len()));
/// assert_eq!(evloop::run(longest), 3);
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Fold<S, A, F> {
    stream: Pin<Box<S>>,
    acc: Option<A>,
    f: F,
}

impl<S, A, F> Unpin for Fold<S, A, F> {}

impl<S: Stream, A, F: FnMut(A, S::Item) -> A> Future for Fold<S, A, F> {
    type Output = A;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A> {
        let this = self.get_mut();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) => {
                    let acc = this
                        .acc
                        .take()
                        .expect("a Fold holds its value until it returns");
                    this.acc = Some((this.f)(acc, v));
                }
                Poll::Ready(None) => {
                    return Poll::Ready(
                        this.acc
                            .take()
                            .expect("a Fold future was polled after it completed"),
                    );
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<S, A, F> std::fmt::Debug for Fold<S, A, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fold").finish_non_exhaustive()
    }
}

/// The future returned by [`StreamExt::for_each`].
///
/// # Cancel safety
///
/// Dropping it stops the loop; the values already given to `f` were
/// handled, and none is lost in between.
#[must_use = "futures do nothing unless awaited or spawned"]
#[derive(Debug)]
pub struct ForEach<S, F> {
    stream: Pin<Box<S>>,
    f: F,
}

impl<S, F> Unpin for ForEach<S, F> {}

impl<S: Stream, F: FnMut(S::Item)> Future for ForEach<S, F> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) => (this.f)(v),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

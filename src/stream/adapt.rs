//! The adapters that change one stream's values: `map`, `filter`,
//! `filter_map`, `then`, `take`, `take_while`, `enumerate`, and the two
//! that combine streams, `zip` and `chain`.
//!
//! Each boxes the stream it wraps (see `ext.rs`), so each is `Unpin`
//! whatever it wraps. `then` also keeps the future it is running in one box
//! made with the adapter and reused for every value.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Stream;

/// The stream returned by [`StreamExt::map`](super::StreamExt::map).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, Map, StreamExt};
///
/// let doubled: Map<_, _> = stream::iter([1, 2]).map(|n| n * 2);
/// assert_eq!(evloop::run(doubled.collect::<Vec<_>>()), [2, 4]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Map<S, F> {
    stream: Pin<Box<S>>,
    f: F,
}

impl<S, F> Map<S, F> {
    pub(super) fn new(stream: S, f: F) -> Map<S, F> {
        Map {
            stream: Box::pin(stream),
            f,
        }
    }
}

impl<S: Stream, U, F: FnMut(S::Item) -> U> Stream for Map<S, F> {
    type Item = U;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U>> {
        let this = self.get_mut();
        this.stream
            .as_mut()
            .poll_next(cx)
            .map(|v| v.map(&mut this.f))
    }
}

/// The stream returned by [`StreamExt::filter`](super::StreamExt::filter).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let odd: Vec<u8> = evloop::run(stream::iter(1..6).filter(|n| n % 2 == 1).collect());
/// assert_eq!(odd, [1, 3, 5]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Filter<S, F> {
    stream: Pin<Box<S>>,
    keep: F,
}

impl<S, F> Filter<S, F> {
    pub(super) fn new(stream: S, keep: F) -> Filter<S, F> {
        Filter {
            stream: Box::pin(stream),
            keep,
        }
    }
}

impl<S: Stream, F: FnMut(&S::Item) -> bool> Stream for Filter<S, F> {
    type Item = S::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) if !(this.keep)(&v) => continue,
                other => return other,
            }
        }
    }
}

/// The stream returned by [`StreamExt::filter_map`](super::StreamExt::filter_map).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let halves: Vec<u8> = evloop::run(stream::iter(1..6).filter_map(|n| (n % 2 == 0).then(|| n / 2)).collect());
/// assert_eq!(halves, [1, 2]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct FilterMap<S, F> {
    stream: Pin<Box<S>>,
    f: F,
}

impl<S, F> FilterMap<S, F> {
    pub(super) fn new(stream: S, f: F) -> FilterMap<S, F> {
        FilterMap {
            stream: Box::pin(stream),
            f,
        }
    }
}

impl<S: Stream, U, F: FnMut(S::Item) -> Option<U>> Stream for FilterMap<S, F> {
    type Item = U;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U>> {
        let this = self.get_mut();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) => {
                    if let Some(u) = (this.f)(v) {
                        return Poll::Ready(Some(u));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The stream returned by [`StreamExt::then`](super::StreamExt::then).
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing: the future for the current value
/// stays in the stream and goes on at the next poll.
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let out: Vec<u8> = evloop::run(stream::iter([1, 2]).then(|n| async move { n + 1 }).collect());
/// assert_eq!(out, [2, 3]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Then<S, F, Fut> {
    stream: Pin<Box<S>>,
    f: F,
    running: Pin<Box<Option<Fut>>>,
}

impl<S, F, Fut> Then<S, F, Fut> {
    pub(super) fn new(stream: S, f: F) -> Then<S, F, Fut> {
        Then {
            stream: Box::pin(stream),
            f,
            running: Box::pin(None),
        }
    }
}

impl<S, F, Fut> Stream for Then<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let this = self.get_mut();
        loop {
            if let Some(fut) = this.running.as_mut().as_pin_mut() {
                let out = std::task::ready!(fut.poll(cx));
                this.running.set(None);
                return Poll::Ready(Some(out));
            }
            match std::task::ready!(this.stream.as_mut().poll_next(cx)) {
                Some(v) => this.running.set(Some((this.f)(v))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// The stream returned by [`StreamExt::take`](super::StreamExt::take).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let first: Vec<u8> = evloop::run(stream::iter(0..).take(2).collect());
/// assert_eq!(first, [0, 1]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Take<S> {
    stream: Pin<Box<S>>,
    left: usize,
}

impl<S> Take<S> {
    pub(super) fn new(stream: S, n: usize) -> Take<S> {
        Take {
            stream: Box::pin(stream),
            left: n,
        }
    }
}

impl<S: Stream> Stream for Take<S> {
    type Item = S::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        let next = this.stream.as_mut().poll_next(cx);
        match &next {
            Poll::Ready(Some(_)) => this.left -= 1,
            Poll::Ready(None) => this.left = 0,
            Poll::Pending => {}
        }
        next
    }
}

/// The stream returned by [`StreamExt::take_while`](super::StreamExt::take_while).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let small: Vec<u8> = evloop::run(stream::iter([1, 2, 9, 1]).take_while(|n| *n < 5).collect());
/// assert_eq!(small, [1, 2]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct TakeWhile<S, F> {
    stream: Pin<Box<S>>,
    keep: F,
    done: bool,
}

impl<S, F> TakeWhile<S, F> {
    pub(super) fn new(stream: S, keep: F) -> TakeWhile<S, F> {
        TakeWhile {
            stream: Box::pin(stream),
            keep,
            done: false,
        }
    }
}

impl<S: Stream, F: FnMut(&S::Item) -> bool> Stream for TakeWhile<S, F> {
    type Item = S::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match std::task::ready!(this.stream.as_mut().poll_next(cx)) {
            Some(v) if (this.keep)(&v) => Poll::Ready(Some(v)),
            _ => {
                this.done = true;
                Poll::Ready(None)
            }
        }
    }
}

/// The stream returned by [`StreamExt::enumerate`](super::StreamExt::enumerate).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let indexed: Vec<(usize, char)> = evloop::run(stream::iter(['a', 'b']).enumerate().collect());
/// assert_eq!(indexed, [(0, 'a'), (1, 'b')]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Enumerate<S> {
    stream: Pin<Box<S>>,
    count: usize,
}

impl<S> Enumerate<S> {
    pub(super) fn new(stream: S) -> Enumerate<S> {
        Enumerate {
            stream: Box::pin(stream),
            count: 0,
        }
    }
}

impl<S: Stream> Stream for Enumerate<S> {
    type Item = (usize, S::Item);
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let v = std::task::ready!(this.stream.as_mut().poll_next(cx));
        Poll::Ready(v.map(|v| {
            let i = this.count;
            this.count += 1;
            (i, v)
        }))
    }
}

/// The stream returned by [`StreamExt::zip`](super::StreamExt::zip).
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing: a value one side gave while the other
/// had none waits in the `Zip`.
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let pairs: Vec<(u8, char)> = evloop::run(stream::iter([1, 2, 3]).zip(stream::iter(['a', 'b'])).collect());
/// assert_eq!(pairs, [(1, 'a'), (2, 'b')]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Zip<A: Stream, B: Stream> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    a_next: Option<A::Item>,
    b_next: Option<B::Item>,
    done: bool,
}

impl<A: Stream, B: Stream> Zip<A, B> {
    pub(super) fn new(a: A, b: B) -> Zip<A, B> {
        Zip {
            a: Box::pin(a),
            b: Box::pin(b),
            a_next: None,
            b_next: None,
            done: false,
        }
    }
}

impl<A: Stream, B: Stream> Unpin for Zip<A, B> {}

impl<A: Stream, B: Stream> Stream for Zip<A, B> {
    type Item = (A::Item, B::Item);
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if this.a_next.is_none() {
            match this.a.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) => this.a_next = Some(v),
                Poll::Ready(None) => this.done = true,
                Poll::Pending => {}
            }
        }
        if this.b_next.is_none() && !this.done {
            match this.b.as_mut().poll_next(cx) {
                Poll::Ready(Some(v)) => this.b_next = Some(v),
                Poll::Ready(None) => this.done = true,
                Poll::Pending => {}
            }
        }
        if this.done {
            return Poll::Ready(None);
        }
        match (this.a_next.take(), this.b_next.take()) {
            (Some(a), Some(b)) => Poll::Ready(Some((a, b))),
            (a, b) => {
                this.a_next = a;
                this.b_next = b;
                Poll::Pending
            }
        }
    }
}

/// The stream returned by [`StreamExt::chain`](super::StreamExt::chain).
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let all: Vec<u8> = evloop::run(stream::iter([1]).chain(stream::iter([2, 3])).collect());
/// assert_eq!(all, [1, 2, 3]);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Chain<A, B> {
    first: Option<Pin<Box<A>>>,
    second: Pin<Box<B>>,
}

impl<A, B> Chain<A, B> {
    pub(super) fn new(a: A, b: B) -> Chain<A, B> {
        Chain {
            first: Some(Box::pin(a)),
            second: Box::pin(b),
        }
    }
}

impl<A: Stream, B: Stream<Item = A::Item>> Stream for Chain<A, B> {
    type Item = A::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<A::Item>> {
        let this = self.get_mut();
        if let Some(first) = this.first.as_mut() {
            match std::task::ready!(first.as_mut().poll_next(cx)) {
                Some(v) => return Poll::Ready(Some(v)),
                None => this.first = None,
            }
        }
        this.second.as_mut().poll_next(cx)
    }
}

/// Debug for each adapter, and `Unpin`: an adapter pins only what it
/// boxed, so moving it moves no pinned value.
macro_rules! debug_adapter {
    ($($name:ident<$($p:ident),+>),+ $(,)?) => {
        $(
            impl<$($p),+> Unpin for $name<$($p),+> {}

            impl<$($p),+> fmt::Debug for $name<$($p),+> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.debug_struct(stringify!($name)).finish_non_exhaustive()
                }
            }
        )+
    };
}

debug_adapter!(
    Map<S, F>,
    Filter<S, F>,
    FilterMap<S, F>,
    Then<S, F, Fut>,
    Take<S>,
    TakeWhile<S, F>,
    Enumerate<S>,
    Chain<A, B>,
);

impl<A: Stream, B: Stream> fmt::Debug for Zip<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Zip").finish_non_exhaustive()
    }
}

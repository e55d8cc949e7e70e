//! `StreamExt`: `next().await` and the common adapters.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Stream;

/// Methods for every [`Stream`] (the counterparts of `async for`,
/// comprehensions over async iterators, and `itertools`-style adapters).
pub trait StreamExt: Stream {
    /// The next value, or `None` at the end: `while let Some(x) = s.next().await`.
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin,
    {
        Next { stream: self }
    }

    /// Each value transformed by `f`.
    fn map<U, F: FnMut(Self::Item) -> U>(self, f: F) -> Map<Self, F>
    where
        Self: Sized + Unpin,
    {
        Map { stream: self, f }
    }

    /// Only the values for which `keep` is true.
    fn filter<F: FnMut(&Self::Item) -> bool>(self, keep: F) -> Filter<Self, F>
    where
        Self: Sized + Unpin,
    {
        Filter { stream: self, keep }
    }

    /// At most `n` values; the stream is not polled again after the `n`th.
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized + Unpin,
    {
        Take {
            stream: self,
            left: n,
        }
    }

    /// Every value, collected (into a `Vec`, a `String`…).
    fn collect<C: Default + Extend<Self::Item>>(self) -> Collect<Self, C>
    where
        Self: Sized + Unpin,
    {
        Collect {
            stream: self,
            into: C::default(),
        }
    }

    /// Calls `f` with every value, until the end.
    fn for_each<F: FnMut(Self::Item)>(self, f: F) -> ForEach<Self, F>
    where
        Self: Sized + Unpin,
    {
        ForEach { stream: self, f }
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}

/// The future returned by [`StreamExt::next`].
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

/// The stream returned by [`StreamExt::map`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Map<S, F> {
    stream: S,
    f: F,
}

impl<S: Stream + Unpin, U, F: FnMut(S::Item) -> U> Stream for Map<S, F> {
    type Item = U;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<U>> {
        let this = self.get_mut();
        Pin::new(&mut this.stream)
            .poll_next(cx)
            .map(|v| v.map(&mut this.f))
    }
}

impl<S: Unpin, F> Unpin for Map<S, F> {}

/// The stream returned by [`StreamExt::filter`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Filter<S, F> {
    stream: S,
    keep: F,
}

impl<S: Stream + Unpin, F: FnMut(&S::Item) -> bool> Stream for Filter<S, F> {
    type Item = S::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.stream).poll_next(cx) {
                Poll::Ready(Some(v)) if !(this.keep)(&v) => continue,
                other => return other,
            }
        }
    }
}

impl<S: Unpin, F> Unpin for Filter<S, F> {}

/// The stream returned by [`StreamExt::take`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Take<S> {
    stream: S,
    left: usize,
}

impl<S: Stream + Unpin> Stream for Take<S> {
    type Item = S::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        let next = Pin::new(&mut this.stream).poll_next(cx);
        match &next {
            Poll::Ready(Some(_)) => this.left -= 1,
            Poll::Ready(None) => this.left = 0,
            Poll::Pending => {}
        }
        next
    }
}

/// The future returned by [`StreamExt::collect`].
#[must_use = "futures do nothing unless awaited or spawned"]
#[derive(Debug)]
pub struct Collect<S, C> {
    stream: S,
    into: C,
}

impl<S: Unpin, C> Unpin for Collect<S, C> {}

impl<S: Stream + Unpin, C: Default + Extend<S::Item>> Future for Collect<S, C> {
    type Output = C;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.stream).poll_next(cx) {
                Poll::Ready(Some(v)) => this.into.extend(Some(v)),
                Poll::Ready(None) => return Poll::Ready(std::mem::take(&mut this.into)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The future returned by [`StreamExt::for_each`].
#[must_use = "futures do nothing unless awaited or spawned"]
#[derive(Debug)]
pub struct ForEach<S, F> {
    stream: S,
    f: F,
}

impl<S: Unpin, F> Unpin for ForEach<S, F> {}

impl<S: Stream + Unpin, F: FnMut(S::Item)> Future for ForEach<S, F> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.stream).poll_next(cx) {
                Poll::Ready(Some(v)) => (this.f)(v),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

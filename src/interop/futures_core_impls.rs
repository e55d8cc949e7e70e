//! `futures-core`'s `Stream`, both ways.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, Lines};
use crate::stream::Stream;

impl<R: AsyncRead + Unpin> futures_core::Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<String>>> {
        Stream::poll_next(self, cx)
    }
}

/// An evloop [`Stream`] (a queue's, a receiver's, a generator, an
/// adapter…) as a `futures_core::Stream`, for code written against
/// `futures`. Boxed once, so it takes streams that are not `Unpin`.
///
/// # Examples
///
/// ```
/// use evloop::interop::FuturesStream;
/// use futures::StreamExt as _;
///
/// let v: Vec<u32> = evloop::run(FuturesStream::new(evloop::stream::iter(1..=3)).collect());
/// assert_eq!(v, [1, 2, 3]);
/// ```
pub struct FuturesStream<S>(Pin<Box<S>>);

impl<S: Stream> FuturesStream<S> {
    /// Wraps `stream`.
    pub fn new(stream: S) -> FuturesStream<S> {
        FuturesStream(Box::pin(stream))
    }
}

impl<S: Stream> futures_core::Stream for FuturesStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

/// A `futures_core::Stream` as an evloop [`Stream`], with all of
/// [`StreamExt`](crate::stream::StreamExt). Boxed once, so it takes
/// streams that are not `Unpin`.
///
/// # Examples
///
/// ```
/// use evloop::interop::FromFuturesStream;
/// use evloop::stream::StreamExt;
///
/// let v: Vec<u32> = evloop::run(
///     FromFuturesStream::new(futures::stream::iter(1..=4)).filter(|n| n % 2 == 0).collect(),
/// );
/// assert_eq!(v, [2, 4]);
/// ```
pub struct FromFuturesStream<S>(Pin<Box<S>>);

impl<S: futures_core::Stream> FromFuturesStream<S> {
    /// Wraps `stream`.
    pub fn new(stream: S) -> FromFuturesStream<S> {
        FromFuturesStream(Box::pin(stream))
    }
}

impl<S: futures_core::Stream> Stream for FromFuturesStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

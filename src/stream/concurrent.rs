//! `buffer_unordered`: a stream of futures, run a few at a time.
//!
//! ```text
//!   futures ──▶ [ f3 f1 ] (≤ limit running, polled at each wake) ──▶ outputs,
//!                 ▲                                                  first done first
//!                 └─ refilled from the stream as each one finishes
//! ```
//!
//! Where this simplifies: every running future is polled at each wake
//! (O(limit) per wake), as `gather` does; `futures::FuturesUnordered` gives
//! each its own waker and polls only the woken one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Stream;

/// The stream returned by
/// [`StreamExt::buffer_unordered`](super::StreamExt::buffer_unordered).
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing: the running futures stay in the
/// stream. Dropping the stream drops (cancels) them.
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let outs: Vec<u8> = evloop::run(stream::iter([1, 2]).map(|n| async move { n }).buffer_unordered(4).collect());
/// assert_eq!(outs.len(), 2);
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct BufferUnordered<S: Stream>
where
    S::Item: Future,
{
    stream: Pin<Box<S>>,
    running: Vec<Pin<Box<S::Item>>>,
    limit: usize,
    exhausted: bool,
}

impl<S: Stream> BufferUnordered<S>
where
    S::Item: Future,
{
    pub(super) fn new(stream: S, limit: usize) -> BufferUnordered<S> {
        BufferUnordered {
            stream: Box::pin(stream),
            running: Vec::new(),
            limit: limit.max(1),
            exhausted: false,
        }
    }

    /// How many futures are running now.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::stream::{self, StreamExt};
    ///
    /// let s = stream::iter([std::future::pending::<()>()]).buffer_unordered(2);
    /// assert_eq!(s.running(), 0, "nothing starts before the first poll");
    /// ```
    pub fn running(&self) -> usize {
        self.running.len()
    }
}

impl<S: Stream> Unpin for BufferUnordered<S> where S::Item: Future {}

impl<S: Stream> Stream for BufferUnordered<S>
where
    S::Item: Future,
{
    type Item = <S::Item as Future>::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        while !this.exhausted && this.running.len() < this.limit {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(f)) => this.running.push(Box::pin(f)),
                Poll::Ready(None) => this.exhausted = true,
                Poll::Pending => break,
            }
        }
        for i in 0..this.running.len() {
            if let Poll::Ready(out) = this.running[i].as_mut().poll(cx) {
                // Drop it now; the next poll refills the slot.
                drop(this.running.swap_remove(i));
                return Poll::Ready(Some(out));
            }
        }
        if this.exhausted && this.running.is_empty() {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    }
}

impl<S: Stream> fmt::Debug for BufferUnordered<S>
where
    S::Item: Future,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferUnordered")
            .field("running", &self.running.len())
            .field("limit", &self.limit)
            .field("exhausted", &self.exhausted)
            .finish()
    }
}

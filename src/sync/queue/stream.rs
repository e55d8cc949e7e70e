//! A queue as a [`Stream`]: its items until it is closed and empty.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Queue, QueueGet};
use crate::stream::Stream;

impl<T: 'static> Queue<T> {
    /// The queue's items as a [`Stream`] (asyncio's `async for item in
    /// queue` idiom, which asyncio spells with `get()` in a loop): each
    /// `next()` is a [`get`](Queue::get), and the stream ends once the queue
    /// is closed and empty.
    ///
    /// # Cancel safety
    ///
    /// Dropping a `next()` future loses nothing (the get it started waits in
    /// the stream and is taken by the next `next()`); dropping the stream
    /// takes nothing, as a dropped `get` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{stream::StreamExt, sync::Queue};
    ///
    /// let got: Vec<u32> = evloop::run(async {
    ///     let q = Queue::unbounded();
    ///     for i in 0..3 {
    ///         q.try_put(i).unwrap();
    ///     }
    ///     q.close();
    ///     q.into_stream().collect().await
    /// });
    /// assert_eq!(got, [0, 1, 2]);
    /// ```
    pub fn into_stream(self) -> QueueStream<T> {
        QueueStream {
            queue: self,
            pending: None,
        }
    }
}

/// The stream returned by [`Queue::into_stream`].
///
/// # Examples
///
/// ```
/// use evloop::stream::StreamExt;
///
/// let q = evloop::sync::Queue::unbounded();
/// q.try_put(1).unwrap();
/// let mut items: evloop::sync::QueueStream<u8> = q.clone().into_stream();
/// assert_eq!(evloop::run(items.next()), Some(1));
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct QueueStream<T: 'static> {
    queue: Queue<T>,
    pending: Option<QueueGet<T>>,
}

impl<T: 'static> QueueStream<T> {
    /// The queue handle back.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = evloop::sync::Queue::<u8>::named("q", 0);
    /// let back = q.into_stream().into_queue();
    /// assert_eq!(back.name(), "q");
    /// ```
    pub fn into_queue(self) -> Queue<T> {
        self.queue
    }
}

/// One step of a stream over a queue: keeps a `get` in progress across
/// polls, so a pending get keeps its place in line.
pub(super) fn poll_get<T: 'static>(
    queue: &Queue<T>,
    pending: &mut Option<QueueGet<T>>,
    cx: &mut Context<'_>,
) -> Poll<Option<T>> {
    use std::future::Future;
    let get = pending.get_or_insert_with(|| queue.get());
    let out = std::task::ready!(Pin::new(get).poll(cx));
    *pending = None;
    Poll::Ready(out.ok())
}

impl<T: 'static> Stream for QueueStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        poll_get(&this.queue, &mut this.pending, cx)
    }
}

impl<T> fmt::Debug for QueueStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueStream")
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

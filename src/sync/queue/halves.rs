//! A queue split into halves: senders that put, receivers that get, and
//! the queue closes when either side is gone (as every Rust channel does).
//!
//! ```text
//!   (tx, rx) = Queue::bounded(8).split()
//!   tx.clone() ─┐                        ┌─ rx.clone()
//!   tx ─────────┼──▶ [ the same queue ] ──┼─ rx        (a Stream of items)
//!               │                        │
//!   last sender dropped ──▶ close(): receivers drain the items left, then end
//!   last receiver dropped ──▶ close(): every put fails, with the value back
//! ```

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::stream::poll_get;
use super::{Queue, QueueGet, QueueJoin, QueuePut, TaskDoneError, TryGetError, TryPutError};
use crate::stream::Stream;

impl<T: 'static> Queue<T> {
    /// Splits the queue into a [`QueueSender`] and a [`QueueReceiver`]
    /// (each can be cloned). When the last sender is dropped the queue is
    /// closed: receivers get the items left, then the end (`Err(Closed)`
    /// from `get`, `None` as a stream), as with any Rust channel; when the
    /// last receiver is dropped it is closed too, and puts fail with their
    /// value back. Other handles of the queue keep working as before.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{stream::StreamExt, sync::Queue};
    ///
    /// let got: Vec<u32> = evloop::run(async {
    ///     let (tx, rx) = Queue::bounded(2).split();
    ///     evloop::spawn(async move {
    ///         for i in 0..5 {
    ///             tx.put(i).await.unwrap();
    ///         }
    ///         // tx dropped here: the receiver sees the end
    ///     })
    ///     .detach();
    ///     rx.collect().await
    /// });
    /// assert_eq!(got, [0, 1, 2, 3, 4]);
    /// ```
    #[doc(alias = "channel")]
    pub fn split(self) -> (QueueSender<T>, QueueReceiver<T>) {
        {
            let mut s = self.inner.state.borrow_mut();
            s.senders += 1;
            s.receivers += 1;
        }
        (
            QueueSender {
                queue: self.clone(),
            },
            QueueReceiver {
                queue: self,
                pending: None,
            },
        )
    }
}

/// The putting half of a split [`Queue`]; the queue closes when the last
/// one is dropped.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::Queue::unbounded().split();
/// let tx2 = tx.clone();
/// tx.try_put(1).unwrap();
/// drop(tx);
/// assert!(!rx.is_closed(), "tx2 still sends");
/// drop(tx2);
/// assert!(rx.is_closed());
/// ```
pub struct QueueSender<T: 'static> {
    queue: Queue<T>,
}

/// The getting half of a split [`Queue`], and a [`Stream`] of its items
/// that ends when the queue is closed and empty.
///
/// # Examples
///
/// ```
/// use evloop::stream::StreamExt;
///
/// let (tx, rx) = evloop::sync::Queue::unbounded().split();
/// tx.try_put("job").unwrap();
/// drop(tx);
/// let jobs: Vec<&str> = evloop::run(rx.collect());
/// assert_eq!(jobs, ["job"]);
/// ```
#[must_use = "a receiver does nothing unless its items are taken"]
pub struct QueueReceiver<T: 'static> {
    queue: Queue<T>,
    pending: Option<QueueGet<T>>,
}

impl<T: 'static> QueueSender<T> {
    /// Puts `value`, waiting while the queue is full (see [`Queue::put`]).
    ///
    /// # Errors
    ///
    /// [`Closed`](super::Closed) with the value back once every receiver is gone (or the
    /// queue was closed).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Queue::put`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::bounded(1).split();
    /// evloop::run(async {
    ///     tx.put(1).await.unwrap();
    ///     drop(rx);
    ///     assert_eq!(tx.put(2).await.unwrap_err().0, 2); // no receiver left
    /// });
    /// ```
    pub fn put(&self, value: T) -> QueuePut<T> {
        self.queue.put(value)
    }

    /// Puts `value` if there is room now (see [`Queue::try_put`]).
    ///
    /// # Errors
    ///
    /// [`TryPutError::Full`] or [`TryPutError::Closed`], with the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::Queue::bounded(1).split();
    /// tx.try_put(1).unwrap();
    /// assert!(tx.try_put(2).is_err()); // full
    /// ```
    pub fn try_put(&self, value: T) -> Result<(), TryPutError<T>> {
        self.queue.try_put(value)
    }

    /// Waits until every item put was marked done (see [`Queue::join`]).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Queue::join`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::unbounded().split();
    /// tx.try_put(1).unwrap();
    /// evloop::run(async {
    ///     let worker = evloop::spawn(async move {
    ///         rx.get().await.unwrap();
    ///         rx.task_done().unwrap();
    ///     });
    ///     tx.join().await; // every item processed
    ///     worker.await.unwrap();
    /// });
    /// ```
    pub fn join(&self) -> QueueJoin<T> {
        self.queue.join()
    }

    /// Closes the queue now, for every sender.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::<u8>::unbounded().split();
    /// let _other = tx.clone();
    /// tx.close(); // for every sender at once
    /// assert!(rx.is_closed());
    /// ```
    pub fn close(&self) {
        self.queue.close();
    }

    /// True once the queue is closed (every receiver gone, or `close`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::<u8>::unbounded().split();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// The queue underneath (its name, length, capacity…).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::Queue::<u8>::named("jobs", 4).split();
    /// assert_eq!((tx.queue().name(), tx.queue().capacity()), ("jobs", Some(4)));
    /// ```
    pub fn queue(&self) -> &Queue<T> {
        &self.queue
    }
}

impl<T: 'static> QueueReceiver<T> {
    /// Takes the next item, waiting while the queue is empty (see
    /// [`Queue::get`]).
    ///
    /// # Errors
    ///
    /// [`Closed`](super::Closed) once every sender is gone (or the queue was closed) and
    /// the items left were taken.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Queue::get`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::unbounded().split();
    /// tx.try_put(1).unwrap();
    /// drop(tx);
    /// evloop::run(async {
    ///     assert_eq!(rx.get().await, Ok(1));
    ///     assert!(rx.get().await.is_err()); // closed and drained
    /// });
    /// ```
    pub fn get(&self) -> QueueGet<T> {
        self.queue.get()
    }

    /// Takes the next item if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryGetError::Empty`], or [`TryGetError::Closed`] once closed and empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::{Queue, TryGetError};
    ///
    /// let (tx, rx) = Queue::<u8>::unbounded().split();
    /// assert_eq!(rx.try_get(), Err(TryGetError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_get(), Err(TryGetError::Closed));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.queue.try_get()
    }

    /// Marks one item taken as processed (see [`Queue::task_done`]).
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if called more times than items were put.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::unbounded().split();
    /// tx.try_put(1).unwrap();
    /// rx.try_get().unwrap();
    /// assert!(rx.task_done().is_ok());
    /// assert!(rx.task_done().is_err()); // more than were put
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.queue.task_done()
    }

    /// True once the queue is closed (every sender gone, or `close`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::Queue::<u8>::unbounded().split();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// The queue underneath (its name, length, capacity…).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::Queue::<u8>::unbounded().split();
    /// assert!(rx.queue().is_empty());
    /// ```
    pub fn queue(&self) -> &Queue<T> {
        &self.queue
    }
}

impl<T: 'static> Clone for QueueSender<T> {
    fn clone(&self) -> QueueSender<T> {
        self.queue.inner.state.borrow_mut().senders += 1;
        QueueSender {
            queue: self.queue.clone(),
        }
    }
}

impl<T: 'static> Clone for QueueReceiver<T> {
    /// Another receiver of the same queue (each item goes to one of them).
    fn clone(&self) -> QueueReceiver<T> {
        self.queue.inner.state.borrow_mut().receivers += 1;
        QueueReceiver {
            queue: self.queue.clone(),
            pending: None,
        }
    }
}

impl<T: 'static> Drop for QueueSender<T> {
    fn drop(&mut self) {
        let last = {
            let mut s = self.queue.inner.state.borrow_mut();
            s.senders -= 1;
            s.senders == 0
        };
        if last {
            self.queue.close();
        }
    }
}

impl<T: 'static> Drop for QueueReceiver<T> {
    fn drop(&mut self) {
        // A get in progress leaves the line (or passes its grant on) first.
        self.pending = None;
        let last = {
            let mut s = self.queue.inner.state.borrow_mut();
            s.receivers -= 1;
            s.receivers == 0
        };
        if last {
            self.queue.close();
        }
    }
}

impl<T: 'static> Stream for QueueReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        poll_get(&this.queue, &mut this.pending, cx)
    }
}

impl<T> fmt::Debug for QueueSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("QueueSender").field(&self.queue).finish()
    }
}

impl<T> fmt::Debug for QueueReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("QueueReceiver").field(&self.queue).finish()
    }
}

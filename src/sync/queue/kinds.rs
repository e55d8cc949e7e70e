//! `LifoQueue` and `PriorityQueue`: a [`Queue`] that gives its items back
//! in another order.
//!
//! Each is a `Queue` underneath (it derefs to one), so `put`, `get`,
//! `task_done`, `join`, `close` and the rest are the same methods with the
//! same promises; only the order of `get` differs, and the kind shown in
//! snapshots.

use std::fmt;
use std::ops::Deref;

use super::items::Items;
use super::{Queue, QueueReceiver, QueueSender, QueueStream};

/// A queue whose `get` takes the item put last (asyncio's
/// `asyncio.LifoQueue`): a stack with backpressure, `task_done` and `join`.
///
/// It derefs to a [`Queue`]: every method of `Queue` is there, with the
/// same promises (and the same cancel safety).
///
/// # Examples
///
/// ```
/// use evloop::sync::LifoQueue;
///
/// evloop::run(async {
///     let stack = LifoQueue::named("undo", 0);
///     for step in ["type", "bold", "delete"] {
///         stack.put(step).await.unwrap();
///     }
///     assert_eq!(stack.get().await.unwrap(), "delete");
///     stack.task_done().unwrap();
///     assert_eq!(stack.unfinished(), 2);
/// });
/// ```
pub struct LifoQueue<T> {
    queue: Queue<T>,
}

/// A queue whose `get` takes the smallest item (asyncio's
/// `asyncio.PriorityQueue`; put `(priority, item)` tuples to rank items).
/// Equal items come out in the order they were put.
///
/// It derefs to a [`Queue`]: every method of `Queue` is there, with the
/// same promises (and the same cancel safety).
///
/// # Examples
///
/// ```
/// use evloop::sync::PriorityQueue;
///
/// evloop::run(async {
///     let jobs = PriorityQueue::named("jobs", 0);
///     jobs.put((2, "backup")).await.unwrap();
///     jobs.put((0, "page the on-call")).await.unwrap();
///     jobs.put((1, "reply to mail")).await.unwrap();
///     assert_eq!(jobs.get().await.unwrap(), (0, "page the on-call"));
///     assert_eq!(jobs.get().await.unwrap(), (1, "reply to mail"));
/// });
/// ```
pub struct PriorityQueue<T> {
    queue: Queue<T>,
}

impl<T: 'static> LifoQueue<T> {
    /// A LIFO queue holding at most `capacity` items (0: no bound).
    ///
    /// # Examples
    ///
    /// ```
    /// let stack = evloop::sync::LifoQueue::bounded(2);
    /// stack.try_put(1).unwrap();
    /// stack.try_put(2).unwrap();
    /// assert!(stack.is_full());
    /// assert_eq!(stack.try_get(), Ok(2));
    /// ```
    pub fn bounded(capacity: usize) -> LifoQueue<T> {
        LifoQueue {
            queue: Queue::build("lifo queue", None, capacity, Items::lifo()),
        }
    }

    /// A named LIFO queue (`capacity` as in [`bounded`](LifoQueue::bounded)).
    ///
    /// # Examples
    ///
    /// ```
    /// let stack = evloop::sync::LifoQueue::<u8>::named("undo", 0);
    /// assert_eq!((stack.name(), stack.capacity()), ("undo", None));
    /// ```
    pub fn named(name: impl Into<String>, capacity: usize) -> LifoQueue<T> {
        LifoQueue {
            queue: Queue::build("lifo queue", Some(name.into()), capacity, Items::lifo()),
        }
    }
}

impl<T: Ord + 'static> PriorityQueue<T> {
    /// A priority queue holding at most `capacity` items (0: no bound).
    ///
    /// # Examples
    ///
    /// ```
    /// let pq = evloop::sync::PriorityQueue::bounded(0);
    /// pq.try_put(3).unwrap();
    /// pq.try_put(1).unwrap();
    /// assert_eq!(pq.try_get(), Ok(1));
    /// ```
    pub fn bounded(capacity: usize) -> PriorityQueue<T> {
        PriorityQueue {
            queue: Queue::build("priority queue", None, capacity, Items::priority()),
        }
    }

    /// A named priority queue (`capacity` as in
    /// [`bounded`](PriorityQueue::bounded)).
    ///
    /// # Examples
    ///
    /// ```
    /// let pq = evloop::sync::PriorityQueue::<(u8, &str)>::named("jobs", 10);
    /// assert_eq!(pq.name(), "jobs");
    /// ```
    pub fn named(name: impl Into<String>, capacity: usize) -> PriorityQueue<T> {
        PriorityQueue {
            queue: Queue::build(
                "priority queue",
                Some(name.into()),
                capacity,
                Items::priority(),
            ),
        }
    }
}

/// The parts every kind shares: deref, clone, split, stream, debug.
macro_rules! queue_kind {
    ($kind:ident) => {
        impl<T> Deref for $kind<T> {
            type Target = Queue<T>;
            fn deref(&self) -> &Queue<T> {
                &self.queue
            }
        }

        impl<T> Clone for $kind<T> {
            fn clone(&self) -> $kind<T> {
                $kind {
                    queue: self.queue.clone(),
                }
            }
        }

        impl<T: 'static> $kind<T> {
            /// Splits it into a sender and a receiver half (see [`Queue::split`]).
            ///
            /// # Examples
            ///
            /// ```
            /// let (tx, rx) = evloop::sync::PriorityQueue::bounded(0).split();
            /// tx.try_put(2).unwrap();
            /// tx.try_put(1).unwrap();
            /// assert_eq!(rx.try_get(), Ok(1));
            /// ```
            pub fn split(self) -> (QueueSender<T>, QueueReceiver<T>) {
                self.queue.split()
            }

            /// Its items as a stream (see [`Queue::into_stream`]).
            ///
            /// # Examples
            ///
            /// ```
            /// use evloop::stream::StreamExt;
            ///
            /// let stack = evloop::sync::LifoQueue::bounded(0);
            /// stack.try_put(1).unwrap();
            /// stack.try_put(2).unwrap();
            /// stack.close();
            /// let out: Vec<u8> = evloop::run(stack.into_stream().collect());
            /// assert_eq!(out, [2, 1]);
            /// ```
            pub fn into_stream(self) -> QueueStream<T> {
                self.queue.into_stream()
            }

            /// The plain [`Queue`] handle underneath (same items, same order).
            ///
            /// # Examples
            ///
            /// ```
            /// let stack = evloop::sync::LifoQueue::bounded(0);
            /// let queue: evloop::sync::Queue<u8> = stack.clone().into_queue();
            /// queue.try_put(1).unwrap();
            /// assert_eq!(stack.len(), 1); // the same items
            /// ```
            pub fn into_queue(self) -> Queue<T> {
                self.queue
            }
        }

        impl<T> fmt::Debug for $kind<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($kind)).field(&self.queue).finish()
            }
        }
    };
}

queue_kind!(LifoQueue);
queue_kind!(PriorityQueue);

//! `Queue`: a FIFO between producers and consumers, with backpressure.
//!
//! ```text
//!   putters (line) ─▶ [ item item item … ] (≤ capacity) ─▶ getters (line)
//!                      ▲                  │
//!            a slot frees: the front      an item arrives: the front getter
//!            putter is granted it         is granted it
//! ```
//!
//! Grants are reservations counted beside the items: `reserved_puts` slots
//! promised to woken putters, `reserved_gets` items promised to woken
//! getters. A newcomer sees only what is not reserved, so nobody overtakes
//! the line, and a granted future that is dropped gives its reservation to
//! the next in line (see the [module docs](super)).
//!
//! The same machinery serves three orders (`items.rs`): [`Queue`] (first in,
//! first out), [`LifoQueue`] and [`PriorityQueue`] (`kinds.rs`). Any of them
//! can be split into a [`QueueSender`] and a [`QueueReceiver`] (`halves.rs`)
//! that close the queue when the last sender (or the last receiver) is
//! gone, as Rust channels do; and a queue, or a receiver, is a
//! [`Stream`](crate::stream::Stream) of its items (`stream.rs`).

use crate::sync::tracked::Tracked;
use std::fmt;

use std::rc::Rc;
use std::task::Waker;

use super::meta::Meta;
use super::waiters::{WaitList, wake_all};

mod error;
mod halves;
mod items;
mod kinds;
mod stream;
mod wait;

use crate::inspect::{InspectPrimitive, PrimitiveInfo};
pub use error::{Closed, TaskDoneError, TryGetError, TryPutError};
pub use halves::{QueueReceiver, QueueSender};
use items::Items;
pub use kinds::{LifoQueue, PriorityQueue};
pub use stream::QueueStream;
pub use wait::{QueueGet, QueueJoin, QueuePut};

/// An async FIFO queue, bounded or not (asyncio's `asyncio.Queue`).
///
/// `put` waits while the queue is full (backpressure), `get` while it is
/// empty. `task_done`/`join` count items that were taken but not yet
/// processed, as asyncio's do. [`close`](Queue::close) ends it: waiting and
/// later puts fail, gets drain the items left and then fail.
///
/// Cloning a queue gives another handle on the same queue.
///
/// # Examples
///
/// ```
/// use evloop::{Runtime, sync::Queue};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let got = rt.block_on(async {
///     let q = Queue::bounded(2);
///     let producer = {
///         let q = q.clone();
///         evloop::spawn(async move {
///             for i in 0..5 {
///                 q.put(i).await.unwrap(); // waits while 2 items are queued
///             }
///             q.close();
///         })
///     };
///     let mut got = Vec::new();
///     while let Ok(item) = q.get().await {
///         got.push(item);
///     }
///     producer.await.unwrap();
///     got
/// });
/// assert_eq!(got, [0, 1, 2, 3, 4]);
/// ```
pub struct Queue<T> {
    inner: Rc<QueueInner<T>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Queue<T> {
        Queue {
            inner: self.inner.clone(),
        }
    }
}

struct QueueInner<T> {
    meta: Meta,
    state: Tracked<State<T>>,
}

struct State<T> {
    items: Items<T>,
    capacity: Option<usize>,
    closed: bool,
    unfinished: usize,
    putters: WaitList,
    getters: WaitList,
    joiners: WaitList,
    reserved_puts: usize,
    reserved_gets: usize,
    /// Live [`QueueSender`]s and [`QueueReceiver`]s (0 while unsplit).
    senders: usize,
    receivers: usize,
}

impl<T> State<T> {
    fn has_space(&self) -> bool {
        self.capacity
            .is_none_or(|c| self.items.len() + self.reserved_puts < c)
    }

    fn has_unreserved_item(&self) -> bool {
        self.items.len() > self.reserved_gets
    }

    /// A slot is free: reserve it for the front putter.
    fn grant_put(&mut self) -> Option<Waker> {
        if self.closed || !self.has_space() {
            return None;
        }
        let waker = self.putters.grant_next()?;
        self.reserved_puts += 1;
        waker
    }

    /// An item is there: reserve it for the front getter.
    fn grant_get(&mut self) -> Option<Waker> {
        if !self.has_unreserved_item() {
            return None;
        }
        let waker = self.getters.grant_next()?;
        self.reserved_gets += 1;
        waker
    }

    fn push(&mut self, value: T) -> Option<Waker> {
        self.items.push(value);
        self.unfinished += 1;
        self.grant_get()
    }

    fn pop(&mut self) -> (T, Option<Waker>) {
        let item = self
            .items
            .pop()
            .expect("a reserved or unreserved item is in the queue");
        (item, self.grant_put())
    }
}

impl<T: 'static> Queue<T> {
    /// A queue holding at most `capacity` items. A capacity of 0 means no
    /// bound, as asyncio's `Queue(maxsize=0)` does.
    pub fn bounded(capacity: usize) -> Queue<T> {
        Queue::build("queue", None, capacity, Items::fifo())
    }

    /// A queue with no bound: `put` never waits.
    pub fn unbounded() -> Queue<T> {
        Queue::build("queue", None, 0, Items::fifo())
    }

    /// A named queue (`capacity` as in [`bounded`](Queue::bounded)).
    pub fn named(name: impl Into<String>, capacity: usize) -> Queue<T> {
        Queue::build("queue", Some(name.into()), capacity, Items::fifo())
    }

    fn build(
        kind: &'static str,
        name: Option<String>,
        capacity: usize,
        items: Items<T>,
    ) -> Queue<T> {
        let capacity = (capacity > 0).then_some(capacity);
        let inner = Rc::new(QueueInner {
            meta: Meta::new(kind, name),
            state: Tracked::new(State {
                items,
                capacity,
                closed: false,
                unfinished: 0,
                putters: WaitList::default(),
                getters: WaitList::default(),
                joiners: WaitList::default(),
                reserved_puts: 0,
                reserved_gets: 0,
                senders: 0,
                receivers: 0,
            }),
        });
        inner.meta.register(&inner);
        Queue { inner }
    }

    /// Puts `value` at the back, waiting while the queue is full.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: if the future is dropped before it completes, the value
    /// is dropped with it and was not queued; a slot it had been granted goes
    /// to the next putter.
    ///
    /// # Errors
    ///
    /// [`Closed`] (with the value back) if the queue is or becomes closed.
    pub fn put(&self, value: T) -> QueuePut<T> {
        QueuePut {
            queue: self.inner.clone(),
            value: Some(value),
            waiter: None,
        }
    }

    /// Takes the front item, waiting while the queue is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a future dropped before it completes takes no item (an
    /// item it had been granted goes to the next getter).
    ///
    /// # Errors
    ///
    /// [`Closed`] once the queue is closed and empty.
    pub fn get(&self) -> QueueGet<T> {
        QueueGet {
            queue: self.inner.clone(),
            waiter: None,
        }
    }

    /// Waits until every item put has been marked [`task_done`](Queue::task_done).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: it takes nothing; a dropped `join` just leaves the line.
    pub fn join(&self) -> QueueJoin<T> {
        QueueJoin {
            queue: self.inner.clone(),
            waiter: None,
        }
    }
}

impl<T> Queue<T> {
    /// Puts `value` if there is room now.
    ///
    /// # Errors
    ///
    /// [`TryPutError::Full`] or [`TryPutError::Closed`], with the value back.
    pub fn try_put(&self, value: T) -> Result<(), TryPutError<T>> {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            if s.closed {
                return Err(TryPutError::Closed(value));
            }
            if !s.putters.is_empty() || !s.has_space() {
                return Err(TryPutError::Full(value));
            }
            s.push(value)
        };
        wake_all(woken);
        Ok(())
    }

    /// Takes the front item if there is one not promised to a waiting getter.
    ///
    /// # Errors
    ///
    /// [`TryGetError::Empty`], or [`TryGetError::Closed`] once closed and empty.
    pub fn try_get(&self) -> Result<T, TryGetError> {
        let (item, woken) = {
            let mut s = self.inner.state.borrow_mut();
            if !s.has_unreserved_item() {
                return Err(if s.closed {
                    TryGetError::Closed
                } else {
                    TryGetError::Empty
                });
            }
            s.pop()
        };
        wake_all(woken);
        Ok(item)
    }

    /// Marks one item taken by `get` as processed (for [`join`](Queue::join)).
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if called more times than items were put.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            if s.unfinished == 0 {
                return Err(TaskDoneError);
            }
            s.unfinished -= 1;
            if s.unfinished == 0 {
                s.joiners.grant_all()
            } else {
                Vec::new()
            }
        };
        wake_all(woken);
        Ok(())
    }

    /// Closes the queue: every waiting and later `put` fails with [`Closed`];
    /// `get` returns the items left, then fails. Closing twice is harmless.
    pub fn close(&self) {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            s.closed = true;
            let mut w = s.putters.release_all();
            w.extend(s.getters.release_all());
            w
        };
        wake_all(woken);
    }

    /// True once [`close`](Queue::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state.borrow().closed
    }

    /// Items in the queue now.
    pub fn len(&self) -> usize {
        self.inner.state.borrow().items.len()
    }

    /// True if no item is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if a `put` would wait.
    pub fn is_full(&self) -> bool {
        !self.inner.state.borrow().has_space()
    }

    /// The bound, or `None` for an unbounded queue.
    pub fn capacity(&self) -> Option<usize> {
        self.inner.state.borrow().capacity
    }

    /// Items put and not yet marked done.
    pub fn unfinished(&self) -> usize {
        self.inner.state.borrow().unfinished
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}

impl<T> InspectPrimitive for QueueInner<T> {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        let s = self.state.borrow();
        s.putters.held_wakers(visit);
        s.getters.held_wakers(visit);
        s.joiners.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        let mut state = match s.capacity {
            Some(c) => format!("{}/{c} items", s.items.len()),
            None => format!("{} items (unbounded)", s.items.len()),
        };
        if s.closed {
            state.push_str(", closed");
        } else if s.senders > 0 || s.receivers > 0 {
            state.push_str(&format!(
                ", {} sender(s), {} receiver(s)",
                s.senders, s.receivers
            ));
        }
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state,
            waiters: s
                .getters
                .tasks()
                .chain(s.putters.tasks())
                .chain(s.joiners.tasks())
                .collect(),
            holders: Vec::new(),
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.state.borrow();
        f.debug_struct("Queue")
            .field("name", &self.inner.meta.name)
            .field("len", &s.items.len())
            .field("capacity", &s.capacity)
            .field("closed", &s.closed)
            .finish()
    }
}

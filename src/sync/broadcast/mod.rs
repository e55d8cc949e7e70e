//! `broadcast`: every receiver gets every value (tokio's `broadcast`
//! channel).
//!
//! ```text
//!   values:   seq 5   6   7   8        (the last `capacity` values)
//!             head ─┘           └─ tail = 9 (the next seq)
//!   rx A next = 7 ──▶ recv() gives 7, then 8, then waits
//!   rx B next = 3 ──▶ 3 and 4 were overwritten: recv() says Lagged(2)
//!                     and moves B to 5
//! ```
//!
//! Each receiver keeps the sequence number of the next value it wants;
//! the channel keeps the last `capacity` values, cloning one for each
//! receiver that takes it. A receiver that falls more than `capacity`
//! values behind learns how many it missed ([`RecvError::Lagged`]) and
//! goes on from the oldest kept. Where this simplifies: tokio frees a
//! value as soon as every receiver has taken it; evloop keeps the last
//! `capacity` values until they are overwritten.
//!
//! # Examples
//!
//! ```
//! use evloop::sync::broadcast;
//!
//! evloop::run(async {
//!     let (tx, mut a) = broadcast::channel(16);
//!     let mut b = tx.subscribe();
//!     tx.send("hello").unwrap();
//!     assert_eq!(a.recv().await, Ok("hello"));
//!     assert_eq!(b.recv().await, Ok("hello"));
//! });
//! ```

use crate::sync::tracked::Tracked;
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::task::Waker;

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

mod error;
mod receiver;

pub use error::{Lagged, RecvError, SendError, TryRecvError};
pub use receiver::Recv;

/// A broadcast channel keeping the last `capacity` values (0 is taken as 1:
/// a value must be kept until its receivers take it).
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::broadcast::channel(8);
/// tx.send("hi").unwrap();
/// assert_eq!(rx.try_recv(), Ok("hi"));
/// ```
pub fn channel<T: Clone + 'static>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    build(None, capacity)
}

/// A named broadcast channel (the name shows in snapshots).
///
/// # Examples
///
/// ```
/// let (tx, _rx) = evloop::sync::broadcast::channel_named::<u8>("news", 4);
/// assert_eq!(tx.receiver_count(), 1);
/// ```
pub fn channel_named<T: Clone + 'static>(
    name: impl Into<String>,
    capacity: usize,
) -> (Sender<T>, Receiver<T>) {
    build(Some(name.into()), capacity)
}

fn build<T: Clone + 'static>(name: Option<String>, capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(Shared {
        meta: Meta::new("broadcast", name),
        state: Tracked::new(State {
            values: VecDeque::new(),
            head: 0,
            capacity: capacity.max(1),
            senders: 1,
            receivers: 1,
            line: WaitList::default(),
        }),
    });
    shared.meta.register(&shared);
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver {
            shared,
            next: 0,
            waiter: None,
        },
    )
}

struct Shared<T> {
    meta: Meta,
    state: Tracked<State<T>>,
}

struct State<T> {
    values: VecDeque<T>,
    /// The sequence number of `values[0]`.
    head: u64,
    capacity: usize,
    senders: usize,
    receivers: usize,
    line: WaitList,
}

impl<T> State<T> {
    fn tail(&self) -> u64 {
        self.head + self.values.len() as u64
    }
}

/// The sending half of a [`broadcast`](self) channel; clone it to send from
/// several places. When the last one is dropped, receivers see the end.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::broadcast::channel(4);
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
/// ```
pub struct Sender<T> {
    shared: Rc<Shared<T>>,
}

/// A receiving half of a [`broadcast`](self) channel: it gets every value
/// sent after it subscribed. Cloning gives a receiver at the same place.
///
/// # Examples
///
/// ```
/// let (tx, mut a) = evloop::sync::broadcast::channel(4);
/// let mut b = a.clone(); // at the same place
/// tx.send(1).unwrap();
/// assert_eq!((a.try_recv(), b.try_recv()), (Ok(1), Ok(1)));
/// ```
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
    /// The sequence number of the next value it wants.
    next: u64,
    /// A wait in progress of the stream form.
    waiter: Option<Rc<Waiter>>,
}

impl<T: Clone> Sender<T> {
    /// Sends `value` to every receiver; returns how many there are.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value back when there is no receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel(4);
    /// assert_eq!(tx.send(1), Ok(1)); // one receiver
    /// drop(rx);
    /// assert!(tx.send(2).is_err());
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (receivers, woken) = {
            let mut s = self.shared.state.borrow_mut();
            if s.receivers == 0 {
                return Err(SendError(value));
            }
            s.values.push_back(value);
            if s.values.len() > s.capacity {
                s.values.pop_front();
                s.head += 1;
            }
            (s.receivers, s.line.grant_all())
        };
        wake_all(woken);
        Ok(receivers)
    }

    /// A new receiver, which gets the values sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2)); // only what came after
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::joining(&self.shared)
    }

    /// How many receivers there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// let _other = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.borrow().receivers
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.state.borrow_mut().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let woken = {
            let mut s = self.shared.state.borrow_mut();
            s.senders -= 1;
            if s.senders == 0 {
                s.line.release_all()
            } else {
                Vec::new()
            }
        };
        wake_all(woken);
    }
}

impl<T> InspectPrimitive for Shared<T> {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        let mut state = format!(
            "{}/{} values kept, {} receiver(s)",
            s.values.len(),
            s.capacity,
            s.receivers
        );
        if s.senders == 0 {
            state.push_str(", senders gone");
        }
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state,
            waiters: s.line.tasks().collect(),
            holders: Vec::new(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("name", &self.shared.meta.name)
            .finish_non_exhaustive()
    }
}

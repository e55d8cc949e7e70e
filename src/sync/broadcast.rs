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
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};
use crate::stream::Stream;

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
        let mut s = self.shared.state.borrow_mut();
        s.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: s.tail(),
            waiter: None,
        }
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

impl<T: Clone> Receiver<T> {
    /// Waits for the next value.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`]`(n)` if `n` values were overwritten before this
    /// receiver took them (it then goes on from the oldest kept);
    /// [`RecvError::Closed`] when every sender is gone and every value was
    /// taken.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `recv()` took nothing; the value is still
    /// there for the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::broadcast::channel(4);
    /// evloop::run(async {
    ///     evloop::spawn(async move { tx.send(5).unwrap() }).detach();
    ///     assert_eq!(rx.recv().await, Ok(5));
    ///     assert_eq!(rx.recv().await, Err(evloop::sync::broadcast::RecvError::Closed));
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            rx: self,
            waiter: None,
        }
    }

    /// The next value if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Lagged`] or
    /// [`TryRecvError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::broadcast::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap(); // 1 is overwritten
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let s = self.shared.state.borrow();
        match take(&s, &mut self.next) {
            Some(Ok(v)) => Ok(v),
            Some(Err(RecvError::Lagged(n))) => Err(TryRecvError::Lagged(n)),
            Some(Err(RecvError::Closed)) => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// A new receiver that gets the values sent from now on (tokio's
    /// `resubscribe`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut fresh = rx.resubscribe();
    /// assert!(fresh.is_empty());
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut s = self.shared.state.borrow_mut();
        s.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: s.tail(),
            waiter: None,
        }
    }

    /// How many values this receiver has not taken yet.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let s = self.shared.state.borrow();
        (s.tail() - self.next.max(s.head)) as usize
    }

    /// True if this receiver has taken every value sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The next value for a receiver at `next`: `None` if it must wait.
fn take<T: Clone>(s: &State<T>, next: &mut u64) -> Option<Result<T, RecvError>> {
    if *next < s.head {
        let missed = s.head - *next;
        *next = s.head;
        return Some(Err(RecvError::Lagged(missed)));
    }
    if *next < s.tail() {
        let value = s.values[(*next - s.head) as usize].clone();
        *next += 1;
        return Some(Ok(value));
    }
    if s.senders == 0 {
        return Some(Err(RecvError::Closed));
    }
    None
}

fn poll_recv<T: Clone + 'static>(
    shared: &Rc<Shared<T>>,
    next: &mut u64,
    waiter: &mut Option<Rc<Waiter>>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, RecvError>> {
    let mut s = shared.state.borrow_mut();
    if let Some(out) = take(&s, next) {
        if let Some(w) = waiter.take() {
            s.line.leave(&w);
        }
        return Poll::Ready(out);
    }
    match waiter {
        Some(w) if s.line.contains(w) => w.set_waker(cx.waker()),
        _ => *waiter = Some(s.line.join(cx.waker())),
    }
    drop(s);
    shared.meta.note_pending(shared);
    Poll::Pending
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.state.borrow_mut().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.state.borrow_mut().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            next: self.next,
            waiter: None,
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

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut s = self.shared.state.borrow_mut();
        if let Some(w) = self.waiter.take() {
            s.line.leave(&w);
        }
        s.receivers -= 1;
    }
}

/// The future returned by [`Receiver::recv`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`Receiver::recv`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::broadcast::channel(4);
/// tx.send('x').unwrap();
/// let recv: evloop::sync::broadcast::Recv<'_, char> = rx.recv();
/// assert_eq!(evloop::run(recv), Ok('x'));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<T: Clone + 'static> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_recv(&this.rx.shared, &mut this.rx.next, &mut this.waiter, cx)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.rx.shared.state.borrow_mut().line.leave(&w);
        }
    }
}

/// Each value, or `Err(Lagged(n))` when `n` were missed; the stream ends
/// when every sender is gone and every value was taken.
impl<T: Clone + 'static> Stream for Receiver<T> {
    type Item = Result<T, Lagged>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match std::task::ready!(poll_recv(
            &this.shared,
            &mut this.next,
            &mut this.waiter,
            cx
        )) {
            Ok(v) => Poll::Ready(Some(Ok(v))),
            Err(RecvError::Lagged(n)) => Poll::Ready(Some(Err(Lagged(n)))),
            Err(RecvError::Closed) => Poll::Ready(None),
        }
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

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("name", &self.shared.meta.name)
            .field("next", &self.next)
            .finish()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("name", &self.rx.shared.meta.name)
            .finish_non_exhaustive()
    }
}

/// [`Sender::send`] found no receiver; the value comes back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::broadcast::channel(4);
/// drop(rx);
/// assert_eq!(tx.send(3).unwrap_err().0, 3);
/// ```
#[derive(PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the broadcast channel has no receiver, so nobody would get the value; \
             subscribe() a receiver before sending",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`Receiver::recv`] gave no value.
///
/// # Examples
///
/// ```
/// use evloop::sync::broadcast::{self, RecvError};
///
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// drop(tx);
/// evloop::run(async {
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
///     assert_eq!(rx.recv().await, Ok(2));
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and every value was taken.
    Closed,
    /// This many values were overwritten before the receiver took them; the
    /// next `recv` gives the oldest value kept.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str(
                "every sender of the broadcast channel is gone and every value was taken",
            ),
            RecvError::Lagged(n) => write!(
                f,
                "the receiver fell behind and missed {n} value(s); it goes on from the oldest kept \
                 (a larger capacity keeps more)"
            ),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] gave no value.
///
/// # Examples
///
/// ```
/// let (_tx, mut rx) = evloop::sync::broadcast::channel::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(evloop::sync::broadcast::TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No new value now: `recv().await` waits for one.
    Empty,
    /// As [`RecvError::Lagged`].
    Lagged(u64),
    /// As [`RecvError::Closed`].
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("no new value yet; recv().await waits for one"),
            TryRecvError::Lagged(n) => fmt::Display::fmt(&RecvError::Lagged(*n), f),
            TryRecvError::Closed => fmt::Display::fmt(&RecvError::Closed, f),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// The stream form's [`RecvError::Lagged`]: this many values were missed.
///
/// # Examples
///
/// ```
/// use evloop::stream::StreamExt;
/// use evloop::sync::broadcast::{self, Lagged};
///
/// let (tx, rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// drop(tx);
/// let got: Vec<_> = evloop::run(rx.collect());
/// assert_eq!(got, [Err(Lagged(1)), Ok(2)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lagged(pub u64);

impl fmt::Display for Lagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&RecvError::Lagged(self.0), f)
    }
}

impl std::error::Error for Lagged {}

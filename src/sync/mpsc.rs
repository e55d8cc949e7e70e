//! `mpsc`: a channel from other threads to the loop. The senders are
//! `Send`; the receiver lives on the loop and awaits.
//!
//! ```text
//!   thread A: tx.send(v) ─┐                         the loop's thread
//!   thread B: tx.send(w) ─┼─▶ Mutex<VecDeque> ──▶ rx.recv().await  (a task)
//!                         │   (+ the receiver's waker: a send wakes it,
//!                         │    through the loop's remote queue)
//!   last sender dropped ──┘   rx sees the items left, then None
//! ```
//!
//! Every other primitive of [`sync`](super) is for tasks of one loop and
//! uses no lock. This one crosses threads, so its queue is behind a
//! `Mutex`, and a send wakes the receiving task as any other thread's wake
//! does. While a sender is alive, the loop counts it as outside work (an
//! [`ExternalWork`]): on the virtual clock, time does
//! not jump ahead of a thread that may still send. So drop the senders you
//! keep on the loop's own thread, or a virtual-clock loop waits for them.
//!
//! # Examples
//!
//! ```
//! use evloop::sync::mpsc;
//!
//! let rt = evloop::Runtime::builder().virtual_clock().build();
//! let total = rt.block_on(async {
//!     let (tx, mut rx) = mpsc::channel();
//!     for t in 0..3u32 {
//!         let tx = tx.clone();
//!         std::thread::spawn(move || tx.send(t * 10).unwrap());
//!     }
//!     drop(tx); // the loop keeps none: the threads' senders end it
//!     let mut total = 0;
//!     while let Some(v) = rx.recv().await {
//!         total += v;
//!     }
//!     total
//! });
//! assert_eq!(total, 30);
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use crate::executor::{ExternalWork, context};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};
use crate::stream::Stream;
use crate::task::TaskId;

/// A channel whose [`Sender`]s any thread may hold and whose [`Receiver`]
/// lives on the loop. Made inside a running loop (or a
/// [`Runtime::enter`](crate::Runtime::enter)), its senders hold that loop's
/// virtual clock while they live; made outside, they hold nothing.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::mpsc::channel();
/// std::thread::spawn(move || tx.send(1).unwrap()).join().unwrap();
/// assert_eq!(evloop::run(rx.recv()), Some(1));
/// ```
pub fn channel<T: Send + 'static>() -> (Sender<T>, Receiver<T>) {
    build(None)
}

/// A named channel (the name shows in snapshots).
///
/// # Examples
///
/// ```
/// let (_tx, rx) = evloop::sync::mpsc::channel_named::<u8>("inbox");
/// assert_eq!(rx.name(), "inbox");
/// ```
pub fn channel_named<T: Send + 'static>(name: impl Into<String>) -> (Sender<T>, Receiver<T>) {
    build(Some(name.into()))
}

fn build<T: Send + 'static>(name: Option<String>) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            senders: 1,
            receiver_alive: true,
            waker: None,
            waiting: None,
        }),
    });
    let clock = context::with_core(|core| Arc::new(ExternalWork::new(core.remote().clone())));
    let watch = Rc::new(Watch {
        meta: Meta::new("channel", name),
        shared: shared.clone(),
    });
    watch.meta.register(&watch);
    (
        Sender {
            shared: shared.clone(),
            _clock: clock,
        },
        Receiver { shared, watch },
    )
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    items: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    /// The receiving task's waker while it waits.
    waker: Option<Waker>,
    waiting: Option<TaskId>,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sending half: `Send`, `Sync` and `Clone`; any thread may send.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::mpsc::channel();
/// let handles: Vec<_> = (0..2)
///     .map(|i| {
///         let tx = tx.clone(); // Send + Clone: one per thread
///         std::thread::spawn(move || tx.send(i).unwrap())
///     })
///     .collect();
/// drop(tx);
/// handles.into_iter().for_each(|h| h.join().unwrap());
/// let mut got = evloop::run(async { vec![rx.recv().await, rx.recv().await, rx.recv().await] });
/// got.sort();
/// assert_eq!(got, [None, Some(0), Some(1)]);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
    /// Shared by every clone: the senders' hold on the virtual clock,
    /// released with the last one.
    _clock: Option<Arc<ExternalWork>>,
}

/// The receiving half, on the loop: [`recv`](Receiver::recv) awaits the
/// next item, and it is a [`Stream`] of them.
///
/// # Examples
///
/// ```
/// use evloop::stream::StreamExt;
///
/// let (tx, rx) = evloop::sync::mpsc::channel();
/// std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
/// let got: Vec<u32> = evloop::run(rx.collect());
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    watch: Rc<Watch<T>>,
}

/// The receiver's face in snapshots.
struct Watch<T> {
    meta: Meta,
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Sends `value` (it never waits: the channel is unbounded) and wakes
    /// the receiver.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value back when the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::mpsc::channel();
    /// assert!(tx.send(1).is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let waker = {
            let mut s = self.shared.lock();
            if !s.receiver_alive {
                return Err(SendError(value));
            }
            s.items.push_back(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// True once the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::mpsc::channel::<u8>();
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        !self.shared.lock().receiver_alive
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.lock().senders += 1;
        Sender {
            shared: self.shared.clone(),
            _clock: self._clock.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = self.shared.lock();
            s.senders -= 1;
            if s.senders == 0 { s.waker.take() } else { None }
        };
        // The wake comes before the clock's hold goes (when `_clock` drops
        // after this), so the loop sees the end before time may jump.
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T: 'static> Receiver<T> {
    /// Waits for the next item; `None` once every sender is gone and the
    /// items left were taken.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `recv()` took nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::mpsc::channel();
    /// tx.send("a").unwrap();
    /// drop(tx);
    /// evloop::run(async {
    ///     assert_eq!(rx.recv().await, Some("a"));
    ///     assert_eq!(rx.recv().await, None); // every sender gone
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { rx: self }
    }

    /// The next item if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], or [`TryRecvError::Closed`] once every
    /// sender is gone and nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::mpsc::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut s = self.shared.lock();
        match s.items.pop_front() {
            Some(v) => Ok(v),
            None if s.senders == 0 => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// The channel's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::mpsc::channel_named::<()>("events");
    /// assert_eq!(rx.name(), "events");
    /// ```
    pub fn name(&self) -> &str {
        &self.watch.meta.name
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        {
            let mut s = self.shared.lock();
            if let Some(v) = s.items.pop_front() {
                s.waiting = None;
                return Poll::Ready(Some(v));
            }
            if s.senders == 0 {
                s.waiting = None;
                return Poll::Ready(None);
            }
            if !s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                s.waker = Some(cx.waker().clone());
            }
            s.waiting = crate::task::current::task();
        }
        self.watch.meta.note_pending(&self.watch);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut s = self.shared.lock();
        s.receiver_alive = false;
        s.waker = None;
        s.waiting = None;
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
/// let (tx, mut rx) = evloop::sync::mpsc::channel();
/// tx.send(1u8).unwrap();
/// let recv: evloop::sync::mpsc::Recv<'_, u8> = rx.recv();
/// assert_eq!(evloop::run(recv), Some(1));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
}

impl<T: 'static> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_item(cx)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        self.rx.shared.lock().waiting = None;
    }
}

/// The items as they come; the stream ends when every sender is gone.
impl<T: 'static> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_item(cx)
    }
}

impl<T> InspectPrimitive for Watch<T> {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        // With a sender alive, another thread may wake the receiver: its
        // waker is not this thread's alone.
        let s = self.shared.lock();
        if s.senders == 0
            && let Some(w) = &s.waker
        {
            visit(w);
        }
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.shared.lock();
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state: format!("{} item(s), {} sender(s)", s.items.len(), s.senders),
            waiters: s.waiting.into_iter().collect(),
            holders: Vec::new(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mpsc::Sender")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Receiver")
            .field("name", &self.watch.meta.name)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("name", &self.rx.watch.meta.name)
            .finish()
    }
}

/// [`Sender::send`] found the receiver gone; the value comes back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::mpsc::channel();
/// drop(rx);
/// let err = tx.send(7).unwrap_err();
/// assert_eq!(err.0, 7);
/// assert!(err.to_string().contains("receiver is gone"));
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
        f.write_str("the channel's receiver is gone (its task ended or dropped it); nothing more can be sent")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`Receiver::try_recv`] gave nothing.
///
/// # Examples
///
/// ```
/// let (_tx, mut rx) = evloop::sync::mpsc::channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(evloop::sync::mpsc::TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing now: `recv().await` waits.
    Empty,
    /// Every sender is gone and nothing is left.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("no item now; recv().await waits for one"),
            TryRecvError::Closed => {
                f.write_str("every sender is gone and every item was taken; no item will come")
            }
        }
    }
}

impl std::error::Error for TryRecvError {}

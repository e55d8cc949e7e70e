//! `oneshot`: one value, sent once, from one place to one waiting task.
//!
//! The building block of [`create_future`](crate::callback::create_future)
//! and of any "fill this in later" hand-off between callbacks and tasks.
//!
//! # Examples
//!
//! ```
//! use evloop::sync::oneshot;
//!
//! evloop::run(async {
//!     let (tx, rx) = oneshot::channel();
//!     evloop::spawn(async move { tx.send("hello").unwrap() }).detach();
//!     assert_eq!(rx.await, Ok("hello"));
//! });
//! ```

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

thread_local! {
    /// Oneshots have no names of their own; they share this label.
    static ONESHOT: Rc<Label> = Label::new("oneshot", Rc::from("oneshot"));
}
use std::task::{Context, Poll, Waker};

use crate::task::{Label, current};

struct Inner<T> {
    value: Option<T>,
    sender_alive: bool,
    receiver_alive: bool,
    waker: Option<Waker>,
}

/// Creates a connected sender and receiver.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(Tracked::new(Inner {
        value: None,
        sender_alive: true,
        receiver_alive: true,
        waker: None,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

/// Sends the one value. Dropping it unsent makes the receiver fail with
/// [`RecvError`].
pub struct Sender<T> {
    inner: Rc<Tracked<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waking the receiver.
    ///
    /// # Errors
    ///
    /// The value comes back if the receiver was dropped.
    pub fn send(self, value: T) -> Result<(), T> {
        let waker = {
            let mut s = self.inner.borrow_mut();
            if !s.receiver_alive {
                return Err(value);
            }
            s.value = Some(value);
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// True if the receiver was dropped (nobody will read a value).
    pub fn is_closed(&self) -> bool {
        !self.inner.borrow().receiver_alive
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut s = self.inner.borrow_mut();
            s.sender_alive = false;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot::Sender")
    }
}

/// Awaits the one value: `Ok(value)`, or [`RecvError`] if the sender was
/// dropped without sending.
///
/// # Cancel safety
///
/// Cancel-safe when polled by reference (`&mut rx` in a
/// [`select!`](crate::select!)): a value that arrives stays in the channel
/// until taken. Dropping the receiver itself drops the value.
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Receiver<T> {
    inner: Rc<Tracked<Inner<T>>>,
}

impl<T> Receiver<T> {
    /// The value if it has arrived.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if not yet sent, [`TryRecvError::Closed`]
    /// if the sender is gone (or the value was already taken).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut s = self.inner.borrow_mut();
        match s.value.take() {
            Some(v) => Ok(v),
            None if s.sender_alive => Err(TryRecvError::Empty),
            None => Err(TryRecvError::Closed),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.inner.borrow_mut();
        if let Some(v) = s.value.take() {
            return Poll::Ready(Ok(v));
        }
        if !s.sender_alive {
            return Poll::Ready(Err(RecvError));
        }
        s.waker = Some(cx.waker().clone());
        drop(s);
        let _ = ONESHOT.try_with(current::note_primitive);
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut s = self.inner.borrow_mut();
        s.receiver_alive = false;
        s.waker = None;
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot::Receiver")
    }
}

/// The sender was dropped without sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the oneshot sender was dropped without sending a value")
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`] returned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing sent yet.
    Empty,
    /// The sender is gone, or the value was taken already.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => {
                f.write_str("no value sent yet; await the receiver to wait for it")
            }
            TryRecvError::Closed => {
                f.write_str("the sender is gone (or the value was already taken)")
            }
        }
    }
}

impl std::error::Error for TryRecvError {}

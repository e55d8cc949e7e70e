//! `watch`: one value that changes over time; receivers see the latest
//! (tokio's `watch` channel).
//!
//! ```text
//!   tx.send(v3) ──▶ value = v3, version 3 ──▶ every receiver waiting in
//!                                             changed() is granted
//!   rx (saw version 1) ── changed().await ──▶ at once: 3 > 1
//!                         borrow_and_update() ──▶ v3, and it has seen 3
//! ```
//!
//! A receiver keeps the version it last saw, not a queue of values: a slow
//! receiver skips to the latest value, which is what configuration,
//! progress or "current state" wants. The value is kept behind an `Rc`, so
//! [`Receiver::borrow`] hands out the value of the moment and never blocks
//! a send (tokio's read guard would; a single thread has nothing to guard).
//!
//! # Examples
//!
//! ```
//! use evloop::sync::watch;
//!
//! evloop::run(async {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let reader = evloop::spawn(async move {
//!         rx.changed().await.unwrap();
//!         *rx.borrow_and_update()
//!     });
//!     evloop::yield_now().await;
//!     tx.send("ready").unwrap();
//!     assert_eq!(reader.await.unwrap(), "ready");
//! });
//! ```

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

mod error;
mod receiver;

pub use error::{RecvError, SendError};
pub use receiver::Changed;

/// A watch channel holding `init`: the sender and a first receiver.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::watch::channel(1);
/// tx.send(2).unwrap();
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T: 'static>(init: T) -> (Sender<T>, Receiver<T>) {
    build(None, init)
}

/// A named watch channel (the name shows in snapshots).
///
/// # Examples
///
/// ```
/// let (_tx, rx) = evloop::sync::watch::channel_named("config", "v1");
/// assert_eq!(rx.name(), "config");
/// ```
pub fn channel_named<T: 'static>(name: impl Into<String>, init: T) -> (Sender<T>, Receiver<T>) {
    build(Some(name.into()), init)
}

fn build<T: 'static>(name: Option<String>, init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(Shared {
        meta: Meta::new("watch", name),
        state: Tracked::new(State {
            value: Rc::new(init),
            version: 0,
            senders: 1,
            receivers: 1,
            changes: WaitList::default(),
            closing: WaitList::default(),
        }),
    });
    shared.meta.register(&shared);
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver {
            shared,
            seen: 0,
            waiter: None,
        },
    )
}

struct Shared<T> {
    meta: Meta,
    state: Tracked<State<T>>,
}

struct State<T> {
    value: Rc<T>,
    version: u64,
    senders: usize,
    receivers: usize,
    /// Receivers waiting for a change.
    changes: WaitList,
    /// Senders waiting for every receiver to go.
    closing: WaitList,
}

/// The sending half of a [`watch`](self) channel; clone it to send from
/// several places. When the last one is dropped, receivers see the end.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = evloop::sync::watch::channel(0);
/// let tx2 = tx.clone(); // several senders
/// tx2.send(5).unwrap();
/// assert_eq!(*tx.borrow(), 5);
/// ```
pub struct Sender<T> {
    shared: Rc<Shared<T>>,
}

/// The receiving half of a [`watch`](self) channel: the latest value, and
/// a wait for the next one. Cloning gives a receiver that has seen what
/// this one has.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::watch::channel(0);
/// let mut seen = rx.clone();
/// tx.send(1).unwrap();
/// assert_eq!(seen.has_changed(), Ok(true));
/// assert_eq!(*seen.borrow_and_update(), 1);
/// ```
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
    seen: u64,
    /// A wait in progress of the stream form (`poll_next`).
    waiter: Option<Rc<Waiter>>,
}

impl<T> Sender<T> {
    /// Replaces the value and wakes every receiver waiting for a change.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value back when every receiver is gone (the
    /// value is not stored; tokio's `send` does the same). Use
    /// [`send_replace`](Sender::send_replace) to store it anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(0);
    /// assert!(tx.send(1).is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(2).unwrap_err().0, 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.state.borrow().receivers == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value whether or not anyone receives, and returns the
    /// old one (shared with receivers that still hold it).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel("a");
    /// drop(rx);
    /// assert_eq!(*tx.send_replace("b"), "a"); // stored even with no receiver
    /// assert_eq!(*tx.borrow(), "b");
    /// ```
    pub fn send_replace(&self, value: T) -> Rc<T> {
        let (old, woken) = {
            let mut s = self.shared.state.borrow_mut();
            let old = std::mem::replace(&mut s.value, Rc::new(value));
            s.version += 1;
            (old, s.changes.grant_all())
        };
        wake_all(woken);
        old
    }

    /// Changes the value in place with `modify` and wakes the receivers (the
    /// value is cloned first if a receiver still holds the old one).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T))
    where
        T: Clone,
    {
        let woken = {
            let mut s = self.shared.state.borrow_mut();
            modify(Rc::make_mut(&mut s.value));
            s.version += 1;
            s.changes.grant_all()
        };
        wake_all(woken);
    }

    /// The current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::watch::channel(3);
    /// assert_eq!(*tx.borrow(), 3);
    /// ```
    pub fn borrow(&self) -> Rc<T> {
        self.shared.state.borrow().value.clone()
    }

    /// A new receiver, which has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = evloop::sync::watch::channel(0);
    /// let rx2 = tx.subscribe();
    /// assert_eq!((tx.receiver_count(), rx2.has_changed()), (2, Ok(false)));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut s = self.shared.state.borrow_mut();
        s.receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: s.version,
            waiter: None,
        }
    }

    /// How many receivers there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(0);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.borrow().receivers
    }

    /// True once every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone (tokio's `closed()`).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: it takes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(0);
    /// evloop::run(async {
    ///     evloop::spawn(async move { drop(rx) }).detach();
    ///     tx.closed().await;
    /// });
    /// ```
    pub fn closed(&self) -> Closing<'_, T> {
        Closing {
            sender: self,
            waiter: None,
        }
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
                s.changes.release_all()
            } else {
                Vec::new()
            }
        };
        wake_all(woken);
    }
}

/// The future returned by [`Sender::closed`].
///
/// # Cancel safety
///
/// Cancel-safe: it takes nothing.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::watch::channel(0);
/// drop(rx);
/// let closing: evloop::sync::watch::Closing<'_, i32> = tx.closed();
/// evloop::run(closing); // at once: no receiver left
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Closing<'a, T> {
    sender: &'a Sender<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<T: 'static> Future for Closing<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let shared = &this.sender.shared;
        let mut s = shared.state.borrow_mut();
        if s.receivers == 0 {
            this.waiter = None;
            return Poll::Ready(());
        }
        match &this.waiter {
            Some(w) if s.closing.contains(w) => w.set_waker(cx.waker()),
            _ => this.waiter = Some(s.closing.join(cx.waker())),
        }
        drop(s);
        shared.meta.note_pending(shared);
        Poll::Pending
    }
}

impl<T> Drop for Closing<'_, T> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.sender.shared.state.borrow_mut().closing.leave(&w);
        }
    }
}

impl<T> InspectPrimitive for Shared<T> {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        let s = self.state.borrow();
        s.changes.held_wakers(visit);
        s.closing.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        let mut state = format!("version {}, {} receiver(s)", s.version, s.receivers);
        if s.senders == 0 {
            state.push_str(", sender gone");
        }
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state,
            waiters: s.changes.tasks().chain(s.closing.tasks()).collect(),
            holders: Vec::new(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("name", &self.shared.meta.name)
            .field("value", &self.borrow())
            .finish()
    }
}

impl<T> fmt::Debug for Closing<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closing")
            .field("name", &self.sender.shared.meta.name)
            .finish_non_exhaustive()
    }
}

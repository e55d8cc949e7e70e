//! The receiving side of a watch channel: `changed()`, the receiver as a
//! stream, and what a receiver does when cloned or dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Receiver, RecvError, Shared};
use crate::stream::Stream;
use crate::sync::waiters::{Waiter, wake_all};

impl<T> Receiver<T> {
    /// The current value (tokio's `borrow()`), without marking it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::watch::channel("now");
    /// assert_eq!(*rx.borrow(), "now");
    /// ```
    pub fn borrow(&self) -> Rc<T> {
        self.shared.state.borrow().value.clone()
    }

    /// The current value, marked seen: `changed()` waits for a newer one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn borrow_and_update(&mut self) -> Rc<T> {
        let s = self.shared.state.borrow();
        self.seen = s.version;
        s.value.clone()
    }

    /// True if a value newer than the last seen one was sent.
    ///
    /// # Errors
    ///
    /// [`RecvError`] when the sender is gone and nothing new is left to see.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = evloop::sync::watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let s = self.shared.state.borrow();
        if s.version != self.seen {
            Ok(true)
        } else if s.senders == 0 {
            Err(RecvError)
        } else {
            Ok(false)
        }
    }

    /// Waits for a value newer than the last seen one, and marks it seen
    /// (at once if there is one already).
    ///
    /// # Errors
    ///
    /// [`RecvError`] when every sender is gone and nothing new is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `changed()` marks nothing seen, so the next
    /// call sees the change it would have seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::watch::channel(0);
    /// evloop::run(async {
    ///     evloop::spawn(async move { tx.send(9).unwrap() }).detach();
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow(), 9);
    /// });
    /// ```
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            rx: self,
            waiter: None,
        }
    }

    /// Waits until `ready(&value)` holds for the current value (checking it
    /// at once, then after each change) and returns that value, marked seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] when every sender is gone before the value got there.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`changed`](Receiver::changed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = evloop::sync::watch::channel(0);
    /// evloop::run(async {
    ///     evloop::spawn(async move {
    ///         for i in 1..=3 {
    ///             evloop::yield_now().await;
    ///             tx.send(i).unwrap();
    ///         }
    ///     })
    ///     .detach();
    ///     assert_eq!(*rx.wait_for(|v| *v == 3).await.unwrap(), 3);
    /// });
    /// ```
    pub async fn wait_for(&mut self, mut ready: impl FnMut(&T) -> bool) -> Result<Rc<T>, RecvError>
    where
        T: 'static,
    {
        loop {
            let value = self.borrow_and_update();
            if ready(&value) {
                return Ok(value);
            }
            self.changed().await?;
        }
    }

    /// The channel's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = evloop::sync::watch::channel_named("w", ());
    /// assert_eq!(rx.name(), "w");
    /// ```
    pub fn name(&self) -> &str {
        &self.shared.meta.name
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.state.borrow_mut().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
            waiter: None,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let woken = {
            let mut s = self.shared.state.borrow_mut();
            if let Some(w) = self.waiter.take() {
                s.changes.leave(&w);
            }
            s.receivers -= 1;
            if s.receivers == 0 {
                s.closing.release_all()
            } else {
                Vec::new()
            }
        };
        wake_all(woken);
    }
}

/// The shared body of `changed()` and the stream: ready once the version
/// moved (marking it seen), or the sender is gone.
fn poll_change<T: 'static>(
    shared: &Rc<Shared<T>>,
    seen: &mut u64,
    waiter: &mut Option<Rc<Waiter>>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), RecvError>> {
    let mut s = shared.state.borrow_mut();
    if s.version != *seen {
        *seen = s.version;
        if let Some(w) = waiter.take() {
            s.changes.leave(&w);
        }
        return Poll::Ready(Ok(()));
    }
    if s.senders == 0 {
        *waiter = None;
        return Poll::Ready(Err(RecvError));
    }
    match waiter {
        Some(w) if s.changes.contains(w) => w.set_waker(cx.waker()),
        _ => *waiter = Some(s.changes.join(cx.waker())),
    }
    drop(s);
    shared.meta.note_pending(shared);
    Poll::Pending
}

/// The future returned by [`Receiver::changed`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`Receiver::changed`].
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::watch::channel(0);
/// tx.send(1).unwrap();
/// let change: evloop::sync::watch::Changed<'_, i32> = rx.changed();
/// assert_eq!(evloop::run(change), Ok(()));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Changed<'a, T> {
    rx: &'a mut Receiver<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<T: 'static> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_change(&this.rx.shared, &mut this.rx.seen, &mut this.waiter, cx)
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.rx.shared.state.borrow_mut().changes.leave(&w);
        }
    }
}

/// Each new value, cloned, as it is sent (not the one there when the
/// receiver was made or last updated); the stream ends when every sender is
/// gone. A slow reader skips to the latest value, as `changed()` does.
impl<T: Clone + 'static> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        match std::task::ready!(poll_change(
            &this.shared,
            &mut this.seen,
            &mut this.waiter,
            cx
        )) {
            Ok(()) => Poll::Ready(Some((*this.borrow()).clone())),
            Err(RecvError) => Poll::Ready(None),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("name", &self.shared.meta.name)
            .field("value", &self.borrow())
            .field("seen", &self.seen)
            .finish()
    }
}

impl<T> fmt::Debug for Changed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("name", &self.rx.shared.meta.name)
            .finish_non_exhaustive()
    }
}

//! The receiving side of a broadcast channel: `recv()`, the receiver as a
//! stream, lagging behind, and what a receiver does when cloned or dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Lagged, Receiver, RecvError, Shared, State, TryRecvError};
use crate::stream::Stream;
use crate::sync::waiters::Waiter;

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
        Receiver::joining(&self.shared)
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

impl<T> Receiver<T> {
    /// A new receiver of `shared`, counted, that wants the values sent
    /// after this moment (`subscribe` and `resubscribe`).
    pub(super) fn joining(shared: &Rc<Shared<T>>) -> Receiver<T> {
        let next = shared.state.borrow().tail();
        Receiver::counted(shared, next)
    }

    /// A new receiver of `shared`, counted, that wants value `next` on.
    fn counted(shared: &Rc<Shared<T>>, next: u64) -> Receiver<T> {
        shared.state.borrow_mut().receivers += 1;
        Receiver {
            shared: shared.clone(),
            next,
            waiter: None,
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        Receiver::counted(&self.shared, self.next)
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

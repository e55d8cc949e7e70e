//! The futures of a [`Queue`](super::Queue): waiting to put, to get, and for every item to be done.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Closed, QueueInner};
use crate::sync::waiters::{Waiter, wake_all};

/// The future returned by [`Queue::put`](super::Queue::put).
///
/// # Cancel safety
///
/// Cancel-safe: see [`Queue::put`](super::Queue::put).
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct QueuePut<T: 'static> {
    pub(super) queue: Rc<QueueInner<T>>,
    pub(super) value: Option<T>,
    pub(super) waiter: Option<Rc<Waiter>>,
}

impl<T> Unpin for QueuePut<T> {}

impl<T: 'static> Future for QueuePut<T> {
    type Output = Result<(), Closed<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(value) = this.value.take() else {
            panic!(
                "a QueuePut future was polled after it completed; call put() again for another item"
            );
        };
        let mut s = this.queue.state.borrow_mut();
        let granted = this.waiter.as_ref().is_some_and(|w| w.is_granted());
        if s.closed {
            if granted {
                s.reserved_puts -= 1;
            }
            this.waiter = None;
            return Poll::Ready(Err(Closed(value)));
        }
        let ready = if granted {
            s.reserved_puts -= 1;
            true
        } else if this.waiter.is_none() {
            s.putters.is_empty() && s.has_space()
        } else {
            false
        };
        if ready {
            this.waiter = None;
            let woken = s.push(value);
            drop(s);
            wake_all(woken);
            return Poll::Ready(Ok(()));
        }
        match &this.waiter {
            Some(w) => w.set_waker(cx.waker()),
            None => this.waiter = Some(s.putters.join(cx.waker())),
        }
        drop(s);
        this.value = Some(value);
        this.queue.meta.note_pending(&this.queue);
        Poll::Pending
    }
}

impl<T: 'static> Drop for QueuePut<T> {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else { return };
        let woken = {
            let mut s = self.queue.state.borrow_mut();
            if w.is_granted() {
                s.reserved_puts -= 1;
                s.grant_put()
            } else {
                s.putters.leave(&w);
                None
            }
        };
        wake_all(woken);
    }
}

/// The future returned by [`Queue::get`](super::Queue::get).
///
/// # Cancel safety
///
/// Cancel-safe: see [`Queue::get`](super::Queue::get).
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct QueueGet<T: 'static> {
    pub(super) queue: Rc<QueueInner<T>>,
    pub(super) waiter: Option<Rc<Waiter>>,
}

impl<T: 'static> Future for QueueGet<T> {
    type Output = Result<T, Closed<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut s = this.queue.state.borrow_mut();
        let ready = match &this.waiter {
            Some(w) if w.is_granted() => {
                s.reserved_gets -= 1;
                true
            }
            Some(w) if !s.getters.contains(w) => {
                // Released by close() without a grant.
                this.waiter = None;
                return Poll::Ready(Err(Closed(())));
            }
            Some(_) => false,
            None => s.getters.is_empty() && s.has_unreserved_item(),
        };
        if ready {
            this.waiter = None;
            let (item, woken) = s.pop();
            drop(s);
            wake_all(woken);
            return Poll::Ready(Ok(item));
        }
        if s.closed {
            this.waiter = None;
            return Poll::Ready(Err(Closed(())));
        }
        match &this.waiter {
            Some(w) => w.set_waker(cx.waker()),
            None => this.waiter = Some(s.getters.join(cx.waker())),
        }
        drop(s);
        this.queue.meta.note_pending(&this.queue);
        Poll::Pending
    }
}

impl<T: 'static> Drop for QueueGet<T> {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else { return };
        let woken = {
            let mut s = self.queue.state.borrow_mut();
            if w.is_granted() {
                s.reserved_gets -= 1;
                s.grant_get()
            } else {
                s.getters.leave(&w);
                None
            }
        };
        wake_all(woken);
    }
}

/// The future returned by [`Queue::join`](super::Queue::join).
///
/// # Cancel safety
///
/// Cancel-safe: see [`Queue::join`](super::Queue::join).
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct QueueJoin<T: 'static> {
    pub(super) queue: Rc<QueueInner<T>>,
    pub(super) waiter: Option<Rc<Waiter>>,
}

impl<T: 'static> Future for QueueJoin<T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut s = this.queue.state.borrow_mut();
        if s.unfinished == 0 || this.waiter.as_ref().is_some_and(|w| w.is_granted()) {
            this.waiter = None;
            return Poll::Ready(());
        }
        match &this.waiter {
            Some(w) => w.set_waker(cx.waker()),
            None => this.waiter = Some(s.joiners.join(cx.waker())),
        }
        drop(s);
        this.queue.meta.note_pending(&this.queue);
        Poll::Pending
    }
}

impl<T: 'static> Drop for QueueJoin<T> {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.queue.state.borrow_mut().joiners.leave(&w);
        }
    }
}

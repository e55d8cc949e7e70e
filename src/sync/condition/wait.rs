//! Waiting on a condition: [`ConditionWait`] releases the lock, waits for a
//! notification and takes the lock again; [`ConditionWaitFor`] repeats that
//! until a predicate holds.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{CondInner, Condition, ConditionGuard};
use crate::sync::lock::{LockFuture, LockGuard};
use crate::sync::waiters::Waiter;

pub(super) enum Stage<'a, T> {
    /// Not yet polled: still holding the lock.
    Locked(LockGuard<'a, T>),
    /// In the condition's line, unlocked.
    Waiting(Rc<Waiter>),
    /// Notified: taking the lock again.
    Relocking(LockFuture<'a, T>),
    Done,
}

/// The future returned by [`ConditionGuard::wait`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`ConditionGuard::wait`].
///
/// # Examples
///
/// ```
/// let cond = evloop::sync::Condition::new(());
/// evloop::run(async {
///     let c = cond.clone();
///     evloop::spawn(async move { evloop::yield_now().await; c.notify_all(); }).detach();
///     let wait: evloop::sync::ConditionWait<'_, ()> = cond.lock().await.wait();
///     drop(wait.await);
/// });
/// ```
#[must_use = "futures do nothing unless awaited or spawned; dropping this unlocks"]
pub struct ConditionWait<'a, T> {
    pub(super) cond: &'a Condition<T>,
    pub(super) stage: Stage<'a, T>,
}

impl<'a, T: 'static> Future for ConditionWait<'a, T> {
    type Output = ConditionGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ConditionGuard<'a, T>> {
        let this = &mut *self;
        let cond: &'a Condition<T> = this.cond;
        let inner: &'a CondInner<T> = &cond.inner;
        loop {
            match &mut this.stage {
                Stage::Locked(_) => {
                    let waiter = inner.line.borrow_mut().join(cx.waker());
                    // Unlock only now, in the same poll as joining the line.
                    if let Stage::Locked(guard) =
                        std::mem::replace(&mut this.stage, Stage::Waiting(waiter))
                    {
                        drop(guard);
                    }
                }
                Stage::Waiting(w) if w.is_granted() => {
                    this.stage = Stage::Relocking(inner.lock.lock());
                }
                Stage::Waiting(w) => {
                    w.set_waker(cx.waker());
                    inner.meta.note_pending(&cond.inner);
                    return Poll::Pending;
                }
                Stage::Relocking(lock) => {
                    let guard = std::task::ready!(Pin::new(lock).poll(cx));
                    this.stage = Stage::Done;
                    return Poll::Ready(ConditionGuard { cond, guard });
                }
                Stage::Done => panic!(
                    "a ConditionWait future was polled after it completed; call wait() on the guard it gave"
                ),
            }
        }
    }
}

impl<T> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        if let Stage::Waiting(w) = &self.stage {
            let inner = &self.cond.inner;
            if w.is_granted() {
                // Notified but never ran: the notification goes on.
                self.cond.notify_one();
            } else {
                inner.line.borrow_mut().leave(w);
            }
        }
    }
}

pub(super) enum WaitForStage<'a, T> {
    Check(ConditionGuard<'a, T>),
    Waiting(ConditionWait<'a, T>),
    Done,
}

/// The future returned by [`ConditionGuard::wait_for`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`ConditionGuard::wait`].
///
/// # Examples
///
/// ```
/// let cond = evloop::sync::Condition::new(true);
/// evloop::run(async {
///     let ready = cond.lock().await.wait_for(|r| *r); // already true: no wait
///     assert!(*ready.await);
/// });
/// ```
#[must_use = "futures do nothing unless awaited or spawned; dropping this unlocks"]
pub struct ConditionWaitFor<'a, T, P> {
    pub(super) cond: &'a Condition<T>,
    pub(super) ready: P,
    pub(super) stage: WaitForStage<'a, T>,
}

impl<T, P> Unpin for ConditionWaitFor<'_, T, P> {}

impl<'a, T: 'static, P: FnMut(&T) -> bool> Future for ConditionWaitFor<'a, T, P> {
    type Output = ConditionGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ConditionGuard<'a, T>> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.stage, WaitForStage::Done) {
                WaitForStage::Check(guard) => {
                    if (this.ready)(&guard) {
                        return Poll::Ready(guard);
                    }
                    this.stage = WaitForStage::Waiting(guard.wait());
                }
                WaitForStage::Waiting(mut wait) => match Pin::new(&mut wait).poll(cx) {
                    Poll::Ready(guard) => this.stage = WaitForStage::Check(guard),
                    Poll::Pending => {
                        this.stage = WaitForStage::Waiting(wait);
                        return Poll::Pending;
                    }
                },
                WaitForStage::Done => panic!(
                    "a ConditionWaitFor future was polled after it completed; call wait_for() on the guard it gave"
                ),
            }
        }
    }
}

impl<T, P> fmt::Debug for ConditionWaitFor<'_, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWaitFor")
            .field("condition", &self.cond.name())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWait")
            .field("condition", &self.cond.name())
            .finish_non_exhaustive()
    }
}

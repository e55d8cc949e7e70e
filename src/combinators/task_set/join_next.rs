//! Waiting for the set's next member to finish: [`JoinNext`] and
//! [`JoinNextWithId`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::TaskSet;
use crate::sync::waiters::{Waiter, wake_all};
use crate::{JoinError, TaskId};

/// The future returned by [`TaskSet::join_next`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`TaskSet::join_next`].
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let set = evloop::TaskSet::new();
///     set.spawn(async { 'x' });
///     let next: evloop::combinators::JoinNext<'_, char> = set.join_next();
///     assert_eq!(next.await.unwrap().unwrap(), 'x');
/// });
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct JoinNext<'a, T> {
    pub(super) set: &'a TaskSet<T>,
    pub(super) waiter: Option<Rc<Waiter>>,
}

impl<T: 'static> Future for JoinNext<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.set
            .poll_join_next(&mut this.waiter, Some(cx))
            .map(|next| next.map(|(_, result)| result))
    }
}

impl<T> Drop for JoinNext<'_, T> {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else { return };
        let woken = {
            let mut s = self.set.shared.state.borrow_mut();
            if w.is_granted() {
                // Granted a result it did not take: the next waiter may.
                if s.done.is_empty() {
                    None
                } else {
                    s.line.grant_next().flatten()
                }
            } else {
                s.line.leave(&w);
                None
            }
        };
        wake_all(woken);
    }
}

/// The future returned by [`TaskSet::join_next_with_id`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`TaskSet::join_next`].
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let set = evloop::TaskSet::new();
///     set.spawn(async { 'y' });
///     let next: evloop::combinators::JoinNextWithId<'_, char> = set.join_next_with_id();
///     assert_eq!(next.await.unwrap().1.unwrap(), 'y');
/// });
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
#[derive(Debug)]
pub struct JoinNextWithId<'a, T>(pub(super) JoinNext<'a, T>);

impl<T: 'static> Future for JoinNextWithId<'_, T> {
    type Output = Option<(TaskId, Result<T, JoinError>)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut self.0;
        this.set.poll_join_next(&mut this.waiter, Some(cx))
    }
}

impl<T> fmt::Debug for JoinNext<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinNext")
            .field("set", &self.set.shared.meta.name)
            .finish_non_exhaustive()
    }
}

//! `wait`: wait for some of many tasks, then decide.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::JoinHandle;
use crate::task::WaitOn;
use crate::time::{Sleep, sleep};

/// When [`wait`] returns (asyncio's `return_when`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task finishes (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as any task fails (panics, is cancelled, or a group child
    /// returns an error), or all finish (`FIRST_EXCEPTION`).
    FirstException,
    /// When every task has finished (`ALL_COMPLETED`).
    AllCompleted,
}

/// The tasks [`wait`] was given, split in two. Each keeps the order of the
/// input.
#[derive(Debug)]
pub struct Waited<T> {
    /// Finished tasks: await each handle for its result (at once).
    pub done: Vec<JoinHandle<T>>,
    /// Tasks still running, untouched.
    pub pending: Vec<JoinHandle<T>>,
}

/// Waits until `when` holds for `handles`, or until `timeout` passes, and
/// returns the handles split into done and pending (asyncio's
/// `done, pending = await asyncio.wait(tasks, return_when=…, timeout=…)`).
///
/// Nothing is cancelled by `wait`, not even at the timeout: the pending
/// handles come back, to be cancelled, awaited again or detached. An empty
/// input returns at once with two empty lists (asyncio raises `ValueError`).
///
/// # Cancel safety
///
/// Dropping the `Wait` drops the handles it was given: the tasks run on,
/// detached, and their results can no longer be awaited. Keep clones of
/// what you need (ids, a [`CancelHandle`](crate::CancelHandle)) if the wait may
/// be cancelled.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::combinators::{ReturnWhen, wait};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let fast = evloop::spawn(async { evloop::sleep(Duration::from_secs(1)).await; "fast" });
///     let slow = evloop::spawn(async { evloop::sleep(Duration::from_secs(5)).await; "slow" });
///     let waited = wait(vec![fast, slow], ReturnWhen::FirstCompleted, None).await;
///     assert_eq!(waited.done.len(), 1);
///     for task in &waited.pending {
///         task.cancel(); // the first result wins: cancel the rest
///     }
///     let first = waited.done.into_iter().next().unwrap();
///     assert_eq!(first.await.unwrap(), "fast");
/// });
/// ```
pub fn wait<T>(
    handles: Vec<JoinHandle<T>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<T> {
    Wait {
        handles: Some(handles),
        when,
        deadline: timeout.map(sleep),
    }
}

/// The future returned by [`wait`].
///
/// # Cancel safety
///
/// As [`wait`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Wait<T> {
    handles: Option<Vec<JoinHandle<T>>>,
    when: ReturnWhen,
    deadline: Option<Sleep>,
}

impl<T> Future for Wait<T> {
    type Output = Waited<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Waited<T>> {
        let this = &mut *self;
        let Some(handles) = this.handles.as_ref() else {
            panic!(
                "a Wait future was polled after it completed; its handles were already returned"
            );
        };
        let mut finished = 0;
        let mut failed = false;
        let mut first_pending = None;
        for h in handles {
            if h.poll_finished(cx).is_ready() {
                finished += 1;
                failed |= h.is_failed();
            } else if first_pending.is_none() {
                first_pending = Some(h.id());
            }
        }
        let all = finished == handles.len();
        let met = match this.when {
            ReturnWhen::FirstCompleted => finished > 0 || all,
            ReturnWhen::FirstException => failed || all,
            ReturnWhen::AllCompleted => all,
        };
        let timed_out = this
            .deadline
            .as_mut()
            .is_some_and(|d| Pin::new(d).poll(cx).is_ready());
        if !met && !timed_out {
            if let Some(id) = first_pending {
                crate::task::note_wait(WaitOn::Task(id));
            }
            return Poll::Pending;
        }
        let (done, pending) = this
            .handles
            .take()
            .unwrap_or_default()
            .into_iter()
            .partition(|h| h.is_finished());
        Poll::Ready(Waited { done, pending })
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("when", &self.when).finish()
    }
}

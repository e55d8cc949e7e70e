//! `as_completed`: each task's outcome as soon as it is there.

use std::pin::Pin;
use std::task::{Context, Poll};

use crate::stream::Stream;
use crate::task::WaitOn;
use crate::{JoinError, JoinHandle, TaskId};

/// A [`Stream`] of the tasks' outcomes in the order they finish, each with
/// the task's id (asyncio's `for aw in asyncio.as_completed(tasks)`).
///
/// Dropping the stream detaches the tasks not yet yielded (they keep
/// running); [`into_pending`](AsCompleted::into_pending) gives them back.
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing (the outcome stays for the next
/// call); dropping the stream detaches the tasks not yet yielded, as
/// [`into_pending`](AsCompleted::into_pending) would give them back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::as_completed, stream::StreamExt};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let order = rt.block_on(async {
///     let tasks = [3, 1, 2].map(|s| {
///         evloop::spawn(async move { evloop::sleep(Duration::from_secs(s)).await; s })
///     });
///     let mut done = as_completed(tasks);
///     let mut order = Vec::new();
///     while let Some((_id, result)) = done.next().await {
///         order.push(result.unwrap());
///     }
///     order
/// });
/// assert_eq!(order, [1, 2, 3]);
/// ```
pub fn as_completed<T>(handles: impl IntoIterator<Item = JoinHandle<T>>) -> AsCompleted<T> {
    AsCompleted {
        handles: handles.into_iter().collect(),
    }
}

/// The stream returned by [`as_completed`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct AsCompleted<T> {
    handles: Vec<JoinHandle<T>>,
}

impl<T> AsCompleted<T> {
    /// Tasks not yet yielded.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// True when every outcome was yielded.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// The handles not yet yielded, in input order.
    pub fn into_pending(self) -> Vec<JoinHandle<T>> {
        self.handles
    }
}

impl<T> Stream for AsCompleted<T> {
    type Item = (TaskId, Result<T, JoinError>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.handles.is_empty() {
            return Poll::Ready(None);
        }
        let found = self
            .handles
            .iter()
            .position(|h| h.poll_finished(cx).is_ready());
        match found {
            Some(i) => {
                let mut handle = self.handles.remove(i);
                let id = handle.id();
                match Pin::new(&mut handle).poll(cx) {
                    Poll::Ready(out) => Poll::Ready(Some((id, out))),
                    Poll::Pending => unreachable!("the task finished a line above"),
                }
            }
            None => {
                crate::task::note_wait(WaitOn::Task(self.handles[0].id()));
                Poll::Pending
            }
        }
    }
}

use std::future::Future as _;

//! What a [`Queue`](super::Queue) says when it cannot do as asked.

use std::fmt;

/// The queue is closed. For `put`, it carries the value back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Closed<T>(pub T);

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the queue is closed: no more items can be put, and every item left has been taken",
        )
    }
}

impl<T> std::error::Error for Closed<T> {}

/// Why [`Queue::try_put`](super::Queue::try_put) did not put; the value comes back.
#[derive(PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue is full (or putters are waiting ahead): `put().await` waits for room.
    Full(T),
    /// The queue is closed.
    Closed(T),
}

impl<T> TryPutError<T> {
    /// The value that was not put.
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(v) | TryPutError::Closed(v) => v,
        }
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("the queue is full; put().await waits for room"),
            TryPutError::Closed(_) => f.write_str("the queue is closed; nothing more can be put"),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// Why [`Queue::try_get`](super::Queue::try_get) returned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryGetError {
    /// No item now: `get().await` waits for one.
    Empty,
    /// Closed and empty: no item will ever come.
    Closed,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("the queue is empty; get().await waits for an item"),
            TryGetError::Closed => f.write_str("the queue is closed and empty; no item will come"),
        }
    }
}

impl std::error::Error for TryGetError {}

/// [`Queue::task_done`](super::Queue::task_done) was called more often than items were put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "task_done() called more times than there were items put; call it once per item taken with get()",
        )
    }
}

impl std::error::Error for TaskDoneError {}

//! What a watch channel's send and receive can fail with.

use std::fmt;

/// [`Sender::send`](super::Sender::send) found no receiver; the value comes back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::watch::channel(0);
/// drop(rx);
/// let evloop::sync::watch::SendError(value) = tx.send(4).unwrap_err();
/// assert_eq!(value, 4);
/// ```
#[derive(PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "every receiver of the watch channel is gone, so the value was not stored; \
             use send_replace() to store it anyway, or subscribe() a receiver first",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Every sender of the watch channel is gone, and nothing new is left to see.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = evloop::sync::watch::channel(0);
/// drop(tx);
/// assert_eq!(evloop::run(rx.changed()), Err(evloop::sync::watch::RecvError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "every sender of the watch channel is gone: no new value will come \
             (borrow() still gives the last one)",
        )
    }
}

impl std::error::Error for RecvError {}

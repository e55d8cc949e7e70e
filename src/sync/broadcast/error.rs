//! What a broadcast channel's send and receive can fail with.

use std::fmt;

/// [`Sender::send`](super::Sender::send) found no receiver; the value comes back.
///
/// # Examples
///
/// ```
/// let (tx, rx) = evloop::sync::broadcast::channel(4);
/// drop(rx);
/// assert_eq!(tx.send(3).unwrap_err().0, 3);
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
            "the broadcast channel has no receiver, so nobody would get the value; \
             subscribe() a receiver before sending",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`Receiver::recv`](super::Receiver::recv) gave no value.
///
/// # Examples
///
/// ```
/// use evloop::sync::broadcast::{self, RecvError};
///
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// drop(tx);
/// evloop::run(async {
///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
///     assert_eq!(rx.recv().await, Ok(2));
///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and every value was taken.
    Closed,
    /// This many values were overwritten before the receiver took them; the
    /// next `recv` gives the oldest value kept.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str(
                "every sender of the broadcast channel is gone and every value was taken",
            ),
            RecvError::Lagged(n) => write!(
                f,
                "the receiver fell behind and missed {n} value(s); it goes on from the oldest kept \
                 (a larger capacity keeps more)"
            ),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) gave no value.
///
/// # Examples
///
/// ```
/// let (_tx, mut rx) = evloop::sync::broadcast::channel::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(evloop::sync::broadcast::TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No new value now: `recv().await` waits for one.
    Empty,
    /// As [`RecvError::Lagged`].
    Lagged(u64),
    /// As [`RecvError::Closed`].
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("no new value yet; recv().await waits for one"),
            TryRecvError::Lagged(n) => fmt::Display::fmt(&RecvError::Lagged(*n), f),
            TryRecvError::Closed => fmt::Display::fmt(&RecvError::Closed, f),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// The stream form's [`RecvError::Lagged`]: this many values were missed.
///
/// # Examples
///
/// ```
/// use evloop::stream::StreamExt;
/// use evloop::sync::broadcast::{self, Lagged};
///
/// let (tx, rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// drop(tx);
/// let got: Vec<_> = evloop::run(rx.collect());
/// assert_eq!(got, [Err(Lagged(1)), Ok(2)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lagged(pub u64);

impl fmt::Display for Lagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&RecvError::Lagged(self.0), f)
    }
}

impl std::error::Error for Lagged {}

//! `create_future`: a future someone else fills in.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::sync::oneshot;

type Outcome<T> = Result<T, Box<dyn Error>>;

/// A settable future: the [`Promise`] fills it in, the [`PromiseFuture`] is
/// awaited (asyncio's `fut = loop.create_future()`, with `fut.set_result` /
/// `fut.set_exception` split off into the promise, as Rust's ownership likes).
///
/// # Examples
///
/// ```
/// use evloop::callback::{call_soon, create_future};
///
/// let out = evloop::run(async {
///     let (promise, fut) = create_future::<u32>();
///     call_soon(move || promise.set_exception("no such user"));
///     fut.await
/// });
/// assert_eq!(out.unwrap_err().to_string(), "no such user");
/// ```
pub fn create_future<T>() -> (Promise<T>, PromiseFuture<T>) {
    let (tx, rx) = oneshot::channel();
    (Promise { tx }, PromiseFuture { rx })
}

/// The writing end of [`create_future`]. Dropping it unset makes the future
/// fail with [`PromiseError::Abandoned`].
pub struct Promise<T> {
    tx: oneshot::Sender<Outcome<T>>,
}

impl<T> Promise<T> {
    /// Completes the future with `value` (`fut.set_result(value)`). If the
    /// future was dropped, nothing happens (and `false` is returned).
    pub fn set_result(self, value: T) -> bool {
        self.tx.send(Ok(value)).is_ok()
    }

    /// Completes the future with an error (`fut.set_exception(e)`).
    pub fn set_exception(self, error: impl Into<Box<dyn Error>>) -> bool {
        self.tx.send(Err(error.into())).is_ok()
    }

    /// True if the future was dropped (`fut.cancelled()`, roughly).
    pub fn is_abandoned(&self) -> bool {
        self.tx.is_closed()
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Promise")
    }
}

/// The awaited end of [`create_future`].
///
/// # Cancel safety
///
/// Cancel-safe: dropping it abandons the value (a later `set_result`
/// returns false); nothing else happens.
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct PromiseFuture<T> {
    rx: oneshot::Receiver<Outcome<T>>,
}

impl<T> Future for PromiseFuture<T> {
    type Output = Result<T, PromiseError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|r| match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(PromiseError::Exception(e)),
            Err(_) => Err(PromiseError::Abandoned),
        })
    }
}

impl<T> fmt::Debug for PromiseFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PromiseFuture")
    }
}

/// Why a [`PromiseFuture`] has no value.
#[derive(Debug)]
pub enum PromiseError {
    /// [`Promise::set_exception`] was called with this error.
    Exception(Box<dyn Error>),
    /// The promise was dropped without being set.
    Abandoned,
}

impl fmt::Display for PromiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromiseError::Exception(e) => write!(f, "{e}"),
            PromiseError::Abandoned => f.write_str(
                "the promise was dropped without set_result or set_exception; the future will never get a value",
            ),
        }
    }
}

impl Error for PromiseError {}

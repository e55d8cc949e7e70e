//! Streams: values that arrive over time (asyncio's async iterators and
//! async generators).
//!
//! - [`Stream`]: the trait, `poll_next` (the `__anext__` of Rust).
//! - [`StreamExt`]: `next().await`, and the adapters `map`, `filter`,
//!   `take`, `collect`, `for_each`.
//! - [`generate`]: write a stream as an `async` block that yields
//!   (Python's `async def` + `yield`).
//! - [`iter`]: a stream of an iterator's items.
//!
//! ```
//! use evloop::stream::{self, StreamExt};
//!
//! let evens: Vec<u32> = evloop::run(async {
//!     stream::iter(1..=10).filter(|n| n % 2 == 0).map(|n| n * 10).take(3).collect().await
//! });
//! assert_eq!(evens, [20, 40, 60]);
//! ```
//!
//! evloop's `Stream` has the same shape as `futures::Stream`, but is its own
//! trait, since evloop has no dependencies. The adapters need `Unpin`
//! streams so that they can poll them without unsafe pin projection; pin a
//! stream that is not (`Box::pin(s)`) to use them. Streams made by
//! [`generate`] are `Unpin` already.

mod ext;
mod generate;
mod iter;

pub use ext::{Collect, Filter, ForEach, Map, Next, StreamExt, Take};
pub use generate::{Generator, Yield, Yielder, generate};
pub use iter::{Iter, iter};

use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A source of values over time: `Ready(Some(v))` for each value,
/// `Ready(None)` at the end, `Pending` (with the waker stored) meanwhile.
pub trait Stream {
    /// The values.
    type Item;

    /// Tries to get the next value, registering the waker if there is none yet.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;
}

impl<S: Stream + Unpin + ?Sized> Stream for &mut S {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self).poll_next(cx)
    }
}

impl<S: Stream + Unpin + ?Sized> Stream for Box<S> {
    type Item = S::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self).poll_next(cx)
    }
}

impl<P> Stream for Pin<P>
where
    P: DerefMut<Target: Stream> + Unpin,
{
    type Item = <P::Target as Stream>::Item;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().as_mut().poll_next(cx)
    }
}

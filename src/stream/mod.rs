//! Streams: values that arrive over time (asyncio's async iterators and
//! async generators).
//!
//! - [`Stream`]: the trait, `poll_next` (the `__anext__` of Rust).
//! - [`StreamExt`]: `next().await`; the adapters `map`, `filter`,
//!   `filter_map`, `then`, `take`, `take_while`, `enumerate`, `zip`,
//!   `chain`, `buffer_unordered`, `timeout` (per value) and `throttle`; and
//!   `collect`, `fold`, `for_each`.
//! - [`generate`]: write a stream as an `async` block that yields
//!   (Python's `async def` + `yield`).
//! - [`iter`]: a stream of an iterator's items.
//!
//! Other streams of evloop: a [`Queue`](crate::sync::Queue) (with
//! `into_stream`) and a [`QueueReceiver`](crate::sync::QueueReceiver), the
//! receivers of [`watch`](crate::sync::watch), [`broadcast`](crate::sync::broadcast)
//! and [`mpsc`](crate::sync::mpsc), [`as_completed`](crate::combinators::as_completed),
//! an [`Interval`](crate::time::Interval) (its ticks), and the lines of an
//! [`io::BufReader`](crate::io::BufReader).
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
//! trait, since evloop has no dependencies. The adapters box the stream
//! they wrap, once, so they take streams that are not `Unpin` too, without
//! unsafe pin projection (see `ext.rs`). Only `next()`, which borrows the
//! stream, needs it `Unpin`: pin one that is not (`std::pin::pin!(s)`).
//!
//! Files: `ext.rs` (the trait and the consuming futures), `adapt.rs` (the
//! adapters), `concurrent.rs` (`buffer_unordered`), `timed.rs` (`timeout`,
//! `throttle`, intervals), `generate.rs`, `iter.rs`, `lines.rs`.

mod adapt;
mod concurrent;
mod ext;
mod generate;
mod iter;
mod lines;
mod timed;

pub use adapt::{Chain, Enumerate, Filter, FilterMap, Map, Take, TakeWhile, Then, Zip};
pub use concurrent::BufferUnordered;
pub use ext::{Collect, Fold, ForEach, Next, StreamExt};
pub use generate::{Generator, Yield, Yielder, generate};
pub use iter::{Iter, iter};
pub use timed::{ItemTimeout, Throttle};

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

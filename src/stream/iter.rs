//! `iter`: an iterator as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use super::Stream;

/// A stream that yields an iterator's items, each at once.
///
/// # Examples
///
/// ```
/// use evloop::stream::{self, StreamExt};
///
/// let total = evloop::run(async {
///     let mut sum = 0;
///     stream::iter([1, 2, 3]).for_each(|n| sum += n).await;
///     sum
/// });
/// assert_eq!(total, 6);
/// ```
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter {
        items: items.into_iter(),
    }
}

/// The stream returned by [`iter`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug, Clone)]
pub struct Iter<I> {
    items: I,
}

impl<I> Unpin for Iter<I> {}

impl<I: Iterator> Stream for Iter<I> {
    type Item = I::Item;
    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.get_mut().items.next())
    }
}

//! `select`: the first of two futures of different types.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The output of [`select`]: which side finished first, and its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future finished first.
    Left(A),
    /// The second future finished first.
    Right(B),
}

/// Awaits two futures; the first to finish wins and the other is dropped
/// (cancelled, for a plain future). `a` is polled first, so it wins a tie.
///
/// A [`JoinHandle`](crate::JoinHandle) that loses is only *detached*: its
/// task runs on. Select on [`JoinHandle::cancel_on_drop`](crate::JoinHandle::cancel_on_drop) to cancel it.
///
/// # Cancel safety
///
/// As cancel-safe as `a` and `b`: dropping the `Select` drops both, and
/// the loser is dropped as soon as there is a winner.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::combinators::{Either, select};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let out = rt.block_on(async {
///     let reply = async { evloop::sleep(Duration::from_secs(5)).await; "reply" };
///     let give_up = evloop::sleep(Duration::from_secs(1));
///     select(reply, give_up).await
/// });
/// assert_eq!(out, Either::Right(()));
/// ```
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select {
        pair: Some((Box::pin(a), Box::pin(b))),
    }
}

/// The future returned by [`select`].
///
/// # Cancel safety
///
/// As [`select`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Select<A, B> {
    pair: Option<Pair<A, B>>,
}

type Pair<A, B> = (Pin<Box<A>>, Pin<Box<B>>);

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some((a, b)) = self.pair.as_mut() else {
            panic!("a Select future was polled after it completed");
        };
        let out = if let Poll::Ready(v) = a.as_mut().poll(cx) {
            Either::Left(v)
        } else if let Poll::Ready(v) = b.as_mut().poll(cx) {
            Either::Right(v)
        } else {
            return Poll::Pending;
        };
        self.pair = None; // drop the loser now
        Poll::Ready(out)
    }
}

//! `race`: the first future to finish wins; the others are dropped.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls every future; the first to finish gives `(its index, its output)`
/// and the others are dropped. Dropping a plain future cancels it (its
/// destructors run where it was parked), which is what asyncio programs
/// write as `wait(FIRST_COMPLETED)` followed by cancelling the pending set.
///
/// A [`JoinHandle`](crate::JoinHandle) is different: dropping one only
/// *detaches* its task, which runs on. To cancel the losing tasks, race
/// their handles made with [`JoinHandle::cancel_on_drop`](crate::JoinHandle::cancel_on_drop) (second example).
///
/// Futures are polled in order at each wake, so when two finish at the same
/// wake the one given first wins.
///
/// # Errors
///
/// [`EmptyRace`] when given no future (a race with no runner would never
/// end; asyncio's `wait` raises `ValueError` for the same).
///
/// # Cancel safety
///
/// As cancel-safe as its inputs: dropping the `Race` drops them all (a
/// `JoinHandle` input detaches its task).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::race, sleep};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let winner = rt.block_on(async {
///     let mirrors = [3, 1, 2].map(|s| async move { sleep(Duration::from_secs(s)).await; s });
///     race(mirrors).await
/// });
/// assert_eq!(winner, Ok((1, 1))); // index 1 finished first, after 1 s
/// ```
///
/// With tasks: the first result wins, the rest are cancelled (the chapter's
/// "first result wins, cancel the rest").
///
/// ```
/// use std::time::Duration;
/// use evloop::{TaskState, combinators::race, sleep};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let winner = rt.block_on(async {
///     let mirrors: Vec<_> = [3, 1, 2]
///         .into_iter()
///         .map(|s| evloop::spawn(async move { sleep(Duration::from_secs(s)).await; s }).cancel_on_drop())
///         .collect();
///     race(mirrors).await
/// });
/// assert_eq!(winner.unwrap().1.unwrap(), 1);
/// let states: Vec<_> = rt.snapshot().tasks.iter().skip(1).map(|t| t.state).collect();
/// assert_eq!(states, [TaskState::Cancelled, TaskState::Done, TaskState::Cancelled]);
/// assert_eq!(rt.now().since_start(), Duration::from_secs(1)); // nobody waited for the losers
/// ```
#[doc(alias = "select_all")]
pub fn race<I, F>(futures: I) -> Race<F>
where
    I: IntoIterator<Item = F>,
    F: Future,
{
    Race {
        futures: futures.into_iter().map(Box::pin).collect(),
    }
}

/// The future returned by [`race`].
///
/// # Cancel safety
///
/// As [`race`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Race<F> {
    futures: Vec<Pin<Box<F>>>,
}

impl<F: Future> Future for Race<F> {
    type Output = Result<(usize, F::Output), EmptyRace>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.futures.is_empty() {
            return Poll::Ready(Err(EmptyRace));
        }
        for (i, f) in self.futures.iter_mut().enumerate() {
            if let Poll::Ready(out) = f.as_mut().poll(cx) {
                // Drop the losers now, not when the Race is dropped.
                self.futures.clear();
                return Poll::Ready(Ok((i, out)));
            }
        }
        Poll::Pending
    }
}

/// [`race`] was given no future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmptyRace;

impl fmt::Display for EmptyRace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "race() was given no futures; give it at least one (a race with no runner never ends)",
        )
    }
}

impl std::error::Error for EmptyRace {}

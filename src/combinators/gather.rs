//! `gather`: run many, get every result in the order given.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Waits for every future and returns their outputs in the order given,
/// whatever order they finish in (asyncio's `await asyncio.gather(*aws)`).
///
/// Each future returns a `Result`; the first `Err` (in completion order) is
/// returned at once. [`JoinHandle`](crate::JoinHandle)s fit (their error is
/// [`JoinError`](crate::JoinError)): gather spawned tasks to run them
/// concurrently with everything else.
///
/// When it returns early with an error, the other inputs are dropped with the
/// `Gather`: plain futures are cancelled, but tasks behind dropped
/// `JoinHandle`s **keep running**, exactly as asyncio's other awaitables do
/// after `gather` raised. Cancel them yourself, or use a
/// [`TaskGroup`](super::TaskGroup) if a failure should stop the others.
///
/// Futures given directly are polled inside the task awaiting `gather`: they
/// run concurrently with each other, but as one task. Spawn them to give each
/// its own task (its own line in snapshots, its own cancellation).
///
/// # Cancel safety
///
/// As cancel-safe as its inputs: dropping the `Gather` drops every
/// input not finished yet and the outputs gathered so far (tasks behind
/// `JoinHandle`s run on, detached).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{Runtime, combinators::gather, time::Instant};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let start = Instant::now();
///     let checks = [("A", 2), ("B", 3), ("C", 1)].map(|(name, secs)| {
///         evloop::spawn(async move {
///             evloop::sleep(Duration::from_secs(secs)).await;
///             name
///         })
///     });
///     let results = gather(checks).await.unwrap();
///     assert_eq!(results, ["A", "B", "C"]); // argument order, not finishing order
///     assert_eq!(start.elapsed(), Duration::from_secs(3)); // not 6
/// });
/// ```
#[doc(alias = "try_join_all")]
pub fn gather<I, F, T, E>(futures: I) -> Gather<F>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>>,
{
    Gather {
        slots: futures.into_iter().map(MaybeDone::new).collect(),
    }
}

/// Waits for every future and returns every outcome, in the order given
/// (asyncio's `gather(*aws, return_exceptions=True)`): a failure does not
/// stop the others.
///
/// # Cancel safety
///
/// As [`gather`].
///
/// # Examples
///
/// ```
/// use evloop::combinators::gather_all;
///
/// let outcomes = evloop::run(async {
///     let ok = evloop::spawn(async { 1 });
///     let bad = evloop::spawn(async { if true { panic!("boom") }; 2 });
///     gather_all([ok, bad]).await
/// });
/// assert_eq!(outcomes[0], Ok(1));
/// assert_eq!(outcomes[1].as_ref().unwrap_err().panic_message(), Some("boom"));
/// ```
#[doc(alias = "join_all")]
pub fn gather_all<I, F>(futures: I) -> GatherAll<F>
where
    I: IntoIterator<Item = F>,
    F: Future,
{
    GatherAll {
        slots: futures.into_iter().map(MaybeDone::new).collect(),
    }
}

/// A future and, once it finished, its output. Part of [`gather!`](crate::gather!).
#[doc(hidden)]
pub enum MaybeDone<F: Future> {
    Running(Pin<Box<F>>),
    Done(Option<F::Output>),
}

// The output is never pinned; the future is boxed.
impl<F: Future> Unpin for MaybeDone<F> {}

impl<F: Future> MaybeDone<F> {
    pub fn new(future: F) -> MaybeDone<F> {
        MaybeDone::Running(Box::pin(future))
    }

    /// Polls if still running; true once done.
    pub fn poll_done(&mut self, cx: &mut Context<'_>) -> bool {
        if let MaybeDone::Running(f) = self {
            // A task handle polled by a gather counts its failure retrieved.
            match crate::task::current::gathering(|| f.as_mut().poll(cx)) {
                Poll::Ready(out) => *self = MaybeDone::Done(Some(out)),
                Poll::Pending => return false,
            }
        }
        true
    }

    fn output_mut(&mut self) -> Option<&mut Option<F::Output>> {
        match self {
            MaybeDone::Done(out) => Some(out),
            MaybeDone::Running(_) => None,
        }
    }

    pub fn take(&mut self) -> F::Output {
        self.output_mut()
            .and_then(Option::take)
            .expect("gather takes each output once, after every input finished")
    }
}

/// The future returned by [`gather`].
///
/// # Cancel safety
///
/// As [`gather`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Gather<F: Future> {
    slots: Vec<MaybeDone<F>>,
}

impl<T, E, F: Future<Output = Result<T, E>>> Future for Gather<F> {
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut all = true;
        for slot in &mut self.slots {
            if !slot.poll_done(cx) {
                all = false;
                continue;
            }
            if let Some(out) = slot.output_mut()
                && matches!(out, Some(Err(_)))
                && let Some(Err(e)) = out.take()
            {
                return Poll::Ready(Err(e));
            }
        }
        if !all {
            return Poll::Pending;
        }
        let values = self
            .slots
            .iter_mut()
            .map(|s| match s.take() {
                Ok(v) => v,
                Err(_) => unreachable!("an Err returns early above"),
            })
            .collect();
        Poll::Ready(Ok(values))
    }
}

/// The future returned by [`gather_all`].
///
/// # Cancel safety
///
/// As [`gather`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct GatherAll<F: Future> {
    slots: Vec<MaybeDone<F>>,
}

impl<F: Future> Future for GatherAll<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut all = true;
        for slot in &mut self.slots {
            all &= slot.poll_done(cx);
        }
        if !all {
            return Poll::Pending;
        }
        Poll::Ready(self.slots.iter_mut().map(MaybeDone::take).collect())
    }
}

/// The future of [`gather!`](crate::gather!): a tuple of [`MaybeDone`]s.
#[doc(hidden)]
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct GatherTuple<T>(pub T);

macro_rules! tuple_gather {
    ($($F:ident $i:tt),+) => {
        impl<$($F: Future),+> Future for GatherTuple<($(MaybeDone<$F>,)+)> {
            type Output = ($($F::Output,)+);

            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let slots = &mut self.0;
                let mut all = true;
                $( all &= slots.$i.poll_done(cx); )+
                if !all {
                    return Poll::Pending;
                }
                Poll::Ready(($(slots.$i.take(),)+))
            }
        }
    };
}

tuple_gather!(A 0);
tuple_gather!(A 0, B 1);
tuple_gather!(A 0, B 1, C 2);
tuple_gather!(A 0, B 1, C 2, D 3);
tuple_gather!(A 0, B 1, C 2, D 3, E 4);
tuple_gather!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_gather!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_gather!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Awaits up to eight futures of different types concurrently and gives
/// their outputs as a tuple, in argument order (asyncio's
/// `a, b = await gather(fa(), fb())` when the results differ in type).
///
/// Every future runs to the end: outputs that are `Result`s are returned
/// as they are, so this is the `return_exceptions=True` form.
///
/// # Cancel safety
///
/// As [`gather`](crate::combinators::gather): dropping it drops every
/// future not finished yet and the outputs gathered so far.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{gather, sleep};
///
/// let (n, s) = evloop::run(async {
///     gather!(
///         async { sleep(Duration::from_millis(2)).await; 42 },
///         async { "text" },
///     )
///     .await
/// });
/// assert_eq!((n, s), (42, "text"));
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::combinators::GatherTuple(($($crate::combinators::MaybeDone::new($future),)+))
    };
}

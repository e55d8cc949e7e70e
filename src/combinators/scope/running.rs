//! The futures that run work in a scope ([`MoveOn`], [`FailAfter`],
//! [`RunUntilCancelled`]), trio's free functions that make them, and the
//! error of a scope that fired ([`TooSlow`]).

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::CancelScope;
use super::scoped::Scoped;
use crate::sync::CancelToken;
use crate::time::{Instant, now_if_running};

/// Runs `work` for at most `duration`: `Some(output)`, or `None` if time
/// ran out (trio's `move_on_after`). The returned future's
/// [`scope`](MoveOn::scope) moves the deadline or says whether it fired.
///
/// # Cancel safety
///
/// As cancel-safe as `work`: dropping this drops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::move_on_after, sleep};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let got = rt.block_on(move_on_after(Duration::from_secs(1), async {
///     sleep(Duration::from_secs(5)).await;
///     "too late"
/// }));
/// assert_eq!(got, None);
/// ```
pub fn move_on_after<F: Future>(duration: Duration, work: F) -> MoveOn<F> {
    CancelScope::after(duration).run(work)
}

/// Runs `work` until `deadline`: `Some(output)`, or `None` if it passed
/// (trio's `move_on_at`).
///
/// # Cancel safety
///
/// As cancel-safe as `work`: dropping this drops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::move_on_at, time::Instant};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let out = rt.block_on(async {
///     move_on_at(Instant::now() + Duration::from_secs(2), async { 5 }).await
/// });
/// assert_eq!(out, Some(5));
/// ```
pub fn move_on_at<F: Future>(deadline: Instant, work: F) -> MoveOn<F> {
    CancelScope::with_deadline(deadline).run(work)
}

/// Runs `work` for at most `duration`: `Ok(output)`, or `Err(TooSlow)` if
/// time ran out (trio's `fail_after`).
///
/// # Cancel safety
///
/// As cancel-safe as `work`: dropping this drops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::fail_after, sleep};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let err = rt
///     .block_on(fail_after(Duration::from_secs(1), sleep(Duration::from_secs(5))))
///     .unwrap_err();
/// assert_eq!(err.to_string(), "the cancel scope's deadline (1.000000s) passed before its work finished");
/// ```
#[doc(alias = "wait_for")]
pub fn fail_after<F: Future>(duration: Duration, work: F) -> FailAfter<F> {
    CancelScope::after(duration).run_or_fail(work)
}

/// Runs `work` until `deadline`: `Ok(output)`, or `Err(TooSlow)` if it
/// passed (trio's `fail_at`).
///
/// # Cancel safety
///
/// As cancel-safe as `work`: dropping this drops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::fail_at, time::Instant};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let out = rt.block_on(async {
///     fail_at(Instant::now() + Duration::from_secs(2), evloop::sleep(Duration::from_secs(3))).await
/// });
/// assert!(out.is_err());
/// ```
pub fn fail_at<F: Future>(deadline: Instant, work: F) -> FailAfter<F> {
    CancelScope::with_deadline(deadline).run_or_fail(work)
}

/// The future of [`CancelScope::run`], [`move_on_after`] and [`move_on_at`].
///
/// # Cancel safety
///
/// As cancel-safe as the work it runs: dropping this drops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let work: evloop::combinators::MoveOn<_> =
///     evloop::combinators::move_on_after(Duration::from_secs(1), async { 1 });
/// assert_eq!(rt.block_on(work), Some(1));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct MoveOn<F> {
    pub(super) scoped: Scoped<F>,
}

impl<F> MoveOn<F> {
    /// The scope: move its deadline, cancel it, shield it, or ask whether
    /// it fired.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let work = evloop::combinators::move_on_after(Duration::from_secs(1), evloop::sleep(Duration::from_secs(5)));
    /// let scope = work.scope().clone();
    /// rt.block_on(work);
    /// assert!(scope.cancelled_caught());
    /// ```
    pub fn scope(&self) -> &CancelScope {
        &self.scoped.scope
    }
}

impl<F: Future> Future for MoveOn<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.scoped.poll_scoped(cx).map(Result::ok)
    }
}

// The work is boxed: the scope can be moved whatever it runs.
impl<F> Unpin for MoveOn<F> {}

/// The future of [`CancelScope::run_or_fail`], [`fail_after`] and [`fail_at`].
///
/// # Cancel safety
///
/// As cancel-safe as the work it runs: dropping this drops it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let work: evloop::combinators::FailAfter<_> =
///     evloop::combinators::fail_after(Duration::from_secs(1), async { 1 });
/// assert_eq!(rt.block_on(work), Ok(1));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct FailAfter<F> {
    pub(super) scoped: Scoped<F>,
}

impl<F> FailAfter<F> {
    /// The scope: move its deadline, cancel it, shield it, or ask whether
    /// it fired.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let work = evloop::combinators::fail_after(Duration::from_secs(1), evloop::sleep(Duration::from_secs(5)));
    /// work.scope().reschedule(None); // no deadline after all
    /// assert_eq!(rt.block_on(work), Ok(()));
    /// ```
    pub fn scope(&self) -> &CancelScope {
        &self.scoped.scope
    }
}

impl<F: Future> Future for FailAfter<F> {
    type Output = Result<F::Output, TooSlow>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = self.scoped.poll_scoped(cx);
        let deadline = self.scoped.scope.deadline();
        polled.map(|r| {
            r.map_err(|()| TooSlow {
                deadline: deadline.filter(|d| now_if_running().is_some_and(|now| now >= *d)),
            })
        })
    }
}

impl<F> Unpin for FailAfter<F> {}

/// The future of [`CancelToken::run_until_cancelled`].
///
/// # Cancel safety
///
/// As cancel-safe as the work it runs: dropping this drops it.
///
/// # Examples
///
/// ```
/// let token = evloop::sync::CancelToken::new();
/// let work: evloop::combinators::RunUntilCancelled<_> = token.run_until_cancelled(async { 3 });
/// assert_eq!(evloop::run(work), Some(3));
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct RunUntilCancelled<F> {
    scoped: Scoped<F>,
}

impl<F: Future> RunUntilCancelled<F> {
    pub(crate) fn new(token: CancelToken, work: F) -> RunUntilCancelled<F> {
        RunUntilCancelled {
            scoped: Scoped::new(CancelScope::new(), Some(token), work),
        }
    }
}

impl<F> RunUntilCancelled<F> {
    /// The token it waits on.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = evloop::sync::CancelToken::named("stop");
    /// let work = token.run_until_cancelled(async {});
    /// assert_eq!(work.token().unwrap().name(), "stop");
    /// ```
    pub fn token(&self) -> Option<&CancelToken> {
        self.scoped.token.as_ref().map(|(t, _)| t)
    }
}

impl<F: Future> Future for RunUntilCancelled<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.scoped.poll_scoped(cx).map(Result::ok)
    }
}

impl<F> Unpin for RunUntilCancelled<F> {}

macro_rules! debug_scoped {
    ($name:ident) => {
        impl<F> fmt::Debug for $name<F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("scope", &self.scoped.scope)
                    .finish_non_exhaustive()
            }
        }
    };
}

debug_scoped!(MoveOn);
debug_scoped!(FailAfter);
debug_scoped!(RunUntilCancelled);

/// The work of a [`fail_after`] / [`fail_at`] scope did not finish in time
/// (trio's `TooSlowError`), or the scope was cancelled by hand.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::combinators::{TooSlow, fail_after};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let err: TooSlow = rt.block_on(fail_after(Duration::from_secs(1), std::future::pending::<()>())).unwrap_err();
/// assert_eq!(err.deadline.map(|d| d.since_start()), Some(Duration::from_secs(1)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooSlow {
    /// The deadline that passed; `None` if the scope was cancelled by hand.
    pub deadline: Option<Instant>,
}

impl fmt::Display for TooSlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.deadline {
            Some(at) => write!(
                f,
                "the cancel scope's deadline ({at}) passed before its work finished"
            ),
            None => f.write_str("the cancel scope was cancelled before its work finished"),
        }
    }
}

impl Error for TooSlow {}

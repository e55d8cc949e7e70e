//! Cancel scopes: trio's `move_on_after` and `fail_after`, asyncio's
//! `asyncio.timeout()` with its movable deadline, and shielded scopes.
//!
//! ```text
//!   scope = CancelScope::after(5 s)          deadline 5 s, movable:
//!   scope.run(work)                           scope.reschedule(Some(t))
//!     ├─ work finishes first ──▶ Some(out)
//!     └─ deadline passes, or scope.cancel() ──▶ work dropped ──▶ None,
//!                                               cancelled_caught() = true
//!
//!   outer scope fires while a SHIELDED scope inside it runs:
//!     the outer waits (it keeps polling its work) until the shielded
//!     scope's future ends, and cancels at the work's next await after it
//! ```
//!
//! A scope is a [`timeout`](crate::timeout) whose deadline lives in a
//! handle you can keep ([`CancelScope`]): change it while the work runs,
//! cancel the scope by hand, ask afterwards whether it fired. As elsewhere
//! in Rust, cancelling means dropping the work's future; a scope cannot
//! refuse a drop from outside it (a task's `cancel()`, an enclosing
//! `timeout`), so shielding is between scopes only. For work that must
//! survive anything, run it as its own task with [`shield`](super::shield).
//!
//! How a shield reaches the scopes around it: while a scope polls its work,
//! it is on a per-thread stack of active scopes. A shielded scope, at its
//! poll, counts itself into every scope below it on that stack, and counts
//! itself out (waking them) when its work ends or its shield is lowered.
//! An enclosing scope that fires while that count is above zero defers.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::sync::{CancelToken, TokenCancelled};
use crate::time::{Instant, Sleep, now_if_running, sleep_until};

thread_local! {
    /// The scopes whose work is being polled on this thread, outermost first.
    static ACTIVE: RefCell<Vec<Rc<State>>> = const { RefCell::new(Vec::new()) };
}

/// A cancel scope (trio's `CancelScope`, asyncio's `Timeout`): a deadline
/// you can move, a `cancel()` button, an optional shield, and afterwards
/// whether it fired. Run work in it with [`run`](CancelScope::run) (the
/// work's output, or `None` if the scope fired: trio's `move_on_*`) or
/// [`run_or_fail`](CancelScope::run_or_fail) (an error instead: trio's
/// `fail_*`). Cloning gives another handle on the same scope, to move its
/// deadline from inside the work or from another task.
///
/// # Examples
///
/// A deadline pushed back while the work runs (asyncio's
/// `Timeout.reschedule`):
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::CancelScope, sleep, time::Instant};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let scope = CancelScope::after(Duration::from_secs(2));
///     let s = scope.clone();
///     let out = scope
///         .run(async move {
///             sleep(Duration::from_secs(1)).await;
///             // Making progress: allow 5 more seconds from now.
///             s.reschedule(Some(Instant::now() + Duration::from_secs(5)));
///             sleep(Duration::from_secs(3)).await;
///             "done"
///         })
///         .await;
///     assert_eq!(out, Some("done"));
///     assert!(!scope.cancelled_caught());
/// });
/// ```
#[derive(Clone)]
#[doc(alias = "asyncio_timeout")]
pub struct CancelScope {
    state: Rc<State>,
}

struct State {
    deadline: Cell<Deadline>,
    cancel_called: Cell<bool>,
    caught: Cell<bool>,
    shield: Cell<bool>,
    /// Shielded scopes now running inside this one.
    shields_inside: Cell<usize>,
    /// The waker of the work running in this scope: a `cancel`, a new
    /// deadline or a lowered shield re-polls it.
    waker: RefCell<Option<Waker>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
    None,
    At(Instant),
    /// Made outside a loop: counted from the first poll, as `sleep` does.
    After(Duration),
}

impl State {
    fn wake(&self) {
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

impl Default for CancelScope {
    fn default() -> CancelScope {
        CancelScope::new()
    }
}

impl CancelScope {
    /// A scope with no deadline: it fires only on [`cancel`](CancelScope::cancel).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::combinators::CancelScope;
    ///
    /// let scope = CancelScope::new();
    /// assert_eq!(scope.deadline(), None);
    /// scope.cancel(); // fires it
    /// assert_eq!(evloop::run(scope.run(std::future::pending::<()>())), None);
    /// ```
    pub fn new() -> CancelScope {
        CancelScope::with(Deadline::None)
    }

    /// A scope that fires at `deadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{combinators::CancelScope, time::Instant};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let out = rt.block_on(async {
    ///     let scope = CancelScope::with_deadline(Instant::now() + Duration::from_secs(1));
    ///     scope.run(evloop::sleep(Duration::from_secs(2))).await
    /// });
    /// assert_eq!(out, None);
    /// ```
    pub fn with_deadline(deadline: Instant) -> CancelScope {
        CancelScope::with(Deadline::At(deadline))
    }

    /// A scope that fires `duration` from now (from its first poll when
    /// made outside a running loop).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::combinators::CancelScope;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let out = rt.block_on(async {
    ///     CancelScope::after(Duration::from_secs(5)).run(async { "quick" }).await
    /// });
    /// assert_eq!(out, Some("quick"));
    /// ```
    pub fn after(duration: Duration) -> CancelScope {
        CancelScope::with(match now_if_running() {
            Some(now) => Deadline::At(now + duration),
            None => Deadline::After(duration),
        })
    }

    /// A shielded scope with no deadline: enclosing scopes that fire wait
    /// until its work is done (trio's `CancelScope(shield=True)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::combinators::{CancelScope, move_on_after};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let saved = rt.block_on(async {
    ///     let saved = std::cell::Cell::new(false);
    ///     let out = move_on_after(Duration::from_secs(1), async {
    ///         // The outer deadline passes in here, and waits for it.
    ///         CancelScope::shielded().run(evloop::sleep(Duration::from_secs(2))).await;
    ///         saved.set(true);
    ///         evloop::sleep(Duration::from_secs(10)).await; // cancelled here
    ///     })
    ///     .await;
    ///     assert_eq!(out, None);
    ///     saved.get()
    /// });
    /// assert!(saved);
    /// ```
    pub fn shielded() -> CancelScope {
        let scope = CancelScope::new();
        scope.state.shield.set(true);
        scope
    }

    fn with(deadline: Deadline) -> CancelScope {
        CancelScope {
            state: Rc::new(State {
                deadline: Cell::new(deadline),
                cancel_called: Cell::new(false),
                caught: Cell::new(false),
                shield: Cell::new(false),
                shields_inside: Cell::new(0),
                waker: RefCell::new(None),
            }),
        }
    }

    /// The deadline, if there is one (and it is known: a scope made outside
    /// a loop learns it at its first poll).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{combinators::CancelScope, time::Instant};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// rt.block_on(async {
    ///     let scope = CancelScope::after(Duration::from_secs(3));
    ///     assert_eq!(scope.deadline(), Some(Instant::START + Duration::from_secs(3)));
    /// });
    /// ```
    #[doc(alias = "when")]
    pub fn deadline(&self) -> Option<Instant> {
        match self.state.deadline.get() {
            Deadline::At(at) => Some(at),
            Deadline::None | Deadline::After(_) => None,
        }
    }

    /// Moves the deadline (asyncio's `Timeout.reschedule`; trio's `scope.deadline
    /// = t`): `None` removes it. A deadline already in the past fires at the
    /// work's next poll, which this schedules.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{combinators::CancelScope, time::Instant};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let out = rt.block_on(async {
    ///     let scope = CancelScope::after(Duration::from_secs(1));
    ///     scope.reschedule(Some(Instant::now() + Duration::from_secs(5))); // more time
    ///     scope.run(evloop::sleep(Duration::from_secs(3))).await
    /// });
    /// assert_eq!(out, Some(()));
    /// ```
    pub fn reschedule(&self, deadline: Option<Instant>) {
        self.state.deadline.set(match deadline {
            Some(at) => Deadline::At(at),
            None => Deadline::None,
        });
        self.state.wake();
    }

    /// Fires the scope now, whatever its deadline (trio's `scope.cancel()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::combinators::CancelScope;
    ///
    /// let scope = CancelScope::new();
    /// let s = scope.clone();
    /// let out = evloop::run(scope.run(async move {
    ///     s.cancel(); // from inside: at the next await
    ///     evloop::yield_now().await;
    ///     "not reached"
    /// }));
    /// assert_eq!(out, None);
    /// assert!(scope.cancelled_caught());
    /// ```
    pub fn cancel(&self) {
        self.state.cancel_called.set(true);
        self.state.wake();
    }

    /// True once the scope fired or was cancelled (trio's `cancel_called`).
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = evloop::combinators::CancelScope::new();
    /// assert!(!scope.cancel_called());
    /// scope.cancel();
    /// assert!(scope.cancel_called());
    /// ```
    pub fn cancel_called(&self) -> bool {
        self.state.cancel_called.get()
    }

    /// True if the scope ended its work (trio's `cancelled_caught`; asyncio's
    /// `Timeout.expired()`): false if the work finished first, even when the
    /// scope fired after.
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = evloop::combinators::CancelScope::new();
    /// scope.cancel();
    /// // Work that finishes at its first poll wins even so: nothing was caught.
    /// assert_eq!(evloop::run(scope.run(async { 1 })), Some(1));
    /// assert!(scope.cancel_called() && !scope.cancelled_caught());
    /// ```
    #[doc(alias = "expired")]
    pub fn cancelled_caught(&self) -> bool {
        self.state.caught.get()
    }

    /// Raises or lowers the shield while the scope runs (trio's
    /// `scope.shield = …`).
    ///
    /// # Examples
    ///
    /// ```
    /// let scope = evloop::combinators::CancelScope::new();
    /// scope.set_shield(true);
    /// assert!(scope.is_shielded());
    /// ```
    pub fn set_shield(&self, on: bool) {
        if self.state.shield.replace(on) != on {
            self.state.wake();
        }
    }

    /// True if the scope is shielded.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(evloop::combinators::CancelScope::shielded().is_shielded());
    /// ```
    pub fn is_shielded(&self) -> bool {
        self.state.shield.get()
    }

    /// Runs `work` in this scope: `Some(output)` if it finishes, `None` if
    /// the scope fires first (trio's `with move_on_at(…)`); then `work` was
    /// dropped, which cancels it.
    ///
    /// # Cancel safety
    ///
    /// As cancel-safe as `work`: dropping this drops it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::combinators::CancelScope;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let scope = CancelScope::after(Duration::from_secs(1));
    /// assert_eq!(rt.block_on(scope.run(evloop::sleep(Duration::from_secs(9)))), None);
    /// ```
    pub fn run<F: Future>(&self, work: F) -> MoveOn<F> {
        MoveOn {
            scoped: Scoped::new(self.clone(), None, work),
        }
    }

    /// Runs `work` in this scope: `Ok(output)` if it finishes, `Err(TooSlow)`
    /// if the scope fires first (trio's `with fail_at(…)`).
    ///
    /// # Cancel safety
    ///
    /// As cancel-safe as `work`: dropping this drops it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::combinators::CancelScope;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let scope = CancelScope::after(Duration::from_secs(1));
    /// let err = rt.block_on(scope.run_or_fail(evloop::sleep(Duration::from_secs(9)))).unwrap_err();
    /// assert!(err.deadline.is_some());
    /// ```
    pub fn run_or_fail<F: Future>(&self, work: F) -> FailAfter<F> {
        FailAfter {
            scoped: Scoped::new(self.clone(), None, work),
        }
    }
}

impl fmt::Debug for CancelScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelScope")
            .field("deadline", &self.state.deadline.get())
            .field("cancel_called", &self.cancel_called())
            .field("cancelled_caught", &self.cancelled_caught())
            .field("shield", &self.is_shielded())
            .finish()
    }
}

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

/// Work running in a scope: the part every scoped future shares.
struct Scoped<F> {
    scope: CancelScope,
    work: Option<Pin<Box<F>>>,
    sleep: Option<Sleep>,
    token: Option<(CancelToken, TokenCancelled)>,
    /// The enclosing scopes this (shielded) scope counted itself into.
    shielding: Vec<Rc<State>>,
}

impl<F: Future> Scoped<F> {
    fn new(scope: CancelScope, token: Option<CancelToken>, work: F) -> Scoped<F> {
        Scoped {
            scope,
            work: Some(Box::pin(work)),
            sleep: None,
            token: token.map(|t| {
                let wait = t.cancelled();
                (t, wait)
            }),
            shielding: Vec::new(),
        }
    }

    /// `Ok(output)`, or `Err(())` when the scope fired and the work was dropped.
    fn poll_scoped(&mut self, cx: &mut Context<'_>) -> Poll<Result<F::Output, ()>> {
        if self.work.is_none() {
            panic!("a cancel scope's future was polled after it completed");
        }
        let state = self.scope.state.clone();
        self.update_shield();
        let Some(work) = self.work.as_mut() else {
            unreachable!("checked above");
        };
        // The work first: work that is ready at the deadline wins, as with
        // `timeout`.
        let polled = {
            let _active = Active::enter(&state);
            work.as_mut().poll(cx)
        };
        if let Poll::Ready(out) = polled {
            self.end();
            return Poll::Ready(Ok(out));
        }
        *state.waker.borrow_mut() = Some(cx.waker().clone());
        if self.fired(cx) {
            state.cancel_called.set(true);
            if state.shields_inside.get() == 0 {
                state.caught.set(true);
                self.end();
                return Poll::Ready(Err(()));
            }
            // A shielded scope inside is running: wait for it to end.
        }
        Poll::Pending
    }

    /// True if the deadline passed, `cancel()` was called, or the token
    /// was cancelled; else the timer and the token have the waker.
    fn fired(&mut self, cx: &mut Context<'_>) -> bool {
        let state = &self.scope.state;
        if state.cancel_called.get() {
            return true;
        }
        if let Some((_, wait)) = &mut self.token
            && Pin::new(wait).poll(cx).is_ready()
        {
            return true;
        }
        let deadline = match state.deadline.get() {
            Deadline::None => {
                self.sleep = None;
                return false;
            }
            Deadline::At(at) => at,
            Deadline::After(d) => {
                let at = now_if_running().unwrap_or(Instant::START) + d;
                state.deadline.set(Deadline::At(at));
                at
            }
        };
        let sleep = self.sleep.get_or_insert_with(|| sleep_until(deadline));
        if sleep.deadline() != deadline {
            sleep.reset(deadline);
        }
        Pin::new(sleep).poll(cx).is_ready()
    }

    /// Counts this scope into the scopes around it while its shield is up,
    /// and out when it is lowered.
    fn update_shield(&mut self) {
        let shielded = self.scope.state.shield.get();
        if shielded && self.shielding.is_empty() {
            self.shielding = ACTIVE.with(|a| a.borrow().clone());
            for outer in &self.shielding {
                outer.shields_inside.set(outer.shields_inside.get() + 1);
            }
        } else if !shielded && !self.shielding.is_empty() {
            self.unshield();
        }
    }

    fn unshield(&mut self) {
        for outer in self.shielding.drain(..) {
            outer.shields_inside.set(outer.shields_inside.get() - 1);
            // An enclosing scope that fired meanwhile may cancel now.
            outer.wake();
        }
    }

    fn end(&mut self) {
        self.work = None;
        self.sleep = None;
        self.unshield();
    }
}

/// This scope on the stack of active scopes while its work is polled
/// (popped even if the work panics).
struct Active;

impl Active {
    fn enter(state: &Rc<State>) -> Active {
        ACTIVE.with(|a| a.borrow_mut().push(state.clone()));
        Active
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        let _ = ACTIVE.try_with(|a| a.borrow_mut().pop());
    }
}

impl<F> Drop for Scoped<F> {
    fn drop(&mut self) {
        for outer in self.shielding.drain(..) {
            outer.shields_inside.set(outer.shields_inside.get() - 1);
            outer.wake();
        }
    }
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
    scoped: Scoped<F>,
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
    scoped: Scoped<F>,
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

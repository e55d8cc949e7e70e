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
//!
//! The scope and its handle are here; `scoped.rs` is the mechanism every
//! scoped future shares (the work, its deadline's sleep, the shield
//! count); `running.rs` holds the futures and the free functions.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

use crate::time::{Instant, now_if_running};

mod running;
mod scoped;

pub use running::{
    FailAfter, MoveOn, RunUntilCancelled, TooSlow, fail_after, fail_at, move_on_after, move_on_at,
};
use scoped::Scoped;

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

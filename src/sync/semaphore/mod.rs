//! `Semaphore`: at most N tasks at once past this point; and
//! `BoundedSemaphore`, whose permits cannot be released more often than
//! they were taken.
//!
//! ```text
//!   permits: 1/3 free      holders: #4 #7       line: #9 (wants 2) → #12
//!   release by #4 ──▶ 2 free: #9 at the front wants 2, so both go to it
//!                     (granted), not to the pool: a newcomer cannot
//!                     overtake the line, and #12 waits behind #9
//! ```
//!
//! Each waiter asks for a number of permits (one for `acquire`, n for
//! `acquire_many`). Permits released while the front waiter wants more than
//! are free stay in the pool, reserved for it by the rule that nobody
//! overtakes the line; when they suffice, it is granted all of them at once.
//! Granting walks the line once, so releasing permits costs time in
//! proportion to the waiters served, never to the number of permits.

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};
use crate::task::TaskId;

mod bounded;

pub use bounded::{BoundedSemaphore, ReleaseError};

/// An async semaphore with fair (first come, first served) acquisition
/// (asyncio's `asyncio.Semaphore`, used with `async with sem:`).
///
/// [`acquire`](Semaphore::acquire) waits for a permit and returns a
/// [`SemaphorePermit`] guard; dropping the guard gives the permit back.
/// Cloning the semaphore gives another handle on the same permits.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{Runtime, sync::Semaphore, time::Instant};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let took = rt.block_on(async {
///     let sem = Semaphore::named("db", 2);
///     let start = Instant::now();
///     let tasks: Vec<_> = (0..4)
///         .map(|_| {
///             let sem = sem.clone();
///             evloop::spawn(async move {
///                 let _permit = sem.acquire().await;
///                 evloop::sleep(Duration::from_secs(1)).await;
///             })
///         })
///         .collect();
///     evloop::combinators::gather(tasks).await.unwrap();
///     start.elapsed()
/// });
/// assert_eq!(took, Duration::from_secs(2)); // 4 jobs, 2 at a time
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Rc<SemInner>,
}

pub(crate) struct SemInner {
    meta: Meta,
    state: Tracked<SemState>,
}

struct SemState {
    available: usize,
    total: usize,
    line: WaitList,
    holders: Vec<TaskId>,
    /// A [`BoundedSemaphore`]'s bound (its initial permits).
    bound: Option<usize>,
    /// Permits taken and then forgotten ([`SemaphorePermit::forget`]): what
    /// a bounded semaphore's `release` may give back.
    forgotten: usize,
}

impl SemState {
    /// Grants waiters from the front while the free permits cover what the
    /// front one wants; stops at the first that must wait (no overtaking).
    fn grant(&mut self) -> Vec<std::task::Waker> {
        let mut woken = Vec::new();
        while let Some(front) = self.line.front() {
            let wanted = front.amount();
            if wanted > self.available {
                break;
            }
            self.available -= wanted;
            if let Some(Some(w)) = self.line.grant_next() {
                woken.push(w);
            }
        }
        woken
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits (0 is allowed: every acquire waits
    /// for [`add_permits`](Semaphore::add_permits)).
    pub fn new(permits: usize) -> Semaphore {
        Semaphore::build("semaphore", None, permits)
    }

    /// A named semaphore: the name shows in snapshots and in what a waiting
    /// task waits on.
    pub fn named(name: impl Into<String>, permits: usize) -> Semaphore {
        Semaphore::build("semaphore", Some(name.into()), permits)
    }

    pub(crate) fn build(kind: &'static str, name: Option<String>, permits: usize) -> Semaphore {
        Semaphore::build_with(kind, name, permits, None)
    }

    fn build_with(
        kind: &'static str,
        name: Option<String>,
        permits: usize,
        bound: Option<usize>,
    ) -> Semaphore {
        let inner = Rc::new(SemInner {
            meta: Meta::new(kind, name),
            state: Tracked::new(SemState {
                available: permits,
                total: permits,
                line: WaitList::default(),
                holders: Vec::new(),
                bound,
                forgotten: 0,
            }),
        });
        inner.meta.register(&inner);
        Semaphore { inner }
    }

    /// Waits for a permit, in line behind earlier callers.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future before it completes gives up its place,
    /// or passes on a permit it was already granted.
    pub fn acquire(&self) -> Acquire {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once, in line behind earlier callers: the
    /// guard holds all `n` and gives them all back when dropped (tokio's
    /// `acquire_many`). While it waits at the front of the line, later
    /// callers wait behind it even if a permit is free, so a large request
    /// is never starved by small ones. `n == 0` is granted at once.
    ///
    /// A request for more permits than the semaphore has waits until
    /// [`add_permits`](Semaphore::add_permits) adds enough; snapshots show
    /// what the front waiter wants.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Semaphore::acquire): dropped in line it
    /// leaves the line (and the waiters behind it are served if they now
    /// can be); dropped after its grant it gives the `n` permits back.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::Semaphore;
    ///
    /// evloop::run(async {
    ///     let budget = Semaphore::named("bytes", 10);
    ///     let big = budget.acquire_many(8).await;
    ///     assert_eq!((big.permits(), budget.available_permits()), (8, 2));
    ///     drop(big);
    ///     assert_eq!(budget.available_permits(), 10);
    /// });
    /// ```
    pub fn acquire_many(&self, n: usize) -> Acquire {
        Acquire {
            sem: self.inner.clone(),
            waiter: None,
            wanted: n,
        }
    }

    /// Takes a permit if one is free and nobody is in line.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] when no permit is free, saying how many tasks wait.
    pub fn try_acquire(&self) -> Result<SemaphorePermit, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is in line.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] when fewer than `n` permits are free (or others
    /// wait), saying how many are free and how many tasks wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(3);
    /// let two = sem.try_acquire_many(2).unwrap();
    /// assert!(sem.try_acquire_many(2).is_err());
    /// drop(two);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit, TryAcquireError> {
        let mut s = self.inner.state.borrow_mut();
        if n <= s.available && s.line.is_empty() {
            s.available -= n;
            drop(s);
            Ok(self.inner.permit(n))
        } else {
            Err(TryAcquireError {
                name: self.inner.meta.name.to_string(),
                total: s.total,
                free: s.available,
                wanted: n,
                waiting: s.line.len(),
            })
        }
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.inner.state.borrow().available
    }

    /// Adds `n` permits (handing them to waiters first, in line order).
    /// The counts saturate at `usize::MAX`; the work is proportional to the
    /// number of waiters, not to `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(1);
    /// sem.add_permits(usize::MAX); // instant: no loop over the permits
    /// assert_eq!(sem.available_permits(), usize::MAX);
    /// ```
    #[doc(alias = "release")]
    pub fn add_permits(&self, n: usize) {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            s.total = s.total.saturating_add(n);
            s.available = s.available.saturating_add(n);
            s.grant()
        };
        wake_all(woken);
    }

    /// The semaphore's name.
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }

    /// The number of tasks in line.
    pub fn waiters(&self) -> usize {
        self.inner.state.borrow().line.len()
    }
}

impl SemInner {
    fn permit(self: &Rc<Self>, permits: usize) -> SemaphorePermit {
        let holder = crate::task::current::task();
        if let Some(id) = holder {
            self.state.borrow_mut().holders.push(id);
        }
        SemaphorePermit {
            sem: self.clone(),
            holder,
            permits,
        }
    }

    /// `n` permits come back: to the waiters at the front while they fit,
    /// the rest to the pool.
    fn release(&self, n: usize) {
        let woken = {
            let mut s = self.state.borrow_mut();
            s.available = s.available.saturating_add(n);
            s.grant()
        };
        wake_all(woken);
    }

    /// A waiter left the line: the ones behind it may fit now.
    fn regrant(&self) {
        self.release(0);
    }
}

impl InspectPrimitive for SemInner {
    fn held_wakers(&self, visit: &mut dyn FnMut(&std::task::Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        let state = if self.meta.kind == "lock" {
            if s.available == 0 {
                "locked"
            } else {
                "unlocked"
            }
            .to_owned()
        } else {
            let mut state = format!("{}/{} permits free", s.available, s.total);
            if let Some(front) = s.line.front()
                && front.amount() > 1
            {
                state.push_str(&format!(", the first in line wants {}", front.amount()));
            }
            state
        };
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state,
            waiters: s.line.tasks().collect(),
            holders: s.holders.clone(),
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.state.borrow();
        f.debug_struct("Semaphore")
            .field("name", &self.inner.meta.name)
            .field("available", &s.available)
            .field("waiters", &s.line.len())
            .finish()
    }
}

/// The future returned by [`Semaphore::acquire`] and
/// [`Semaphore::acquire_many`].
///
/// # Cancel safety
///
/// Cancel-safe: dropped in line, it leaves the line; dropped after its
/// grant, it gives the permits back to the next in line.
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Acquire {
    sem: Rc<SemInner>,
    waiter: Option<Rc<Waiter>>,
    wanted: usize,
}

impl Future for Acquire {
    type Output = SemaphorePermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit> {
        let this = &mut *self;
        match &this.waiter {
            Some(w) if w.is_granted() => {
                this.waiter = None;
                return Poll::Ready(this.sem.permit(this.wanted));
            }
            Some(w) => w.set_waker(cx.waker()),
            None => {
                let mut s = this.sem.state.borrow_mut();
                if this.wanted == 0 || (this.wanted <= s.available && s.line.is_empty()) {
                    s.available -= this.wanted;
                    drop(s);
                    return Poll::Ready(this.sem.permit(this.wanted));
                }
                this.waiter = Some(s.line.join_for(cx.waker(), this.wanted));
            }
        }
        this.sem.meta.note_pending(&this.sem);
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            if w.is_granted() {
                // Granted but never taken: pass the permits on.
                self.sem.release(self.wanted);
            } else {
                self.sem.state.borrow_mut().line.leave(&w);
                self.sem.regrant();
            }
        }
    }
}

impl fmt::Debug for Acquire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("semaphore", &self.sem.meta.name)
            .field("wanted", &self.wanted)
            .field("in_line", &self.waiter.is_some())
            .finish()
    }
}

/// Permits of a [`Semaphore`] (one, or `n` from
/// [`acquire_many`](Semaphore::acquire_many)); dropping it gives them back.
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit {
    sem: Rc<SemInner>,
    holder: Option<TaskId>,
    permits: usize,
}

impl SemaphorePermit {
    /// The task that acquired it.
    pub fn holder(&self) -> Option<TaskId> {
        self.holder
    }

    /// How many permits it holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().permits(), 2);
    /// ```
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// Keeps the permits taken without giving them back: the semaphore has
    /// that many fewer, for good (tokio's `forget`), unless
    /// [`BoundedSemaphore::release`] gives them back one by one (asyncio's
    /// explicit `acquire()` … `release()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::Semaphore;
    ///
    /// evloop::run(async {
    ///     let sem = Semaphore::new(2);
    ///     sem.acquire().await.forget();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub fn forget(mut self) {
        let n = std::mem::take(&mut self.permits);
        self.sem.state.borrow_mut().forgotten += n;
    }

    fn leave_holders(&self) {
        if let Some(id) = self.holder {
            let mut s = self.sem.state.borrow_mut();
            if let Some(i) = s.holders.iter().position(|h| *h == id) {
                s.holders.remove(i);
            }
        }
    }
}

impl Drop for SemaphorePermit {
    fn drop(&mut self) {
        self.leave_holders();
        if self.permits > 0 {
            self.sem.release(self.permits);
        }
    }
}

impl fmt::Debug for SemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.sem.meta.name)
            .field("holder", &self.holder)
            .field("permits", &self.permits)
            .finish()
    }
}

/// [`Semaphore::try_acquire`] found no free permit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TryAcquireError {
    name: String,
    total: usize,
    free: usize,
    wanted: usize,
    waiting: usize,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wanted == 1 {
            write!(
                f,
                "semaphore '{}' has no free permit (all {} taken, {} task(s) in line); \
                 use acquire().await to wait for one",
                self.name, self.total, self.waiting
            )
        } else {
            write!(
                f,
                "semaphore '{}' cannot give {} permits now ({} of {} free, {} task(s) in line); \
                 use acquire_many({}).await to wait for them",
                self.name, self.wanted, self.free, self.total, self.waiting, self.wanted
            )
        }
    }
}

impl std::error::Error for TryAcquireError {}

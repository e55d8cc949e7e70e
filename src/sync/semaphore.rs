//! `Semaphore`: at most N tasks at once past this point.
//!
//! ```text
//!   permits: 1/3 free      holders: #4 #7       line: #9 → #12
//!   release by #4 ──▶ the permit goes straight to #9 (granted), not to
//!                     the pool: a newcomer cannot overtake the line
//! ```

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};
use crate::task::TaskId;

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
    state: RefCell<SemState>,
}

struct SemState {
    available: usize,
    total: usize,
    line: WaitList,
    holders: Vec<TaskId>,
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
        let inner = Rc::new(SemInner {
            meta: Meta::new(kind, name),
            state: RefCell::new(SemState {
                available: permits,
                total: permits,
                line: WaitList::default(),
                holders: Vec::new(),
            }),
        });
        inner.meta.register(&inner);
        Semaphore { inner }
    }

    /// Waits for a permit, in line behind earlier callers.
    ///
    /// Cancel-safe: dropping the future before it completes gives up its place,
    /// or passes on a permit it was already granted.
    pub fn acquire(&self) -> Acquire {
        Acquire {
            sem: self.inner.clone(),
            waiter: None,
        }
    }

    /// Takes a permit if one is free and nobody is in line.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] when no permit is free, saying how many tasks wait.
    pub fn try_acquire(&self) -> Result<SemaphorePermit, TryAcquireError> {
        let mut s = self.inner.state.borrow_mut();
        if s.available > 0 && s.line.is_empty() {
            s.available -= 1;
            drop(s);
            Ok(self.inner.permit())
        } else {
            Err(TryAcquireError {
                name: self.inner.meta.name.to_string(),
                total: s.total,
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
    pub fn add_permits(&self, n: usize) {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            s.total = s.total.saturating_add(n);
            let mut woken = Vec::new();
            let mut left = n;
            while left > 0 {
                match s.line.grant_next() {
                    Some(waker) => {
                        woken.extend(waker);
                        left -= 1;
                    }
                    None => break,
                }
            }
            s.available = s.available.saturating_add(left);
            woken
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
    fn permit(self: &Rc<Self>) -> SemaphorePermit {
        let holder = crate::task::current::task();
        if let Some(id) = holder {
            self.state.borrow_mut().holders.push(id);
        }
        SemaphorePermit {
            sem: self.clone(),
            holder,
        }
    }

    /// A permit comes back: to the front waiter if there is one, else to the pool.
    fn release_one(&self) {
        let woken = {
            let mut s = self.state.borrow_mut();
            match s.line.grant_next() {
                Some(waker) => waker,
                None => {
                    s.available += 1;
                    None
                }
            }
        };
        if let Some(w) = woken {
            w.wake();
        }
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
            format!("{}/{} permits free", s.available, s.total)
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

/// The future returned by [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Acquire {
    sem: Rc<SemInner>,
    waiter: Option<Rc<Waiter>>,
}

impl Future for Acquire {
    type Output = SemaphorePermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit> {
        let this = &mut *self;
        match &this.waiter {
            Some(w) if w.is_granted() => {
                this.waiter = None;
                return Poll::Ready(this.sem.permit());
            }
            Some(w) => w.set_waker(cx.waker()),
            None => {
                let mut s = this.sem.state.borrow_mut();
                if s.available > 0 && s.line.is_empty() {
                    s.available -= 1;
                    drop(s);
                    return Poll::Ready(this.sem.permit());
                }
                this.waiter = Some(s.line.join(cx.waker()));
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
                // Granted but never taken: pass the permit on.
                self.sem.release_one();
            } else {
                self.sem.state.borrow_mut().line.leave(&w);
            }
        }
    }
}

/// A permit of a [`Semaphore`]; dropping it gives the permit back.
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit {
    sem: Rc<SemInner>,
    holder: Option<TaskId>,
}

impl SemaphorePermit {
    /// The task that acquired it.
    pub fn holder(&self) -> Option<TaskId> {
        self.holder
    }
}

impl Drop for SemaphorePermit {
    fn drop(&mut self) {
        if let Some(id) = self.holder {
            let mut s = self.sem.state.borrow_mut();
            if let Some(i) = s.holders.iter().position(|h| *h == id) {
                s.holders.remove(i);
            }
        }
        self.sem.release_one();
    }
}

impl fmt::Debug for SemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.sem.meta.name)
            .field("holder", &self.holder)
            .finish()
    }
}

/// [`Semaphore::try_acquire`] found no free permit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TryAcquireError {
    name: String,
    total: usize,
    waiting: usize,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "semaphore '{}' has no free permit (all {} taken, {} task(s) in line); \
             use acquire().await to wait for one",
            self.name, self.total, self.waiting
        )
    }
}

impl std::error::Error for TryAcquireError {}

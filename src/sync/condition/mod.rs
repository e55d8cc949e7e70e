//! `Condition`: wait, under a lock, until another task says something changed.
//!
//! ```text
//!   guard = cond.lock().await        (the lock: the data the condition is about)
//!   while !ready(&guard) {
//!       guard = guard.wait().await   1. join the condition's line   (still locked)
//!   }                                2. unlock: others may change the data
//!                                    3. notified ──▶ 4. lock again ──▶ the guard
//!
//!   cond.notify(n) / notify_all()    grants the first n / every waiter in line
//! ```
//!
//! Steps 1 and 2 happen in one poll, so no notification can come between
//! the check and the wait: that is the whole point of a condition variable
//! (the bug zoo's missed notification is what happens without it). A waiter
//! dropped after it was notified, but before it ran, passes the notification
//! to the next one in line (as asyncio's `Condition.wait` does since 3.11),
//! so a `notify(1)` is never lost to a cancelled task.

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::lock::{Lock, LockFuture, LockGuard};
use super::meta::Meta;
use super::waiters::{WaitList, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

mod wait;

pub use wait::{ConditionWait, ConditionWaitFor};
use wait::{Stage, WaitForStage};

/// A condition variable: tasks wait, holding a [`Lock`], until another task
/// notifies them (asyncio's `asyncio.Condition`).
///
/// [`lock`](Condition::lock) gives a [`ConditionGuard`] (the lock's data);
/// [`ConditionGuard::wait`] gives the lock up, waits for a notification and
/// takes the lock again; [`ConditionGuard::wait_for`] does so until a
/// predicate of the data holds. [`notify`](Condition::notify) and
/// [`notify_all`](Condition::notify_all) wake waiters in arrival order;
/// unlike asyncio, they need not be called with the lock held (a
/// single-threaded loop has no race there), though the data they announce
/// is usually changed under it.
///
/// Cloning gives another handle on the same condition.
///
/// # Examples
///
/// ```
/// use evloop::sync::Condition;
///
/// evloop::run(async {
///     let jobs = Condition::named("jobs", Vec::<u32>::new());
///     let worker = {
///         let jobs = jobs.clone();
///         evloop::spawn(async move {
///             let mut queue = jobs.lock().await.wait_for(|q| !q.is_empty()).await;
///             queue.pop().unwrap()
///         })
///     };
///     evloop::yield_now().await; // the worker waits
///     jobs.lock().await.push(7);
///     jobs.notify_all();
///     assert_eq!(worker.await.unwrap(), 7);
/// });
/// ```
#[doc(alias = "Condvar")]
pub struct Condition<T> {
    inner: Rc<CondInner<T>>,
}

struct CondInner<T> {
    meta: Meta,
    lock: Lock<T>,
    line: Tracked<WaitList>,
}

impl<T> Clone for Condition<T> {
    fn clone(&self) -> Condition<T> {
        Condition {
            inner: self.inner.clone(),
        }
    }
}

impl<T: 'static> Condition<T> {
    /// A condition about `value`, with a lock of its own.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = evloop::sync::Condition::new(0);
    /// assert_eq!(cond.waiters(), 0);
    /// ```
    pub fn new(value: T) -> Condition<T> {
        Condition::build(None, Lock::new(value))
    }

    /// A named condition about `value`; its lock is named `NAME.lock`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = evloop::sync::Condition::named("ready", false);
    /// assert_eq!((cond.name(), cond.as_lock().name()), ("ready", "ready.lock"));
    /// ```
    pub fn named(name: impl Into<String>, value: T) -> Condition<T> {
        let name = name.into();
        let lock = Lock::named(format!("{name}.lock"), value);
        Condition::build(Some(name), lock)
    }

    /// A condition on an existing lock, shared with whoever else holds it
    /// (asyncio's `Condition(lock)`): several conditions may share one lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::{Condition, Lock};
    ///
    /// let lock = Lock::named("state", 0);
    /// let not_empty = Condition::with_lock(lock.clone());
    /// let not_full = Condition::with_lock(lock.clone()); // two conditions, one lock
    /// assert_eq!(not_empty.as_lock().name(), not_full.as_lock().name());
    /// ```
    pub fn with_lock(lock: Lock<T>) -> Condition<T> {
        Condition::build(None, lock)
    }

    fn build(name: Option<String>, lock: Lock<T>) -> Condition<T> {
        let inner = Rc::new(CondInner {
            meta: Meta::new("condition", name),
            lock,
            line: Tracked::new(WaitList::default()),
        });
        inner.meta.register(&inner);
        Condition { inner }
    }
}

impl<T> Condition<T> {
    /// Waits for the lock (asyncio's `async with cond:`).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Lock::lock`].
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = evloop::sync::Condition::new(1);
    /// evloop::run(async { *cond.lock().await += 1 });
    /// assert_eq!(evloop::run(async { *cond.lock().await }), 2);
    /// ```
    pub fn lock(&self) -> ConditionLock<'_, T> {
        ConditionLock {
            cond: self,
            lock: self.inner.lock.lock(),
        }
    }

    /// Wakes the first waiter in line (asyncio's `notify()`); false if
    /// nobody waits (a notification is not stored: the data it announces is).
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = evloop::sync::Condition::new(());
    /// assert!(!cond.notify_one(), "nobody waits");
    /// ```
    pub fn notify_one(&self) -> bool {
        self.notify(1) == 1
    }

    /// Wakes the first `n` waiters in line; returns how many it woke. The
    /// work is proportional to the waiters woken, not to `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let cond = evloop::sync::Condition::new(());
    /// for _ in 0..3 {
    ///     let c = cond.clone();
    ///     rt.spawn(async move { drop(c.lock().await.wait().await) }).detach();
    /// }
    /// rt.run_until_idle().unwrap();
    /// assert_eq!(cond.notify(2), 2);
    /// assert_eq!(cond.notify(usize::MAX), 1); // only one was left
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        let woken = {
            let mut line = self.inner.line.borrow_mut();
            let mut woken = Vec::new();
            while woken.len() < n {
                match line.grant_next() {
                    Some(w) => woken.push(w),
                    None => break,
                }
            }
            woken
        };
        let count = woken.len();
        wake_all(woken.into_iter().flatten());
        count
    }

    /// Wakes every waiter (asyncio's `notify_all()`); returns how many.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let cond = evloop::sync::Condition::new(());
    /// let c = cond.clone();
    /// let waiter = rt.spawn(async move { drop(c.lock().await.wait().await) });
    /// rt.run_until_idle().unwrap();
    /// assert_eq!(cond.notify_all(), 1);
    /// rt.run_until_done().unwrap();
    /// assert!(waiter.is_finished());
    /// ```
    pub fn notify_all(&self) -> usize {
        let woken = self.inner.line.borrow_mut().grant_all();
        let count = woken.len();
        wake_all(woken);
        count
    }

    /// The number of tasks waiting for a notification.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Condition::new(()).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.inner.line.borrow().len()
    }

    /// The condition's name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Condition::named("c", ()).name(), "c");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }

    /// The lock the condition waits under.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = evloop::sync::Condition::new(());
    /// assert!(!cond.as_lock().is_locked());
    /// ```
    pub fn as_lock(&self) -> &Lock<T> {
        &self.inner.lock
    }
}

impl<T> InspectPrimitive for CondInner<T> {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.line.borrow().held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let line = self.line.borrow();
        let lock = if self.lock.is_locked() {
            "locked"
        } else {
            "unlocked"
        };
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state: format!("lock {} {lock}, {} waiting", self.lock.name(), line.len()),
            waiters: line.tasks().collect(),
            holders: Vec::new(),
        }
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("name", &self.name())
            .field("waiters", &self.waiters())
            .finish()
    }
}

/// The future returned by [`Condition::lock`].
///
/// # Cancel safety
///
/// Cancel-safe, as [`Lock::lock`].
///
/// # Examples
///
/// ```
/// let cond = evloop::sync::Condition::new(7);
/// let locking: evloop::sync::ConditionLock<'_, i32> = cond.lock();
/// assert_eq!(*evloop::run(locking), 7);
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct ConditionLock<'a, T> {
    cond: &'a Condition<T>,
    lock: LockFuture<'a, T>,
}

impl<'a, T> Future for ConditionLock<'a, T> {
    type Output = ConditionGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ConditionGuard<'a, T>> {
        let cond = self.cond;
        Pin::new(&mut self.lock)
            .poll(cx)
            .map(|guard| ConditionGuard { cond, guard })
    }
}

/// The lock of a [`Condition`], held: access to the data, and the right to
/// [`wait`](ConditionGuard::wait). Dropping it unlocks.
///
/// # Examples
///
/// ```
/// let cond = evloop::sync::Condition::new(vec![1]);
/// evloop::run(async {
///     let mut guard = cond.lock().await;
///     guard.push(2); // the data, under the lock
///     assert_eq!(guard.len(), 2);
/// });
/// ```
pub struct ConditionGuard<'a, T> {
    cond: &'a Condition<T>,
    guard: LockGuard<'a, T>,
}

impl<'a, T> ConditionGuard<'a, T> {
    /// Gives the lock up, waits until notified, and takes the lock again
    /// (asyncio's `await cond.wait()`). Joining the line and unlocking
    /// happen in one step, so no notification is missed in between. As
    /// with every condition variable, check what you waited for again
    /// after waking (or use [`wait_for`](ConditionGuard::wait_for)).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropped in line it leaves the line; dropped after being
    /// notified (before it ran) it passes the notification to the next in
    /// line; dropped while taking the lock again it leaves the lock's line.
    /// The guard it consumed is gone either way: the lock is not held.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::Condition;
    ///
    /// evloop::run(async {
    ///     let cond = Condition::new(0);
    ///     let c = cond.clone();
    ///     let waiter = evloop::spawn(async move {
    ///         let guard = c.lock().await.wait().await; // unlocked while waiting
    ///         *guard
    ///     });
    ///     evloop::yield_now().await;
    ///     *cond.lock().await = 5;
    ///     cond.notify_one();
    ///     assert_eq!(waiter.await.unwrap(), 5);
    /// });
    /// ```
    pub fn wait(self) -> ConditionWait<'a, T> {
        ConditionWait {
            cond: self.cond,
            stage: Stage::Locked(self.guard),
        }
    }

    /// Waits until `ready(&data)` holds, checking it under the lock first
    /// and after every notification (asyncio's `wait_for(predicate)`).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`wait`](ConditionGuard::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::sync::Condition;
    ///
    /// evloop::run(async {
    ///     let count = Condition::new(0);
    ///     let c = count.clone();
    ///     let waiter = evloop::spawn(async move { *c.lock().await.wait_for(|n| *n >= 2).await });
    ///     for _ in 0..2 {
    ///         evloop::yield_now().await;
    ///         *count.lock().await += 1;
    ///         count.notify_all();
    ///     }
    ///     assert_eq!(waiter.await.unwrap(), 2);
    /// });
    /// ```
    pub fn wait_for<P: FnMut(&T) -> bool>(self, ready: P) -> ConditionWaitFor<'a, T, P> {
        ConditionWaitFor {
            cond: self.cond,
            ready,
            stage: WaitForStage::Check(self),
        }
    }

    /// The condition this guard belongs to.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = evloop::sync::Condition::named("c", ());
    /// evloop::run(async { assert_eq!(cond.lock().await.condition().name(), "c") });
    /// ```
    pub fn condition(&self) -> &'a Condition<T> {
        self.cond
    }
}

impl<T> Deref for ConditionGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for ConditionGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for ConditionGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.guard, f)
    }
}

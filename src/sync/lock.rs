//! `Lock`: an async mutex, built on a one-permit [`Semaphore`].

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::semaphore::{Acquire, Semaphore, SemaphorePermit};

/// An async mutex guarding a `T` (asyncio's `asyncio.Lock`, with the data
/// inside as Rust likes it). Fair: waiters get the lock in arrival order.
///
/// Hold the guard across `.await`s freely: other tasks wait on the lock
/// instead of blocking the thread. Cloning gives another handle on the
/// same lock.
///
/// # Examples
///
/// ```
/// use evloop::sync::Lock;
///
/// evloop::run(async {
///     let counter = Lock::named("counter", 0);
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let counter = counter.clone();
///             evloop::spawn(async move {
///                 let mut n = counter.lock().await;
///                 let seen = *n;
///                 evloop::yield_now().await; // others wait: no lost update
///                 *n = seen + 1;
///             })
///         })
///         .collect();
///     evloop::combinators::gather(tasks).await.unwrap();
///     assert_eq!(*counter.lock().await, 3);
/// });
/// ```
#[doc(alias = "Mutex")]
pub struct Lock<T> {
    inner: Rc<LockInner<T>>,
}

struct LockInner<T> {
    sem: Semaphore,
    value: RefCell<T>,
}

impl<T> Clone for Lock<T> {
    fn clone(&self) -> Lock<T> {
        Lock {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Lock<T> {
    /// An unlocked lock around `value`.
    pub fn new(value: T) -> Lock<T> {
        Lock::build(None, value)
    }

    /// A named lock (the name shows in snapshots).
    pub fn named(name: impl Into<String>, value: T) -> Lock<T> {
        Lock::build(Some(name.into()), value)
    }

    fn build(name: Option<String>, value: T) -> Lock<T> {
        Lock {
            inner: Rc::new(LockInner {
                sem: Semaphore::build("lock", name, 1),
                value: RefCell::new(value),
            }),
        }
    }

    /// Waits for the lock, in line behind earlier callers.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropped in line, it leaves the line; dropped after it was
    /// granted the lock (before it ran), it passes the lock to the next in line.
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            lock: &self.inner,
            acquire: self.inner.sem.acquire(),
        }
    }

    /// Takes the lock if it is free and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] when the lock is held or waited for.
    pub fn try_lock(&self) -> Result<LockGuard<'_, T>, TryLockError> {
        match self.inner.sem.try_acquire() {
            Ok(permit) => Ok(self.inner.guard(permit)),
            Err(_) => Err(TryLockError {
                name: self.inner.sem.name().to_owned(),
            }),
        }
    }

    /// True while a guard exists.
    pub fn is_locked(&self) -> bool {
        self.inner.sem.available_permits() == 0
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        self.inner.sem.name()
    }
}

impl<T> LockInner<T> {
    fn guard(&self, permit: SemaphorePermit) -> LockGuard<'_, T> {
        LockGuard {
            // Only the permit holder borrows: the borrow cannot conflict.
            value: self.value.borrow_mut(),
            _permit: permit,
        }
    }
}

impl<T> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("name", &self.name())
            .field("locked", &self.is_locked())
            .finish()
    }
}

/// The future returned by [`Lock::lock`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`Lock::lock`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct LockFuture<'a, T> {
    lock: &'a LockInner<T>,
    acquire: Acquire,
}

impl<'a, T> Future for LockFuture<'a, T> {
    type Output = LockGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a, T>> {
        let lock = self.lock;
        Pin::new(&mut self.acquire)
            .poll(cx)
            .map(|permit| lock.guard(permit))
    }
}

/// Exclusive access to a [`Lock`]'s value; dropping it unlocks.
pub struct LockGuard<'a, T> {
    // Field order matters: the borrow ends before the permit is released.
    value: RefMut<'a, T>,
    _permit: SemaphorePermit,
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

/// [`Lock::try_lock`] (or an [`RwLock`](super::RwLock)'s `try_read` or
/// `try_write`) found the lock taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TryLockError {
    name: String,
}

impl TryLockError {
    pub(crate) fn new(name: &str) -> TryLockError {
        TryLockError {
            name: name.to_owned(),
        }
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lock '{}' is held (or waited for); await it (lock(), read() or write()) to wait for it",
            self.name
        )
    }
}

impl std::error::Error for TryLockError {}

//! asyncio's `BoundedSemaphore`: a semaphore whose releases beyond the
//! count it started with are an error, not a silent extra permit.

use std::fmt;

use super::{Acquire, Semaphore, SemaphorePermit, TryAcquireError};

/// A semaphore that cannot be released more often than it was acquired
/// (asyncio's `asyncio.BoundedSemaphore`): [`release`](BoundedSemaphore::release)
/// gives back a permit that was taken and [forgotten](SemaphorePermit::forget),
/// and is an error when there is none to give back.
///
/// Acquiring is as with [`Semaphore`]: a guard that gives its permit back
/// when dropped. The explicit `release` is for asyncio's style, where a
/// permit taken in one place is given back in another.
///
/// # Examples
///
/// ```
/// use evloop::sync::BoundedSemaphore;
///
/// evloop::run(async {
///     let sem = BoundedSemaphore::named("conns", 2);
///     sem.acquire().await.forget();       // asyncio: await sem.acquire()
///     assert_eq!(sem.available_permits(), 1);
///     sem.release().unwrap();             // asyncio: sem.release()
///     let err = sem.release().unwrap_err(); // one release too many
///     assert!(err.to_string().contains("released more often than acquired"));
///     assert_eq!(sem.available_permits(), 2);
/// });
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore {
    sem: Semaphore,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits, which is also its bound.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::BoundedSemaphore::new(2);
    /// assert_eq!((sem.available_permits(), sem.bound()), (2, 2));
    /// ```
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            sem: Semaphore::build_with("bounded semaphore", None, permits, Some(permits)),
        }
    }

    /// A named bounded semaphore.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::BoundedSemaphore::named("conns", 1).name(), "conns");
    /// ```
    pub fn named(name: impl Into<String>, permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            sem: Semaphore::build_with(
                "bounded semaphore",
                Some(name.into()),
                permits,
                Some(permits),
            ),
        }
    }

    /// Waits for a permit (see [`Semaphore::acquire`]).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Semaphore::acquire`].
    pub fn acquire(&self) -> Acquire {
        self.sem.acquire()
    }

    /// Takes a permit if one is free and nobody is in line.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] when no permit is free.
    pub fn try_acquire(&self) -> Result<SemaphorePermit, TryAcquireError> {
        self.sem.try_acquire()
    }

    /// Gives back one permit that was acquired and then
    /// [forgotten](SemaphorePermit::forget) (asyncio's `release()`), to the
    /// front waiter if there is one.
    ///
    /// # Errors
    ///
    /// [`ReleaseError`] when no forgotten permit is outstanding: every
    /// permit is free or held by a guard, so a release would raise the
    /// count above the bound (asyncio raises `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = evloop::sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert!(sem.release().is_ok());
    /// assert!(sem.release().is_err(), "nothing left to give back");
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        let inner = &self.sem.inner;
        {
            let mut s = inner.state.borrow_mut();
            if s.forgotten == 0 {
                return Err(ReleaseError {
                    name: inner.meta.name.to_string(),
                    bound: s.bound.unwrap_or(s.total),
                    held: s.holders.len(),
                });
            }
            s.forgotten -= 1;
        }
        inner.release(1);
        Ok(())
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }

    /// The bound: how many permits there are in all.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::BoundedSemaphore::new(5).bound(), 5);
    /// ```
    pub fn bound(&self) -> usize {
        let s = self.sem.inner.state.borrow();
        s.bound.unwrap_or(s.total)
    }

    /// The semaphore's name.
    pub fn name(&self) -> &str {
        self.sem.name()
    }

    /// The number of tasks in line.
    pub fn waiters(&self) -> usize {
        self.sem.waiters()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("name", &self.name())
            .field("available", &self.available_permits())
            .field("bound", &self.bound())
            .finish()
    }
}

/// [`BoundedSemaphore::release`] had no taken permit to give back.
///
/// # Examples
///
/// ```
/// let err = evloop::sync::BoundedSemaphore::named("s", 1).release().unwrap_err();
/// assert!(err.to_string().contains("released more often than acquired"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseError {
    name: String,
    bound: usize,
    held: usize,
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bounded semaphore '{}' was released more often than acquired: of its {} permits, \
             none is taken and forgotten ({} held by guards, which give theirs back when dropped); \
             release() only gives back a permit taken with acquire() and then forget()",
            self.name, self.bound, self.held
        )
    }
}

impl std::error::Error for ReleaseError {}

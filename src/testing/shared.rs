//! `Shared`: state shared between tasks that the explorer can see.
//!
//! Exhaustive exploration skips schedules that only swap polls touching
//! disjoint state (see [`explore`](super::explore)). It sees what tasks
//! share through evloop's primitives and task handles; a plain
//! `Rc<Cell<_>>` is invisible to it. `Shared` is that `Rc<RefCell<_>>`
//! made visible: every access notes the cell in the running poll's
//! footprint while a search records one, and costs one flag test otherwise.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::executor::trace;

/// A value shared between the tasks of a test, visible to exhaustive
/// exploration's reduction. Cloning gives another handle on the same value.
///
/// # Examples
///
/// ```
/// use evloop::testing::{Harness, Shared};
///
/// let body = || async {
///     let balance = Shared::new(100);
///     let withdraw = |b: Shared<i32>| async move {
///         if b.get() >= 80 {
///             evloop::yield_now().await; // between check and act
///             b.set(b.get() - 80);
///         }
///     };
///     let a = evloop::spawn(withdraw(balance.clone()));
///     let b = evloop::spawn(withdraw(balance.clone()));
///     a.await.unwrap();
///     b.await.unwrap();
///     assert!(balance.get() >= 0, "overdrawn: {}", balance.get());
/// };
/// let failure = Harness::new().exhaustive(true).use_env(false).try_explore(body).unwrap_err();
/// assert_eq!(failure.message(), "panicked: overdrawn: -60");
/// ```
pub struct Shared<T> {
    inner: Rc<Cell<T>>,
}

struct Cell<T> {
    id: u64,
    value: RefCell<T>,
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Shared<T> {
        Shared {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Shared<T> {
    /// A new shared value.
    pub fn new(value: T) -> Shared<T> {
        Shared {
            inner: Rc::new(Cell {
                id: trace::new_object_id(),
                value: RefCell::new(value),
            }),
        }
    }

    /// Runs `f` with the value, mutably.
    ///
    /// # Panics
    ///
    /// If `f` accesses this same cell again (as a nested `RefCell` borrow
    /// would).
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        trace::touch(self.inner.id);
        f(&mut self.inner.value.borrow_mut())
    }

    /// Replaces the value, returning the old one.
    pub fn replace(&self, value: T) -> T {
        self.with(|v| std::mem::replace(v, value))
    }

    /// Sets the value.
    pub fn set(&self, value: T) {
        self.replace(value);
    }
}

impl<T: Clone> Shared<T> {
    /// A copy of the value.
    pub fn get(&self) -> T {
        self.with(|v| v.clone())
    }
}

impl<T: Default> Shared<T> {
    /// Takes the value, leaving the default.
    pub fn take(&self) -> T {
        self.with(std::mem::take)
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Shared<T> {
        Shared::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.value.try_borrow() {
            Ok(v) => f.debug_tuple("Shared").field(&*v).finish(),
            Err(_) => f.write_str("Shared(<borrowed>)"),
        }
    }
}

//! `RwLock`: many readers or one writer, in arrival order.
//!
//! ```text
//!   holders: readers #2 #3          line: W#4 → R#5 → R#6 → W#7
//!   #2, #3 unlock ──▶ W#4 granted (alone)
//!   #4 unlocks    ──▶ R#5 and R#6 granted together; W#7 waits for both
//! ```
//!
//! One line for readers and writers: a writer in line stops later readers
//! from overtaking it, so writers are never starved by a stream of readers
//! (tokio's `RwLock` is fair the same way). Granting walks the front of the
//! line: one writer, or every reader up to the next writer.

use crate::sync::tracked::Tracked;
use std::cell::{Ref, RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};
use crate::task::TaskId;

/// What a waiter in line wants (kept in its `amount`).
const READ: usize = 1;
const WRITE: usize = 0;

/// An async read-write lock guarding a `T` (tokio's `RwLock`; asyncio has
/// none): any number of readers at once, or one writer. Fair: waiters get
/// the lock in arrival order, and a waiting writer holds back later readers.
///
/// Cloning gives another handle on the same lock.
///
/// # Examples
///
/// ```
/// use evloop::sync::RwLock;
///
/// evloop::run(async {
///     let config = RwLock::named("config", String::from("v1"));
///     let a = config.read().await;
///     let b = config.read().await;        // two readers at once
///     assert_eq!((a.as_str(), b.as_str()), ("v1", "v1"));
///     assert!(config.try_write().is_err()); // no writer while they read
///     drop((a, b));
///     config.write().await.push_str("+patch");
///     assert_eq!(*config.read().await, "v1+patch");
/// });
/// ```
pub struct RwLock<T> {
    inner: Rc<RwInner<T>>,
}

struct RwInner<T> {
    meta: Meta,
    state: Tracked<State>,
    value: RefCell<T>,
}

struct State {
    readers: usize,
    writer: bool,
    line: WaitList,
    holders: Vec<TaskId>,
}

impl State {
    fn can_read(&self) -> bool {
        !self.writer
    }

    fn can_write(&self) -> bool {
        !self.writer && self.readers == 0
    }

    /// Grants the front of the line: one writer, or the readers up to the
    /// next writer.
    fn grant(&mut self) -> Vec<Waker> {
        let mut woken = Vec::new();
        while let Some(front) = self.line.front() {
            match front.amount() {
                WRITE if self.can_write() => {
                    self.writer = true;
                    woken.extend(self.line.grant_next().flatten());
                    break;
                }
                READ if self.can_read() => {
                    self.readers += 1;
                    woken.extend(self.line.grant_next().flatten());
                }
                _ => break,
            }
        }
        woken
    }
}

impl<T> Clone for RwLock<T> {
    fn clone(&self) -> RwLock<T> {
        RwLock {
            inner: self.inner.clone(),
        }
    }
}

impl<T: 'static> RwLock<T> {
    /// An unlocked lock around `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(5);
    /// assert_eq!(*lock.try_read().unwrap(), 5);
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock::build(None, value)
    }

    /// A named lock (the name shows in snapshots).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::RwLock::named("cfg", ()).name(), "cfg");
    /// ```
    pub fn named(name: impl Into<String>, value: T) -> RwLock<T> {
        RwLock::build(Some(name.into()), value)
    }

    fn build(name: Option<String>, value: T) -> RwLock<T> {
        let inner = Rc::new(RwInner {
            meta: Meta::new("rwlock", name),
            state: Tracked::new(State {
                readers: 0,
                writer: false,
                line: WaitList::default(),
                holders: Vec::new(),
            }),
            value: RefCell::new(value),
        });
        inner.meta.register(&inner);
        RwLock { inner }
    }
}

impl<T> RwLock<T> {
    /// Waits to read, in line behind earlier callers.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropped in line, it leaves (and the waiters behind it
    /// are served if they now can be); dropped after its grant, it unlocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// evloop::run(async {
    ///     let (a, b) = (lock.read().await, lock.read().await);
    ///     assert_eq!(*a + *b, 2);
    /// });
    /// ```
    pub fn read(&self) -> RwLockRead<'_, T> {
        RwLockRead {
            lock: self,
            waiter: None,
        }
    }

    /// Waits to write, in line behind earlier callers.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`read`](RwLock::read).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(1);
    /// evloop::run(async { *lock.write().await += 1 });
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn write(&self) -> RwLockWrite<'_, T> {
        RwLockWrite {
            lock: self,
            waiter: None,
        }
    }

    /// Reads now if nobody writes or waits.
    ///
    /// # Errors
    ///
    /// [`TryLockError`](super::TryLockError) when a writer holds the lock or
    /// someone waits for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(());
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, super::TryLockError> {
        let mut s = self.inner.state.borrow_mut();
        if s.can_read() && s.line.is_empty() {
            s.readers += 1;
            drop(s);
            Ok(self.read_guard())
        } else {
            Err(super::TryLockError::new(self.name()))
        }
    }

    /// Writes now if nobody holds the lock or waits for it.
    ///
    /// # Errors
    ///
    /// [`TryLockError`](super::TryLockError) when the lock is held or waited for.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(());
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, super::TryLockError> {
        let mut s = self.inner.state.borrow_mut();
        if s.can_write() && s.line.is_empty() {
            s.writer = true;
            drop(s);
            Ok(self.write_guard())
        } else {
            Err(super::TryLockError::new(self.name()))
        }
    }

    /// How many readers hold the lock now.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(());
    /// let _a = lock.try_read().unwrap();
    /// assert_eq!(lock.readers(), 1);
    /// ```
    pub fn readers(&self) -> usize {
        self.inner.state.borrow().readers
    }

    /// True while a writer holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = evloop::sync::RwLock::new(());
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.is_write_locked());
    /// ```
    pub fn is_write_locked(&self) -> bool {
        self.inner.state.borrow().writer
    }

    /// The lock's name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::RwLock::named("t", 0).name(), "t");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }

    fn hold(&self) -> Option<TaskId> {
        let holder = crate::task::current::task();
        if let Some(id) = holder {
            self.inner.state.borrow_mut().holders.push(id);
        }
        holder
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        let holder = self.hold();
        RwLockReadGuard {
            // The lock admits readers only while no writer holds it: no
            // borrow conflicts.
            value: self.inner.value.borrow(),
            release: Release {
                lock: &self.inner.state,
                holder,
                write: false,
            },
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        let holder = self.hold();
        RwLockWriteGuard {
            // The lock admits one writer alone: no borrow conflicts.
            value: self.inner.value.borrow_mut(),
            release: Release {
                lock: &self.inner.state,
                holder,
                write: true,
            },
        }
    }
}

impl<T> InspectPrimitive for RwInner<T> {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        let state = if s.writer {
            "write-locked".to_owned()
        } else if s.readers > 0 {
            format!("read by {}", s.readers)
        } else {
            "unlocked".to_owned()
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

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("name", &self.name())
            .field("readers", &self.readers())
            .field("write_locked", &self.is_write_locked())
            .finish()
    }
}

/// Unlocks one reader or the writer (the part of a guard that is not the data).
struct Release<'a> {
    lock: &'a RefCell<State>,
    holder: Option<TaskId>,
    write: bool,
}

impl Release<'_> {
    fn unlock(lock: &RefCell<State>, write: bool) {
        let woken = {
            let mut s = lock.borrow_mut();
            if write {
                s.writer = false;
            } else {
                s.readers -= 1;
            }
            s.grant()
        };
        wake_all(woken);
    }
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.holder {
            let mut s = self.lock.borrow_mut();
            if let Some(i) = s.holders.iter().position(|h| *h == id) {
                s.holders.remove(i);
            }
        }
        Release::unlock(self.lock, self.write);
    }
}

/// Shared access to an [`RwLock`]'s value; dropping it unlocks.
///
/// # Examples
///
/// ```
/// let lock = evloop::sync::RwLock::new(String::from("hi"));
/// let guard: evloop::sync::RwLockReadGuard<'_, String> = lock.try_read().unwrap();
/// assert_eq!(guard.len(), 2);
/// ```
pub struct RwLockReadGuard<'a, T> {
    // Field order matters: the borrow ends before the lock is released.
    value: Ref<'a, T>,
    release: Release<'a>,
}

/// Exclusive access to an [`RwLock`]'s value; dropping it unlocks.
///
/// # Examples
///
/// ```
/// let lock = evloop::sync::RwLock::new(String::from("hi"));
/// let mut guard: evloop::sync::RwLockWriteGuard<'_, String> = lock.try_write().unwrap();
/// guard.push('!');
/// drop(guard);
/// assert_eq!(*lock.try_read().unwrap(), "hi!");
/// ```
pub struct RwLockWriteGuard<'a, T> {
    value: RefMut<'a, T>,
    release: Release<'a>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = &self.release;
        fmt::Debug::fmt(&*self.value, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = &self.release;
        fmt::Debug::fmt(&*self.value, f)
    }
}

/// Polls a read or write wait: the shared body of the two futures.
fn poll_wait<T: 'static>(
    lock: &RwLock<T>,
    waiter: &mut Option<Rc<Waiter>>,
    want: usize,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let inner = &lock.inner;
    let mut s = inner.state.borrow_mut();
    match waiter {
        Some(w) if w.is_granted() => {
            *waiter = None;
            return Poll::Ready(());
        }
        Some(w) => w.set_waker(cx.waker()),
        None => {
            if s.line.is_empty() {
                if want == READ && s.can_read() {
                    s.readers += 1;
                    return Poll::Ready(());
                }
                if want == WRITE && s.can_write() {
                    s.writer = true;
                    return Poll::Ready(());
                }
            }
            *waiter = Some(s.line.join_for(cx.waker(), want));
        }
    }
    drop(s);
    inner.meta.note_pending(inner);
    Poll::Pending
}

/// A wait dropped early: leave the line, or unlock what was granted.
fn drop_wait(state: &RefCell<State>, waiter: Option<Rc<Waiter>>, want: usize) {
    let Some(w) = waiter else { return };
    if w.is_granted() {
        Release::unlock(state, want == WRITE);
    } else {
        let woken = {
            let mut s = state.borrow_mut();
            s.line.leave(&w);
            // A writer that leaves the front may let the readers behind it in.
            s.grant()
        };
        wake_all(woken);
    }
}

/// The future returned by [`RwLock::read`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`RwLock::read`].
///
/// # Examples
///
/// ```
/// let lock = evloop::sync::RwLock::new(3);
/// let read: evloop::sync::RwLockRead<'_, i32> = lock.read();
/// assert_eq!(*evloop::run(read), 3);
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct RwLockRead<'a, T> {
    lock: &'a RwLock<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<'a, T: 'static> Future for RwLockRead<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.lock;
        std::task::ready!(poll_wait(lock, &mut self.waiter, READ, cx));
        Poll::Ready(lock.read_guard())
    }
}

impl<T> Drop for RwLockRead<'_, T> {
    fn drop(&mut self) {
        drop_wait(&self.lock.inner.state, self.waiter.take(), READ);
    }
}

/// The future returned by [`RwLock::write`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`RwLock::read`].
///
/// # Examples
///
/// ```
/// let lock = evloop::sync::RwLock::new(3);
/// let write: evloop::sync::RwLockWrite<'_, i32> = lock.write();
/// *evloop::run(write) = 4;
/// assert_eq!(*lock.try_read().unwrap(), 4);
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct RwLockWrite<'a, T> {
    lock: &'a RwLock<T>,
    waiter: Option<Rc<Waiter>>,
}

impl<'a, T: 'static> Future for RwLockWrite<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.lock;
        std::task::ready!(poll_wait(lock, &mut self.waiter, WRITE, cx));
        Poll::Ready(lock.write_guard())
    }
}

impl<T> Drop for RwLockWrite<'_, T> {
    fn drop(&mut self) {
        drop_wait(&self.lock.inner.state, self.waiter.take(), WRITE);
    }
}

impl<T> fmt::Debug for RwLockRead<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockRead")
            .field("lock", &self.lock.name())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for RwLockWrite<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockWrite")
            .field("lock", &self.lock.name())
            .finish_non_exhaustive()
    }
}

//! The loop's thread: which thread owns a task, and values only it may touch.
//!
//! A task's future may be `!Send`: it lives and dies on the thread that
//! spawned it, its loop's thread. Its wakers are `Send + Sync` and may run
//! anywhere. Two small tools keep the two apart:
//!
//! - [`ThreadKey`]: a number naming the current thread, never reused. Reading
//!   it is one thread-local load (`thread::current().id()` clones an `Arc`).
//!   A waker compares it with its task's owner to choose its path.
//! - [`LoopBound<T>`]: a value kept inside a `Send + Sync` object (the loop's
//!   [schedule hook](super::schedule)) that only the thread which created it
//!   can reach, shown an [`OnThread`] token that proves where the caller is. That is how a wake on the loop's own thread reaches the ready
//!   queue without a lock, while a wake on any other thread cannot reach it
//!   at all.
//! - [`HomeOnly<T>`]: the same for a value that is not even `Send` (the
//!   hook's weak pointer to its loop): it is dropped on its own thread, and
//!   left undropped should the hook die anywhere else.

use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicU64, Ordering};

/// A number for a thread, unique for the life of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ThreadKey(u64);

impl ThreadKey {
    /// The calling thread's key.
    pub(crate) fn current() -> ThreadKey {
        thread_local! {
            // No destructor: readable even while the thread is torn down.
            static KEY: Cell<u64> = const { Cell::new(0) };
        }
        static NEXT: AtomicU64 = AtomicU64::new(1);
        KEY.with(|key| match key.get() {
            0 => {
                let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
                key.set(fresh);
                ThreadKey(fresh)
            }
            known => ThreadKey(known),
        })
    }

    /// True on the thread this key names.
    #[cfg(test)]
    pub(crate) fn is_current(self) -> bool {
        ThreadKey::current() == self
    }
}

/// Proof that the code holding it runs on the thread it names: made only by
/// [`OnThread::current`], and neither `Send` nor `Sync`, so it cannot reach
/// another thread. Checking a [`LoopBound`] against it is a comparison of
/// two numbers, with no thread-local read: the loop keeps one for its whole
/// life, and a waker makes one per wake.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OnThread {
    key: ThreadKey,
    _here: PhantomData<*const ()>,
}

impl OnThread {
    /// The calling thread.
    pub(crate) fn current() -> OnThread {
        OnThread {
            key: ThreadKey::current(),
            _here: PhantomData,
        }
    }

    /// True when this is the thread `key` names.
    #[inline]
    pub(crate) fn is(&self, key: ThreadKey) -> bool {
        self.key == key
    }
}

/// A value only the thread that created it may reach, inside something
/// other threads share.
pub(crate) struct LoopBound<T> {
    owner: ThreadKey,
    value: T,
}

// SAFETY: `value` is reachable only through `get`, which hands out a
// reference on `owner`'s thread alone, so no two threads ever share it,
// whatever `T`'s interior mutability. A `&T` made there cannot leave the
// thread unless `T: Sync` (then sharing it is fine). What other threads may
// still do is move or drop the whole `LoopBound` (with the last `Arc` of its
// holder), which `T: Send` allows.
unsafe impl<T: Send> Sync for LoopBound<T> {}

impl<T> LoopBound<T> {
    /// Binds `value` to the calling thread.
    pub(crate) fn new(value: T) -> LoopBound<T> {
        LoopBound {
            owner: ThreadKey::current(),
            value,
        }
    }

    /// The thread it is bound to.
    #[inline]
    pub(crate) fn owner(&self) -> ThreadKey {
        self.owner
    }

    /// The value, on the owning thread; `None` on any other.
    #[inline]
    pub(crate) fn get(&self, on: &OnThread) -> Option<&T> {
        on.is(self.owner).then_some(&self.value)
    }
}

/// A value that is not `Send` (an `rc::Weak`), kept inside a
/// [`LoopBound`] whose holder may be dropped on any thread (the schedule
/// hook goes with the last waker of the last task, wherever that is).
///
/// Like `LoopBound`, it is reached only on its own thread. It is also
/// *dropped* only there: dropped anywhere else, it leaves its value
/// undropped, since running the value's destructor there could race with its
/// own thread (an `rc::Weak`'s count is not atomic). Its owner makes that
/// leak empty: the loop puts a dangling `Weak` (which owns nothing) in its
/// place as it goes, on its own thread.
pub(crate) struct HomeOnly<T> {
    owner: ThreadKey,
    value: ManuallyDrop<T>,
}

// SAFETY: the value is reached only through `get`, on `owner`'s thread, and
// dropped only there (`drop` checks); moving the `HomeOnly` to another thread
// moves the value's bytes without touching it.
unsafe impl<T> Send for HomeOnly<T> {}

impl<T> HomeOnly<T> {
    /// Binds `value` to the calling thread.
    pub(crate) fn new(value: T) -> HomeOnly<T> {
        HomeOnly {
            owner: ThreadKey::current(),
            value: ManuallyDrop::new(value),
        }
    }

    /// The value, on its own thread; `None` on any other.
    #[inline]
    pub(crate) fn get(&self, on: &OnThread) -> Option<&T> {
        on.is(self.owner).then_some(&*self.value)
    }
}

impl<T> Drop for HomeOnly<T> {
    fn drop(&mut self) {
        if OnThread::current().is(self.owner) {
            // SAFETY: dropped once, here, on the value's own thread; `self`
            // is never used again.
            unsafe { ManuallyDrop::drop(&mut self.value) };
        }
        // Anywhere else the value is left as it is (see the type's docs).
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_home_only_value_is_dropped_at_home_and_left_alone_elsewhere() {
        let rc = std::rc::Rc::new(5);
        // Dropped at home: its weak count goes back down.
        drop(HomeOnly::new(std::rc::Rc::downgrade(&rc)));
        assert_eq!(std::rc::Rc::weak_count(&rc), 0);
        // Moved away and dropped there: the value is not touched (here a
        // plain counter stands in for an `rc::Weak`, which may not move).
        let dropped = Arc::new(());
        let away = HomeOnly::new(dropped.clone());
        assert!(away.get(&OnThread::current()).is_some());
        std::thread::spawn(move || {
            assert!(away.get(&OnThread::current()).is_none());
            drop(away);
        })
        .join()
        .unwrap();
        assert_eq!(
            Arc::strong_count(&dropped),
            2,
            "left undropped away from home"
        );
        // SAFETY: the count the undropped clone held, given back here so
        // that the test itself leaks nothing (Miri checks).
        unsafe { Arc::decrement_strong_count(Arc::as_ptr(&dropped)) };
    }

    #[test]
    fn keys_differ_between_threads_and_stay_put_within_one() {
        let here = ThreadKey::current();
        assert_eq!(here, ThreadKey::current());
        let there = std::thread::spawn(ThreadKey::current).join().unwrap();
        assert_ne!(here, there);
        assert!(here.is_current());
        assert!(!there.is_current());
    }

    #[test]
    fn only_the_owner_reaches_a_bound_value() {
        let bound = Arc::new(LoopBound::new(std::cell::RefCell::new(vec![1])));
        let here = OnThread::current();
        bound.get(&here).unwrap().borrow_mut().push(2);
        let other = bound.clone();
        let seen = std::thread::spawn(move || other.get(&OnThread::current()).is_none())
            .join()
            .unwrap();
        assert!(seen, "another thread gets nothing");
        assert_eq!(*bound.get(&here).unwrap().borrow(), [1, 2]);
    }
}

//! `TaskRef`: the loop's side of a task, counted without atomics.
//!
//! A task's allocation is an `Arc` because its wakers may live on any thread
//! (see [`waker`](super::waker)). Everything on the loop's thread that holds
//! the task (its slot in the task table, its `JoinHandle`, the poll in
//! progress) shares *one* of that `Arc`'s strong counts and counts itself in
//! a plain `Cell` in the header instead:
//!
//! ```text
//!   TaskRef ─┐
//!   TaskRef ─┼─▶ header.local = 3 ──▶ one strong count of the Arc
//!   TaskRef ─┘                          (+ one per waker clone)
//! ```
//!
//! Cloning a `TaskRef` is an increment of a `Cell`, as cheap as an `Rc`.
//! When the last one drops, [`Owned::release`] drops every value of the task
//! that is not `Send` (on this thread, the only one a `TaskRef` can be on:
//! it is neither `Send` nor `Sync`), and then the loop's strong count is
//! given back. Whoever gives back the last count (the loop or a waker on
//! some other thread) frees the memory.

use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::RawWakerVTable;

use super::waker::WakerRef;

/// What the loop's side of a task can count and release.
pub(crate) trait Owned {
    /// How many `TaskRef`s point at this task.
    fn local(&self) -> &Cell<u32>;
    /// Drops every value that is not `Send`: the last `TaskRef` is going.
    fn release(&self);
    /// The vtable of the task's wakers (`waker::vtable` of the cell's type).
    fn waker_vtable(&self) -> &'static RawWakerVTable;
}

/// A counted loop-side pointer to a task, seen as `T` (the task's own type,
/// or `dyn AnyTask` / `dyn JoinTask<O>`).
pub(crate) struct TaskRef<T: ?Sized + Owned> {
    /// Points into an `Arc<T>` allocation, of which all `TaskRef`s of this
    /// task together own one strong count.
    ptr: NonNull<T>,
}

impl<T: Owned> TaskRef<T> {
    /// Takes over `arc`'s count as the loop side's.
    pub(crate) fn new(arc: Arc<T>) -> TaskRef<T> {
        arc.local().set(1);
        // `into_raw`'s pointer (not one made from a reference) keeps the
        // provenance of the whole allocation, counts included, which the
        // last `TaskRef` needs to give the count back.
        let ptr = Arc::into_raw(arc).cast_mut();
        TaskRef {
            ptr: NonNull::new(ptr).expect("an Arc's pointer is never null"),
        }
    }

    /// Sees the same task through another type (a trait object).
    ///
    /// # Safety
    ///
    /// `unsize` must return its argument, only unsized (`|p| p` with a
    /// coercion to `NonNull<dyn Trait>`), or cast to a `repr(transparent)`
    /// wrapper of `T` first: the same allocation, with a type of the same
    /// layout behind it (what `Arc::from_raw` requires when the last
    /// reference frees it).
    pub(crate) unsafe fn unsize<U: ?Sized + Owned>(
        self,
        unsize: impl FnOnce(NonNull<T>) -> NonNull<U>,
    ) -> TaskRef<U> {
        let ptr = unsize(self.ptr);
        debug_assert!(std::ptr::addr_eq(ptr.as_ptr(), self.ptr.as_ptr()));
        // The count moves to the new `TaskRef`.
        std::mem::forget(self);
        TaskRef { ptr }
    }
}

impl<T: ?Sized + Owned> TaskRef<T> {
    /// The task's waker, lent (uncounted) for as long as `self` is borrowed:
    /// what a poll passes to the future, at no cost.
    pub(crate) fn waker(&self) -> WakerRef<'_> {
        // SAFETY: `ptr` is `Arc::into_raw`'s pointer (whole-allocation
        // provenance), kept alive by the loop side's count while `self` is
        // borrowed; `waker_vtable` is the vtable of the cell's own type.
        unsafe { WakerRef::new(self.ptr.as_ptr().cast_const().cast(), self.waker_vtable()) }
    }

    /// How many wakers of this task exist besides the loop's own hold: zero
    /// means nothing can wake it any more.
    pub(crate) fn wakers_out(&self) -> usize {
        // SAFETY: `ptr` came from `Arc::into_raw` and the loop side's count
        // keeps it alive; the `ManuallyDrop` never gives that count back.
        let arc = std::mem::ManuallyDrop::new(unsafe { Arc::from_raw(self.ptr.as_ptr()) });
        Arc::strong_count(&arc) - 1
    }
}

impl<T: ?Sized + Owned> std::ops::Deref for TaskRef<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the loop side's strong count (held while any `TaskRef`
        // lives) keeps the allocation alive; the value is only ever shared.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: ?Sized + Owned> Clone for TaskRef<T> {
    fn clone(&self) -> TaskRef<T> {
        let local = self.local();
        local.set(local.get() + 1);
        TaskRef { ptr: self.ptr }
    }
}

impl<T: ?Sized + Owned> Drop for TaskRef<T> {
    fn drop(&mut self) {
        let local = self.local();
        let left = local.get() - 1;
        local.set(left);
        if left == 0 {
            self.release();
            // SAFETY: this was the last `TaskRef`, so the loop side's strong
            // count, taken in `new` from `Arc::into_raw`, is given back once.
            drop(unsafe { Arc::from_raw(self.ptr.as_ptr()) });
        }
    }
}

//! `TaskRef`: the loop's side of a task, counted without atomics.
//!
//! A task's allocation has an atomic count of owners (`header.strong`, see
//! [`count`](super::count)) because its wakers may live on any thread (see
//! [`waker`](super::waker)). Everything on the loop's thread that holds the
//! task (its slot in the task table, its `JoinHandle`, the poll in
//! progress, a task group's record) shares *one* of those counts and
//! counts itself in a plain `Cell` in the header instead:
//!
//! ```text
//!   TaskRef ─┐
//!   TaskRef ─┼─▶ header.refs = 3 ──▶ one count in header.strong
//!   TaskRef ─┘                          (+ one per waker clone)
//! ```
//!
//! Cloning a `TaskRef` is an increment of a `Cell`, as cheap as an `Rc`.
//! When the last one drops, the vtable's `release` drops every value of the
//! task that is not `Send` (on this thread, the only one a `TaskRef` can be
//! on: it is neither `Send` nor `Sync`), and then the loop's count is
//! given back. Whoever gives back the last count (the loop or a waker on
//! some other thread) frees the memory.
//!
//! A `TaskRef` is one pointer wide, whatever the future's type: it points to
//! the task's [`Header`], and the header's vtable knows the rest.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::rc::Rc;

use super::Header;
use super::schedule::Host;
use super::vtable::Polled;
use super::waker::WakerRef;

/// A counted loop-side pointer to a task of any future type.
pub(crate) struct TaskRef {
    /// The header of a `TaskCell<..>` in its slot, of which all
    /// `TaskRef`s of this task together own one count.
    ptr: NonNull<Header>,
}

impl TaskRef {
    /// Takes over one count of the task's allocation as the loop side's.
    ///
    /// # Safety
    ///
    /// `ptr` must be the place pointer of a task cell whose header
    /// is at offset 0 and carries that cell type's vtable, and the caller
    /// hands over one count that no other `TaskRef` holds.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> TaskRef {
        // SAFETY: the caller's promise: a live header.
        unsafe { ptr.as_ref() }.refs.set(1);
        TaskRef { ptr }
    }

    /// The header, for as long as `self` is borrowed.
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: the loop side's count (held while any `TaskRef`
        // lives) keeps the allocation alive; the header is only ever shared.
        unsafe { self.ptr.as_ref() }
    }

    /// The task's waker, lent (uncounted) for as long as `self` is borrowed:
    /// what a poll passes to the future, at no cost.
    pub(crate) fn waker(&self) -> WakerRef<'_> {
        // SAFETY: `ptr` is the task's place pointer (whole-chunk
        // provenance), kept alive by the loop side's count while `self` is
        // borrowed; `waker` is the vtable of the cell's own type.
        unsafe {
            WakerRef::new(
                self.ptr.as_ptr().cast_const().cast(),
                self.header().vtable.waker,
            )
        }
    }

    /// Polls the task's future once (see `TaskVTable::poll`).
    pub(crate) fn poll(&self) -> Polled {
        // SAFETY: a live task (our count), on its loop's thread (`TaskRef`
        // is neither `Send` nor `Sync`).
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Drops the future where it is parked (see `TaskVTable::drop_future`).
    pub(crate) fn drop_future(&self) -> Option<String> {
        // SAFETY: as `poll`.
        unsafe { (self.header().vtable.drop_future)(self.ptr) }
    }

    /// The panic message of a failure nobody has taken out yet.
    pub(crate) fn failure(&self) -> Option<String> {
        // SAFETY: as `poll`.
        unsafe { (self.header().vtable.failure)(self.ptr) }
    }

    /// The loop that runs the task, if it is still there (see
    /// `TaskVTable::host`).
    pub(crate) fn host(&self) -> Option<Rc<dyn Host>> {
        // SAFETY: as `poll`.
        unsafe { (self.header().vtable.host)(self.ptr) }
    }

    /// How many wakers of this task exist: zero means nothing can wake it.
    pub(crate) fn wakers_out(&self) -> usize {
        // SAFETY: as `poll`; only reads the count.
        unsafe { (self.header().vtable.strong_count)(self.ptr) - 1 }
    }

    /// The header pointer (for handles that read the output through their
    /// own typed vtable).
    pub(crate) fn as_ptr(&self) -> NonNull<Header> {
        self.ptr
    }
}

/// A task that a wake on its loop's thread found live (not finished), lent
/// to the schedule hook for the length of the wake: the hook reads its
/// header and takes a [`TaskRef`] for the ready queue, so that the poll
/// later goes straight to the task instead of looking its key up.
pub(crate) struct WokenTask<'a> {
    /// The waker's pointer seen as a `TaskRef` that counts nothing (never
    /// dropped): the header and a clone come from `TaskRef` itself.
    task: ManuallyDrop<TaskRef>,
    _wake: PhantomData<&'a Header>,
}

impl WokenTask<'_> {
    /// # Safety
    ///
    /// `ptr` must be the place pointer of a task cell (header at
    /// offset 0) that is alive for `'a`, and the caller must be on the
    /// task's loop thread with the task not finished. A task that is not
    /// finished is held by a `TaskRef` (its slot in the task table, or the
    /// spawn or first poll that is building it), so `refs` is at least 1
    /// and the loop side's count is held.
    pub(crate) unsafe fn new(ptr: NonNull<Header>) -> Self {
        WokenTask {
            task: ManuallyDrop::new(TaskRef { ptr }),
            _wake: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn header(&self) -> &Header {
        self.task.header()
    }

    /// One more loop-side reference to the task: a clone, which shares the
    /// loop side's count that the task's other `TaskRef`s hold (the
    /// constructor's promise).
    #[inline]
    pub(crate) fn task_ref(&self) -> TaskRef {
        debug_assert!(
            self.header().refs.get() > 0,
            "a live task is held by a TaskRef"
        );
        TaskRef::clone(&self.task)
    }
}

impl std::ops::Deref for TaskRef {
    type Target = Header;

    fn deref(&self) -> &Header {
        self.header()
    }
}

impl Clone for TaskRef {
    fn clone(&self) -> TaskRef {
        let refs = &self.header().refs;
        refs.set(refs.get() + 1);
        TaskRef { ptr: self.ptr }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        let refs = &self.header().refs;
        let left = refs.get() - 1;
        refs.set(left);
        if left == 0 {
            let vtable = self.header().vtable;
            // SAFETY: this was the last `TaskRef`: release the `!Send` values
            // on this (the loop's) thread, then give back the loop side's
            // count, taken in `from_raw`, exactly once.
            unsafe {
                (vtable.release)(self.ptr);
                (vtable.give_back)(self.ptr);
            }
        }
    }
}

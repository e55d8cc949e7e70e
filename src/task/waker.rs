//! The waker: how a parked task asks to be polled again.
//!
//! A task's waker points into the task's own allocation: waking needs no
//! allocation of its own, and spawning costs one `malloc`, not two. The
//! waker is a [`RawWaker`] whose data pointer is the task's pointer (which
//! is also its header's) and whose vtable (one per task type,
//! `TaskCell::WAKER`) keeps the allocation's count of owners
//! ([`count`](super::count)): cloning a waker adds one, dropping one
//! removes one, and the last one gone frees the task.
//!
//! ```text
//!   TaskCell<F, S> (in its slot)                header.strong =
//!   ┌──────────────────────────────┐              1 for the loop's side (all TaskRefs together)
//!   │ header.index, .id            │◀── any thread: constants (the key)
//!   │ header.state.queued, .strong │◀── any thread: atomics
//!   │ header: the rest             │◀── loop thread only
//!   │ hook: S                      │◀── any thread (Sync)
//!   │ stage: future, then output   │◀── loop thread only
//!   └──────────────────────────────┘            + 1 per waker clone stored somewhere
//! ```
//!
//! Wakers are `Send + Sync`, but a task may be `!Send`. What makes that
//! sound:
//!
//! 1. On any thread, a waker's functions reach only the header's `index`,
//!    `id`, `state.queued` and `strong` and the hook (through raw place
//!    projections, never a reference to the whole task): two constants, two
//!    atomics, and a `Sync` value. Only on the task's own thread (the
//!    hook's `owner`, compared with the calling thread's
//!    [`ThreadKey`](super::owner::ThreadKey)) do they read the rest of the
//!    header, which only that thread ever touches.
//! 2. The last loop-side reference releases, on the loop's thread, every
//!    value that is not `Send` (the future or its output, the noted wait)
//!    before giving up the loop side's count (see
//!    [`task_ref`](super::task_ref)). If a waker on another thread then
//!    drops the last count, what its drop frees holds only `Send` values.
//!
//! What a wake does:
//!
//! ```text
//!  waker.wake()
//!     │
//!  on the task's thread? ──yes──▶ state.wake_here(): finished or already queued? done
//!     │no                         else hook.schedule_here(header): record the cause,
//!     │                           push the task on the ready queue (no lock, no syscall)
//!     ▼
//!  state.queued.wake(): already queued? done
//!  else hook.schedule_remote(key): lock the remote queue, push the key,
//!  notify the loop once (many wakes before it runs cost one notification)
//! ```
//!
//! That is all a wake does: no polling, no events, no loop state borrowed,
//! no user code. The loop tells listeners about the wake later, when it
//! takes the wake in. The `RawWaker` contract this module keeps is in
//! [`std::task::RawWakerVTable`]'s docs: `clone` returns a waker that wakes
//! the same task, `wake` consumes its reference, `wake_by_ref` does not,
//! `drop` releases it, and all four may run on any thread.

use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::cell::TaskCell;
use super::owner::OnThread;
use super::schedule::Schedule;
use super::state::Wake;
use super::task_ref::WokenTask;
use super::{Header, TaskKey};

impl<F: Future + 'static, S: Schedule> TaskCell<F, S> {
    /// The vtable of this task type's wakers.
    pub(super) const WAKER: RawWakerVTable = RawWakerVTable::new(
        clone_waker,
        wake::<F, S>,
        wake_by_ref::<F, S>,
        drop_waker::<F, S>,
    );
}

/// A new waker holding one more count of the task's allocation (one
/// function for every task type: the header names the vtable).
unsafe fn clone_waker(data: *const ()) -> RawWaker {
    // SAFETY: `data` is the header pointer of a live task allocation (every
    // waker holds a count, and a lent waker's task is kept alive by the
    // loop while it is polled); the count is an atomic and the vtable a
    // constant, reached through raw place projections (rule 1). The new
    // waker owns the count added, and has the header's vtable pointer, as
    // every waker of the task has (see `joiner`).
    let vtable = unsafe {
        let header = data.cast::<Header>();
        (*header).strong.increment();
        (*header).vtable.waker
    };
    RawWaker::new(data, vtable)
}

unsafe fn wake<F: Future + 'static, S: Schedule>(data: *const ()) {
    // SAFETY: forwarded contract of `wake`: `data` is a live waker's pointer,
    // whose count is released right after.
    unsafe {
        wake_by_ref::<F, S>(data);
        drop_waker::<F, S>(data);
    }
}

// ANCHOR: wake
unsafe fn wake_by_ref<F: Future + 'static, S: Schedule>(data: *const ()) {
    let cell = data.cast::<TaskCell<F, S>>();
    // SAFETY: `cell` is alive (the waker's count); the hook is reached
    // through a raw place projection (rule 1), and `S: Sync`, so a shared
    // reference to it is fine on any thread.
    let hook = unsafe { &(*cell).hook };
    let on = OnThread::current();
    if on.is(hook.owner()) {
        // SAFETY: this is the task's own thread, the only one that touches
        // the header's other fields (rule 1), and they are `Cell`s: shared
        // references are all anyone holds.
        let header = unsafe { &(*cell).header };
        if header.state.wake_here() == Wake::Schedule {
            // SAFETY: `data` is the task's place pointer (header at
            // offset 0, `repr(C)`), alive for this call (the waker's count);
            // this is the loop's thread, and `wake_here` found the task not
            // finished.
            let task = unsafe { WokenTask::new(NonNull::new_unchecked(data.cast_mut().cast())) };
            hook.schedule_here(task, &on);
        }
    } else {
        // SAFETY: `queued` is an atomic, `index` and `id` are constants
        // (rule 1), each reached by a raw place projection.
        let (queued, index, id) = unsafe {
            let header = &raw const (*cell).header;
            (&(*header).state.queued, (*header).index, (*header).id)
        };
        if queued.wake() == Wake::Schedule {
            hook.schedule_remote(TaskKey::of(index, id));
        }
    }
}
// ANCHOR_END: wake

unsafe fn drop_waker<F: Future + 'static, S: Schedule>(data: *const ()) {
    // SAFETY: the waker owned one count of the task's allocation; giving it
    // back may free the task, which rule 2 of the module docs makes safe on
    // any thread.
    unsafe { TaskCell::<F, S>::give_back(NonNull::new_unchecked(data.cast_mut().cast())) };
}

/// A waker that borrows the task instead of counting: what a poll
/// lends its future through `Context`, at no cost. Cloning it (as a future
/// does to store it) makes a counted waker.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a ()>,
}

impl WakerRef<'_> {
    /// # Safety
    ///
    /// `data` must be the pointer of a task cell's place (its provenance
    /// covers the whole chunk, where the last count gives the slot back),
    /// `vtable` must be that cell type's waker vtable, and the task must
    /// stay alive for the returned borrow.
    pub(crate) unsafe fn new<'a>(data: *const (), vtable: &'static RawWakerVTable) -> WakerRef<'a> {
        // SAFETY: the vtable's functions are called with `data`, the pointer
        // of a live task (the caller's promise). The `ManuallyDrop` keeps
        // this waker from releasing a count it never took.
        let waker = unsafe { Waker::from_raw(RawWaker::new(data, vtable)) };
        WakerRef {
            waker: ManuallyDrop::new(waker),
            _task: PhantomData,
        }
    }
}

impl Deref for WakerRef<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}

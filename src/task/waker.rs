//! The waker: how a parked task asks to be polled again.
//!
//! A task's waker points into the task's own allocation: waking needs no
//! allocation of its own, and spawning costs one `malloc`, not two. The
//! waker is a [`RawWaker`] whose data pointer is the task's `Arc` pointer
//! and whose vtable (one per future type, [`vtable`]) keeps that `Arc`'s
//! strong count: cloning a waker adds one, dropping one removes one.
//!
//! ```text
//!   Arc<TaskCell<F>> allocation                 strong count =
//!   ┌──────────────────────────────┐              1 for the loop's side (all TaskRefs together)
//!   │ header.wake: WakeState       │◀── any thread: key, queued, shared (atomics and
//!   │   key · queued · shared      │                immutable fields only)
//!   │ header: id, name, counters…  │◀── loop thread only
//!   │ stage: future, then output   │◀── loop thread only
//!   └──────────────────────────────┘            + 1 per waker clone stored somewhere
//! ```
//!
//! Wakers are `Send + Sync`, but a task may be `!Send`. What makes that
//! sound:
//!
//! 1. On any thread, the waker's functions reach only [`WakeState`]
//!    (through a raw place projection, never a reference to the whole
//!    task): atomics and fields that never change after spawn. Only on the
//!    thread running the task's own loop (checked by comparing the loop's
//!    `Shared` with the task's) do they go on to the rest of the header, to
//!    count the wake and queue the task without a table lookup; that thread
//!    is the only one that ever touches those fields.
//! 2. The last loop-side reference releases, on the loop's thread, every
//!    value that is not `Send` (the future or its output, the noted wait)
//!    before giving up the loop's strong count (see
//!    [`task_ref`](super::task_ref)). If a waker on another thread then
//!    drops the last count, what its drop frees holds only `Send` values.
//!
//! What a wake does:
//!
//! ```text
//!  waker.wake()
//!     │  queued.swap(true) was already true? ──▶ done: a task is queued at most once
//!     ▼
//!  on the loop's thread, inside the loop? ──yes──▶ finished? nothing; else count the wake
//!     │no                                         in the header and push the key on the
//!     │                                           ready queue (no lock, no syscall)
//!     ▼
//!  lock the remote queue, push the key, notify the loop once
//!  (a sleeping loop wakes up; many wakes before it runs cost one notification)
//! ```
//!
//! The flag is cleared just before the task is polled, so a wake that arrives
//! during the poll queues the task again. A waker that outlives its runtime
//! finds `closed` set and does nothing. The `RawWaker` contract this module
//! keeps is in [`std::task::RawWakerVTable`]'s docs: `clone` returns a waker
//! that wakes the same task, `wake` consumes its reference, `wake_by_ref`
//! does not, `drop` releases it, and all four may run on any thread.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::header::Header;
use crate::executor::{Key, Shared, context};

/// The part of a task any thread may touch: what a wake needs.
pub(crate) struct WakeState {
    pub(crate) key: Key,
    pub(crate) queued: AtomicBool,
    pub(crate) shared: Arc<Shared>,
}

impl WakeState {
    pub(crate) fn new(key: Key, shared: Arc<Shared>) -> WakeState {
        WakeState {
            key,
            // A new task is queued by spawn itself.
            queued: AtomicBool::new(true),
            shared,
        }
    }

    /// Marks the task queued; true if it was not queued before (this wake
    /// must put it on a queue).
    pub(crate) fn mark_queued(&self) -> bool {
        !self.queued.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn is_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire)
    }

    pub(crate) fn clear_queued(&self) {
        self.queued.store(false, Ordering::Release);
    }
}

/// Wakes the task whose header is at `header`.
///
/// # Safety
///
/// `header` must point to a live `Header` (a waker's count keeps it alive),
/// reached without creating a reference to the rest of the task.
unsafe fn wake_header(header: *const Header) {
    // SAFETY: the caller's promise; `WakeState` is `Sync`, and the raw
    // projection references nothing else of the task.
    let state = unsafe { &(*header).wake };
    let local = context::with_local_core(&state.shared, |core| {
        // SAFETY: this thread runs the loop the task belongs to, the only
        // thread that ever touches the header's other (non-atomic) fields,
        // and nothing else borrows them mutably now; the memory is alive
        // (the caller's promise).
        core.wake(unsafe { &*header });
    });
    if !local {
        state.shared.wake_remote(state);
    }
}

/// A type whose `Arc` can serve as a task's waker: it lends its
/// [`Header`] by raw pointer.
///
/// # Safety
///
/// `header` must return a pointer to the `Header` inside `*this`, computed
/// without creating a reference to `*this` (other threads call it while the
/// loop's thread mutates the rest of the value).
pub(crate) unsafe trait Wakeable: Sized {
    fn header(this: *const Self) -> *const Header;
}

/// The vtable of wakers into an `Arc<T>` (one per type, promoted to a
/// `'static` constant).
pub(crate) fn vtable<T: Wakeable>() -> &'static RawWakerVTable {
    &RawWakerVTable::new(
        clone_waker::<T>,
        wake::<T>,
        wake_by_ref::<T>,
        drop_waker::<T>,
    )
}

/// A new waker holding one more strong count of `task`'s `Arc`.
unsafe fn clone_waker<T: Wakeable>(data: *const ()) -> RawWaker {
    // SAFETY: `data` is the pointer of a live `Arc<T>` (every waker holds a
    // count, and a lent waker's task is kept alive by the loop while it is
    // polled); the new waker owns the count added here.
    unsafe { Arc::increment_strong_count(data.cast::<T>()) };
    RawWaker::new(data, vtable::<T>())
}

unsafe fn wake<T: Wakeable>(data: *const ()) {
    // SAFETY: forwarded contract of `wake`: `data` is a live waker's pointer,
    // whose count is released right after.
    unsafe {
        wake_by_ref::<T>(data);
        drop_waker::<T>(data);
    }
}

unsafe fn wake_by_ref<T: Wakeable>(data: *const ()) {
    // SAFETY: `data` points to a live `T` (the waker's count keeps it
    // alive); `Wakeable`'s contract gives a pointer to its header without
    // referencing the rest.
    unsafe { wake_header(T::header(data.cast::<T>())) };
}

unsafe fn drop_waker<T: Wakeable>(data: *const ()) {
    // SAFETY: the waker owned one strong count of this `Arc<T>`; giving it
    // back may free the task, which rule 2 of the module docs makes safe on
    // any thread.
    unsafe { Arc::decrement_strong_count(data.cast::<T>()) };
}

/// A waker that borrows `task`'s `Arc` instead of counting: what a poll
/// lends its future through `Context`, at no cost. Cloning it (as a future
/// does to store it) makes a counted waker.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a ()>,
}

impl WakerRef<'_> {
    /// # Safety
    ///
    /// `data` must be the pointer `Arc::into_raw` gave for an `Arc<T>`
    /// (its provenance covers the counts the vtable updates), `vtable` must
    /// be [`vtable::<T>()`](vtable), and the `Arc` must stay alive for the
    /// returned borrow.
    pub(crate) unsafe fn new<'a>(data: *const (), vtable: &'static RawWakerVTable) -> WakerRef<'a> {
        // SAFETY: the vtable's functions are called with `data`, the pointer
        // of a live `Arc<T>` (the caller's promise). The `ManuallyDrop` keeps
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

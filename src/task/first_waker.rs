//! The waker of a first poll: what `block_on` lends its future before the
//! loop exists.
//!
//! A runtime that nothing has used yet polls `block_on`'s future once before
//! it builds anything (`executor/first_poll.rs`): a future that is ready at
//! once then costs no allocation and no loop at all. But a poll needs a
//! waker, and the task the future would be has no header yet, so it has no
//! waker of its own. This one stands in for it, on `block_on`'s stack:
//!
//! ```text
//!   during the first poll, the future…        the first waker…
//!   ───────────────────────────────────       ──────────────────────────────────────
//!   yields (wake_by_ref)                      sets a flag; the loop reads it after the poll
//!   keeps the waker to wait (clone),          builds the loop and the root task, and
//!     on the loop's thread                    returns the root's own waker
//!   …on another thread (a scoped thread)      returns a forwarding waker that passes
//!                                             its wakes on once the root exists
//! ```
//!
//! So after the first poll the root's wakers are the root's own (the
//! forwarding one exists only if another thread cloned during the poll),
//! and nothing the future keeps points into `block_on`'s stack.
//!
//! The waker is only ever lent, by reference, through the poll's
//! `Context`: nobody can own it, so its `wake` and `drop` entries are never
//! called with it (they are there because the vtable has them).

use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{RawWaker, RawWakerVTable, Wake, Waker};

/// Lives on `block_on`'s stack for one poll; lends a [`Waker`] pointing to
/// itself.
pub(crate) struct FirstWaker {
    woken: AtomicBool,
    /// Which first poll this is (an address the executor gives): a clone
    /// asks `root_waker` for the root's waker of this one.
    poll: usize,
    /// Builds the loop and the root task of first poll `poll` and returns
    /// the root's waker; `None` on a thread where `poll` is not in progress.
    root_waker: fn(usize) -> Option<Waker>,
    /// The forwarding waker, made at the first clone on another thread.
    forward: OnceLock<Arc<Forward>>,
}

impl FirstWaker {
    pub(crate) fn new(poll: usize, root_waker: fn(usize) -> Option<Waker>) -> FirstWaker {
        FirstWaker {
            woken: AtomicBool::new(false),
            poll,
            root_waker,
            forward: OnceLock::new(),
        }
    }

    /// Runs `poll` with a waker that points to `self`.
    pub(crate) fn lend<R>(&self, poll: impl FnOnce(&Waker) -> R) -> R {
        let raw = RawWaker::new(std::ptr::from_ref(self).cast(), &VTABLE);
        // SAFETY: the vtable's functions keep the `RawWaker` contract for a
        // data pointer to a `FirstWaker` (see each function), and the pointer
        // stays valid as long as this waker can be used: it is lent by
        // reference to `poll` only, while `self` is borrowed, and every clone
        // is an owned waker of its own that does not point to `self`. The
        // waker is never dropped (ManuallyDrop), which is right, since it
        // owns nothing.
        let waker = ManuallyDrop::new(unsafe { Waker::from_raw(raw) });
        poll(&waker)
    }

    /// True when dropping it would let go of nothing: no other thread
    /// cloned it, so no forwarding waker was made (then it may be
    /// forgotten, without its drop glue).
    #[inline]
    pub(crate) fn owns_nothing(&self) -> bool {
        self.forward.get().is_none()
    }

    /// Whether the future woke itself during the poll.
    pub(crate) fn was_woken(&self) -> bool {
        self.woken.load(Ordering::Acquire)
    }

    /// The root exists: wakes kept by a forwarding waker go to `root` from
    /// now on (and one that came already is passed on).
    pub(crate) fn forward_to(&self, root: &Waker) {
        if let Some(forward) = self.forward.get() {
            forward.set_target(root.clone());
        }
    }

    fn clone_waker(&self) -> Waker {
        if let Some(waker) = (self.root_waker)(self.poll) {
            return waker;
        }
        Waker::from(self.forward.get_or_init(Arc::default).clone())
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake_by_ref, wake_by_ref, drop_lent);

/// `clone`: an owned waker for the root (its own, or a forwarding one).
fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is the `FirstWaker` of `lend`, alive while its waker can
    // be used (see `lend`); it is `Sync`, so any thread may read it.
    let first = unsafe { &*data.cast::<FirstWaker>() };
    let waker = ManuallyDrop::new(first.clone_waker());
    // The clone's reference passes to the returned `RawWaker`.
    RawWaker::new(waker.data(), waker.vtable())
}

/// `wake_by_ref` (and `wake`, never called on a lent waker): a flag.
fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `clone`.
    let first = unsafe { &*data.cast::<FirstWaker>() };
    first.woken.store(true, Ordering::Release);
}

/// `drop`: the lent waker owns nothing.
fn drop_lent(_: *const ()) {}

/// A waker made by a clone on another thread before the root existed: it
/// keeps a wake until it learns the root's waker, then passes wakes on.
#[derive(Default)]
struct Forward {
    state: Mutex<ForwardState>,
}

#[derive(Default)]
struct ForwardState {
    woken: bool,
    target: Option<Waker>,
}

impl Forward {
    fn set_target(&self, target: Waker) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if std::mem::take(&mut state.woken) {
            target.wake_by_ref();
        }
        state.target = Some(target);
    }
}

impl Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &state.target {
            Some(target) => target.wake_by_ref(),
            None => state.woken = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts its wakes in a counter of the test's own.
    struct Counting(&'static AtomicUsize);

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn no_root(_: usize) -> Option<Waker> {
        None
    }

    static ROOT_WAKES: AtomicUsize = AtomicUsize::new(0);

    thread_local! {
        /// Set by a test on its own thread: here, a root can be built.
        static LOOP_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    fn counting_root(_: usize) -> Option<Waker> {
        LOOP_THREAD
            .get()
            .then(|| Waker::from(Arc::new(Counting(&ROOT_WAKES))))
    }

    #[test]
    fn a_wake_during_the_poll_is_a_flag() {
        let first = FirstWaker::new(1, no_root);
        assert!(!first.was_woken());
        first.lend(Waker::wake_by_ref);
        assert!(first.was_woken());
    }

    #[test]
    fn a_clone_on_the_loops_thread_is_the_roots_own_waker() {
        LOOP_THREAD.set(true);
        let first = FirstWaker::new(1, counting_root);
        let kept = first.lend(Waker::clone);
        assert!(
            first.forward.get().is_none(),
            "no forwarding waker was needed"
        );
        kept.wake();
        assert_eq!(ROOT_WAKES.load(Ordering::SeqCst), 1);
        assert!(!first.was_woken());
    }

    #[test]
    fn a_clone_on_another_thread_forwards_once_the_root_exists() {
        static WAKES: AtomicUsize = AtomicUsize::new(0);
        let first = FirstWaker::new(1, counting_root);
        let kept = first.lend(|w| std::thread::scope(|s| s.spawn(|| w.clone()).join().unwrap()));
        // Woken twice before the root exists: one wake is kept, and passed on.
        kept.wake_by_ref();
        kept.wake_by_ref();
        first.forward_to(&Waker::from(Arc::new(Counting(&WAKES))));
        assert_eq!(WAKES.load(Ordering::SeqCst), 1);
        drop(first);
        std::thread::spawn(move || kept.wake()).join().unwrap();
        assert_eq!(
            WAKES.load(Ordering::SeqCst),
            2,
            "the clone outlives the first waker"
        );
    }

    #[test]
    fn a_clone_where_no_root_can_be_built_forwards_too() {
        let first = FirstWaker::new(1, no_root);
        let a = first.lend(Waker::clone);
        let b = first.lend(Waker::clone);
        assert!(a.will_wake(&b), "one forwarding waker serves every clone");
    }
}

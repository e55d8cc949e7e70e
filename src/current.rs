//! "The loop running on this thread", as each layer sees it.
//!
//! Free functions such as [`sleep`](crate::sleep), [`Instant::now`](crate::time::Instant::now)
//! and [`spawn`](crate::spawn) take no runtime argument: they act on the loop
//! running on this thread, as asyncio's `get_running_loop()` does. Each layer
//! keeps its own slot for the one part it needs, so that no layer reaches
//! above itself:
//!
//! ```text
//!   time::sleep      ──▶ the timer driver   (slot in time/)
//!   io::Async::new   ──▶ the reactor        (slot in io/)
//!   evloop::spawn    ──▶ the loop itself    (slot in executor/)
//! ```
//!
//! The executor fills every slot while one of its driving methods runs (and
//! inside [`Runtime::enter`](crate::Runtime::enter)), and restores what was
//! there before when it returns.
//!
//! A runtime that nothing has used yet has no parts to put in the slots: its
//! first `block_on` polls the future before the loop exists (see
//! `executor/first_poll.rs`). For the length of that poll the executor lends
//! this module the poll's state and a function that builds its loop from it
//! and fills the slots ([`lend_first_poll`]); a read that finds its slot
//! empty calls it and reads again. So `spawn` or `sleep` in that first poll
//! finds a loop, and a future that needs none never makes one. (The lending
//! is two stores into a thread-local, and its end one more: a fresh
//! `Runtime::new().block_on(ready)` pays that, not a look at a global.)
//!
//! A slot is read by cloning the `Rc` out, so no borrow of the slot is held
//! while the caller's code runs: that code may enter another loop, or the
//! same one, without a `RefCell` panic. Every access uses `try_with`, so a
//! runtime dropped while its thread is being torn down (a runtime kept in a
//! `thread_local!`) finds the slots empty instead of aborting the process.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::thread::LocalKey;

/// One layer's slot: which of its parts the running loop of this thread uses.
pub(crate) struct Current<T: 'static> {
    key: &'static LocalKey<RefCell<Option<Rc<T>>>>,
}

impl<T: 'static> Current<T> {
    /// A slot over a `thread_local!` declared by the layer.
    pub(crate) const fn new(key: &'static LocalKey<RefCell<Option<Rc<T>>>>) -> Current<T> {
        Current { key }
    }

    /// The part of the loop running on this thread, if any: the running
    /// loop's, or the one a first poll builds at its first use.
    #[inline]
    pub(crate) fn get(&self) -> Option<Rc<T>> {
        match self.read() {
            Some(part) => Some(part),
            None => self.read_at_first_use(),
        }
    }

    #[cold]
    #[inline(never)]
    fn read_at_first_use(&self) -> Option<Rc<T>> {
        if first_use() { self.read() } else { None }
    }

    #[inline]
    fn read(&self) -> Option<Rc<T>> {
        self.key
            .try_with(|slot| slot.try_borrow().ok().and_then(|s| s.clone()))
            .ok()
            .flatten()
    }

    /// Runs `f` with the part of the loop running on this thread, if any.
    /// Inlined into its caller, so that `f` is too: each `spawn` is such a
    /// call, and left to the optimizer, its inlining came and went with
    /// changes elsewhere in the crate (17 instructions a spawn).
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Rc<T>) -> R) -> Option<R> {
        self.get().map(|part| f(&part))
    }

    /// Makes `part` this thread's until the guard drops (which puts back
    /// whatever was there before: guards nest).
    pub(crate) fn enter(&self, part: Rc<T>) -> Entered<T> {
        let previous = self
            .key
            .try_with(|slot| slot.try_borrow_mut().ok().map(|mut s| s.replace(part)))
            .ok()
            .flatten()
            .flatten();
        Entered {
            key: self.key,
            previous,
        }
    }
}

/// The first poll in progress on this thread: its state (opaque here; null
/// when no first poll runs) and what builds its loop from that state and
/// fills the slots (true when it did).
struct FirstPoll {
    state: Cell<*const ()>,
    build: Cell<fn(*const ()) -> bool>,
}

fn builds_nothing(_: *const ()) -> bool {
    false
}

thread_local! {
    static FIRST_POLL: FirstPoll = const {
        FirstPoll {
            state: Cell::new(std::ptr::null()),
            build: Cell::new(builds_nothing),
        }
    };
}

/// Builds the loop of the first poll in progress, if any; true when the
/// slots are filled now.
fn first_use() -> bool {
    FIRST_POLL
        .try_with(|f| (f.state.get(), f.build.get()))
        .is_ok_and(|(state, build)| !state.is_null() && build(state))
}

/// Lends the first poll in progress on this thread (its `state`, and
/// `build`, which builds its loop from it and fills the slots) until the
/// guard drops. First polls do not nest (`block_on` cannot).
#[inline]
pub(crate) fn lend_first_poll(state: *const (), build: fn(*const ()) -> bool) -> FirstPollLent {
    let _ = FIRST_POLL.try_with(|f| {
        f.build.set(build);
        f.state.set(state);
    });
    FirstPollLent(())
}

/// The state lent by the first poll in progress on this thread (null for
/// none).
#[inline]
pub(crate) fn first_poll_state() -> *const () {
    FIRST_POLL
        .try_with(|f| f.state.get())
        .unwrap_or(std::ptr::null())
}

/// Ends a [`lend_first_poll`] (also when the poll unwinds).
pub(crate) struct FirstPollLent(());

impl Drop for FirstPollLent {
    #[inline]
    fn drop(&mut self) {
        let _ = FIRST_POLL.try_with(|f| f.state.set(std::ptr::null()));
    }
}

/// Restores a slot's previous value when dropped.
pub(crate) struct Entered<T: 'static> {
    key: &'static LocalKey<RefCell<Option<Rc<T>>>>,
    previous: Option<Rc<T>>,
}

impl<T: 'static> Drop for Entered<T> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let old = self
            .key
            .try_with(|slot| {
                slot.try_borrow_mut()
                    .ok()
                    .map(|mut s| std::mem::replace(&mut *s, previous))
            })
            .ok()
            .flatten();
        // The part leaving the slot is dropped here, after the borrow ended.
        drop(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SLOT: RefCell<Option<Rc<u32>>> = const { RefCell::new(None) };
    }
    const CURRENT: Current<u32> = Current::new(&SLOT);

    #[test]
    fn guards_nest_and_restore() {
        assert_eq!(CURRENT.get(), None);
        let outer = CURRENT.enter(Rc::new(1));
        assert_eq!(CURRENT.with(|v| **v), Some(1));
        {
            let _inner = CURRENT.enter(Rc::new(2));
            assert_eq!(CURRENT.with(|v| **v), Some(2));
            // Reading does not hold a borrow: entering inside `with` works.
            CURRENT.with(|_| {
                let _again = CURRENT.enter(Rc::new(3));
                assert_eq!(CURRENT.with(|v| **v), Some(3));
            });
            assert_eq!(CURRENT.with(|v| **v), Some(2));
        }
        assert_eq!(CURRENT.with(|v| **v), Some(1));
        drop(outer);
        assert_eq!(CURRENT.get(), None);
    }

    thread_local! {
        /// The states a test's `build` was called with.
        static BUILT_FROM: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    }

    fn build(state: *const ()) -> bool {
        BUILT_FROM.with(|b| b.borrow_mut().push(state.addr()));
        false
    }

    #[test]
    fn an_empty_slot_asks_the_first_poll_lent_and_nothing_else() {
        // A real runtime's first poll ends; nothing of it stays lent.
        crate::Runtime::builder()
            .debug(false)
            .build()
            .block_on(async {});
        assert!(!first_use(), "no first poll runs here");
        let state = 7u8;
        let state: *const () = std::ptr::from_ref(&state).cast();
        {
            let _lent = lend_first_poll(state, build);
            assert_eq!(first_poll_state(), state);
            assert_eq!(CURRENT.get(), None, "`build` filled nothing");
            assert_eq!(BUILT_FROM.with(|b| b.take()), [state.addr()]);
        }
        assert!(first_poll_state().is_null());
        assert_eq!(CURRENT.get(), None);
        assert!(
            BUILT_FROM.with(|b| b.take()).is_empty(),
            "the lending ended"
        );
    }
}

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
//! A slot is read by cloning the `Rc` out, so no borrow of the slot is held
//! while the caller's code runs: that code may enter another loop, or the
//! same one, without a `RefCell` panic. Every access uses `try_with`, so a
//! runtime dropped while its thread is being torn down (a runtime kept in a
//! `thread_local!`) finds the slots empty instead of aborting the process.

use std::cell::RefCell;
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

    /// The part of the loop running on this thread, if any.
    pub(crate) fn get(&self) -> Option<Rc<T>> {
        self.key
            .try_with(|slot| slot.try_borrow().ok().and_then(|s| s.clone()))
            .ok()
            .flatten()
    }

    /// Runs `f` with the part of the loop running on this thread, if any.
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
}

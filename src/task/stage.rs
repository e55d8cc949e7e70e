//! A task's stage: its future, then its output, in one place whose tag (which
//! of the two it holds, if any) is a byte of the header.
//!
//! ```text
//!   header.stage (one byte)        the cell's stage (a union, no tag of its own)
//!   ┌────────────────────────┐     ┌───────────────────────────────────────┐
//!   │ OUT │ tag: RUNNING     │ ──▶ │ future: F                             │
//!   │     │      FINISHED    │ ──▶ │ output: Result<F::Output, Box<Error>> │
//!   │     │      CONSUMED    │ ──▶ │ (nothing: moved out or dropped)       │
//!   └────────────────────────┘     └───────────────────────────────────────┘
//!        Running ──finish──▶ Finished ──take_outcome──▶ Consumed
//!           └──────── drop_contents (from either) ───────▶ Consumed
//! ```
//!
//! Why not an `enum`: a future has no spare bit pattern for an enum to keep
//! its tag in (an `async` block's own state byte is not offered as one when
//! another variant holds data), so `enum Stage { Running(F), Finished(..),
//! Consumed }` added a word to every task, 8 bytes of a parked task's 176.
//! Here the tag takes two bits of the byte beside the task's state that
//! already held the stage's borrow flag (`OUT`), and the stage is exactly
//! as big as the larger of the future and the output.
//!
//! The price is that nothing checks the tag for us, so everything that reads
//! or writes the stage goes through [`StageMut`], whose methods each look at
//! the tag before they touch the union, and change the tag in the same
//! step as the value. That is this file's whole job.

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;

use super::error::JoinError;

/// What a finished task keeps for its handle: the output, or why there is
/// none. The error is boxed: failures are rare, and an inline `JoinError`
/// (its message, a panic's payload) would make every task bigger.
pub(crate) type Outcome<F> = Result<<F as Future>::Output, Box<JoinError>>;

/// The header's byte for the stage: the tag and the borrow flag.
pub(crate) struct StageTag(Cell<u8>);

/// The future is there (a new task starts here).
const RUNNING: u8 = 0;
/// The outcome is there.
const FINISHED: u8 = 1;
/// Nothing is there.
const CONSUMED: u8 = 2;
const TAG: u8 = 0b11;
/// A [`StageMut`] is out.
const OUT: u8 = 0b100;

impl StageTag {
    #[inline]
    pub(crate) fn new() -> StageTag {
        StageTag(Cell::new(RUNNING))
    }

    #[inline]
    fn tag(&self) -> u8 {
        self.0.get() & TAG
    }
}

/// The stage's storage: no tag (it is the header's), no drop of its own
/// (the cell drops what the tag says is there: [`StageCell::drop_with`]).
pub(crate) struct StageCell<F: Future>(UnsafeCell<Slot<F>>);

union Slot<F: Future> {
    future: ManuallyDrop<F>,
    outcome: ManuallyDrop<Outcome<F>>,
}

impl<F: Future> StageCell<F> {
    /// A stage holding `future` (its tag, [`StageTag::new`], says so).
    #[inline]
    pub(crate) fn new(future: F) -> StageCell<F> {
        StageCell(UnsafeCell::new(Slot {
            future: ManuallyDrop::new(future),
        }))
    }

    /// Borrows the stage, or `None` while it is borrowed already (a poll
    /// holds it while the future runs, and the future may reach its own task
    /// through a handle; such a second borrow is refused, as a `RefCell`
    /// refuses it).
    ///
    /// # Safety
    ///
    /// `tag` is this stage's tag and no other's (the header of the same
    /// task), it says truly what the stage holds, this stage is reached only
    /// through this function, and only on one thread. Its address never
    /// changes while the future is in it (the pinning rule of `cell.rs`).
    #[inline]
    pub(crate) unsafe fn borrow<'a>(&'a self, tag: &'a StageTag) -> Option<StageMut<'a, F>> {
        let bits = tag.0.get();
        if bits & OUT != 0 {
            return None;
        }
        tag.0.set(bits | OUT);
        // SAFETY: the flag was clear, so no `StageMut` of this stage is
        // alive (they all come from here, and each keeps the flag set until
        // it is dropped): this `&mut` is the only reference while it lives.
        let slot = unsafe { &mut *self.0.get() };
        Some(StageMut {
            slot,
            byte: tag,
            tag: bits,
        })
    }

    /// Drops what the tag says is there: the task's allocation is going.
    ///
    /// # Safety
    ///
    /// As for [`borrow`](StageCell::borrow); the stage is never used again.
    #[inline]
    pub(crate) unsafe fn drop_with(&mut self, tag: &StageTag) {
        if tag.tag() == CONSUMED {
            return; // The usual case: the loop's side emptied it.
        }
        // SAFETY: the caller's promise; `&mut self` rules out any borrow.
        if let Some(mut stage) = unsafe { self.borrow(tag) } {
            let _ = stage.drop_contents();
        }
    }
}

/// The stage, borrowed exclusively; gives it back (writes the tag, `OUT`
/// clear) when dropped. Each method reads the tag before it touches the
/// union. While the borrow lasts the tag is kept here, not in the header's
/// byte: nobody else reads it meanwhile (a second borrow looks only at
/// `OUT`), and a poll changes it twice (a store each, where one suffices).
pub(crate) struct StageMut<'a, F: Future> {
    slot: &'a mut Slot<F>,
    byte: &'a StageTag,
    tag: u8,
}

impl<F: Future> StageMut<'_, F> {
    /// The future still runs (it has been neither finished nor dropped).
    #[inline]
    pub(crate) fn is_running(&self) -> bool {
        self.tag == RUNNING
    }

    /// Nothing is left: the output was taken, or everything was dropped.
    #[inline]
    pub(crate) fn is_consumed(&self) -> bool {
        self.tag == CONSUMED
    }

    /// The future, pinned where it lives; `None` once it is gone.
    #[inline]
    pub(crate) fn future(&mut self) -> Option<Pin<&mut F>> {
        if !self.is_running() {
            return None;
        }
        // SAFETY: the tag says the union holds the future. It is never
        // moved out (it leaves only by `drop_contents`, in place), and the
        // stage's address is fixed (`StageCell::borrow`'s contract): pinned.
        Some(unsafe { Pin::new_unchecked(&mut *self.slot.future) })
    }

    /// The outcome, if the task finished and nobody took it.
    #[inline]
    pub(crate) fn outcome(&self) -> Option<&Outcome<F>> {
        if self.tag != FINISHED {
            return None;
        }
        // SAFETY: the tag says the union holds the outcome.
        Some(unsafe { &*self.slot.outcome })
    }

    /// Takes the outcome out, leaving nothing.
    #[inline]
    pub(crate) fn take_outcome(&mut self) -> Option<Outcome<F>> {
        if self.tag != FINISHED {
            return None;
        }
        self.tag = CONSUMED;
        // SAFETY: the tag said the union holds the outcome; it now says
        // nothing is there, so this read is the value's only owner.
        Some(unsafe { ManuallyDrop::take(&mut self.slot.outcome) })
    }

    /// Keeps the task's outcome. The stage must be empty (the future was
    /// dropped first: [`drop_contents`](StageMut::drop_contents)); if it is
    /// not, `outcome` is dropped and the stage kept as it is.
    #[inline]
    pub(crate) fn finish(&mut self, outcome: Outcome<F>) {
        if !self.is_consumed() {
            debug_assert!(
                false,
                "a stage finished twice, or before its future was dropped"
            );
            return;
        }
        self.slot.outcome = ManuallyDrop::new(outcome);
        self.tag = FINISHED;
    }

    /// Drops what the stage holds (the future, or an outcome nobody took)
    /// in place and leaves it empty. The payload if a destructor panicked.
    #[inline]
    pub(crate) fn drop_contents(&mut self) -> Option<Box<dyn Any + Send>> {
        let was = self.tag;
        // Empty before any destructor runs: whether or not it panics, the
        // value is dropped once, here, and never touched again.
        self.tag = CONSUMED;
        let slot: *mut Slot<F> = self.slot;
        // Each arm drops what the tag said is there, in place (the future's
        // pinning promise), once.
        let drop_in_place = || match was {
            // SAFETY: the tag said the union holds the future.
            RUNNING => unsafe { ManuallyDrop::drop(&mut (*slot).future) },
            // SAFETY: the tag said the union holds the outcome.
            FINISHED => unsafe { ManuallyDrop::drop(&mut (*slot).outcome) },
            _ => {}
        };
        match was {
            RUNNING if std::mem::needs_drop::<F>() => {
                catch_unwind(AssertUnwindSafe(drop_in_place)).err()
            }
            // An output with nothing to drop (a task's `()`) skips the
            // unwinding guard (the common case, where the handle took the
            // output already, does not even get here).
            // SAFETY: the tag said the union holds the outcome.
            FINISHED => match unsafe { &*(*slot).outcome } {
                Ok(_) if !std::mem::needs_drop::<F::Output>() => None,
                _ => catch_unwind(AssertUnwindSafe(drop_in_place)).err(),
            },
            _ => None,
        }
    }
}

impl<F: Future> Drop for StageMut<'_, F> {
    #[inline]
    fn drop(&mut self) {
        self.byte.0.set(self.tag);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::{Context, Poll};

    use super::{StageCell, StageTag};
    use crate::task::error::JoinError;

    /// Counts its drops; never finishes.
    struct Counted(Rc<Cell<u32>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    impl Future for Counted {
        type Output = Counted;

        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Counted> {
            Poll::Pending
        }
    }

    fn stage(drops: &Rc<Cell<u32>>) -> (StageCell<Counted>, StageTag) {
        (StageCell::new(Counted(drops.clone())), StageTag::new())
    }

    #[test]
    fn a_second_borrow_is_refused_until_the_first_ends() {
        let drops = Rc::new(Cell::new(0));
        let (cell, tag) = stage(&drops);
        // SAFETY: `tag` is `cell`'s alone, and both are reached only here.
        let borrow = || unsafe { cell.borrow(&tag) };
        let first = borrow().expect("the stage is free");
        assert!(borrow().is_none(), "a second borrow while the first is out");
        drop(first);
        assert!(borrow().is_some(), "free again once the first is back");
        let mut cell = cell;
        // SAFETY: as above.
        unsafe { cell.drop_with(&tag) };
        assert_eq!(drops.get(), 1);
    }

    #[test]
    fn each_value_is_dropped_once_whatever_the_path() {
        let drops = Rc::new(Cell::new(0));
        let (mut cell, tag) = stage(&drops);
        // SAFETY: `tag` is `cell`'s alone, and both are reached only here.
        let mut s = unsafe { cell.borrow(&tag) }.unwrap();
        assert!(s.future().is_some());
        assert!(s.outcome().is_none(), "no outcome while running");
        assert!(s.drop_contents().is_none());
        assert_eq!(drops.get(), 1, "the future is dropped");
        assert!(s.future().is_none() && s.is_consumed());
        s.finish(Ok(Counted(drops.clone())));
        assert!(s.outcome().is_some() && s.future().is_none());
        let taken = s.take_outcome().expect("finished");
        assert!(s.take_outcome().is_none(), "taken once");
        drop(taken);
        assert_eq!(drops.get(), 2, "the taken output is the taker's");
        s.finish(Err(Box::new(JoinError::cancelled_by_id(
            crate::task::TaskId(1),
            "t".into(),
        ))));
        drop(s);
        // SAFETY: as above.
        unsafe { cell.drop_with(&tag) };
        assert_eq!(drops.get(), 2, "an error holds no output to drop");
    }

    #[test]
    fn an_outcome_nobody_took_is_dropped_with_the_stage() {
        let drops = Rc::new(Cell::new(0));
        let (mut cell, tag) = stage(&drops);
        {
            // SAFETY: `tag` is `cell`'s alone, and both are reached only here.
            let mut s = unsafe { cell.borrow(&tag) }.unwrap();
            let _ = s.drop_contents();
            s.finish(Ok(Counted(drops.clone())));
        }
        // SAFETY: as above.
        unsafe { cell.drop_with(&tag) };
        assert_eq!(drops.get(), 2);
    }

    /// A destructor that panics still leaves the stage empty, and is not
    /// run a second time when the stage goes.
    #[test]
    fn a_panicking_destructor_runs_once() {
        struct Bomb(Rc<Cell<u32>>);
        impl Drop for Bomb {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
                panic!("boom");
            }
        }
        impl Future for Bomb {
            type Output = ();
            fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
                Poll::Pending
            }
        }
        let drops = Rc::new(Cell::new(0));
        let mut cell = StageCell::new(Bomb(drops.clone()));
        let tag = StageTag::new();
        // SAFETY: `tag` is `cell`'s alone, and both are reached only here.
        let payload = unsafe { cell.borrow(&tag) }.unwrap().drop_contents();
        assert!(payload.is_some(), "the panic is handed back");
        // SAFETY: as above.
        unsafe { cell.drop_with(&tag) };
        assert_eq!(drops.get(), 1);
    }

    /// The point of it all: the stage is the future, with no tag beside it.
    #[test]
    fn the_stage_is_no_bigger_than_its_future() {
        assert_eq!(
            std::mem::size_of::<StageCell<Counted>>(),
            std::mem::size_of::<Counted>().max(std::mem::size_of::<super::Outcome<Counted>>())
        );
        assert_eq!(std::mem::size_of::<StageTag>(), 1);
    }
}

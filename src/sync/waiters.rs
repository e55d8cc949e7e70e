//! The waiting line every primitive shares: first come, first served, with
//! grants (see the [module docs](super) for the protocol).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;

use crate::task::TaskId;

/// One place in line, shared by the list and the waiting future.
#[derive(Debug)]
pub(crate) struct Waiter {
    granted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
    task: Cell<Option<TaskId>>,
    /// What the waiter asks for or was given, in the primitive's own terms:
    /// permits wanted (a semaphore's `acquire_many`), read or write (an
    /// `RwLock`), an arrival index (a `Barrier`), how it was notified (a
    /// `Notify`). 1 unless the primitive says otherwise.
    amount: Cell<usize>,
}

impl Waiter {
    /// What the waiter asks for or was given (see the field).
    pub(crate) fn amount(&self) -> usize {
        self.amount.get()
    }

    pub(crate) fn set_amount(&self, amount: usize) {
        self.amount.set(amount);
    }

    /// True once the resource was reserved for this waiter.
    pub(crate) fn is_granted(&self) -> bool {
        self.granted.get()
    }

    /// Keeps the latest waker (a future may move between tasks).
    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    fn take_waker(&self) -> Option<Waker> {
        self.waker.borrow_mut().take()
    }
}

/// A FIFO of waiters. Methods that release someone return the wakers to
/// call, so callers wake them after their own `RefCell` borrow has ended.
#[derive(Debug, Default)]
pub(crate) struct WaitList {
    line: VecDeque<Rc<Waiter>>,
    /// The waiter granted last. Once its future has let go of it (the list
    /// then holds its only count), the next `join` reuses it instead of
    /// allocating: two tasks passing a value back and forth over a queue
    /// wait without touching the allocator.
    spare: Option<Rc<Waiter>>,
}

impl WaitList {
    /// Puts the calling task at the back of the line.
    pub(crate) fn join(&mut self, waker: &Waker) -> Rc<Waiter> {
        self.join_for(waker, 1)
    }

    /// Puts the calling task at the back of the line, asking for `amount`.
    pub(crate) fn join_for(&mut self, waker: &Waker, amount: usize) -> Rc<Waiter> {
        let task = crate::task::current::task();
        let waiter = match self.spare.take() {
            // Nobody else holds it: its grant is over, and it is ours.
            Some(spare) if Rc::strong_count(&spare) == 1 => {
                spare.granted.set(false);
                *spare.waker.borrow_mut() = Some(waker.clone());
                spare.task.set(task);
                spare.amount.set(amount);
                spare
            }
            _ => Rc::new(Waiter {
                granted: Cell::new(false),
                waker: RefCell::new(Some(waker.clone())),
                task: Cell::new(task),
                amount: Cell::new(amount),
            }),
        };
        self.line.push_back(waiter.clone());
        waiter
    }

    /// The waiter at the front of the line.
    pub(crate) fn front(&self) -> Option<&Rc<Waiter>> {
        self.line.front()
    }

    /// Grants the front waiter (removing it from the line).
    #[inline]
    pub(crate) fn grant_next(&mut self) -> Option<Option<Waker>> {
        // Most calls find nobody waiting (a queue's every put asks): that
        // answer stays a test of the length.
        if self.line.is_empty() {
            return None;
        }
        Some(self.grant_front())
    }

    #[inline(never)]
    fn grant_front(&mut self) -> Option<Waker> {
        let waiter = self.line.pop_front()?;
        waiter.granted.set(true);
        let waker = waiter.take_waker();
        self.spare = Some(waiter);
        waker
    }

    /// Grants every waiter.
    pub(crate) fn grant_all(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::with_capacity(self.line.len());
        while let Some(w) = self.grant_next() {
            wakers.extend(w);
        }
        wakers
    }

    /// Removes every waiter without granting them (they will see why when
    /// polled, e.g. a closed queue).
    pub(crate) fn release_all(&mut self) -> Vec<Waker> {
        self.line.drain(..).filter_map(|w| w.take_waker()).collect()
    }

    /// Leaves the line (a future dropped before its grant). Linear in the
    /// line's length: lines in evloop programs are short, and a production
    /// runtime would use an intrusive list (tokio) to make this O(1).
    pub(crate) fn leave(&mut self, waiter: &Rc<Waiter>) {
        self.line.retain(|w| !Rc::ptr_eq(w, waiter));
    }

    /// True if this waiter is still in line.
    pub(crate) fn contains(&self, waiter: &Rc<Waiter>) -> bool {
        self.line.iter().any(|w| Rc::ptr_eq(w, waiter))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.line.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.line.len()
    }

    /// Shows `visit` the waker of everyone in line.
    pub(crate) fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        for waiter in &self.line {
            if let Some(waker) = waiter.waker.borrow().as_ref() {
                visit(waker);
            }
        }
    }

    /// The waiting tasks, front of the line first.
    pub(crate) fn tasks(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.line.iter().filter_map(|w| w.task.get())
    }

    /// The waiters, front of the line first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Rc<Waiter>> + '_ {
        self.line.iter()
    }
}

/// Wakes what a list operation released, after the caller's borrow ended.
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    for w in wakers {
        w.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_in_line_its_future_let_go_of_is_reused() {
        let mut list = WaitList::default();
        let first = list.join(Waker::noop());
        let at = Rc::as_ptr(&first);
        assert_eq!(list.grant_next().map(|w| w.is_some()), Some(true));
        assert!(first.is_granted());
        drop(first);
        let second = list.join_for(Waker::noop(), 3);
        assert_eq!(Rc::as_ptr(&second), at, "a new allocation");
        // Reused as new: in line, not granted, with its waker and amount.
        assert!(!second.is_granted());
        assert_eq!(second.amount(), 3);
        assert!(list.contains(&second));
        let mut wakers = 0;
        list.held_wakers(&mut |_| wakers += 1);
        assert_eq!(wakers, 1);
    }

    #[test]
    fn a_place_in_line_still_held_is_not_reused() {
        let mut list = WaitList::default();
        let first = list.join(Waker::noop());
        list.grant_next();
        // Its future has not taken the grant yet.
        let second = list.join(Waker::noop());
        assert!(!Rc::ptr_eq(&first, &second));
        assert!(first.is_granted(), "the grant was taken back");
        assert!(!second.is_granted());
        assert_eq!(list.len(), 1);
    }
}

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
    task: Option<TaskId>,
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
}

impl WaitList {
    /// Puts the calling task at the back of the line.
    pub(crate) fn join(&mut self, waker: &Waker) -> Rc<Waiter> {
        self.join_for(waker, 1)
    }

    /// Puts the calling task at the back of the line, asking for `amount`.
    pub(crate) fn join_for(&mut self, waker: &Waker, amount: usize) -> Rc<Waiter> {
        let waiter = Rc::new(Waiter {
            granted: Cell::new(false),
            waker: RefCell::new(Some(waker.clone())),
            task: crate::task::current::task(),
            amount: Cell::new(amount),
        });
        self.line.push_back(waiter.clone());
        waiter
    }

    /// The waiter at the front of the line.
    pub(crate) fn front(&self) -> Option<&Rc<Waiter>> {
        self.line.front()
    }

    /// Grants the front waiter (removing it from the line).
    pub(crate) fn grant_next(&mut self) -> Option<Option<Waker>> {
        let waiter = self.line.pop_front()?;
        waiter.granted.set(true);
        Some(waiter.take_waker())
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
        self.line.iter().filter_map(|w| w.task)
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

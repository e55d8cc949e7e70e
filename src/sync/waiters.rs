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
    /// In its list's line: joined, and neither granted, released nor gone.
    in_line: Cell<bool>,
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
///
/// A waiter whose future is dropped leaves in O(1) (amortized): it is
/// marked gone where it stands, and the gone are taken out when they reach
/// the front, or all at once when they are half the line. (Searched for,
/// a leave was linear, and 20,000 waiters dropped together took seconds;
/// a production runtime makes it O(1) with an intrusive list, as tokio's.)
#[derive(Debug, Default)]
pub(crate) struct WaitList {
    /// The waiters in order, the gone among them; never one at the front.
    line: VecDeque<Rc<Waiter>>,
    /// How many in `line` are gone.
    gone: usize,
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
                spare.in_line.set(true);
                *spare.waker.borrow_mut() = Some(waker.clone());
                spare.task.set(task);
                spare.amount.set(amount);
                spare
            }
            _ => Rc::new(Waiter {
                granted: Cell::new(false),
                in_line: Cell::new(true),
                waker: RefCell::new(Some(waker.clone())),
                task: Cell::new(task),
                amount: Cell::new(amount),
            }),
        };
        self.line.push_back(waiter.clone());
        waiter
    }

    /// The waiter at the front of the line (never a gone one).
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
        waiter.in_line.set(false);
        let waker = waiter.take_waker();
        self.spare = Some(waiter);
        self.drop_gone_front();
        waker
    }

    /// Takes out the gone waiters that reached the front.
    fn drop_gone_front(&mut self) {
        while self.line.front().is_some_and(|w| !w.in_line.get()) {
            self.line.pop_front();
            self.gone -= 1;
        }
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
        self.gone = 0;
        self.line
            .drain(..)
            .filter_map(|w| {
                w.in_line.set(false);
                w.take_waker()
            })
            .collect()
    }

    /// Leaves the line (a future dropped before its grant; a waiter not in
    /// line is left alone). O(1) amortized: see the type's docs.
    pub(crate) fn leave(&mut self, waiter: &Rc<Waiter>) {
        if !waiter.in_line.replace(false) {
            return;
        }
        drop(waiter.take_waker());
        self.gone += 1;
        self.drop_gone_front();
        if self.gone * 2 > self.line.len() {
            self.line.retain(|w| w.in_line.get());
            self.gone = 0;
        }
    }

    /// True if this waiter (one this list gave out) is still in line.
    pub(crate) fn contains(&self, waiter: &Rc<Waiter>) -> bool {
        waiter.in_line.get()
    }

    pub(crate) fn is_empty(&self) -> bool {
        // Never a gone waiter at the front: a line of only gone is empty.
        self.line.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.line.len() - self.gone
    }

    /// Shows `visit` the waker of everyone in line.
    pub(crate) fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        for waiter in self.iter() {
            if let Some(waker) = waiter.waker.borrow().as_ref() {
                visit(waker);
            }
        }
    }

    /// The waiting tasks, front of the line first.
    pub(crate) fn tasks(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.iter().filter_map(|w| w.task.get())
    }

    /// The waiters, front of the line first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Rc<Waiter>> + '_ {
        self.line.iter().filter(|w| w.in_line.get())
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
    fn the_gone_leave_the_line_without_changing_its_order() {
        let mut list = WaitList::default();
        let waiters: Vec<_> = (0..10).map(|i| list.join_for(Waker::noop(), i)).collect();
        let amounts = |list: &WaitList| list.iter().map(|w| w.amount()).collect::<Vec<_>>();
        list.leave(&waiters[0]); // the front
        list.leave(&waiters[2]);
        list.leave(&waiters[3]);
        list.leave(&waiters[3]); // twice: nothing more
        assert_eq!(amounts(&list), [1, 4, 5, 6, 7, 8, 9]);
        assert_eq!(list.len(), 7);
        assert!(!list.contains(&waiters[2]) && list.contains(&waiters[4]));
        let mut wakers = 0;
        list.held_wakers(&mut |_| wakers += 1);
        assert_eq!(wakers, 7, "a gone waiter's waker is let go");
        // Granting the front skips the gone behind it.
        assert!(list.grant_next().is_some());
        assert!(waiters[1].is_granted());
        assert_eq!(list.front().map(|w| w.amount()), Some(4));
        list.leave(&waiters[1]); // granted: not in line
        assert_eq!(list.len(), 6);
        // More than half gone: the line is compacted.
        for w in &waiters[5..9] {
            list.leave(w);
        }
        assert_eq!(amounts(&list), [4, 9]);
        assert_eq!(list.line.len(), 2, "the gone were taken out");
        for w in [&waiters[4], &waiters[9]] {
            list.leave(w);
        }
        assert!(list.is_empty());
        assert_eq!((list.len(), list.gone), (0, 0));
    }

    #[test]
    fn releasing_all_empties_the_line_and_a_later_leave_is_nothing() {
        let mut list = WaitList::default();
        let a = list.join(Waker::noop());
        let b = list.join(Waker::noop());
        list.leave(&b);
        assert_eq!(list.release_all().len(), 1, "only a's waker");
        assert!(!list.contains(&a));
        list.leave(&a);
        assert_eq!((list.len(), list.gone), (0, 0));
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

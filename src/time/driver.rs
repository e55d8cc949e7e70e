//! The timer driver: the loop's clock and its heap of deadlines, as one part.
//!
//! Everything about a timer happens here: a [`Sleep`](super::Sleep) inserts
//! its deadline, keeps its waker current, cancels it when dropped; the loop
//! asks for the next deadline when it has nothing to do, moves the virtual
//! clock, and fires what is due. A `Sleep` holds an `Rc` of this driver,
//! never of the loop (the driver owns no descriptor: a sleep that outlives
//! its runtime keeps nothing of the OS alive).
//!
//! ```text
//!   sleep(d).await ──insert(deadline, waker)──▶ ┌ TimerDriver ─────────────┐
//!   Sleep dropped ───cancel(key)──────────────▶ │ clock: real | virtual    │
//!   Sleep re-polled ─update_waker(key)────────▶ │ heap: (deadline, seq) →  │
//!                                               │       waker, owner       │
//!   the loop, idle ──next_deadline()─────────▶  │                          │
//!   the loop, turn ──fire_next(now) ─────────▶  └──────────────────────────┘
//!                     └─▶ Fired { waker, owner, deadline }: the loop tells
//!                         listeners "timer fired", then calls the waker
//! ```
//!
//! The driver of the loop running on this thread is reachable without a
//! handle ([`current`]): that is how `sleep(d)` and [`Instant::now`] find it.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

use super::heap::{Fired, TimerHeap, TimerKey};
use super::{ClockKind, Instant, TimerInfo};
use crate::clock::Clock;
use crate::current::{Current, Entered};
use crate::task::current;

/// The latest instant the clock can read: one nanosecond before
/// [`Instant::FAR_FUTURE`], so that a deadline there never comes.
const LATEST: Instant = Instant(Duration::MAX.saturating_sub(Duration::from_nanos(1)));

/// The clock and the timers of one loop.
pub(crate) struct TimerDriver {
    clock: Clock,
    heap: RefCell<TimerHeap>,
}

thread_local! {
    static DRIVER: RefCell<Option<Rc<TimerDriver>>> = const { RefCell::new(None) };
}
const CURRENT: Current<TimerDriver> = Current::new(&DRIVER);

/// The timer driver of the loop running on this thread.
pub(crate) fn current() -> Option<Rc<TimerDriver>> {
    CURRENT.get()
}

/// Makes `driver` this thread's until the guard drops (the executor's enter).
pub(crate) fn enter(driver: Rc<TimerDriver>) -> Entered<TimerDriver> {
    CURRENT.enter(driver)
}

impl TimerDriver {
    pub(crate) fn new(kind: ClockKind) -> TimerDriver {
        TimerDriver {
            clock: Clock::new(kind),
            heap: RefCell::new(TimerHeap::default()),
        }
    }

    // ----- the clock ----------------------------------------------------------

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The latest time known to have passed, without reading the clock
    /// (see `Clock::seen`).
    #[inline]
    pub(crate) fn seen(&self) -> Instant {
        self.clock.seen()
    }

    /// The loop time of a reading of the monotonic clock (see `Clock::at`).
    #[inline]
    pub(crate) fn at(&self, reading: u64) -> Instant {
        self.clock.at(reading)
    }

    pub(crate) fn clock_kind(&self) -> ClockKind {
        self.clock.kind()
    }

    /// Switches the clock; the current time carries over.
    pub(crate) fn set_clock(&self, kind: ClockKind) {
        self.clock.set_kind(kind);
    }

    /// Moves the virtual clock forward to `to`; returns where it was, if it
    /// moved. The clock stops short of [`Instant::FAR_FUTURE`], the deadline
    /// that never comes: `advance(Duration::MAX)` leaves it one nanosecond
    /// before.
    pub(crate) fn advance_to(&self, to: Instant) -> Option<Instant> {
        let to = to.min(LATEST);
        let from = self.now();
        if to <= from {
            return None;
        }
        self.clock.advance_to(to);
        Some(from)
    }

    // ----- timers -------------------------------------------------------------

    /// Sets a timer for the task being polled (if any): `waker` is called
    /// when the loop fires it, at or after `deadline`.
    pub(crate) fn insert(&self, deadline: Instant, waker: Waker) -> TimerKey {
        self.heap
            .borrow_mut()
            .insert(deadline, waker, current::task())
    }

    /// Keeps the timer's waker current; false if it fired already.
    pub(crate) fn update_waker(&self, key: TimerKey, waker: &Waker) -> bool {
        self.heap.borrow_mut().update_waker(key, waker)
    }

    /// Forgets a timer that has not fired (its waker is dropped after the
    /// heap is let go of).
    pub(crate) fn cancel(&self, key: TimerKey) {
        let waker = self.heap.borrow_mut().cancel(key);
        drop(waker);
    }

    /// The earliest pending deadline (never [`Instant::FAR_FUTURE`], which
    /// never comes).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap
            .borrow_mut()
            .next_deadline()
            .filter(|d| *d != Instant::FAR_FUTURE)
    }

    // ANCHOR: fire_next
    /// Takes out the earliest timer due at `now`, if any. The caller calls
    /// its waker (the heap is not borrowed by then).
    pub(crate) fn fire_next(&self, now: Instant) -> Option<Fired> {
        self.heap.borrow_mut().pop_due(now)
    }
    // ANCHOR_END: fire_next

    /// True when no timer, live or stale, is left: a turn can skip firing.
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.borrow().is_empty()
    }

    /// Pending timers, in the order they will fire.
    pub(crate) fn pending(&self) -> Vec<TimerInfo> {
        self.heap.borrow().pending()
    }

    /// Drops every timer's waker (the loop is shutting down).
    pub(crate) fn clear(&self) {
        let wakers = self.heap.borrow_mut().drain_wakers();
        drop(wakers);
    }
}

impl Instant {
    /// The current time on the running loop's clock.
    ///
    /// # Panics
    ///
    /// Panics when called outside a running loop (there is no clock to read);
    /// use [`Runtime::now`](crate::Runtime::now) from outside.
    pub fn now() -> Instant {
        match current() {
            Some(driver) => driver.now(),
            None => panic!(
                "evloop::time::Instant::now() was called outside a running evloop loop; call it \
                 from inside a future given to evloop::run or Runtime::block_on, or from a spawned \
                 task (from outside, use Runtime::now)"
            ),
        }
    }

    /// Time elapsed since this instant, on the running loop's clock.
    ///
    /// # Panics
    ///
    /// Panics outside a running loop, as [`Instant::now`] does.
    pub fn elapsed(self) -> Duration {
        Instant::now().saturating_duration_since(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtual_clock_moves_only_forward_and_says_from_where() {
        let driver = TimerDriver::new(ClockKind::Virtual);
        let at = |s| Instant::from_start(Duration::from_secs(s));
        assert_eq!(driver.advance_to(at(2)), Some(at(0)));
        assert_eq!(driver.advance_to(at(1)), None, "never backwards");
        assert_eq!(driver.now(), at(2));
    }

    #[test]
    fn timers_fire_in_order_and_far_future_is_not_a_deadline() {
        let driver = TimerDriver::new(ClockKind::Virtual);
        let at = |s| Instant::from_start(Duration::from_secs(s));
        driver.insert(Instant::FAR_FUTURE, Waker::noop().clone());
        assert_eq!(driver.next_deadline(), None);
        let late = driver.insert(at(3), Waker::noop().clone());
        driver.insert(at(1), Waker::noop().clone());
        assert_eq!(driver.next_deadline(), Some(at(1)));
        assert!(driver.update_waker(late, Waker::noop()));
        driver.cancel(late);
        assert!(!driver.update_waker(late, Waker::noop()), "cancelled");
        assert_eq!(driver.fire_next(at(5)).map(|f| f.deadline), Some(at(1)));
        assert!(driver.fire_next(at(5)).is_none());
    }
}

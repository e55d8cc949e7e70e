//! The loop's clock: real or virtual, and [`Instant`], a point on it.
//!
//! This chapter comes before tasks and timers because both speak of time: a
//! task remembers when it was spawned and what deadline it waits for, and a
//! timer is a deadline on this clock. It knows nothing of either.
//!
//! Both kinds count from the runtime's start, so switching kinds while the
//! loop runs (the REPL's `clock real`) never makes time go backwards: the
//! clock remembers the time at the switch as its new base.
//!
//! ```text
//!   real:     now = base + (std::time::Instant::now() - origin)
//!   virtual:  now = base                      (moves only by advance_to)
//!   switch:   base = now; origin = std now    (time carries over)
//! ```
//!
//! Reading the clock from inside a task ([`Instant::now`]) is the timer
//! driver's business: see [`crate::time`].

use std::cell::Cell;
use std::time::Duration;

mod instant;

pub use instant::Instant;

/// Which clock a runtime runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClockKind {
    /// Wall-clock time: sleeps take real time.
    #[default]
    Real,
    /// Virtual time: moves only when the loop is idle (jumping to the next
    /// timer) or when [`Runtime::advance`](crate::Runtime::advance) moves it.
    Virtual,
}

pub(crate) struct Clock {
    kind: Cell<ClockKind>,
    /// Loop time at the last switch (or at start).
    base: Cell<Duration>,
    /// Real time at the last switch, for the real clock.
    origin: Cell<std::time::Instant>,
}

impl Clock {
    pub(crate) fn new(kind: ClockKind) -> Clock {
        Clock {
            kind: Cell::new(kind),
            base: Cell::new(Duration::ZERO),
            origin: Cell::new(std::time::Instant::now()),
        }
    }

    pub(crate) fn kind(&self) -> ClockKind {
        self.kind.get()
    }

    pub(crate) fn now(&self) -> Instant {
        match self.kind.get() {
            ClockKind::Virtual => Instant(self.base.get()),
            ClockKind::Real => Instant(self.base.get().saturating_add(self.origin.get().elapsed())),
        }
    }

    /// Switches kind, keeping the current time.
    pub(crate) fn set_kind(&self, kind: ClockKind) {
        let now = self.now();
        self.base.set(now.0);
        self.origin.set(std::time::Instant::now());
        self.kind.set(kind);
    }

    /// Moves the virtual clock forward to `to` (never backwards).
    pub(crate) fn advance_to(&self, to: Instant) {
        debug_assert_eq!(self.kind.get(), ClockKind::Virtual);
        if to.0 > self.base.get() {
            self.base.set(to.0);
        }
    }
}

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
//!   real:     now = base + (monotonic nanoseconds - origin)
//!   virtual:  now = base                      (moves only by advance_to)
//!   switch:   base = now; origin = monotonic  (time carries over)
//! ```
//!
//! Reading the clock from inside a task ([`Instant::now`]) is the timer
//! driver's business: see [`crate::time`].

use std::cell::Cell;
use std::time::Duration;

use crate::sys::monotonic;

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
    /// The monotonic clock's reading at the last switch (nanoseconds; see
    /// `sys::monotonic`), for the real clock.
    origin: Cell<u64>,
    /// The latest time `now` read on the real clock: a moment certainly
    /// past, known without reading the clock again (see [`Clock::seen`]).
    seen: Cell<Duration>,
}

impl Clock {
    pub(crate) fn new(kind: ClockKind) -> Clock {
        Clock {
            kind: Cell::new(kind),
            base: Cell::new(Duration::ZERO),
            origin: Cell::new(monotonic::now_nanos()),
            seen: Cell::new(Duration::ZERO),
        }
    }

    pub(crate) fn kind(&self) -> ClockKind {
        self.kind.get()
    }

    pub(crate) fn now(&self) -> Instant {
        match self.kind.get() {
            ClockKind::Virtual => Instant(self.base.get()),
            ClockKind::Real => {
                let now = self.at(monotonic::now_nanos());
                self.seen.set(now.0);
                now
            }
        }
    }

    /// The latest time known to have passed, without reading the clock:
    /// on the real clock, the last reading `now` took (the loop takes one
    /// at the start of every turn); on the virtual clock, the time itself.
    /// A deadline at or before it has certainly come; one after it may
    /// have come too, since the clock was last read.
    #[inline]
    pub(crate) fn seen(&self) -> Instant {
        match self.kind.get() {
            ClockKind::Virtual => Instant(self.base.get()),
            ClockKind::Real => Instant(self.seen.get()),
        }
    }

    /// The loop time a reading of the monotonic clock stands for (on the
    /// virtual clock, the clock's own time): lets a poll's timing reading
    /// stamp the events it causes without reading the clock again.
    #[inline]
    pub(crate) fn at(&self, reading: u64) -> Instant {
        match self.kind.get() {
            ClockKind::Virtual => Instant(self.base.get()),
            ClockKind::Real => Instant(self.base.get().saturating_add(Duration::from_nanos(
                reading.saturating_sub(self.origin.get()),
            ))),
        }
    }

    /// Switches kind, keeping the current time.
    pub(crate) fn set_kind(&self, kind: ClockKind) {
        let now = self.now();
        self.base.set(now.0);
        self.seen.set(now.0);
        self.origin.set(monotonic::now_nanos());
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

//! `Instant`: a point on the loop's clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point in time on the loop's clock, counted from the moment the runtime
/// was built (like asyncio's `loop.time()`).
///
/// On the real clock it follows `std::time::Instant`; on the virtual clock it
/// moves only when the loop lets it (see [`crate::time`]). Inside a task,
/// [`Instant::now`] reads the running loop's clock. Arithmetic
/// saturates: `Instant + Duration::MAX` is [`Instant::FAR_FUTURE`], never a
/// panic.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub(crate) Duration);

impl Instant {
    /// The moment the runtime was built.
    pub const START: Instant = Instant(Duration::ZERO);
    /// The latest representable instant; a deadline there never fires.
    pub const FAR_FUTURE: Instant = Instant(Duration::MAX);

    /// The instant `since_start` after the runtime was built.
    pub fn from_start(since_start: Duration) -> Instant {
        Instant(since_start)
    }

    /// How long after the runtime was built this instant is.
    pub fn since_start(self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + d`, saturating at [`Instant::FAR_FUTURE`].
    pub fn saturating_add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, rhs: Duration) -> Instant {
        self.saturating_add(rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({self})")
    }
}

/// Shown as seconds since the runtime started, to the microsecond: `1.250000s`.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Instant::FAR_FUTURE {
            return f.write_str("never");
        }
        write!(f, "{}.{:06}s", self.0.as_secs(), self.0.subsec_micros())
    }
}

//! [`Faults`]: what goes wrong on an in-memory connection, from a seed.

use std::time::Duration;

use crate::executor::Rng;

/// The faults an in-memory connection injects, all drawn from one seeded
/// generator per connection: the same seed (and the same schedule) gives
/// the same latencies, the same partial reads and writes, and the same
/// reset, run after run.
///
/// ```
/// use std::time::Duration;
/// use evloop::testing::mem::Faults;
///
/// let flaky = Faults::seeded(42)
///     .latency(Duration::from_millis(1), Duration::from_millis(20)) // each write: 1..=20 ms
///     .partial_io()                                                 // short reads and writes
///     .reset_after(10_000);                                         // then ConnectionReset
/// # let _ = flaky;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Faults {
    pub(crate) seed: u64,
    pub(crate) latency: Option<(Duration, Duration)>,
    pub(crate) partial: bool,
    pub(crate) reset_after: Option<u64>,
}

impl Faults {
    /// No faults: bytes arrive at once, whole, forever.
    pub fn none() -> Faults {
        Faults::seeded(0)
    }

    /// No faults yet, with the seed the ones added later draw from.
    pub fn seeded(seed: u64) -> Faults {
        Faults {
            seed,
            latency: None,
            partial: false,
            reset_after: None,
        }
    }

    /// Each write arrives after a latency drawn uniformly from
    /// `min..=max` on the loop's clock (virtual time in tests), never
    /// before an earlier write. Bounds given the wrong way round are
    /// swapped.
    pub fn latency(mut self, min: Duration, max: Duration) -> Faults {
        self.latency = Some((min.min(max), min.max(max)));
        self
    }

    /// Reads and writes move a random number of bytes from 1 to what was
    /// asked (as a real socket may): code that assumes one `read` per
    /// `write` breaks.
    pub fn partial_io(mut self) -> Faults {
        self.partial = true;
        self
    }

    /// After `bytes` bytes have been written in one direction the
    /// connection is reset: the reader gets the bytes before the reset and
    /// then `ConnectionReset`, as does every later read or write on either
    /// end.
    pub fn reset_after(mut self, bytes: u64) -> Faults {
        self.reset_after = Some(bytes);
        self
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The faults of the `n`th connection a listener accepts: the same
    /// settings with a seed of its own.
    pub(crate) fn for_connection(&self, n: u64) -> Faults {
        let mut rng = Rng::new(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Faults {
            seed: rng.next_u64(),
            ..self.clone()
        }
    }

    /// A latency, if there are latencies.
    pub(crate) fn draw_latency(&self, rng: &mut Rng) -> Option<Duration> {
        let (min, max) = self.latency?;
        let span = (max - min).as_nanos();
        if span == 0 {
            return Some(min);
        }
        let span = u64::try_from(span).unwrap_or(u64::MAX);
        let draw = rng.next_u64();
        let offset = span.checked_add(1).map_or(draw, |m| draw % m);
        Some(min + Duration::from_nanos(offset))
    }

    /// How many of `n > 0` bytes one read or write moves.
    pub(crate) fn draw_len(&self, rng: &mut Rng, n: usize) -> usize {
        if self.partial && n > 1 {
            1 + rng.below(n)
        } else {
            n
        }
    }
}

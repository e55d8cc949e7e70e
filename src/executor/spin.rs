//! Whether staying awake before a sleep pays here, learned from the loop's
//! own waits for other threads.
//!
//! # Why
//!
//! A loop that waits only for another thread stays awake for a moment
//! before it parks (`Builder::spin_before_sleep`): an answer that comes
//! meanwhile costs no futex sleep and wake-up. That pays only while the
//! other thread can answer within the spin. Where it cannot (its work takes
//! longer, or the machine is crowded and the answering thread waits for a
//! CPU, perhaps the very one the loop is spinning on), every spin is CPU
//! burnt and, on a crowded machine, a delay to the answer itself: with a
//! hog on the other CPU, a thread that answers at once (benchmark Gblock)
//! took 9.6–9.9 µs a round trip against the peers' 4.0–4.8, and 4.5 once
//! the loop learned to rest (`docs/performance.md`).
//!
//! So the loop keeps count. After [`MISSES`] spins in a row that no wake
//! ended, it stops spinning for the next [`FIRST_REST`] waits, then tries
//! one spin again: paid, and it spins as before; missed, and it rests
//! twice as long (up to [`LONGEST_REST`] waits) before the next try.
//!
//! ```text
//!   spin ── woken while awake ──▶ paid: spin again next time
//!     └──── parked ──▶ a miss; MISSES in a row ──▶ rest: park at once for
//!                      FIRST_REST waits, then try one spin (a miss doubles
//!                      the rest, up to LONGEST_REST; a hit ends it)
//! ```
//!
//! A loop whose spins pay now and then never rests: one hit clears the
//! count. One whose spins never pay wastes one spin in [`LONGEST_REST`]
//! waits, once it has learned.

use std::cell::Cell;
use std::time::Duration;

/// Misses in a row after which the loop rests from spinning.
pub(super) const MISSES: u32 = 8;
/// The first rest, in waits.
pub(super) const FIRST_REST: u32 = 8;
/// The longest rest, in waits.
pub(super) const LONGEST_REST: u32 = 1024;

/// What the loop has learned of its spins before a sleep (see the module
/// docs).
#[derive(Debug, Default)]
pub(super) struct SpinGauge {
    /// Spins in a row that no wake ended.
    misses: Cell<u32>,
    /// The current rest's length, in waits (0: not resting).
    rest: Cell<u32>,
    /// Waits left before the next try.
    left: Cell<u32>,
}

impl SpinGauge {
    /// The spin for the next wait: `spin`, or none while resting.
    #[inline]
    pub(super) fn next(&self, spin: Duration) -> Duration {
        match self.left.get() {
            0 => spin,
            left => {
                self.left.set(left - 1);
                Duration::ZERO
            }
        }
    }

    /// A wait that spun ended: `paid` if a wake came while the loop was
    /// still awake.
    #[inline]
    pub(super) fn spun(&self, paid: bool) {
        if paid {
            self.misses.set(0);
            self.rest.set(0);
            return;
        }
        let rest = match self.rest.get() {
            // Resting already: this was a try, and it missed.
            0 => {
                let misses = self.misses.get() + 1;
                self.misses.set(misses);
                if misses < MISSES {
                    return;
                }
                self.misses.set(0);
                FIRST_REST
            }
            rest => (rest * 2).min(LONGEST_REST),
        };
        self.rest.set(rest);
        self.left.set(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPIN: Duration = Duration::from_micros(20);

    /// The spins of the next `n` waits, each missing.
    fn missing(gauge: &SpinGauge, n: u32) -> Vec<bool> {
        (0..n)
            .map(|_| {
                let spins = !gauge.next(SPIN).is_zero();
                if spins {
                    gauge.spun(false);
                }
                spins
            })
            .collect()
    }

    #[test]
    fn spins_that_pay_go_on() {
        let gauge = SpinGauge::default();
        for _ in 0..100 {
            assert_eq!(gauge.next(SPIN), SPIN);
            gauge.spun(true);
        }
    }

    #[test]
    fn misses_in_a_row_rest_the_spin_and_a_missed_try_doubles_the_rest() {
        let gauge = SpinGauge::default();
        let spun = missing(&gauge, MISSES + FIRST_REST + 1 + 2 * FIRST_REST + 1);
        let tries: Vec<usize> = spun
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| i)
            .collect();
        let first = MISSES as usize;
        let second = first + FIRST_REST as usize + 1;
        let third = second + 2 * FIRST_REST as usize + 1;
        let mut expected: Vec<usize> = (0..first).collect();
        expected.push(second - 1);
        expected.push(third - 1);
        assert_eq!(tries, expected, "{spun:?}");
    }

    #[test]
    fn one_hit_ends_the_rest_and_the_count() {
        let gauge = SpinGauge::default();
        missing(&gauge, MISSES + FIRST_REST);
        assert_eq!(gauge.next(SPIN), SPIN, "the try after the first rest");
        gauge.spun(true);
        // As new: MISSES - 1 misses do not rest it.
        assert!(missing(&gauge, MISSES - 1).iter().all(|s| *s));
        assert_eq!(gauge.next(SPIN), SPIN);
    }

    #[test]
    fn the_rest_stops_growing() {
        let gauge = SpinGauge::default();
        missing(&gauge, 20_000);
        assert_eq!(gauge.rest.get(), LONGEST_REST);
        let spun = missing(&gauge, 4 * LONGEST_REST);
        let tries = spun.iter().filter(|s| **s).count();
        assert!((3..=5).contains(&tries), "one try a rest: {tries}");
    }
}

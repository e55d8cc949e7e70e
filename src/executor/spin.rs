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
//!
//! # As long as the answers take
//!
//! The spin's length matters too. A wake from another thread takes some
//! microseconds to reach a parked thread on bare metal, and 15–25 on the
//! virtual machine of `docs/performance.md`: there, an answer to the
//! loop's own wake-up of a blocked thread (Gblock) came about 20 µs after
//! the loop began to wait, right at the end of the default spin, and a
//! third of the waits just missed it. So a miss whose answer came soon
//! after the spin ended (within [`STRETCH`] times the configured spin)
//! doubles the spin instead of counting as a miss, up to `STRETCH` times
//! the configured one; a miss whose answer came later than that, or never,
//! puts the spin back to the configured length and counts as before.
//!
//! ```text
//!   missed, answered within STRETCH × spin ──▶ spin twice as long next time
//!                                              (up to STRETCH × spin)
//!   missed, answered later or not at all   ──▶ back to spin; a miss, as above
//! ```
//!
//! A spin that pays ends at the wake, so a longer one costs nothing while
//! the answers come; while they do not, it is put back at once.

use std::cell::Cell;
use std::time::Duration;

/// Misses in a row after which the loop rests from spinning.
pub(super) const MISSES: u32 = 8;
/// The first rest, in waits.
pub(super) const FIRST_REST: u32 = 8;
/// The longest rest, in waits.
pub(super) const LONGEST_REST: u32 = 1024;
/// The longest spin, in configured spins.
pub(super) const STRETCH: u32 = 4;

/// How a wait that spun ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Spun {
    /// A wake came while the loop was still awake.
    Paid,
    /// The loop parked; its answer came this long after the wait began
    /// (`None`: no wake ended the park, its timeout did).
    Missed { answered_after: Option<Duration> },
}

/// What the loop has learned of its spins before a sleep (see the module
/// docs).
#[derive(Debug)]
pub(super) struct SpinGauge {
    /// Spins in a row that no wake ended.
    misses: Cell<u32>,
    /// The current rest's length, in waits (0: not resting).
    rest: Cell<u32>,
    /// Waits left before the next try.
    left: Cell<u32>,
    /// The spin's length, in configured spins (1 to [`STRETCH`]).
    stretch: Cell<u32>,
}

impl Default for SpinGauge {
    fn default() -> SpinGauge {
        SpinGauge {
            misses: Cell::new(0),
            rest: Cell::new(0),
            left: Cell::new(0),
            stretch: Cell::new(1),
        }
    }
}

impl SpinGauge {
    /// The spin for the next wait, given the configured `spin`: that,
    /// stretched as the answers asked, or none while resting.
    #[inline]
    pub(super) fn next(&self, spin: Duration) -> Duration {
        match self.left.get() {
            0 => spin * self.stretch.get(),
            left => {
                self.left.set(left - 1);
                Duration::ZERO
            }
        }
    }

    /// A wait that spun (a spin `next` gave for the configured `spin`)
    /// ended as `spun` says.
    #[inline]
    pub(super) fn spun(&self, spun: Spun, spin: Duration) {
        let answered_after = match spun {
            Spun::Paid => {
                self.misses.set(0);
                self.rest.set(0);
                return;
            }
            Spun::Missed { answered_after } => answered_after,
        };
        let stretch = self.stretch.get();
        if stretch < STRETCH && answered_after.is_some_and(|a| a <= spin * STRETCH) {
            // Just missed: a longer spin would have caught it.
            self.stretch.set(stretch * 2);
            return;
        }
        self.stretch.set(1);
        let rest = match self.rest.get() {
            // Not resting: one more miss in a row; enough of them start a rest.
            0 => {
                let misses = self.misses.get() + 1;
                self.misses.set(misses);
                if misses < MISSES {
                    return;
                }
                self.misses.set(0);
                FIRST_REST
            }
            // Resting already: this was a try, and it missed.
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
    /// A miss that no wake ended.
    const NEVER: Spun = Spun::Missed {
        answered_after: None,
    };

    fn answered_after(micros: u64) -> Spun {
        Spun::Missed {
            answered_after: Some(Duration::from_micros(micros)),
        }
    }

    /// The spins of the next `n` waits, each missing.
    fn missing(gauge: &SpinGauge, n: u32) -> Vec<bool> {
        (0..n)
            .map(|_| {
                let spins = !gauge.next(SPIN).is_zero();
                if spins {
                    gauge.spun(NEVER, SPIN);
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
            gauge.spun(Spun::Paid, SPIN);
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
        gauge.spun(Spun::Paid, SPIN);
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

    #[test]
    fn a_spin_that_just_missed_its_answer_stretches_up_to_four_times() {
        let gauge = SpinGauge::default();
        assert_eq!(gauge.next(SPIN), SPIN);
        gauge.spun(answered_after(25), SPIN);
        assert_eq!(
            gauge.next(SPIN),
            2 * SPIN,
            "answered 25 µs in: twice as long"
        );
        gauge.spun(answered_after(45), SPIN);
        assert_eq!(gauge.next(SPIN), 4 * SPIN);
        gauge.spun(answered_after(70), SPIN);
        assert_eq!(
            gauge.next(SPIN),
            SPIN,
            "missed at the longest: back, and a miss"
        );
        assert_eq!(gauge.misses.get(), 1);
        // Stretching is no miss: a loop whose answers come at 30 µs never rests.
        let gauge = SpinGauge::default();
        for _ in 0..100 {
            let spin = gauge.next(SPIN);
            assert!(!spin.is_zero());
            gauge.spun(
                if spin >= Duration::from_micros(30) {
                    Spun::Paid
                } else {
                    answered_after(30)
                },
                SPIN,
            );
        }
        assert_eq!(gauge.next(SPIN), 2 * SPIN, "the length that pays is kept");
    }

    #[test]
    fn an_answer_long_after_the_spin_puts_it_back_and_counts_a_miss() {
        let gauge = SpinGauge::default();
        gauge.spun(answered_after(30), SPIN);
        assert_eq!(gauge.next(SPIN), 2 * SPIN);
        gauge.spun(answered_after(3_000), SPIN);
        assert_eq!(gauge.next(SPIN), SPIN);
        assert_eq!(gauge.misses.get(), 1);
        gauge.spun(NEVER, SPIN);
        assert_eq!(gauge.misses.get(), 2, "a park no wake ended is a miss too");
    }
}

//! How late a timed sleep ends on this machine, learned from the loop's own
//! sleeps; and the rule it serves: a deadline nearer than that is waited
//! for awake.
//!
//! # Why
//!
//! A sleep in the poller until a deadline ends *after* it, by the machine's
//! wake-up latency: the timer's interrupt, the scheduler, the switch back
//! to this thread. On bare metal that is a few microseconds. In a virtual
//! machine, where the timer interrupt goes through the hypervisor, it is
//! much more: on the 2-core VM evloop's benchmarks run on, a timerfd armed
//! 2 µs ahead wakes the thread about 13 µs late, and one armed 1 ms ahead
//! about 30 µs late (the harness's timer floors; `docs/performance.md`,
//! "Timed sleeps that cannot end on time"). Sleeping until a deadline 2 µs
//! away there is being 13 µs late for it, and the loop cannot run anything
//! else in the meantime either.
//!
//! So the loop does not start a sleep that cannot end on time. When the
//! next deadline is nearer than the lateness it has seen, it only *looks*
//! (a poll of the reactor with a zero timeout, which still takes in I/O and
//! wakes from other threads) and goes round the turn again; the turn fires
//! the timer once its deadline has passed, within a turn of it.
//!
//! ```text
//!   idle, real clock, the next deadline `left` away
//!     left < learned lateness ──▶ look, go round: the timer fires on time
//!     otherwise               ──▶ sleep until the deadline; woken past it,
//!                                 learn from how late (`learn`)
//! ```
//!
//! # Bounds
//!
//! The waiting awake is the last stretch before a deadline, never longer
//! than the lateness learned, and never longer than [`MAX_AWAKE`] (50 µs,
//! the timer slack Linux itself grants a sleeping thread by default): a
//! loop with nothing due soon sleeps exactly as before. A new loop has
//! learned nothing, and sleeps for every deadline until it has. The
//! estimate starts at the first sleep's lateness and is then an average
//! that forgets (each sleep moves it an eighth of the way to what it saw),
//! so a machine that gets faster is followed.
//!
//! A production runtime makes the same trade differently: tokio rounds
//! every deadline up to its 1 ms wheel slot and so is never early and never
//! punctual; real-time code spins for the last stretch of every sleep. This
//! is the smallest form of the second: it spins only where the sleep would
//! have lost more than the spin costs.

use std::cell::Cell;
use std::time::Duration;

use crate::time::Instant;

/// The longest stretch before a deadline the loop waits for awake, however
/// late its sleeps end.
const MAX_AWAKE: Duration = Duration::from_micros(50);

/// A sample at most this late is learned as is; a later one (a sleep that
/// overran because the thread was descheduled) counts as this much.
const MAX_SAMPLE: Duration = Duration::from_millis(1);

/// How a loop has waited: for its deadlines on the real clock, and for
/// other threads. What [`Runtime::sleeps`](crate::Runtime::sleeps) tells.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::Runtime;
///
/// let rt = Runtime::new();
/// rt.block_on(evloop::sleep(Duration::from_millis(2)));
/// let sleeps = rt.sleeps();
/// assert_eq!(sleeps.slept, 1);
/// // How late that one sleep ended depends on the machine.
/// println!("sleeps end {:?} late", sleeps.lateness);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sleeps {
    /// Sleeps until a deadline (that may have ended early, for I/O or a
    /// wake from another thread).
    pub slept: u64,
    /// Times the next deadline was nearer than sleeps end late, and the
    /// loop looked at the world without blocking instead of sleeping.
    pub looked: u64,
    /// How late a sleep has been ending, on average: learned from each
    /// sleep that ran past its deadline. Zero until one has.
    pub lateness: Duration,
    /// Waits for other threads alone (no timer, no I/O: a
    /// [`to_thread`](crate::to_thread) job, a waker sent elsewhere) that a
    /// wake ended while the loop was still awake, before it parked its
    /// thread (see [`Builder::spin_before_sleep`](crate::Builder::spin_before_sleep)).
    pub woken_awake: u64,
    /// Waits for other threads alone that parked the loop's thread: no wake
    /// came while it stayed awake (or it was told not to).
    pub parked: u64,
    /// Of those, the waits that parked at once, without staying awake
    /// first, because the loop's last spins had not paid: no wake came
    /// during them (the loop rests from spinning for a while, then tries
    /// again; see [`Builder::spin_before_sleep`](crate::Builder::spin_before_sleep)).
    pub rested: u64,
}

/// How late the loop's timed sleeps end (an exponentially weighted average
/// of what it saw, in nanoseconds), and how often it slept or looked.
#[derive(Debug, Default)]
pub(super) struct Lateness {
    nanos: Cell<u64>,
    /// Whether a sleep has ended past its deadline yet.
    learned: Cell<bool>,
    slept: Cell<u64>,
    looked: Cell<u64>,
    woken_awake: Cell<u64>,
    parked: Cell<u64>,
    rested: Cell<u64>,
}

impl Lateness {
    /// How late a sleep has been ending, on average.
    pub(super) fn estimate(&self) -> Duration {
        Duration::from_nanos(self.nanos.get())
    }

    /// The counts and the estimate, as plain data.
    pub(super) fn sleeps(&self) -> Sleeps {
        Sleeps {
            slept: self.slept.get(),
            looked: self.looked.get(),
            lateness: self.estimate(),
            woken_awake: self.woken_awake.get(),
            parked: self.parked.get(),
            rested: self.rested.get(),
        }
    }

    /// A wait for other threads alone ended: by a wake that came while the
    /// loop was still awake, or after it parked.
    #[inline]
    pub(super) fn waited_for_threads(&self, woken_awake: bool) {
        let count = if woken_awake {
            &self.woken_awake
        } else {
            &self.parked
        };
        count.set(count.get() + 1);
    }

    /// A wait for other threads parked at once: the loop's spins had not
    /// been paying (`spin.rs`). Counted among the `parked` too.
    #[inline]
    pub(super) fn rested(&self) {
        self.rested.set(self.rested.get() + 1);
    }

    /// How long to block waiting for a deadline `left` away: `left`, or
    /// zero (only look, counted) when a sleep that long would end later
    /// than looking again would.
    #[inline]
    pub(super) fn sleep_or_look(&self, left: Duration) -> Duration {
        if left < self.estimate().min(MAX_AWAKE) {
            self.looked.set(self.looked.get() + 1);
            Duration::ZERO
        } else {
            left
        }
    }

    /// A timed sleep for `deadline` ended at `woke`: count it, and learn
    /// how late it was (a sleep that ended early, for I/O or a wake, teaches
    /// nothing).
    pub(super) fn learn(&self, deadline: Instant, woke: Instant) {
        self.slept.set(self.slept.get() + 1);
        if woke < deadline {
            return;
        }
        let sample = (woke - deadline).min(MAX_SAMPLE).as_nanos() as u64;
        let estimate = if self.learned.replace(true) {
            // old + (sample − old) / 8, in integers.
            let old = self.nanos.get();
            old - old / 8 + sample / 8
        } else {
            // The first sample is the whole estimate (an average started
            // at zero would take a dozen sleeps to come near it).
            sample
        };
        self.nanos.set(estimate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: u64) -> Instant {
        Instant::START + Duration::from_micros(micros)
    }

    #[test]
    fn a_new_loop_sleeps_for_every_deadline() {
        let lateness = Lateness::default();
        assert_eq!(lateness.estimate(), Duration::ZERO);
        let left = Duration::from_nanos(1);
        assert_eq!(lateness.sleep_or_look(left), left);
    }

    #[test]
    fn a_deadline_nearer_than_the_lateness_seen_is_only_looked_for() {
        let lateness = Lateness::default();
        for _ in 0..64 {
            lateness.learn(at(100), at(120));
        }
        assert_eq!(lateness.estimate(), Duration::from_micros(20));
        assert_eq!(
            lateness.sleep_or_look(Duration::from_micros(5)),
            Duration::ZERO
        );
        let far = Duration::from_micros(25);
        assert_eq!(lateness.sleep_or_look(far), far);
    }

    #[test]
    fn waiting_awake_is_bounded_however_late_sleeps_end() {
        let lateness = Lateness::default();
        for _ in 0..64 {
            lateness.learn(at(0), at(10_000));
        }
        // A 10 ms overrun is learned as 1 ms, and the loop still sleeps
        // for anything 50 µs or more away.
        assert!(lateness.estimate() <= MAX_SAMPLE);
        assert_eq!(lateness.sleep_or_look(MAX_AWAKE), MAX_AWAKE);
        let under = MAX_AWAKE - Duration::from_nanos(1);
        assert_eq!(lateness.sleep_or_look(under), Duration::ZERO);
    }

    #[test]
    fn sleeps_and_looks_are_counted() {
        let lateness = Lateness::default();
        lateness.learn(at(0), at(16));
        assert_eq!(
            lateness.sleep_or_look(Duration::from_micros(1)),
            Duration::ZERO
        );
        assert_eq!(
            lateness.sleeps(),
            Sleeps {
                slept: 1,
                looked: 1,
                lateness: Duration::from_micros(16),
                woken_awake: 0,
                parked: 0,
                rested: 0,
            }
        );
    }

    #[test]
    fn a_sleep_ended_early_teaches_nothing_and_the_estimate_forgets() {
        let lateness = Lateness::default();
        lateness.learn(at(100), at(50));
        assert_eq!(lateness.estimate(), Duration::ZERO);
        assert_eq!(lateness.sleeps().slept, 1);
        lateness.learn(at(0), at(80));
        assert_eq!(lateness.estimate(), Duration::from_micros(80));
        lateness.learn(at(0), at(0));
        assert_eq!(lateness.estimate(), Duration::from_micros(70));
        for _ in 0..64 {
            lateness.learn(at(0), at(0));
        }
        assert!(lateness.estimate() < Duration::from_micros(1));
    }
}

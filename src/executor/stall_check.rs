//! When the loop, on the real clock, looks for a deadlock: the stall
//! check's budget.
//!
//! # Why
//!
//! On the real clock, with no timer, no I/O and no outside work, the loop
//! is about to sleep until another thread wakes a task. Whether any thread
//! can is `only_this_thread_can_wake` (`idle.rs`): if every waker of every
//! waiting task is held where only this thread could call it, the sleep
//! would never end, and the loop reports a deadlock instead. That check
//! visits every task and every waiter of every primitive, so it costs in
//! proportion to the loop's size, and more than that once the tasks no
//! longer fit in the caches. Made before every such sleep, it was paid
//! once per wake from another thread: with 100,000 tasks waiting, a thread
//! waking one task and spinning for its answer waited 2 to 3.5 ms for it,
//! where with one task it waits under a microsecond
//! (`docs/performance.md`, "A deadlock check the size of the loop").
//!
//! So the check keeps to a budget. A check that found a task another
//! thread may wake, and took [`FREE`] or more, is not made again until
//! [`SHARE`] times its own cost has passed (at most [`MAX_WAIT`]): the loop
//! spends at most about 1/64 of its waiting time looking for a deadlock. A
//! sleep that starts before then ends by then, and the loop checks again,
//! so a deadlock that appears in the meantime (a task woken from another
//! thread goes on to wait where only this thread could wake it) is still
//! reported, late by at most that window.
//!
//! What no check sees is a waker dropped elsewhere without a wake while
//! the loop sleeps: nothing ends that sleep, as before there was a budget
//! (a lost wake; asyncio waits forever there too).
//!
//! ```text
//!   idle, real clock, nothing but another thread can wake a task
//!     within the window of a costly check ──▶ sleep, until the window ends at most
//!     otherwise ──▶ check: a deadlock ──▶ report it
//!                          else       ──▶ sleep; a costly check opens a window
//! ```
//!
//! Only a big check is timed, and only once the check before it was big
//! (it visited [`TIMED_FROM`] or more tasks and wakers): a small loop's
//! check cannot reach [`FREE`], and timing it would cost two clock
//! readings on each of its waits for another thread.
//!
//! A check under [`FREE`] is made before every such sleep, as before: it
//! costs less than the sleep and the wake it comes before, and a loop
//! waiting for another thread without a window sleeps with no timeout, so
//! it never wakes but for a reason.

use std::cell::Cell;
use std::time::Duration;

use crate::time::Instant;

/// A check that takes less than this is made before every sleep it may
/// save from being a hang (a futex sleep and its wake cost more).
const FREE: Duration = Duration::from_micros(20);

/// A check that visited fewer tasks and wakers than this is cheap without
/// being timed: even at a cache miss each (some 100 ns), it stays under
/// [`FREE`]. Not timing it saves two clock readings (each some 20 ns on a
/// virtual machine) on every wait of a small loop for another thread; a
/// check that visited more has the next one timed.
const TIMED_FROM: usize = 128;

/// A costly check is made again only after this many times its cost.
const SHARE: u32 = 64;

/// The longest a deadlock waits to be reported, however costly the check.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// When the stall check is next due (see the module docs).
#[derive(Debug, Default)]
pub(super) struct StallCheck {
    /// The end of the window opened by the last costly check.
    not_before: Cell<Option<Instant>>,
    /// The last check visited [`TIMED_FROM`] or more tasks and wakers: the
    /// next one is timed.
    time_next: Cell<bool>,
}

impl StallCheck {
    /// `None`: check now. `Some(t)`: a costly check was made lately; sleep
    /// no later than `t`, then look again.
    #[inline]
    pub(super) fn deferred_until(&self, now: Instant) -> Option<Instant> {
        self.not_before.get().filter(|&t| now < t)
    }

    /// Whether the coming check is to be timed (the clock read before and
    /// after it): only when the one before it was big. A small loop's
    /// check, made before each of its waits for another thread, costs no
    /// clock reading at all.
    #[inline]
    pub(super) fn times_the_next(&self) -> bool {
        self.time_next.get()
    }

    /// A check found a task that another thread may wake. It visited
    /// `visited` tasks and wakers, and `timed` is when it began and ended,
    /// if it was timed. A timed check that was costly opens a window; a big
    /// check that was not timed (the first after small ones) has the next
    /// one timed.
    pub(super) fn found_a_waker_elsewhere(
        &self,
        visited: usize,
        timed: Option<(Instant, Instant)>,
    ) {
        self.time_next.set(visited >= TIMED_FROM);
        let window = timed.and_then(|(began, ended)| {
            let cost = ended.saturating_duration_since(began);
            (cost >= FREE).then(|| ended + (cost * SHARE).min(MAX_WAIT))
        });
        self.not_before.set(window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: u64) -> Instant {
        at_ns(micros * 1_000)
    }

    fn at_ns(nanos: u64) -> Instant {
        Instant::START + Duration::from_nanos(nanos)
    }

    /// A check big enough to be timed.
    const BIG: usize = TIMED_FROM;

    fn timed(began: Instant, ended: Instant) -> Option<(Instant, Instant)> {
        Some((began, ended))
    }

    #[test]
    fn a_cheap_check_is_made_before_every_sleep() {
        let check = StallCheck::default();
        assert_eq!(check.deferred_until(at(0)), None, "a new loop checks");
        check.found_a_waker_elsewhere(BIG, timed(at(0), at(1)));
        assert_eq!(check.deferred_until(at(1)), None);
        // Just under FREE: 19.999 µs.
        check.found_a_waker_elsewhere(BIG, timed(at(100), at_ns(119_999)));
        let just_under = at_ns(119_999);
        assert_eq!(check.deferred_until(just_under), None);
    }

    #[test]
    fn only_a_check_after_a_big_one_is_timed() {
        let check = StallCheck::default();
        assert!(!check.times_the_next(), "a new loop's first check is not");
        check.found_a_waker_elsewhere(TIMED_FROM - 1, None);
        assert!(!check.times_the_next());
        check.found_a_waker_elsewhere(BIG, None);
        assert!(check.times_the_next());
        assert_eq!(check.deferred_until(at(0)), None, "untimed, no window");
        check.found_a_waker_elsewhere(BIG, timed(at(0), at(1_000)));
        assert!(check.times_the_next());
        assert!(check.deferred_until(at(1_000)).is_some());
        // The window ends when it ends; a small check made after it opens
        // none, and the next is not timed.
        check.found_a_waker_elsewhere(1, None);
        assert!(!check.times_the_next());
        assert_eq!(check.deferred_until(at(1_001)), None);
    }

    #[test]
    fn a_costly_check_waits_for_sixty_four_times_its_cost() {
        let check = StallCheck::default();
        check.found_a_waker_elsewhere(BIG, timed(at(0), at(1_000)));
        let until = at(1_000 + 64_000);
        assert_eq!(check.deferred_until(at(1_000)), Some(until));
        assert_eq!(check.deferred_until(at_ns(64_999_999)), Some(until));
        assert_eq!(check.deferred_until(until), None, "due again at the end");
        // A cheap check after it closes the window.
        check.found_a_waker_elsewhere(BIG, timed(until, until + Duration::from_micros(1)));
        assert_eq!(check.deferred_until(until + Duration::from_micros(2)), None);
    }

    #[test]
    fn no_deadlock_waits_longer_than_a_second() {
        let check = StallCheck::default();
        check.found_a_waker_elsewhere(BIG, timed(at(0), at(100_000))); // a 100 ms check
        assert_eq!(
            check.deferred_until(at(100_000)),
            Some(at(100_000) + MAX_WAIT)
        );
    }
}

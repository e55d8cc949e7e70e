//! `interval`: a tick every period, and what to do with ticks the loop
//! missed.
//!
//! ```text
//!   period 1 s, the loop blocked from 1.5 s to 4.5 s (ticks 2, 3, 4 missed)
//!
//!   Skip  (default)  0 1 │ 4.5        5 6 …       the overdue tick once, then
//!                        │                        the next multiple of the period
//!   Burst            0 1 │ 4.5 4.5 4.5 5 6 …      every missed tick, at once
//!   Delay            0 1 │ 4.5 5.5 6.5 …          one tick now, then a period
//!                        │                        from each tick as it happens
//! ```

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::driver;
use super::{Instant, Sleep, sleep_until};

/// What an [`Interval`] does with ticks it missed because the loop was busy
/// (tokio's three; [`Skip`](MissedTickBehavior::Skip) is the default).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::{MissedTickBehavior, interval};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let ticks = rt.block_on(async {
///     let mut every = interval(Duration::from_secs(1));
///     every.set_missed_tick_behavior(MissedTickBehavior::Burst);
///     every.tick().await;
///     evloop::sleep(Duration::from_millis(2500)).await; // ticks 1 and 2 missed
///     let mut at = Vec::new();
///     for _ in 0..3 {
///         at.push(every.tick().await.since_start().as_millis());
///     }
///     at
/// });
/// assert_eq!(ticks, [1000, 2000, 3000]); // the missed two at once, then on time
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire every missed tick, one after the other, at once, until caught up
    /// with the schedule `start + n × period` (a rate that must be kept on
    /// average: a meter, a frame counter).
    Burst,
    /// Fire one tick now, and count the period from there: the schedule
    /// moves later by the delay (a pause that must be at least a period).
    Delay,
    /// Fire the overdue tick once, now, and skip the rest: the next tick
    /// lands on the next multiple of the period (a heartbeat, a poll).
    #[default]
    Skip,
}

/// A ticker that fires every `period`, the first tick at once.
///
/// Ticks are scheduled at `start + n × period`. If the loop falls behind
/// (a poll blocked it past several ticks), what happens to the missed ticks
/// is the interval's [`MissedTickBehavior`], `Skip` unless set: the overdue
/// tick fires once, at once, and the next lands on the next multiple of the
/// period.
///
/// Like [`sleep`](super::sleep), an interval made outside a running loop
/// starts at its first poll: that is when the first tick fires.
///
/// A period of zero ticks at every poll, but gives way to the other ready
/// tasks between two ticks, as [`yield_now`](crate::yield_now) does (it
/// would otherwise never let them run).
///
/// # Cancel safety
///
/// `tick()` is cancel-safe: see [`Interval::tick`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{Runtime, time::{interval, Instant}};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let ticks = rt.block_on(async {
///     let mut every = interval(Duration::from_millis(250));
///     let mut at = vec![];
///     for _ in 0..3 {
///         at.push(every.tick().await.since_start());
///     }
///     at
/// });
/// assert_eq!(ticks, [0, 250, 500].map(Duration::from_millis));
/// ```
pub fn interval(period: Duration) -> Interval {
    Interval::build(from_now(Duration::ZERO), period)
}

/// `now + d` on the running loop's clock, or "`d` after the first poll"
/// outside a loop.
fn from_now(d: Duration) -> Next {
    match driver::current() {
        Some(driver) => Next::At(driver.now() + d),
        None => Next::AfterFirstPoll(d),
    }
}

/// A ticker whose first tick is at `start` (then every `period`), tokio's
/// `interval_at`. A `start` in the past ticks at the first poll, and the
/// ticks missed since then follow the interval's [`MissedTickBehavior`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::{Instant, interval_at};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let first = rt.block_on(async {
///     let mut every = interval_at(Instant::now() + Duration::from_secs(5), Duration::from_secs(1));
///     every.tick().await.since_start()
/// });
/// assert_eq!(first, Duration::from_secs(5));
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval::build(Next::At(start), period)
}

/// The ticker returned by [`interval`] and [`interval_at`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// The next tick's scheduled instant.
    next: Next,
    sleep: Sleep,
    missed: MissedTickBehavior,
    /// A zero period: whether it gave way since its last tick.
    yielded: bool,
}

/// When the next tick is due.
#[derive(Clone, Copy, Debug)]
enum Next {
    At(Instant),
    /// Made (or reset) outside a loop: this long after the first poll.
    AfterFirstPoll(Duration),
}

impl Interval {
    fn build(next: Next, period: Duration) -> Interval {
        let at = match next {
            Next::At(at) => at,
            Next::AfterFirstPoll(_) => Instant::START,
        };
        Interval {
            period,
            next,
            sleep: sleep_until(at),
            missed: MissedTickBehavior::default(),
            yielded: true,
        }
    }

    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `tick()` loses no tick (the schedule lives in
    /// the `Interval`); the next call returns it.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// # Panics
    ///
    /// When polled outside a running evloop loop.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        use std::future::Future;
        let Some(driver) = driver::current() else {
            panic!(
                "an evloop Interval was polled outside a running evloop loop; run it with \
                 evloop::run or Runtime::block_on"
            )
        };
        let now = driver.now();
        let tick = match self.next {
            Next::At(tick) => tick,
            Next::AfterFirstPoll(d) => {
                // Made outside a loop: counted from now.
                self.next = Next::At(now + d);
                self.sleep.reset(now + d);
                now + d
            }
        };
        if self.period.is_zero() && !self.yielded {
            // Give way once between two ticks of a zero period.
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.yielded = false;
        let next = self.after(tick, now);
        self.next = Next::At(next);
        self.sleep.reset(next);
        Poll::Ready(tick)
    }

    /// The tick after `tick`, which fired at `now`.
    fn after(&self, tick: Instant, now: Instant) -> Instant {
        let next = tick + self.period;
        if next > now || self.period.is_zero() {
            return next;
        }
        match self.missed {
            MissedTickBehavior::Burst => next,
            MissedTickBehavior::Delay => now + self.period,
            MissedTickBehavior::Skip => {
                // Land on the next multiple of the period after now.
                let behind = now - tick;
                let periods = behind.as_nanos() / self.period.as_nanos() + 1;
                let skip = self
                    .period
                    .checked_mul(u32::try_from(periods).unwrap_or(u32::MAX))
                    .unwrap_or(Duration::MAX);
                tick + skip
            }
        }
    }

    /// Starts the schedule again from now: the next tick is one period from
    /// now (tokio's `reset`); outside a loop, one period from the first poll.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::time::{Instant, interval};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let next = rt.block_on(async {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     evloop::sleep(Duration::from_secs(3)).await;
    ///     every.reset(); // ten seconds from now, not from the last tick
    ///     every.tick().await.since_start()
    /// });
    /// assert_eq!(next, Duration::from_secs(13));
    /// ```
    pub fn reset(&mut self) {
        self.reset_to(from_now(self.period));
    }

    /// The next tick at `at`, and the schedule on from there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::time::{Instant, interval};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let next = rt.block_on(async {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.reset_at(Instant::START + Duration::from_secs(4));
    ///     every.tick().await.since_start()
    /// });
    /// assert_eq!(next, Duration::from_secs(4));
    /// ```
    pub fn reset_at(&mut self, at: Instant) {
        self.reset_to(Next::At(at));
    }

    /// The next tick now (at the next poll), and the schedule on from there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::time::interval;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let next = rt.block_on(async {
    ///     let mut every = interval(Duration::from_secs(10));
    ///     every.tick().await;
    ///     every.reset_immediately();
    ///     every.tick().await.since_start()
    /// });
    /// assert_eq!(next, Duration::ZERO);
    /// ```
    pub fn reset_immediately(&mut self) {
        self.reset_to(from_now(Duration::ZERO));
    }

    fn reset_to(&mut self, next: Next) {
        self.next = next;
        if let Next::At(at) = next {
            self.sleep.reset(at);
        }
        self.yielded = true;
    }

    /// What it does with missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::time::{MissedTickBehavior, interval};
    ///
    /// let every = interval(std::time::Duration::from_secs(1));
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets what it does with missed ticks (from the next tick on).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::time::{MissedTickBehavior, interval};
    ///
    /// let mut every = interval(std::time::Duration::from_secs(1));
    /// every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

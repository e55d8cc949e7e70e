//! `interval`: a tick every period.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::driver;
use super::{Instant, Sleep, sleep_until};

/// A ticker that fires every `period`, the first tick at once.
///
/// Ticks are scheduled at `start + n × period`. If the loop falls behind
/// (a poll blocked it past several ticks), the overdue tick fires once, at
/// once, and the ticks missed behind it are skipped: the next one lands on
/// the next multiple of the period. An interval never fires a burst to
/// catch up.
///
/// Like [`sleep`](super::sleep), an interval made outside a running loop
/// starts at its first poll: that is when the first tick fires.
///
/// # Panics
///
/// Panics when `period` is zero (an interval of zero would never let other
/// tasks run; use [`yield_now`](crate::yield_now) in a loop for that).
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
    assert!(
        !period.is_zero(),
        "evloop::time::interval() needs a period above zero; to let other tasks run between iterations, use yield_now()"
    );
    let start = driver::current().map(|driver| driver.now());
    Interval {
        period,
        next: start,
        sleep: sleep_until(start.unwrap_or(Instant::START)),
    }
}

/// The ticker returned by [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// The next tick's scheduled instant (`None` until the first poll, for
    /// an interval made outside a loop).
    next: Option<Instant>,
    sleep: Sleep,
}

impl Interval {
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
            Some(tick) => tick,
            None => {
                // Made outside a loop: the first tick is now.
                self.next = Some(now);
                self.sleep.reset(now);
                now
            }
        };
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let mut next = tick + self.period;
        if next <= now {
            // Skip missed ticks: land on the next multiple of the period.
            let behind = now - tick;
            let periods = behind.as_nanos() / self.period.as_nanos() + 1;
            let skip = self
                .period
                .checked_mul(u32::try_from(periods).unwrap_or(u32::MAX))
                .unwrap_or(Duration::MAX);
            next = tick + skip;
        }
        self.next = Some(next);
        self.sleep.reset(next);
        Poll::Ready(tick)
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

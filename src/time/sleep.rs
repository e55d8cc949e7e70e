//! `sleep` and `sleep_until`: a future that completes at a deadline.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;
use super::driver::{self, TimerDriver};
use super::heap::TimerKey;
use crate::task::{WaitOn, current};

/// Waits until `duration` has passed on the loop's clock (asyncio's
/// `await asyncio.sleep(d)`).
///
/// The deadline is counted from now when called inside a running loop, and
/// from the first poll when called outside one (so `rt.spawn(sleep(d))`
/// works: the task sleeps `d` from its first poll).
/// A zero duration completes at the first poll without yielding; use
/// [`yield_now`](crate::yield_now) to let other tasks run.
/// `Duration::MAX` saturates to a deadline that never comes.
///
/// # Panics
///
/// The returned future panics when polled outside a running evloop loop
/// (by another executor, say), since it needs the loop's timers.
///
/// # Cancel safety
///
/// Cancel-safe: dropping a `Sleep` removes its timer, and that is all.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{Runtime, time::Instant};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let took = rt.block_on(async {
///     let start = Instant::now();
///     evloop::sleep(Duration::from_secs(3600)).await; // an hour, instantly
///     start.elapsed()
/// });
/// assert_eq!(took, Duration::from_secs(3600));
/// ```
#[doc(alias = "delay_for")]
pub fn sleep(duration: Duration) -> Sleep {
    match driver::current() {
        Some(driver) => sleep_until(driver.now() + duration),
        None => Sleep {
            deadline: Deadline::AfterFirstPoll(duration),
            timer: None,
        },
    }
}

/// Waits until the loop's clock reads `deadline`. A deadline in the past
/// completes at the first poll.
///
/// "In the past" is as far as the loop knows, without reading the clock
/// again: at or before its last reading. On the real clock that is the
/// start of the turn, or a later [`Instant::now`] (or the `sleep` that
/// computed the deadline). A deadline that passed only since then (while
/// a task computed past it) is set as a timer, and fires at the next turn,
/// as does every timer that comes due during a turn. A sleep never ends
/// early either way.
///
/// Unlike [`sleep`], this can be created outside a loop; it must be polled
/// inside one.
///
/// # Cancel safety
///
/// Cancel-safe, as [`sleep`].
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: Deadline::At(deadline),
        timer: None,
    }
}

#[derive(Clone, Copy, Debug)]
enum Deadline {
    At(Instant),
    /// Created outside a loop: counted from the first poll.
    AfterFirstPoll(Duration),
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// Dropping it before the deadline removes its timer: a dropped sleep never
/// wakes the loop.
///
/// # Cancel safety
///
/// Cancel-safe: see [`sleep`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Sleep {
    deadline: Deadline,
    /// The driver the timer was set in (a handle to the timers alone, not
    /// to the loop), and the timer.
    timer: Option<(Rc<TimerDriver>, TimerKey)>,
}

impl Sleep {
    /// When this sleep completes ([`Instant::FAR_FUTURE`] until the first
    /// poll, for a sleep created outside a loop).
    pub fn deadline(&self) -> Instant {
        match self.deadline {
            Deadline::At(at) => at,
            Deadline::AfterFirstPoll(_) => Instant::FAR_FUTURE,
        }
    }

    /// Moves the deadline (used by [`Interval`](super::Interval)). The timer,
    /// if set, is re-set at the next poll.
    pub fn reset(&mut self, deadline: Instant) {
        self.cancel_timer();
        self.deadline = Deadline::At(deadline);
    }

    /// True if the deadline has passed on the running loop's clock.
    pub fn is_elapsed(&self) -> bool {
        driver::current().is_some_and(|driver| driver.now() >= self.deadline())
    }

    fn cancel_timer(&mut self) {
        if let Some((driver, key)) = self.timer.take() {
            driver.cancel(key);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(driver) = driver::current() else {
            panic!(
                "an evloop::Sleep was polled outside a running evloop loop (by another executor?); \
                 evloop's timers need evloop's loop: run the future with evloop::run or Runtime::block_on"
            )
        };
        // Keep the timer's waker current; a timer of ours that is no longer
        // pending has fired, which the heap does only once its deadline has
        // passed: done, without reading the clock.
        let registered = match &this.timer {
            Some((owner, key)) if Rc::ptr_eq(owner, &driver) => {
                if !driver.update_waker(*key, cx.waker()) {
                    this.timer = None;
                    return Poll::Ready(());
                }
                true
            }
            _ => false,
        };
        let deadline = match this.deadline {
            Deadline::At(at) => at,
            Deadline::AfterFirstPoll(d) => {
                let at = driver.now() + d;
                this.deadline = Deadline::At(at);
                at
            }
        };
        // Done if the deadline is known to have passed: the clock is not
        // read again. A deadline that passed only since the clock was last
        // read (this turn's start, or the `sleep` call that set it) is set
        // as a timer, or stays one, and the loop fires it at the next turn,
        // as it fires every timer that comes due during a turn.
        if deadline <= driver.seen() {
            this.cancel_timer();
            return Poll::Ready(());
        }
        if !registered {
            this.cancel_timer();
            let key = driver.insert(deadline, cx.waker().clone());
            this.timer = Some((driver, key));
        }
        current::note(WaitOn::Timer(deadline));
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.timer.is_some())
            .finish()
    }
}

//! Time: timers on the loop's clock, and the futures built on them.
//!
//! Every timer of a loop lives in one binary heap of deadlines
//! ([`heap`](self) module docs show it), which the *timer driver* owns
//! together with the clock (`src/clock/`; `driver.rs`). When no task is
//! ready, the loop asks the driver for the earliest deadline and sleeps
//! exactly until then: no ticks, no busy waiting.
//!
//! # Two clocks
//!
//! - [`ClockKind::Real`]: time is wall-clock time since the runtime started.
//! - [`ClockKind::Virtual`]: time stands still while tasks run. When the loop
//!   is idle (nothing ready, nothing outside the loop that could wake a task),
//!   the clock *jumps* to the next deadline, like trio's autojump clock and
//!   tokio's paused time. [`Runtime::advance`](crate::Runtime::advance) moves
//!   it by hand, firing every deadline inside the span in order and running
//!   the woken tasks at each deadline's own instant.
//!
//! A program that sleeps an hour on the virtual clock finishes at once, and
//! the times it reads say one hour.
//!
//! # The files, in reading order
//!
//! - `heap.rs`: the heap of `(deadline, seq)` entries, with lazy deletion.
//! - `driver.rs`: the heap and the clock as one part, and the driver of the
//!   loop running on this thread.
//! - `sleep.rs`, `timeout.rs`, `interval.rs`: the futures.

mod driver;
pub(crate) mod heap;
mod interval;
mod sleep;
mod timeout;

pub use crate::clock::{ClockKind, Instant};
pub(crate) use driver::TimerDriver;
pub(crate) use driver::enter as enter_driver;
pub use heap::TimerInfo;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};

/// The running loop's clock, or `None` outside a loop (for code that
/// counts a deadline from now when it can, and from its first poll when
/// it cannot, as `sleep` does).
pub(crate) fn now_if_running() -> Option<Instant> {
    driver::current().map(|driver| driver.now())
}

//! Time: the loop's clock and the timer heap behind `sleep`.
//!
//! Every timer of a loop lives in one binary heap of deadlines
//! ([`heap`](self) module docs show it). When no task is ready, the loop
//! looks at the earliest deadline and sleeps exactly until then: no ticks,
//! no busy waiting.
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

mod clock;
pub(crate) mod heap;
mod instant;
mod interval;
mod sleep;
mod timeout;

pub(crate) use clock::Clock;
pub use clock::ClockKind;
pub use heap::TimerInfo;
pub use instant::Instant;
pub use interval::{Interval, interval};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};

//! # evloop: a single-threaded async executor you can see inside
//!
//! evloop polls `std::future::Future`s on one thread, the way asyncio runs
//! coroutines: a ready queue, a timer heap, a reactor for I/O. Every part of
//! it can be looked at while it runs ([`Runtime::snapshot`], the event
//! stream, [`Runtime::step`]), and it can run on a virtual clock so that
//! tests of timing are instant and exact.
//!
//! ```
//! use std::time::Duration;
//! use evloop::{Runtime, time::Instant};
//!
//! let rt = Runtime::builder().virtual_clock().build();
//! rt.block_on(async {
//!     let start = Instant::now();
//!     let slow = evloop::spawn_named("slow", async {
//!         evloop::sleep(Duration::from_secs(3)).await;
//!         "slow"
//!     });
//!     let fast = evloop::spawn_named("fast", async {
//!         evloop::sleep(Duration::from_secs(1)).await;
//!         "fast"
//!     });
//!     assert_eq!(fast.await.unwrap(), "fast");
//!     assert_eq!(slow.await.unwrap(), "slow");
//!     assert_eq!(start.elapsed(), Duration::from_secs(3)); // not 4: they ran concurrently
//! });
//! ```
//!
//! The tour of the source follows the chapters of `docs/`:
//! [`task`] (what a task is), [`executor`] (the loop), [`time`] (timers and
//! clocks), [`io`] (the reactor and async I/O), [`net`] (sockets),
//! [`blocking`] (`to_thread`), [`inspect`] (seeing inside), [`debug`] (what
//! debug mode catches), and the asyncio toolkit: [`combinators`] (gather,
//! wait, TaskGroup…), [`sync`] (Semaphore, Queue, Event, Lock), [`stream`]
//! (async generators), [`callback`] (call_soon, call_later, create_future).

pub mod blocking;
pub mod callback;
pub(crate) mod clock;
pub mod combinators;
pub(crate) mod current;
pub mod debug;
pub mod executor;
pub mod inspect;
pub mod io;
pub mod net;
pub mod stream;
pub mod sync;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub mod task;
pub mod testing;
pub mod time;

pub use blocking::{spawn_blocking, to_thread};
pub use executor::EnterGuard;
pub use executor::interrupt_on_ctrl_c;
pub use executor::{
    Builder, ClockError, Divergence, ExternalWork, Interrupter, Policy, RunReport, Runtime,
    Schedule, ScheduleError, StallReport, StepReport, StopReason, Subscription, UnknownTask, run,
    spawn, spawn_named,
};
pub use task::{Cancel, JoinError, JoinHandle, TaskId, TaskState, WaitOn, WakeCause, yield_now};
pub use time::{sleep, timeout};

pub use callback::{call_later, call_soon, create_future};

pub use combinators::{
    ReturnWhen, TaskGroup, as_completed, gather, gather_all, race, select, shield, wait,
};
/// Runs an `async fn` test on the [`testing`] harness: on the virtual clock,
/// failing with a deadlock report instead of hanging.
///
/// ```text
/// #[evloop::test]                     one FIFO run, virtual clock
/// #[evloop::test(explore = 200)]      200 schedules: FIFO, LIFO, seeded Random and PCT
/// #[evloop::test(clock = "real")]     the real clock
/// #[evloop::test(strict)]             debug-mode findings fail the test
/// #[evloop::test(seed = 7, depth = 2, poll_budget = 10000)]
/// ```
///
/// The function may return `()` or `Result<(), E>` (an `Err` fails the
/// test). A failing exploration prints the policy, the seed, the schedule
/// and how to replay it with `EVLOOP_SEED` or `EVLOOP_SCHEDULE`. Needs the
/// `macros` feature (on by default).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[evloop::test(explore = 20)]
/// async fn an_hour_is_instant() -> Result<(), String> {
///     let start = evloop::time::Instant::now();
///     evloop::sleep(Duration::from_secs(3600)).await;
///     if start.elapsed() != Duration::from_secs(3600) {
///         return Err(format!("took {:?}", start.elapsed()));
///     }
///     Ok(())
/// }
/// ```
///
/// Mistakes are compile errors that say what to write instead:
///
/// ```compile_fail
/// #[evloop::test]
/// fn not_async() {} // error: #[evloop::test] runs an `async fn`
/// ```
///
/// ```compile_fail
/// #[evloop::test(explore = "many")] // error: `explore` needs a whole number
/// async fn t() {}
/// ```
///
/// ```compile_fail
/// #[evloop::test(clock = "wall")] // error: `clock` takes "real" or "virtual"
/// async fn t() {}
/// ```
///
/// ```compile_fail
/// #[evloop::test(shuffle)] // error: unknown option `shuffle`
/// async fn t() {}
/// ```
///
/// ```compile_fail
/// #[evloop::test]
/// async fn t(n: u32) {} // error: functions take no arguments
/// ```
#[cfg(feature = "macros")]
pub use evloop_macros::test;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The code blocks of docs/testing.md, run as doctests.
#[cfg(all(doctest, feature = "macros"))]
#[doc = include_str!("../docs/testing.md")]
pub struct TestingChapterDoctests;

/// The code blocks of docs/event-loop.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/event-loop.md")]
pub struct EventLoopChapterDoctests;
/// The code in `docs/reactor.md` runs as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/reactor.md")]
pub struct ReactorChapter;

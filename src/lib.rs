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
//! # The tour of the source, in reading order
//!
//! Each module reads on its own after the ones above it, and never names
//! the ones below it (the chapter `docs/event-loop.md` walks through them):
//!
//! 1. `sys` (private) — the OS contract, epoll or kqueue, declared by hand.
//! 2. `current` (private) — "the loop running on this thread", one slot per
//!    layer.
//! 3. `clock` (private; [`time::Instant`] and [`time::ClockKind`] are its
//!    public names): the loop's clock, real or virtual.
//! 4. [`task`] — what a task is: its state machine, its waker, its handle.
//!    A task carries a schedule hook and never names the loop.
//! 5. [`time`] — the timer heap and driver; `sleep`, `timeout`, `interval`.
//! 6. [`io`] — the reactor and async I/O (`Async`).
//! 7. [`debug`] — what debug mode reports.
//! 8. [`inspect`] — what the loop shows: events, snapshots, primitives.
//! 9. [`executor`] — the loop itself, parts that own their state composed by
//!    one turn; [`Runtime`].
//! 10. [`blocking`] — `to_thread`.
//! 11. [`sync`] — Semaphore, Queue, Event, Lock, Condition, Barrier, Notify,
//!     RwLock, channels (oneshot, watch, broadcast), CancelToken.
//! 12. [`combinators`] — gather, wait, as_completed, TaskGroup, TaskSet,
//!     timeout, shield, cancel scopes; the `select!`, `join!` and `try_join!`
//!     macros.
//! 13. [`stream`] — async generators.
//! 14. [`callback`] — call_soon, call_later, create_future.
//! 15. [`net`] — TCP, UDP and Unix sockets.
//! 16. [`signal`] — `SIGTERM`, `SIGHUP`, Ctrl-C… as futures (the self-pipe
//!     trick, one handler and one thread for the process).
//! 17. [`process`] — child processes (`spawn`, `wait`, `output`), pipes
//!     to them, and this process's stdin/stdout/stderr.
//! 18. [`testing`] — the harness: virtual time, explored schedules, replay;
//!     in-memory connections with seeded faults.
//! 19. `interop` — the ecosystem's traits (`futures-io`, `futures-core`),
//!     behind features that are off by default.
//!
//! 20. [`console`] (the `repl` feature) — the REPL's prompt over your own
//!     program: register async functions, open the console. The `evloop`
//!     binary is this console with nothing registered. Its code, `src/repl/`,
//!     uses the public API alone (as `evloop::…`), but for `explore` and
//!     `minimize`, which drive the testing explorer's crate-private walk and
//!     shrinker.

// The modules in reading order (the tour above); rustfmt keeps each group.
#[allow(unsafe_code)]
pub(crate) mod sys;

pub(crate) mod current;

pub(crate) mod clock;

// Its unsafe code is allowed file by file (cell, owner, task_ref, waker).
pub mod task;

pub mod time;

pub mod io;

pub mod debug;

pub mod inspect;

pub mod executor;

pub mod blocking;

pub mod sync;

pub mod combinators;

pub mod stream;

pub mod callback;

pub mod net;

// Signals and child processes need each OS's signal numbers and `errno`,
// which sys/ declares for the POSIX systems it knows.
sys::if_posix! {
    pub mod signal;
    pub mod process;
}

pub mod testing;

// The REPL names the library as `evloop::…`, as any user does: it is
// written on the public API alone.
#[cfg(feature = "repl")]
extern crate self as evloop;
#[cfg(feature = "repl")]
pub mod console;
#[cfg(any(feature = "futures-io", feature = "futures-core"))]
pub mod interop;
#[cfg(feature = "repl")]
mod repl;

pub use blocking::{spawn_blocking, to_thread};
pub use executor::EnterGuard;
pub use executor::{
    Builder, DebugMode, Divergence, Events, ExternalWork, Interrupter, LoopClosed, LoopHandle,
    Policy, RemoteHandle, RunError, RunErrorKind, RunReport, Runtime, Schedule, ScheduleError,
    Scheduler, Sleeps, StallReport, StepReport, Stop, Subscription, UnknownTask, run, spawn,
    spawn_named,
};
pub use executor::{all_tasks, current_task};
sys::if_posix! {
    pub use signal::interrupt_on_ctrl_c;
}

sys::if_not_posix! {
    /// Where evloop knows no POSIX signals, Ctrl-C cannot interrupt a loop: this
    /// says so (the loop's [`Interrupter`] still works from any thread).
    ///
    /// # Errors
    ///
    /// Always `ErrorKind::Unsupported`, with a message.
    pub fn interrupt_on_ctrl_c(_interrupter: Interrupter) -> std::io::Result<()> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "Ctrl-C as a signal needs a Unix-like OS; interrupt the loop with its Interrupter instead",
        ))
    }
}
pub use task::{
    Cancel, CancelHandle, CancelOnDrop, JoinError, JoinHandle, TaskId, TaskName, TaskState, WaitOn,
    WakeCause, yield_now,
};
pub use time::{sleep, timeout};

pub use callback::{call_later, call_soon, create_future};

pub use combinators::{
    ReturnWhen, TaskGroup, TaskSet, as_completed, gather, gather_all, race, select, shield, wait,
};
/// Runs an `async fn` test on the [`testing`] harness: on the virtual clock,
/// failing with a deadlock report instead of hanging.
///
/// ```text
/// #[evloop::test]                     one FIFO run, virtual clock
/// #[evloop::test(explore = 200)]      200 schedules: FIFO, LIFO, seeded Random and PCT
/// #[evloop::test(explore = all)]      every schedule that matters (exhaustive, with reduction)
/// #[evloop::test(explore = all, preemption_bound = 2, reduction = false)]
/// #[evloop::test(clock = "real")]     the real clock
/// #[evloop::test(strict)]             debug-mode findings fail the test
/// #[evloop::test(seed = 7, depth = 2, poll_budget = 10000)]
/// ```
///
/// The function may return `()` or `Result<(), E>` (an `Err` fails the
/// test). A failing exploration prints the policy, the seed, the schedule
/// and how to replay it with `EVLOOP_SEED` or `EVLOOP_SCHEDULE`. With
/// `EVLOOP_CONSOLE=1` (and the `repl` feature) a failing test opens the
/// console on its failing schedule, to be stepped by hand
/// (`EVLOOP_CONSOLE=1 cargo test NAME -- --nocapture`; see
/// [`console::explore_or_open`]). Needs the `macros` feature (on by
/// default).
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
/// Exhaustive mode proves a small test passes under every schedule:
///
/// ```
/// use evloop::testing::Shared;
///
/// #[evloop::test(explore = all)]
/// async fn two_adders_never_lose_an_update() {
///     let total = Shared::new(0);
///     let tasks: Vec<_> = (0..2)
///         .map(|_| {
///             let total = total.clone();
///             evloop::spawn(async move {
///                 evloop::yield_now().await;
///                 total.with(|t| *t += 1);
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(total.get(), 2);
/// }
/// ```
///
/// ```compile_fail
/// #[evloop::test(explore = every)] // error: `explore` needs a whole number (or `all`)
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

/// What `#[evloop::test]` calls: the harness's exploration, or with the
/// `repl` feature and `EVLOOP_CONSOLE` set, a console on a failing run.
#[doc(hidden)]
pub fn __test_main<B, Fut>(harness: testing::Harness, body: B) -> testing::Explored
where
    B: Fn() -> Fut + 'static,
    Fut: std::future::Future + 'static,
    Fut::Output: testing::TestOutcome,
{
    #[cfg(feature = "repl")]
    return console::explore_or_open(&harness, body);
    #[cfg(not(feature = "repl"))]
    return harness.explore(body);
}

/// Runs an `async fn main` on an evloop [`Runtime`] (tokio's
/// `#[tokio::main]`; asyncio's `asyncio.run(main())`).
///
/// ```text
/// #[evloop::main]                        the real clock, default settings
/// #[evloop::main(clock = "virtual")]     sleeps take no time
/// #[evloop::main(debug)]                 debug mode on (`debug = false`: off)
/// ```
///
/// `main` may return `()` or anything `main` may (a `Result`). It becomes a
/// plain `fn main` that builds the runtime and `block_on`s the body. Needs
/// the `macros` feature (on by default).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// #[evloop::main(clock = "virtual")]
/// async fn main() -> Result<(), String> {
///     let start = evloop::time::Instant::now();
///     evloop::sleep(Duration::from_secs(60)).await; // instant
///     assert_eq!(start.elapsed(), Duration::from_secs(60));
///     Ok(())
/// }
/// ```
///
/// Mistakes are compile errors that say what to write instead:
///
/// ```compile_fail
/// #[evloop::main]
/// fn main() {} // error: #[evloop::main] runs an `async fn`
/// ```
///
/// ```compile_fail
/// #[evloop::main(clock = "wall")] // error: `clock` takes "real" or "virtual"
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[evloop::main(workers = 4)] // error: unknown option `workers`
/// async fn main() {}
/// ```
#[cfg(feature = "macros")]
pub use evloop_macros::main;

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
/// The code blocks of docs/from-tokio.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/from-tokio.md")]
pub struct FromTokioChapterDoctests;

/// The code blocks of docs/console.md, run as doctests.
#[cfg(all(doctest, feature = "repl"))]
#[doc = include_str!("../docs/console.md")]
pub struct ConsoleChapterDoctests;

/// The code in `docs/reactor.md` runs as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/reactor.md")]
pub struct ReactorChapter;

//! Testing async code with evloop: virtual time, explored schedules,
//! replayable failures, deadlock reports.
//!
//! A test of async code has two enemies: *time* (a test that sleeps for a
//! minute takes a minute) and *interleavings* (a race shows up once in a
//! thousand runs, never on the developer's machine). evloop removes both:
//!
//! ```text
//!   testing::run(fut)              one run, virtual clock: an hour of sleeps
//!                                  takes microseconds, observed times are exact
//!
//!   testing::explore(200, body)    run 0 FIFO, run 1 LIFO, then seeded Random
//!   Harness::new()….explore(body)  and PCT runs, each on a fresh loop; stop at
//!                                  the first failure:
//!
//!        evloop: run 7 of 200 failed under policy pct 5 3 (k = 14)
//!          failure:  panicked: overdrawn: -60
//!          schedule: 0100*3 12
//!          replay:   EVLOOP_SEED=5 cargo test <this test>, or
//!                    EVLOOP_SCHEDULE="0100*3 12" cargo test <this test>
//!          trace:    target/debug/evloop-traces/bank__overdraft.timeline.txt (timeline)
//!                    target/debug/evloop-traces/bank__overdraft.trace.json (Chrome trace…)
//!
//!   testing::replay(schedule, body) that exact interleaving, again
//!
//!   Harness::new().exhaustive(true)  every schedule that matters, depth
//!   #[evloop::test(explore = all)]   first, with sleep sets and DPOR:
//!                                    "all 72 schedules pass (space exhausted)"
//! ```
//!
//! Every failure's schedule is shrunk to the fewest deviations from FIFO,
//! then the fewest choices ([`Failure::original`] keeps the one found).
//! Code under test draws random numbers from the loop with [`choose`] and
//! [`random_u32`] (recorded, replayed, explored), shares state the
//! explorer can see through [`Shared`], and exhaustive mode first checks
//! that the program is deterministic (two runs, one event stream).
//!
//! A run fails on a panic (in the body, or in a task whose failure reaches
//! the body through its handle), an `Err` returned by the body, a task panic
//! nobody retrieved, a deadlock (reported with who waits on what, held by
//! whom), a run that makes no progress within its poll budget, and, in
//! strict mode, any finding of [debug mode](crate::debug).
//!
//! Why the same seed gives the same run: on the virtual clock, with no
//! other threads, everything the loop does is a function of the order it
//! polls tasks in, and that order is a function of the policy and its seed
//! (see [`Schedule`](crate::Schedule)). The chapter `docs/testing.md` walks
//! through all of it with a zoo of classic bugs.
//!
//! Files: `harness` (the explorer's front: sampling, and the determinism
//! check), `explore` (the exhaustive search), `shrink` (the smallest
//! failing schedule), `trial` (one run, classified), `failure` (the
//! report), `trace` (the failing run's timeline and Chrome trace, in
//! files), `env` (`EVLOOP_SEED`, `EVLOOP_SCHEDULE`), `outcome` (what a
//! test body may return), `shared` (state the explorer sees), `random`
//! (seeded values for the code under test), [`mem`] (in-memory streams
//! and listeners with seeded faults, for protocol tests that stay instant
//! and replayable).

mod env;
mod explore;
mod failure;
mod harness;
pub mod mem;
mod outcome;
mod random;
mod shared;
mod shrink;
mod trace;
mod trial;

use std::future::Future;

pub use env::{SCHEDULE_VAR, SEED_VAR};
pub use explore::{Coverage, Ending, SearchEnd};
pub use failure::{Failure, FailureKind};
pub use harness::{Explored, Harness, explore, replay};
pub use outcome::TestOutcome;
#[doc(hidden)]
pub use outcome::typed;
pub use random::{choose, random_u32};
pub use shared::Shared;
pub use trace::{TRACE_DIR_VAR, TraceFiles};
// The REPL's `explore` and `minimize` drive the same walk and shrinker over
// runs of its session, which builds its own loops (`repl/session/explore.rs`).
#[cfg(feature = "repl")]
pub(crate) use explore::{Run, SearchConfig, walk};
#[cfg(feature = "repl")]
pub(crate) use shrink::minimize;

/// Runs `future` to completion on a fresh virtual-clock loop and returns its
/// output: the one-call way to test timing.
///
/// # Panics
///
/// If `future` panics, or on a deadlock (with the report of who waits on
/// what, held by whom).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::time::Instant;
///
/// let waited = evloop::testing::run(async {
///     let start = Instant::now();
///     evloop::sleep(Duration::from_secs(3600)).await; // instant
///     start.elapsed()
/// });
/// assert_eq!(waited, Duration::from_secs(3600)); // and exact
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    crate::Runtime::builder()
        .virtual_clock()
        .build()
        .block_on(future)
}

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
//!
//!   testing::replay(schedule, body) that exact interleaving, again
//! ```
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
//! Files: `harness` (the explorer), `trial` (one run, classified),
//! `failure` (the report), `env` (`EVLOOP_SEED`, `EVLOOP_SCHEDULE`),
//! `outcome` (what a test body may return), [`mem`] (in-memory streams and
//! listeners with seeded faults, for protocol tests that stay instant and
//! replayable).

mod env;
mod failure;
mod harness;
pub mod mem;
mod outcome;
mod trial;

use std::future::Future;

pub use env::{SCHEDULE_VAR, SEED_VAR};
pub use failure::{Failure, FailureKind};
pub use harness::{Explored, Harness, explore, replay};
pub use outcome::TestOutcome;
#[doc(hidden)]
pub use outcome::typed;

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

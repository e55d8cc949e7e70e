//! `Harness`: run a test body under many schedules, stop at the first
//! failure, say how to replay it.
//!
//! The order of runs is fixed, so an exploration is itself reproducible:
//!
//! ```text
//!   run 0   FIFO            asyncio's order; also measures k, the number of
//!                           polls, for PCT
//!   run 1   LIFO            the most recent wake first
//!   run 2+  seed s = base, base+1, …
//!           even s → Random { seed: s }
//!           odd  s → Pct { seed: s, depth }
//! ```
//!
//! `EVLOOP_SEED=s` runs run 0 (to measure k again) and then only seed `s`;
//! `EVLOOP_SCHEDULE=…` runs only that schedule.

// A `Failure` is big (it carries the whole deadlock report) but it is the
// cold path, built once per failing test; keeping it unboxed lets tests
// match on `failure.kind` directly.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;
use std::time::Duration;

use crate::debug::Diagnostic;
use crate::executor::Policy;
use crate::testing::explore::{Coverage, SearchConfig};
use crate::testing::trial::TrialConfig;
use crate::time::ClockKind;

/// What a passing exploration covered.
#[derive(Clone, Debug, PartialEq)]
pub struct Explored {
    /// Runs made.
    pub runs: usize,
    /// How many of them took a schedule no earlier run took.
    pub distinct_schedules: usize,
    /// Polls made across all runs.
    pub polls: u64,
    /// Debug-mode findings that did not fail a run (strict mode off), from
    /// the first run that had any.
    pub warnings: Vec<Diagnostic>,
    /// What an exhaustive search covered (`None` when sampling).
    pub coverage: Option<Coverage>,
}

/// Runs a test body on fresh loops, exploring schedules.
///
/// # Examples
///
/// A check-then-act race: FIFO passes, exploration finds the interleaving
/// that loses an update, and the schedule it prints replays it.
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use evloop::testing::Harness;
///
/// let body = || async {
///     let balance = Rc::new(Cell::new(100));
///     let withdraw = |b: Rc<Cell<i32>>| async move {
///         if b.get() >= 80 {
///             evloop::yield_now().await; // "ask the bank" between check and act
///             b.set(b.get() - 80);
///         }
///     };
///     let a = evloop::spawn(withdraw(balance.clone()));
///     let b = evloop::spawn(withdraw(balance.clone()));
///     a.await.unwrap();
///     b.await.unwrap();
///     assert!(balance.get() >= 0, "overdrawn: {}", balance.get());
/// };
/// let failure = Harness::new().runs(100).try_explore(body).unwrap_err();
/// assert!(failure.message().contains("overdrawn: -60"));
/// let again = Harness::new().try_replay(&failure.schedule, body).unwrap_err();
/// assert_eq!(again.message(), failure.message());
/// ```
#[derive(Clone, Debug)]
#[must_use = "a Harness does nothing until explore, run or replay is called"]
pub struct Harness {
    runs: usize,
    seed: u64,
    depth: u32,
    config: TrialConfig,
    use_env: bool,
    /// Write a failing run's trace (see [`trace_dir`](Harness::trace_dir)).
    traces: bool,
    trace_dir: Option<PathBuf>,
    exhaustive: bool,
    search: SearchConfig,
    shrink: bool,
    determinism: Option<bool>,
}

impl Default for Harness {
    fn default() -> Harness {
        Harness::new()
    }
}

impl Harness {
    /// One run (FIFO) on the virtual clock, strict mode off, depth 3, base
    /// seed 0, a budget of a million polls per run.
    pub fn new() -> Harness {
        Harness {
            runs: 1,
            seed: 0,
            depth: 3,
            config: TrialConfig {
                clock: ClockKind::Virtual,
                strict: false,
                slow_poll: crate::debug::DEFAULT_SLOW_POLL,
                poll_budget: 1_000_000,
                pct_steps: crate::executor::DEFAULT_PCT_STEPS,
                record_events: 0,
            },
            use_env: true,
            traces: true,
            trace_dir: None,
            exhaustive: false,
            search: SearchConfig {
                reduction: true,
                bound: None,
                max_schedules: 100_000,
                keep_going: false,
            },
            shrink: true,
            determinism: None,
        }
    }

    /// How many runs an exploration makes (at least 1).
    pub fn runs(mut self, runs: usize) -> Harness {
        self.runs = runs.max(1);
        self
    }

    /// The first seed of the seeded runs.
    pub fn seed(mut self, seed: u64) -> Harness {
        self.seed = seed;
        self
    }

    /// PCT's depth: the number of ordering constraints a bug may need
    /// (see [`Policy::Pct`]); 0 is taken as 1.
    pub fn depth(mut self, depth: u32) -> Harness {
        self.depth = depth.max(1);
        self
    }

    /// Strict mode: a lost waker, a slow poll, an unretrieved failure or
    /// tasks left pending at the end fail the run (an unretrieved failure
    /// always does).
    pub fn strict(mut self, on: bool) -> Harness {
        self.config.strict = on;
        self
    }

    /// The slow-poll threshold of strict mode (100 ms by default; real
    /// time, so keep it generous on loaded machines).
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Harness {
        self.config.slow_poll = threshold;
        self
    }

    /// The clock. On the real clock timers take real time and a replay is
    /// exact only if the program's timers do not race each other.
    pub fn clock(mut self, clock: ClockKind) -> Harness {
        self.config.clock = clock;
        self
    }

    /// The most polls one run may make before it fails with
    /// [`FailureKind::NoProgress`](crate::testing::FailureKind::NoProgress) (at least 1).
    pub fn poll_budget(mut self, polls: u64) -> Harness {
        self.config.poll_budget = polls.max(1);
        self
    }

    /// Whether `EVLOOP_SEED` / `EVLOOP_SCHEDULE` may replace the exploration
    /// (on by default; tests of the harness itself turn it off).
    pub fn use_env(mut self, on: bool) -> Harness {
        self.use_env = on;
        self
    }

    /// Where a failing run's timeline and Chrome trace are written
    /// (instead of `$EVLOOP_TRACE_DIR`, or `evloop-traces/` in the target
    /// directory); see [`TraceFiles`](super::TraceFiles). The trace is of
    /// the run the report's replay line replays (the shrunk schedule).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("evloop-doc-{}", std::process::id()));
    /// let failure = evloop::testing::Harness::new()
    ///     .trace_dir(&dir)
    ///     .try_explore(|| async {
    ///         evloop::sleep(std::time::Duration::from_millis(60)).await;
    ///         Err::<(), _>("red")
    ///     })
    ///     .unwrap_err();
    /// let files = failure.trace.clone().unwrap().unwrap();
    /// let timeline = std::fs::read_to_string(&files.timeline).unwrap();
    /// assert!(timeline.contains(&format!("main |#{}D|", ".".repeat(58))), "{timeline}");
    /// assert!(failure.to_string().contains(&files.timeline.display().to_string()));
    /// std::fs::remove_dir_all(dir).unwrap();
    /// ```
    pub fn trace_dir(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.trace_dir = Some(dir.into());
        self
    }

    /// Whether a failure writes its run's trace (on by default; it costs
    /// one more run of the body, only when a run fails).
    pub fn traces(mut self, on: bool) -> Harness {
        self.traces = on;
        self
    }

    /// Exhaustive mode: instead of sampling `runs` schedules, enumerate
    /// every schedule that matters, depth first, with reduction (see
    /// [`reduction`](Harness::reduction)); `#[evloop::test(explore = all)]`.
    /// The search stops at the first failure, at the
    /// [`preemption_bound`](Harness::preemption_bound) if one is set, or at
    /// [`max_schedules`](Harness::max_schedules); [`Explored::coverage`]
    /// says which.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::testing::{Harness, SearchEnd, Shared};
    ///
    /// let explored = Harness::new().exhaustive(true).use_env(false).explore(|| async {
    ///     let total = Shared::new(0);
    ///     let tasks: Vec<_> = (1..=3)
    ///         .map(|n| {
    ///             let total = total.clone();
    ///             evloop::spawn(async move {
    ///                 evloop::yield_now().await;
    ///                 total.with(|t| *t += n); // one step: no lost update
    ///             })
    ///         })
    ///         .collect();
    ///     for t in tasks {
    ///         t.await.unwrap();
    ///     }
    ///     assert_eq!(total.get(), 6);
    /// });
    /// let coverage = explored.coverage.unwrap();
    /// assert_eq!(coverage.end, SearchEnd::Exhausted);
    /// assert!(coverage.to_string().starts_with("all "), "{coverage}");
    /// ```
    pub fn exhaustive(mut self, on: bool) -> Harness {
        self.exhaustive = on;
        self
    }

    /// Whether exhaustive mode skips schedules equivalent to one already
    /// run (sleep sets and dynamic partial-order reduction; on by default).
    /// The reduction trusts the loop's view of what each poll touched:
    /// share state between tasks through evloop primitives or
    /// [`Shared`](super::Shared), not a plain `Rc<Cell<_>>`, or turn it off.
    pub fn reduction(mut self, on: bool) -> Harness {
        self.search.reduction = on;
        self
    }

    /// Exhaustive mode explores only schedules with at most `bound`
    /// deviations from FIFO (a cooperative loop's preemptions, as CHESS
    /// bounds them); the report says when the bound cut the search.
    pub fn preemption_bound(mut self, bound: u32) -> Harness {
        self.search.bound = Some(bound);
        self
    }

    /// The most schedules an exhaustive search runs (100,000 by default,
    /// at least 1); the report says when it stopped there.
    pub fn max_schedules(mut self, schedules: usize) -> Harness {
        self.search.max_schedules = schedules.max(1);
        self
    }

    /// Exhaustive mode goes on after a failure, collecting every distinct
    /// ending ([`Coverage::endings`]), and returns `Ok`: for seeing what a
    /// program *can* do rather than testing it.
    pub fn keep_going(mut self, on: bool) -> Harness {
        self.search.keep_going = on;
        self
    }

    /// Whether a failure's schedule is shrunk to the simplest one that
    /// fails the same way (fewest deviations from FIFO, then shortest; on
    /// by default). [`Failure::original`](crate::testing::Failure::original) keeps the one first found.
    pub fn shrink(mut self, on: bool) -> Harness {
        self.shrink = on;
        self
    }

    /// The determinism check: before exploring, run the first schedule
    /// twice and compare the event streams (without timings); a difference
    /// fails with [`FailureKind::Nondeterministic`](crate::testing::FailureKind::Nondeterministic), saying where the runs
    /// parted. On by default in exhaustive mode (where a program that does
    /// not replay would make the search wrong), off by default when
    /// sampling; this switch sets it either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use evloop::testing::{FailureKind, Harness};
    ///
    /// let body = || async {
    ///     // A HashSet's order differs from one set to the next.
    ///     let names: HashSet<String> = (0..8).map(|i| format!("worker-{i}")).collect();
    ///     let tasks: Vec<_> = names.into_iter().map(|n| evloop::spawn_named(n, async {})).collect();
    ///     for t in tasks {
    ///         t.await.unwrap();
    ///     }
    /// };
    /// let failure = Harness::new().use_env(false).check_determinism(true).try_explore(body).unwrap_err();
    /// assert!(matches!(failure.kind, FailureKind::Nondeterministic { .. }), "{failure}");
    /// assert!(failure.to_string().contains("HashMap"));
    /// ```
    pub fn check_determinism(mut self, on: bool) -> Harness {
        self.determinism = Some(on);
        self
    }

    /// The clock the runs use.
    #[cfg_attr(not(feature = "repl"), allow(dead_code))]
    pub(crate) fn clock_kind(&self) -> ClockKind {
        self.config.clock
    }

    /// The policy of run `run` (0-based) of an exploration.
    pub fn policy_of_run(&self, run: usize) -> Policy {
        match run {
            0 => Policy::Fifo,
            1 => Policy::Lifo,
            n => self.policy_of_seed(self.seed.wrapping_add(n as u64 - 2)),
        }
    }

    /// The policy a seed stands for: even seeds are `Random`, odd ones `Pct`.
    pub fn policy_of_seed(&self, seed: u64) -> Policy {
        if seed.is_multiple_of(2) {
            Policy::Random { seed }
        } else {
            Policy::Pct {
                seed,
                depth: self.depth,
            }
        }
    }
}

mod run;

pub use run::{explore, replay};

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

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use super::env::{FromEnv, from_env};
use super::explore::{Coverage, SearchConfig, search, trimmed};
use super::failure::{Failure, FailureKind};
use super::outcome::TestOutcome;
use super::shrink::shrink;
use super::trace::{self, TRACE_EVENTS};
use super::trial::{EVENTS_KEPT, Trial, TrialConfig, trial};
use crate::debug::Diagnostic;
use crate::executor::{Policy, Schedule};
use crate::inspect::LoopEventKind;
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
    /// [`FailureKind::NoProgress`] (at least 1).
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
    /// by default). [`Failure::original`] keeps the one first found.
    pub fn shrink(mut self, on: bool) -> Harness {
        self.shrink = on;
        self
    }

    /// The determinism check: before exploring, run the first schedule
    /// twice and compare the event streams (without timings); a difference
    /// fails with [`FailureKind::Nondeterministic`], saying where the runs
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

    /// Runs the first schedule twice, comparing event streams.
    fn determinism<B, Fut>(&self, body: &B) -> Result<(), Failure>
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        if !self.determinism.unwrap_or(self.exhaustive) {
            return Ok(());
        }
        let mut config = self.config.clone();
        config.record_events = EVENTS_KEPT;
        let first = trial(&config, Policy::Fifo, None, false, body);
        let second = trial(&config, Policy::Fifo, None, false, body);
        // The event streams without timings, as text. A slow-poll warning
        // is a measurement of real time (a busy machine makes one), not
        // something the program did: it is left out.
        let words = |t: &Trial| -> Vec<String> {
            t.events
                .iter()
                .filter(|e| {
                    !matches!(
                        e.kind,
                        LoopEventKind::Diagnostic(Diagnostic::SlowPoll { .. })
                    )
                })
                .map(|e| e.without_timing().to_string())
                .collect()
        };
        let (a, b) = (words(&first), words(&second));
        let Some(at) = (0..a.len().max(b.len())).find(|i| a.get(*i) != b.get(*i)) else {
            return Ok(());
        };
        let line = |t: &[String]| {
            t.get(at)
                .cloned()
                .unwrap_or_else(|| "(the run had ended)".into())
        };
        let kind = FailureKind::Nondeterministic {
            event: at,
            first: line(&a),
            second: line(&b),
        };
        let mut failure = self.failure(0, Policy::Fifo, second, kind.clone(), body);
        failure.kind = kind;
        failure.runs = 2;
        Err(failure)
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

    fn failure<B, Fut>(
        &self,
        run: usize,
        policy: Policy,
        t: Trial,
        kind: FailureKind,
        body: &B,
    ) -> Failure
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        let found = trimmed(&t.schedule);
        let (schedule, kind, original) = match kind {
            // A replay that did not fit, or a program that does not replay,
            // has nothing to shrink.
            FailureKind::Diverged(_) | FailureKind::Nondeterministic { .. } => {
                (t.schedule, kind, None)
            }
            _ if self.shrink => {
                let (small, kind) = shrink(&self.config, &found, &kind, body);
                let original = (small != found).then_some(found);
                (small, kind, original)
            }
            _ => (found, kind, None),
        };
        // FIFO all the way is written "0" (an empty variable means "no
        // replay" to the environment).
        let schedule = if schedule.is_empty() {
            Schedule::new(vec![0])
        } else {
            schedule
        };
        let traced = !matches!(kind, FailureKind::Nondeterministic { .. });
        let failure = Failure {
            run,
            runs: self.runs,
            policy,
            seed: match policy {
                Policy::Random { seed } | Policy::Pct { seed, .. } => Some(seed),
                _ => None,
            },
            pct_steps: self.config.pct_steps,
            schedule,
            original,
            exhaustive: false,
            kind,
            trace: None,
        };
        if traced {
            self.traced(failure, body)
        } else {
            failure
        }
    }

    /// The failure, with its run's trace written: the run is replayed from
    /// its (shrunk) schedule with the event log on (see `trace.rs`).
    fn traced<B, Fut>(&self, mut failure: Failure, body: &B) -> Failure
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        if !self.traces {
            return failure;
        }
        let mut config = self.config.clone();
        config.record_events = TRACE_EVENTS;
        let again = trial(&config, Policy::Fifo, Some(&failure.schedule), false, body);
        let dir = trace::trace_dir(self.trace_dir.as_deref());
        failure.trace = Some(trace::write(&again.events, config.clock, &dir));
        failure
    }

    /// Runs the body under the exploration's policies, stopping at the
    /// first failure.
    ///
    /// # Errors
    ///
    /// The first failing run: a panic in the body (or a task whose failure
    /// reached it), an `Err` returned, a task panic nobody retrieved, a
    /// deadlock, no progress within the poll budget, or (strict mode) a
    /// debug-mode finding. A bad `EVLOOP_SEED`/`EVLOOP_SCHEDULE` is a
    /// [`FailureKind::Setup`] failure.
    pub fn try_explore<B, Fut>(&self, body: B) -> Result<Explored, Failure>
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        let wanted = if self.use_env {
            from_env().map_err(Failure::setup)?
        } else {
            FromEnv::Explore
        };
        if wanted == FromEnv::Explore {
            self.determinism(&body)?;
        }
        match wanted {
            FromEnv::Schedule(schedule) => self.try_replay(&schedule, body),
            FromEnv::Seed(seed) => self.try_seed(seed, body),
            FromEnv::Explore if self.exhaustive => self.run_search(body),
            FromEnv::Explore => self.run_plan(None, body),
        }
    }

    /// Replays one seed of an exploration (what `EVLOOP_SEED` does): a FIFO
    /// run to measure k, then the run of [`policy_of_seed`](Harness::policy_of_seed).
    ///
    /// # Errors
    ///
    /// As [`try_explore`](Harness::try_explore).
    pub fn try_seed<B, Fut>(&self, seed: u64, body: B) -> Result<Explored, Failure>
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        self.run_plan(Some(seed), body)
    }

    fn run_plan<B, Fut>(&self, seed: Option<u64>, body: B) -> Result<Explored, Failure>
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        let mut me = self.clone();
        let mut seen = HashSet::new();
        let mut explored = Explored {
            runs: 0,
            distinct_schedules: 0,
            polls: 0,
            warnings: Vec::new(),
            coverage: None,
        };
        let plan: Box<dyn Iterator<Item = (usize, Policy)>> = match seed {
            Some(seed) => {
                let n = seed.wrapping_sub(self.seed).wrapping_add(2) as usize;
                me.runs = me.runs.max(n.saturating_add(1));
                Box::new([(0, Policy::Fifo), (n, self.policy_of_seed(seed))].into_iter())
            }
            None => Box::new((0..self.runs).map(|run| (run, self.policy_of_run(run)))),
        };
        for (run, policy) in plan {
            let t = trial(&me.config, policy, None, false, &body);
            if run == 0 {
                // PCT spreads its priority changes over the program's length.
                me.config.pct_steps = (t.schedule.len() as u32).max(1);
            }
            explored.runs += 1;
            explored.polls += t.schedule.len() as u64;
            if explored.warnings.is_empty() {
                explored.warnings = t.warnings.clone();
            }
            match t.result {
                Ok(()) => {
                    if seen.insert(t.schedule) {
                        explored.distinct_schedules += 1;
                    }
                }
                Err(ref kind) => {
                    let kind = kind.clone();
                    return Err(me.failure(run, policy, t, kind, &body));
                }
            }
        }
        Ok(explored)
    }

    fn run_search<B, Fut>(&self, body: B) -> Result<Explored, Failure>
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        let searched = search(&self.config, &self.search, &body);
        let coverage = searched.coverage;
        if let Some((n, t, kind)) = searched.failure {
            let mut failure = self.failure(n - 1, Policy::Fifo, t, kind, &body);
            failure.runs = n;
            failure.exhaustive = true;
            return Err(failure);
        }
        Ok(Explored {
            runs: coverage.schedules + coverage.redundant,
            distinct_schedules: coverage.schedules,
            polls: searched.polls,
            warnings: Vec::new(),
            coverage: Some(coverage),
        })
    }

    /// [`try_explore`](Harness::try_explore), panicking with the failure
    /// report (for use inside `#[test]` functions).
    ///
    /// # Panics
    ///
    /// On the first failing run, with the report and how to replay it.
    pub fn explore<B, Fut>(&self, body: B) -> Explored
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        match self.try_explore(body) {
            Ok(explored) => explored,
            Err(failure) => panic!("{failure}"),
        }
    }

    /// Runs the body once, following `schedule` (then FIFO), and checks the
    /// schedule fitted the program all the way.
    ///
    /// # Errors
    ///
    /// As [`try_explore`](Harness::try_explore), plus
    /// [`FailureKind::Diverged`] when the schedule asked for a task that was
    /// not ready (it was recorded from another program).
    pub fn try_replay<B, Fut>(&self, schedule: &Schedule, body: B) -> Result<Explored, Failure>
    where
        B: Fn() -> Fut,
        Fut: Future,
        Fut::Output: TestOutcome,
    {
        let t = trial(&self.config, Policy::Fifo, Some(schedule), false, &body);
        let kind = match (&t.result, &t.divergence) {
            (Err(kind), _) => kind.clone(),
            (Ok(()), Some(d)) => FailureKind::Diverged(d.clone()),
            (Ok(()), None) => {
                return Ok(Explored {
                    runs: 1,
                    distinct_schedules: 1,
                    polls: t.schedule.len() as u64,
                    warnings: t.warnings,
                    coverage: None,
                });
            }
        };
        let mut failure = self.failure(0, Policy::Fifo, t, kind, &body);
        failure.runs = 1;
        Err(failure)
    }
}

/// Explores `runs` schedules of `body` with the default [`Harness`]
/// (virtual clock, PCT depth 3).
///
/// # Panics
///
/// On the first failing run, with a report naming the policy, the seed, the
/// schedule, the failure, and how to replay it.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// // A correct program passes every schedule.
/// evloop::testing::explore(50, || async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let log = log.clone();
///             evloop::spawn(async move {
///                 evloop::yield_now().await;
///                 log.borrow_mut().push(i);
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(log.borrow().len(), 3);
/// });
/// ```
pub fn explore<B, Fut>(runs: usize, body: B) -> Explored
where
    B: Fn() -> Fut,
    Fut: Future,
    Fut::Output: TestOutcome,
{
    Harness::new().runs(runs).explore(body)
}

/// Runs `body` once, following `schedule` (a string printed by a failing
/// exploration or by [`Scheduler::recorded`](crate::Scheduler::recorded)).
///
/// # Errors
///
/// A [`Failure`] if the run fails, if the string does not parse
/// ([`FailureKind::Setup`]) or if it does not fit the program
/// ([`FailureKind::Diverged`]).
///
/// # Examples
///
/// ```
/// let body = || async {
///     let a = evloop::spawn(async { evloop::yield_now().await; 'a' });
///     let b = evloop::spawn(async { 'b' });
///     assert_eq!((a.await.unwrap(), b.await.unwrap()), ('a', 'b'));
/// };
/// assert!(evloop::testing::replay("0*5", body).is_ok());
/// let bad = evloop::testing::replay("0-1", body).unwrap_err();
/// assert!(bad.to_string().contains("bad schedule string"));
/// ```
pub fn replay<B, Fut>(schedule: &str, body: B) -> Result<Explored, Failure>
where
    B: Fn() -> Fut,
    Fut: Future,
    Fut::Output: TestOutcome,
{
    let schedule: Schedule = schedule
        .parse()
        .map_err(|e| Failure::setup(format!("{e}")))?;
    Harness::new().try_replay(&schedule, body)
}

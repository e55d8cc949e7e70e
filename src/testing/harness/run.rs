//! Running a [`Harness`]: the plan of runs or the exhaustive search, the
//! determinism check, and what a failure report is made of (the shrunk
//! schedule, the trace files).

#![allow(clippy::result_large_err)]

use std::collections::HashSet;
use std::future::Future;

use super::{Explored, Harness};
use crate::debug::Diagnostic;
use crate::executor::{Policy, Schedule};
use crate::inspect::LoopEventKind;
use crate::testing::env::{FromEnv, from_env};
use crate::testing::explore::{search, trimmed};
use crate::testing::failure::{Failure, FailureKind};
use crate::testing::outcome::TestOutcome;
use crate::testing::shrink::shrink;
use crate::testing::trace::{self, TRACE_EVENTS};
use crate::testing::trial::{EVENTS_KEPT, Trial, trial};

impl Harness {
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

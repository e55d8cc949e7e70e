//! The smallest failing schedule: fewest deviations from FIFO, then
//! shortest.
//!
//! A schedule found by a seeded policy is long and noisy: most of its
//! choices do not matter to the bug. Since a replay lets FIFO finish once
//! the schedule runs out, a schedule is fully described by its choices up
//! to the last one that is not 0, and the choices that are not 0 are its
//! *deviations*. Shrinking tries, greedily, to turn each deviation into 0,
//! to lower it, or to drop it, keeping every change after which the run
//! still fails the same way, until nothing more helps:
//!
//! ```text
//!   found:   0 1 0 2 1 0 0 1 3 0 1   (6 deviations, 11 long)
//!   shrunk:  0 0 1                   (1 deviation, 3 long)
//! ```
//!
//! Greedy shrinking changes one choice at a time, so it stops at a
//! schedule whose deviations only work together: "the notifier twice
//! before the waiter" found as `0 2 2 1 1` shrinks to `0 1 1 1` (each
//! deviation needed, given the others), and is `0 1 2` in fewer. So when
//! the shrunk schedule still has two
//! deviations or more, the exhaustive walk ([`walk`]) looks for the failure
//! among the schedules of fewer deviations (bound 1, then 2, …, within
//! [`MAX_SEARCHED`] schedules in all), and the first it finds is shrunk in
//! turn.
//!
//! A livelock (no progress) is not shrunk: its schedule is thousands of
//! choices long and each replay runs a whole poll budget.
//!
//! "The same way" means the same kind of failure, and for a panic or an
//! `Err` the same message; a deadlock is a deadlock whoever is stuck.

use std::future::Future;
use std::mem::discriminant;

use super::explore::{Run, SearchConfig, trimmed, walk};
use super::failure::FailureKind;
use super::outcome::TestOutcome;
use super::trial::{TrialConfig, trial};
use crate::executor::{Policy, Schedule};

/// The most replays one greedy shrink may make.
const MAX_TRIES: usize = 2_000;

/// The most schedules the search for fewer deviations runs, over all its
/// bounds.
pub(crate) const MAX_SEARCHED: usize = 1_000;

fn same(a: &FailureKind, b: &FailureKind) -> bool {
    match (a, b) {
        (FailureKind::Panicked(x), FailureKind::Panicked(y))
        | (FailureKind::Failed(x), FailureKind::Failed(y)) => x == y,
        _ => discriminant(a) == discriminant(b),
    }
}

/// (deviations, length): smaller is simpler.
fn size(s: &Schedule) -> (usize, usize) {
    (s.choices().iter().filter(|c| **c != 0).count(), s.len())
}

/// The simplest schedule found that fails as `kind` does, starting from
/// `failing`, with its failure; `failing` itself (trimmed) if nothing
/// simpler fails the same way.
pub(crate) fn shrink<B, Fut>(
    config: &TrialConfig,
    failing: &Schedule,
    kind: &FailureKind,
    body: &B,
) -> (Schedule, FailureKind)
where
    B: Fn() -> Fut,
    Fut: Future,
    Fut::Output: TestOutcome,
{
    if let FailureKind::NoProgress { .. } = kind {
        // Thousands of choices, each replay a whole poll budget long: a
        // livelock's schedule is "this prefix, then the spinner forever"
        // already (see `explore`), and shrinking it would cost minutes.
        return (trimmed(failing), kind.clone());
    }
    let (schedule, found) = minimize(failing, &mut |prefix, policy, traced| {
        let mut t = trial(config, policy, Some(prefix), traced, body);
        let failed = matches!(&t.result, Err(k) if same(k, kind));
        Some(Run {
            schedule: t.schedule.clone(),
            steps: std::mem::take(&mut t.steps),
            ending: (),
            failed,
            no_progress: false,
            run: t.result.err(),
        })
    });
    (schedule, found.flatten().unwrap_or_else(|| kind.clone()))
}

/// Runs a program once on a fresh loop: `(prefix, policy, traced)` (see
/// [`minimize`]).
pub(crate) type RunOnce<'a, K> = dyn FnMut(&Schedule, Policy, bool) -> Option<Run<(), K>> + 'a;

/// The whole of it, for any program (the harness's test body, the REPL's
/// session): greedy shrinking, then the search for fewer deviations (see
/// the module docs). `run(prefix, policy, traced)` runs the program once
/// on a fresh loop, following `prefix` then `policy`, with the loop's
/// trace on if `traced`; its `failed` says whether it ended the way that
/// is sought, and its `run` is kept for the simplest one. `None` from
/// `run` (out of time) counts as a run that did not end that way. The
/// search runs without reduction: sleep sets and DPOR keep one schedule of
/// each class of equivalent ones, and under a bound the one they keep may
/// be the one beyond it (Coons, Musuvathi and McKinley, OOPSLA 2013, on
/// bounded partial-order reduction). Returns
/// the simplest schedule found (trimmed) and what its run gave, `None` if
/// nothing was simpler than `failing`.
pub(crate) fn minimize<K>(failing: &Schedule, run: &mut RunOnce<'_, K>) -> (Schedule, Option<K>) {
    let greedy = |from: &Schedule, run: &mut RunOnce<'_, K>| {
        shrink_with(from, |candidate| {
            run(candidate, Policy::Fifo, false)
                .filter(|r| r.failed)
                .map(|r| (r.schedule, r.run))
        })
    };
    let (mut best, mut found) = greedy(failing, run);
    let mut budget = MAX_SEARCHED;
    for bound in 1..size(&best).0 as u32 {
        if budget == 0 {
            break;
        }
        let config = SearchConfig {
            reduction: false,
            bound: Some(bound),
            max_schedules: budget,
            keep_going: false,
        };
        let walked = walk(&config, |prefix, policy| {
            run(prefix, policy, true).map(|r| Run {
                schedule: r.schedule.clone(),
                steps: r.steps,
                ending: r.failed,
                failed: r.failed,
                no_progress: false,
                run: (r.schedule, r.run),
            })
        });
        budget -= budget.min(walked.coverage.schedules + walked.coverage.redundant);
        if let Some((_, (schedule, k))) = walked.failure {
            let (shrunk, more) = greedy(&schedule, run);
            best = shrunk;
            found = more.or(Some(k));
            break;
        }
    }
    (best, found)
}

/// The shrinking itself, for any program: `fails(candidate)` replays the
/// program following `candidate` (then FIFO) on a fresh loop and, if it
/// ends the way the search is after, gives back the choices it made and
/// what it found. Returns the simplest schedule (trimmed) that ended that
/// way, with what the last successful replay found (`None` if no candidate
/// did better than `failing`). At most [`MAX_TRIES`] replays.
pub(crate) fn shrink_with<K>(
    failing: &Schedule,
    mut fails: impl FnMut(&Schedule) -> Option<(Schedule, K)>,
) -> (Schedule, Option<K>) {
    let mut best = trimmed(failing);
    let mut found = None;
    let mut tries = 0;
    'improve: while tries < MAX_TRIES {
        let current = best.choices().to_vec();
        for i in (0..current.len()).rev() {
            if current[i] == 0 {
                continue;
            }
            let mut candidates = Vec::new();
            let mut zero = current.clone();
            zero[i] = 0;
            candidates.push(zero);
            if current[i] > 1 {
                let mut lower = current.clone();
                lower[i] -= 1;
                candidates.push(lower);
            }
            let mut dropped = current.clone();
            dropped.remove(i);
            candidates.push(dropped);
            for candidate in candidates {
                tries += 1;
                if let Some((ran, k)) = fails(&Schedule::new(candidate)) {
                    let ran = trimmed(&ran);
                    if size(&ran) < size(&best) && !ran.is_empty() {
                        best = ran;
                        found = Some(k);
                        continue 'improve;
                    }
                }
                if tries >= MAX_TRIES {
                    break 'improve;
                }
            }
        }
        break;
    }
    (best, found)
}

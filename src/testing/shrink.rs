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
//! A livelock (no progress) is not shrunk: its schedule is thousands of
//! choices long and each replay runs a whole poll budget.
//!
//! "The same way" means the same kind of failure, and for a panic or an
//! `Err` the same message; a deadlock is a deadlock whoever is stuck.

use std::future::Future;
use std::mem::discriminant;

use super::explore::trimmed;
use super::failure::FailureKind;
use super::outcome::TestOutcome;
use super::trial::{TrialConfig, trial};
use crate::executor::{Policy, Schedule};

/// The most replays one shrink may make.
const MAX_TRIES: usize = 2_000;

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
    let (schedule, found) = shrink_with(failing, |candidate| {
        let t = trial(config, Policy::Fifo, Some(candidate), false, body);
        match t.result {
            Err(k) if same(&k, kind) => Some((t.schedule, k)),
            _ => None,
        }
    });
    (schedule, found.unwrap_or_else(|| kind.clone()))
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

//! Exhaustive exploration: every schedule that matters, not a sample.
//!
//! A run on the virtual clock is a function of its choices (see
//! [`Schedule`]), so the schedules of a program form a tree: each node is a
//! choice point (which ready task runs next, which branch a `select!` polls
//! first, which value [`choose`](super::choose) returns), each edge one
//! alternative. The explorer walks that tree depth first, *statelessly*:
//! each run replays the choices down to a node, takes a new alternative
//! there, and lets FIFO finish the run, writing down a trace (every choice,
//! its alternatives, and what each poll touched).
//!
//! ```text
//!                root: ready [main]
//!                   │0
//!             ready [a, b]               run 1: 0 0 0 0 …   (FIFO)
//!              0╱        ╲1              run 2: 0 1 …       (b before a)
//!        [b, a']          [a, b']        run 3: 0 0 1 …     (a twice in a row)
//!        0╱   ╲1           …
//! ```
//!
//! # Reduction
//!
//! Most of the tree is the same run in another order. Two polls of
//! different tasks that touch disjoint tasks and objects (their
//! *footprints*, recorded by the loop: see the executor's `trace.rs`)
//! commute, and two schedules that differ only by swapping commuting polls
//! end in the same state. Two classic reductions skip those:
//!
//! - **Sleep sets** (Godefroid, 1996). Once the subtree of task `b` at a
//!   node is explored, `b` "sleeps" in the sibling subtrees for as long as
//!   the polls run there commute with `b`'s: running `b` there could only
//!   reach states already reached. A run that reaches a node where FIFO's
//!   pick sleeps is *redundant*: it is stopped counting there.
//! - **Dynamic partial-order reduction** (Flanagan and Godefroid, POPL
//!   2005). Instead of trying every ready task at every node, try another
//!   task at a node only when the trace shows a *race*: a later poll that
//!   conflicts with the one made there and does not happen after it (a task
//!   happens after the poll that woke or spawned it, and after its own
//!   previous poll). Everything else is left as FIFO ran it.
//!
//! A cancel takes the cancelled task's next poll out of the run, so no
//! later poll shows its race with the cancelling one, nor its races with
//! the other tasks: a poll that cancels (or asks about) a task that is
//! ready at its node adds every task ready there (the conservative answer
//! to a step that disables another; the sleep sets still prune).
//!
//! Both assume the footprints are complete: state shared between tasks
//! through a plain `Rc<Cell<_>>` is invisible to the loop. Share it through
//! a [`Shared`](super::Shared) cell, an evloop primitive, or turn the
//! reduction off ([`Harness::reduction`](super::Harness::reduction)).
//!
//! # Who runs the program
//!
//! The walk ([`walk`]) never builds a loop: it is handed a function that
//! runs the program once, following a prefix, with the loop's trace on.
//! The harness hands it a [`trial`] of the test body ([`search`]); the
//! REPL's `explore all` a fresh session replaying its commands.
//!
//! # The bound
//!
//! A choice other than FIFO's (the front of the ready queue, the first
//! branch, 0) is a *deviation*. Most bugs need one or two (CHESS, Musuvathi
//! and Qadeer, PLDI 2007, found almost every bug with two preemptions: a
//! cooperative loop's deviation is its preemption). With a bound, choices
//! beyond it are not explored and the report says the search stopped at
//! the bound rather than that the space was exhausted.

use std::fmt;
use std::future::Future;

use super::failure::FailureKind;
use super::outcome::TestOutcome;
use super::trial::{Trial, TrialConfig, trial};
use crate::executor::trace::{Footprint, Step, task_id};
use crate::executor::{Policy, Schedule};
use crate::task::TaskKey;

/// How an exhaustive search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchEnd {
    /// Every schedule (up to reduction) was run.
    Exhausted,
    /// Every schedule within the deviation bound was run; some beyond it
    /// were not.
    Bound(u32),
    /// The schedule limit ([`Harness::max_schedules`](super::Harness::max_schedules))
    /// was reached first.
    Limit(usize),
    /// A run failed and the search stopped there.
    Failed,
}

/// One distinct way a run ended, with a schedule that ends that way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ending {
    /// `None` for a pass, else the failure's message.
    pub failure: Option<String>,
    /// The first schedule (in search order) that ended this way: the
    /// replay line for it.
    pub schedule: Schedule,
    /// How many of the schedules run ended this way.
    pub count: usize,
}

/// What an exhaustive search covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// Distinct schedules run to the end.
    pub schedules: usize,
    /// Runs stopped counting by sleep sets (equivalent to schedules run).
    pub redundant: usize,
    /// Alternatives never tried because reduction showed them equivalent.
    pub pruned: usize,
    /// Alternatives never tried because they exceed the bound.
    pub beyond_bound: usize,
    /// The deviation bound, if any.
    pub bound: Option<u32>,
    /// Whether reduction was on.
    pub reduction: bool,
    /// How the search ended.
    pub end: SearchEnd,
    /// The distinct endings seen (passes and failures), in order of
    /// discovery; with [`Harness::keep_going`](super::Harness::keep_going)
    /// a failure does not stop the search.
    pub endings: Vec<Ending>,
}

/// Writes 1284 as `1,284`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = thousands(self.schedules);
        let failing = self.endings.iter().filter(|e| e.failure.is_some()).count();
        match (self.end, failing) {
            (SearchEnd::Exhausted, 0) => write!(f, "all {n} schedules pass (space exhausted)")?,
            (SearchEnd::Bound(b), 0) => write!(
                f,
                "{n} schedules pass; stopped at the bound of {b} preemption(s) \
                 ({} alternative(s) beyond it not run)",
                thousands(self.beyond_bound)
            )?,
            (SearchEnd::Limit(l), 0) => write!(
                f,
                "{n} schedules pass; stopped at the limit of {} schedules (not exhausted)",
                thousands(l)
            )?,
            (SearchEnd::Failed, _) => write!(f, "a run failed after {n} schedule(s)")?,
            (_, k) => write!(
                f,
                "{n} schedules run, {} distinct ending(s), {k} failing",
                self.endings.len()
            )?,
        }
        if self.reduction {
            write!(
                f,
                "; reduction pruned {} alternative(s) and cut {} redundant run(s)",
                thousands(self.pruned),
                thousands(self.redundant)
            )?;
        }
        Ok(())
    }
}

/// The search's settings.
#[derive(Clone, Debug)]
pub(crate) struct SearchConfig {
    pub(crate) reduction: bool,
    pub(crate) bound: Option<u32>,
    pub(crate) max_schedules: usize,
    pub(crate) keep_going: bool,
}

/// A node of the path: one choice of the current run.
struct Node {
    /// The ready queue (for a poll) or `None` (a branch of `n`).
    ready: Option<Vec<TaskKey>>,
    n: usize,
    chosen: usize,
    /// Choices made other than the first, above this node.
    deviations: u32,
    /// Alternatives to try, and tried.
    backtrack: Vec<bool>,
    done: Vec<bool>,
    /// What the chosen poll touched, in the latest run.
    footprint: Footprint,
    /// Each alternative started here (by task id): all it touched.
    explored: Vec<(u64, Footprint)>,
}

impl Node {
    fn task(&self, position: usize) -> Option<u64> {
        self.ready.as_ref().map(|r| task_id(r[position]))
    }

    fn chosen_task(&self) -> Option<u64> {
        self.task(self.chosen)
    }
}

/// The search's result before it becomes a report.
pub(crate) struct Searched {
    pub(crate) coverage: Coverage,
    pub(crate) polls: u64,
    /// The first failing trial, with the number of the schedule.
    pub(crate) failure: Option<(usize, Trial, FailureKind)>,
}

/// Walks the tree of schedules of a test body (see the module docs): the
/// walk of [`walk`], each run a [`trial`] of `body`.
pub(crate) fn search<B, Fut>(config: &TrialConfig, search: &SearchConfig, body: &B) -> Searched
where
    B: Fn() -> Fut,
    Fut: Future,
    Fut::Output: TestOutcome,
{
    let walked = walk(search, |prefix, policy| {
        let mut t = trial(config, policy, Some(prefix), true, body);
        let kind = t.result.clone().err();
        Some(Run {
            schedule: t.schedule.clone(),
            steps: std::mem::take(&mut t.steps),
            ending: kind.as_ref().map(ToString::to_string),
            failed: kind.is_some(),
            no_progress: matches!(kind, Some(FailureKind::NoProgress { .. })),
            run: (t, kind),
        })
    });
    let mut coverage = walked.coverage;
    coverage.endings = walked
        .endings
        .into_iter()
        .map(|(failure, schedule, count)| Ending {
            failure,
            schedule,
            count,
        })
        .collect();
    Searched {
        coverage,
        polls: walked.polls,
        failure: walked
            .failure
            .and_then(|(n, (t, kind))| Some((n, t, kind?))),
    }
}

/// One run of a program on a fresh loop, as the walk needs to know it.
///
/// The walk does not care how the program is run: a test body in a
/// [`trial`], or the REPL's session, whose commands drive their own loop.
/// It needs the choices the run made and its trace (the loop's
/// `Scheduler::trace`, on from before the first poll), and how it ended.
pub(crate) struct Run<K, R> {
    /// The choices the run made, as the loop recorded them.
    pub(crate) schedule: Schedule,
    /// Every choice with its alternatives, and each poll's footprint.
    pub(crate) steps: Vec<Step>,
    /// How it ended: runs with equal endings are one [`Ending`].
    pub(crate) ending: K,
    /// Whether that ending is a failure: it stops the walk unless the
    /// search keeps going.
    pub(crate) failed: bool,
    /// Whether it failed by making no progress within its poll budget
    /// (what the confirmation of a spinning task looks for).
    pub(crate) no_progress: bool,
    /// Whatever else the caller wants back with the first failure.
    pub(crate) run: R,
}

/// What a walk covered, before its caller makes a report of it.
pub(crate) struct Walk<K, R> {
    /// The coverage, with its `endings` left empty: they are in `endings`.
    pub(crate) coverage: Coverage,
    /// Each distinct ending, with the first schedule (trimmed) that ended
    /// so, and how many of the schedules run ended so.
    pub(crate) endings: Vec<(K, Schedule, usize)>,
    /// Polls made across all runs.
    pub(crate) polls: u64,
    /// The first failing run, with its number (when the search does not
    /// keep going).
    pub(crate) failure: Option<(usize, R)>,
}

/// Walks the tree of schedules of a program (see the module docs).
/// `run(prefix, policy)` runs the program once on a fresh loop, following
/// `prefix` and then `policy` (FIFO, or LIFO to confirm a spinning task),
/// with the loop's trace on; or gives `None` to stop the walk there (the
/// REPL's time limit, Ctrl-C), which then ends as at the schedule limit.
pub(crate) fn walk<K, R>(
    search: &SearchConfig,
    mut run: impl FnMut(&Schedule, Policy) -> Option<Run<K, R>>,
) -> Walk<K, R>
where
    K: PartialEq,
{
    let mut s = Search {
        path: Vec::new(),
        coverage: Coverage {
            schedules: 0,
            redundant: 0,
            pruned: 0,
            beyond_bound: 0,
            bound: search.bound,
            reduction: search.reduction,
            end: SearchEnd::Exhausted,
            endings: Vec::new(),
        },
        config: search.clone(),
        spin_checked: Vec::new(),
    };
    let mut endings: Vec<(K, Schedule, usize)> = Vec::new();
    let mut polls = 0;
    let mut prefix = Schedule::default();
    loop {
        if s.coverage.schedules + s.coverage.redundant >= search.max_schedules {
            s.coverage.end = SearchEnd::Limit(search.max_schedules);
            break;
        }
        let Some(mut t) = run(&prefix, Policy::Fifo) else {
            s.coverage.end = SearchEnd::Limit(s.coverage.schedules + s.coverage.redundant);
            return Walk {
                coverage: s.coverage,
                endings,
                polls,
                failure: None,
            };
        };
        polls += t.schedule.len() as u64;
        let fitted = prefix.len();
        let redundant = s.absorb(fitted, &t.steps);
        if redundant {
            s.coverage.redundant += 1;
        } else {
            s.coverage.schedules += 1;
            match endings.iter_mut().find(|(e, _, _)| *e == t.ending) {
                Some((_, _, count)) => *count += 1,
                None => endings.push((t.ending, trimmed(&t.schedule), 1)),
            }
        }
        let mut failed = t.failed;
        if !failed && let Some(spin) = s.spin_candidate() {
            // Keep polling the spinning task: LIFO reruns the task that
            // just yielded. A livelock shows as no progress.
            if let Some(confirm) = run(&spin, Policy::Lifo) {
                polls += confirm.schedule.len() as u64;
                if confirm.failed && confirm.no_progress {
                    failed = true;
                    if !endings.iter().any(|(e, _, _)| *e == confirm.ending) {
                        endings.push((confirm.ending, trimmed(&confirm.schedule), 1));
                    }
                    t.run = confirm.run;
                }
            }
        }
        if failed && !search.keep_going {
            s.coverage.end = SearchEnd::Failed;
            let n = s.coverage.schedules + s.coverage.redundant;
            return Walk {
                coverage: s.coverage,
                endings,
                polls,
                failure: Some((n, t.run)),
            };
        }
        match s.next() {
            Some(next) => prefix = next,
            None => break,
        }
    }
    if s.coverage.end == SearchEnd::Exhausted
        && s.coverage.beyond_bound > 0
        && let Some(b) = search.bound
    {
        s.coverage.end = SearchEnd::Bound(b);
    }
    Walk {
        coverage: s.coverage,
        endings,
        polls,
        failure: None,
    }
}

fn meet(a: &[u64], b: &[u64]) -> bool {
    a.iter().any(|x| b.contains(x))
}

/// A schedule without its trailing zeros: FIFO finishes a replay anyway.
pub(crate) fn trimmed(schedule: &Schedule) -> Schedule {
    let c = schedule.choices();
    let end = c.iter().rposition(|x| *x != 0).map_or(0, |i| i + 1);
    Schedule::new(c[..end].to_vec())
}

struct Search {
    path: Vec<Node>,
    coverage: Coverage,
    config: SearchConfig,
    /// Tasks already checked for spinning (see `spin_candidate`).
    spin_checked: Vec<u64>,
}

mod search;

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1284), "1,284");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}

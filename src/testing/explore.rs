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
//! later poll shows its race with the cancelling one: a poll that cancels
//! (or asks about) a task that is ready at its node adds that task there.
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

impl Search {
    /// Takes in a run's trace: the first `fitted` steps replayed the path,
    /// the rest are new nodes. Returns true if the run was redundant.
    fn absorb(&mut self, fitted: usize, steps: &[Step]) -> bool {
        // A program whose run does not follow its own replay is not
        // deterministic; the determinism check reports that, the search
        // just stops extending the path where it stopped fitting.
        for (i, step) in steps.iter().enumerate().take(fitted) {
            if let (Some(node), Step::Poll { footprint, .. }) = (self.path.get_mut(i), step) {
                node.footprint = footprint.clone();
                let task = node.chosen_task().unwrap_or(u64::MAX);
                match node.explored.iter_mut().find(|(t, _)| *t == task) {
                    Some((_, f)) => f.absorb(footprint),
                    None => node.explored.push((task, footprint.clone())),
                }
            }
        }
        self.path.truncate(fitted.min(steps.len()));
        let mut redundant = false;
        for step in &steps[self.path.len()..] {
            let deviations = self
                .path
                .last()
                .map_or(0, |p| p.deviations + u32::from(p.chosen != 0));
            let node = match step {
                Step::Poll {
                    ready,
                    chosen,
                    footprint,
                } => Node {
                    n: ready.len(),
                    chosen: *chosen as usize,
                    deviations,
                    backtrack: vec![false; ready.len()],
                    done: vec![false; ready.len()],
                    explored: vec![(task_id(ready[*chosen as usize]), footprint.clone())],
                    footprint: footprint.clone(),
                    ready: Some(ready.clone()),
                },
                Step::Branch { n, chosen } => Node {
                    ready: None,
                    n: *n as usize,
                    chosen: *chosen as usize,
                    deviations,
                    backtrack: vec![false; *n as usize],
                    done: vec![false; *n as usize],
                    footprint: Footprint::default(),
                    explored: Vec::new(),
                },
            };
            let at = self.path.len();
            self.path.push(node);
            let node = &mut self.path[at];
            node.done[node.chosen] = true;
            node.backtrack[node.chosen] = true;
            if !self.config.reduction || node.ready.is_none() {
                // Without reduction every alternative is tried; a branch
                // (inside one poll) always has all of its alternatives tried.
                node.backtrack.iter_mut().for_each(|b| *b = true);
            }
            if self.config.reduction && node.ready.is_some() {
                let sleep = self.sleep_at(at);
                let node = &mut self.path[at];
                if let Some(task) = node.chosen_task()
                    && sleep.iter().any(|(t, _)| *t == task)
                {
                    // FIFO's pick sleeps: whatever follows was run already.
                    node.explored.clear();
                    if let Some(awake) = (0..node.n).find(|p| {
                        let t = node.task(*p);
                        !sleep.iter().any(|(s, _)| Some(*s) == t)
                    }) {
                        node.backtrack[awake] = true;
                    }
                    redundant = true;
                    break;
                }
            }
        }
        if self.config.reduction {
            // Races between two polls above the first new node were found
            // by the run that made them.
            self.races(fitted.saturating_sub(1));
        }
        redundant
    }

    /// The sleep set at node `at`: tasks whose poll there would only
    /// reach states already explored, with what that poll touches.
    fn sleep_at(&self, at: usize) -> Vec<(u64, Footprint)> {
        let mut sleep: Vec<(u64, Footprint)> = Vec::new();
        for node in &self.path[..at] {
            let Some(chosen) = node.chosen_task() else {
                continue; // a branch choice: part of the poll before it
            };
            // Alternatives finished before the chosen one join the set.
            for (t, f) in &node.explored {
                if *t != chosen && !sleep.iter().any(|(s, _)| s == t) {
                    sleep.push((*t, f.clone()));
                }
            }
            sleep.retain(|(t, f)| *t != chosen && !f.conflicts_with(&node.footprint));
        }
        sleep
    }

    /// Source-set DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014) over
    /// the run just absorbed. Poll `i` *happens before* a later poll `j`
    /// if they are of the same task, `i` made `j`'s task ready, or they
    /// conflict, and transitively so. Two conflicting polls of different
    /// tasks are in a *race* if nothing happens between them that orders
    /// them: reversing them is a new run. To reverse a race at node `i`,
    /// the search must run first one of the tasks that can start the polls
    /// after `i` which do not happen after it, followed by `j` (their
    /// *initials*); unless one of them is already to be tried there, one
    /// is added (`j`'s own task when it can be).
    fn races(&mut self, from: usize) {
        let polls: Vec<usize> = (0..self.path.len())
            .filter(|i| self.path[*i].ready.is_some())
            .collect();
        let n = polls.len();
        let node = |x: usize| &self.path[polls[x]];
        let key = |x: usize| node(x).ready.as_ref().map(|r| r[node(x).chosen]);
        // before[j][i]: poll i happens before poll j (i < j).
        let mut before: Vec<Vec<bool>> = Vec::with_capacity(n);
        let mut direct: Vec<Vec<bool>> = Vec::with_capacity(n);
        for j in 0..n {
            let mut hb = vec![false; n];
            let mut edge = vec![false; n];
            for i in 0..j {
                let woke = key(j).is_some_and(|k| node(i).footprint.woke.contains(&k));
                let same = node(i).chosen_task() == node(j).chosen_task();
                if woke || same || node(i).footprint.conflicts_with(&node(j).footprint) {
                    edge[i] = true;
                    hb[i] = true;
                    for (h, x) in hb.iter_mut().zip(&before[i]) {
                        *h |= *x;
                    }
                }
            }
            before.push(hb);
            direct.push(edge);
        }
        let mut wanted: Vec<(usize, Vec<usize>)> = Vec::new();
        for j in (0..n).filter(|j| polls[*j] >= from) {
            let task_j = node(j).chosen_task();
            for i in 0..j {
                let woke = key(j).is_some_and(|k| node(i).footprint.woke.contains(&k));
                if !direct[j][i] || woke || node(i).chosen_task() == task_j {
                    continue;
                }
                // A race only if no poll in between is ordered after i and
                // before j.
                if (i + 1..j).any(|k| before[k][i] && before[j][k]) {
                    continue;
                }
                // v: the polls after i that do not happen after it, then j.
                let v: Vec<usize> = (i + 1..j).filter(|k| !before[*k][i]).chain([j]).collect();
                let mut initials: Vec<Option<u64>> = Vec::new();
                for (x, &k) in v.iter().enumerate() {
                    let task = node(k).chosen_task();
                    let first_of_task = !v[..x].iter().any(|&m| node(m).chosen_task() == task);
                    let free = !v[..x].iter().any(|&m| before[k][m]);
                    if first_of_task && free && !initials.contains(&task) {
                        initials.push(task);
                    }
                }
                // j's own task first, then the others in order.
                initials.sort_by_key(|t| *t != task_j);
                let target = node(i);
                let positions: Vec<usize> = initials
                    .iter()
                    .filter_map(|t| (0..target.n).find(|p| target.task(*p) == *t))
                    .collect();
                wanted.push((polls[i], positions));
            }
        }
        // A poll that cancels a ready task (or asks whether it has ended)
        // races with that task's next poll, which a cancel takes out of
        // the run: no later poll shows the race. Running the task there
        // first is the other order.
        for x in (0..n).filter(|x| polls[*x] >= from) {
            let target = node(x);
            let woke: Vec<u64> = target.footprint.woke.iter().map(|k| task_id(*k)).collect();
            for t in &target.footprint.tasks {
                if Some(*t) == target.chosen_task() || woke.contains(t) {
                    continue;
                }
                if let Some(p) = (0..target.n).find(|p| target.task(*p) == Some(*t)) {
                    wanted.push((polls[x], vec![p]));
                }
            }
        }
        for (at, positions) in wanted {
            let target = &mut self.path[at];
            if positions.iter().any(|p| target.backtrack[*p]) {
                continue;
            }
            match positions.first() {
                Some(p) => target.backtrack[*p] = true,
                None => target.backtrack.iter_mut().for_each(|b| *b = true),
            }
        }
    }

    /// A task that may spin: two polls in a row of it that woke only
    /// itself and touched the same objects, with nothing in between
    /// touching those objects. Such a task sees the same world at its
    /// second poll as at its first, so a schedule that keeps choosing it
    /// may never let anyone else change that world: the classic
    /// `while !flag { yield_now().await }`. Its own local state may have
    /// changed (a loop counter), so this is only a candidate: the search
    /// confirms it by running it. Returns the schedule up to the first of
    /// the two polls; each task is checked once per search.
    fn spin_candidate(&mut self) -> Option<Schedule> {
        let polls: Vec<usize> = (0..self.path.len())
            .filter(|i| self.path[*i].ready.is_some())
            .collect();
        for (x, &i) in polls.iter().enumerate() {
            let a = &self.path[i];
            let task = a.chosen_task()?;
            if self.spin_checked.contains(&task) || a.footprint.woke.len() != 1 {
                continue;
            }
            let key = a.ready.as_ref().map(|r| r[a.chosen])?;
            if a.footprint.woke[0] != key {
                continue;
            }
            let Some(&j) = polls[x + 1..]
                .iter()
                .find(|&&j| self.path[j].chosen_task() == Some(task))
            else {
                continue;
            };
            let b = &self.path[j];
            let quiet = polls[x + 1..]
                .iter()
                .take_while(|&&m| m < j)
                .all(|&m| !meet(&self.path[m].footprint.objects, &a.footprint.objects));
            if b.footprint.woke == a.footprint.woke
                && b.footprint.objects == a.footprint.objects
                && quiet
            {
                self.spin_checked.push(task);
                let choices = self.path[..=i].iter().map(|n| n.chosen as u32).collect();
                return Some(Schedule::new(choices));
            }
        }
        None
    }

    /// The next schedule to run: the deepest node with an alternative left,
    /// as the choices down to it, or `None` when the tree is done.
    fn next(&mut self) -> Option<Schedule> {
        while let Some(at) = self.path.len().checked_sub(1) {
            let sleep = if self.config.reduction && self.path[at].ready.is_some() {
                self.sleep_at(at)
            } else {
                Vec::new()
            };
            let bound = self.config.bound;
            let node = &mut self.path[at];
            let mut pick = None;
            for p in 0..node.n {
                if node.done[p] || !node.backtrack[p] {
                    continue;
                }
                node.done[p] = true;
                if p != 0 && bound.is_some_and(|b| node.deviations + 1 > b) {
                    self.coverage.beyond_bound += 1;
                    continue;
                }
                let t = node.task(p);
                if t.is_some() && sleep.iter().any(|(s, _)| Some(*s) == t) {
                    self.coverage.pruned += 1;
                    continue;
                }
                pick = Some(p);
                break;
            }
            if let Some(p) = pick {
                node.chosen = p;
                if let Some(t) = node.task(p) {
                    node.explored.retain(|(x, _)| *x != t);
                }
                let choices = self.path.iter().map(|n| n.chosen as u32).collect();
                return Some(Schedule::new(choices));
            }
            let node = self.path.pop().expect("a node");
            if self.config.reduction {
                self.coverage.pruned += node.backtrack.iter().filter(|b| !**b).count();
            }
        }
        None
    }
}

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

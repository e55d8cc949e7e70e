//! What a failed run reports: enough to understand it and to replay it.

use std::fmt;

use super::env::{SCHEDULE_VAR, SEED_VAR};
use super::trace::TraceFiles;
use crate::debug::Diagnostic;
use crate::executor::{Divergence, Policy, RunError, Schedule, StallReport};

/// Why a run failed.
#[derive(Clone, Debug, PartialEq)]
pub enum FailureKind {
    /// The body, or a task whose failure reached it, panicked.
    Panicked(String),
    /// The body returned `Err`.
    Failed(String),
    /// A spawned task panicked and nobody ever looked at its result.
    TaskPanicked(Diagnostic),
    /// Tasks are pending and nothing can wake them.
    Deadlock(StallReport),
    /// The poll budget ran out before the body finished: some task keeps
    /// the loop busy without the program making progress (a livelock, or
    /// a task starving the others).
    NoProgress {
        /// The polls made.
        polls: u64,
    },
    /// The loop stopped for another reason (an interrupt).
    Stopped(RunError),
    /// Strict mode: debug mode found a mistake.
    Strict(Diagnostic),
    /// A replayed schedule did not fit the program.
    Diverged(Divergence),
    /// Two runs of the same schedule told different stories: the program
    /// depends on something the loop does not control, so no schedule
    /// replays it.
    Nondeterministic {
        /// The first event (counted from 0) where the runs differ.
        event: usize,
        /// That event in the first run.
        first: String,
        /// And in the second.
        second: String,
    },
    /// The harness was asked for something it cannot do (a bad
    /// environment variable, a bad schedule string).
    Setup(String),
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureKind::Panicked(m) => write!(f, "panicked: {m}"),
            FailureKind::Failed(m) => f.write_str(m),
            FailureKind::TaskPanicked(d) => write!(f, "{d}"),
            FailureKind::Deadlock(r) => write!(f, "deadlock: {r}"),
            FailureKind::NoProgress { polls } => write!(
                f,
                "no progress: the body had not finished after {polls} polls (a task that never \
                 truly gives way starves the others, or a livelock); raise Harness::poll_budget \
                 if the program is just long"
            ),
            FailureKind::Stopped(r) => write!(f, "the loop stopped: {r}"),
            FailureKind::Strict(d) => write!(f, "strict mode: {d}"),
            FailureKind::Diverged(d) => write!(f, "{d}"),
            FailureKind::Nondeterministic {
                event,
                first,
                second,
            } => write!(
                f,
                "not deterministic: two runs of the same schedule parted at event {event}:\n    \
                 first run:  {first}\n    second run: {second}\n  the usual suspects: iterating a \
                 HashMap or HashSet (its order changes from one map to the next), the real clock \
                 (std::time::Instant, SystemTime) instead of evloop::time, another thread \
                 (std::thread, to_thread) waking tasks, randomness from the OS instead of \
                 evloop::testing::choose, state left in a static or thread-local by the previous \
                 run; Harness::check_determinism(false) turns this check off"
            ),
            FailureKind::Setup(m) => f.write_str(m),
        }
    }
}

/// The first failing run of an exploration (or a failed replay): which run,
/// under which policy and seed, the exact schedule, and what went wrong.
///
/// Its `Display` is what a failing test prints, ending with how to replay.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The run's number, from 0 (run 0 is FIFO, run 1 LIFO, then seeds).
    pub run: usize,
    /// How many runs the exploration was allowed.
    pub runs: usize,
    /// The policy of the failing run.
    pub policy: Policy,
    /// The seed that reproduces it with `EVLOOP_SEED`, for seeded policies.
    pub seed: Option<u64>,
    /// PCT's k in that run.
    pub pct_steps: u32,
    /// The simplest schedule that fails this way: the choices up to the
    /// last one that is not FIFO's (a replay lets FIFO finish), shrunk to
    /// the fewest deviations from FIFO, then the shortest.
    pub schedule: Schedule,
    /// The schedule as first found, when shrinking made it simpler.
    pub original: Option<Schedule>,
    /// Found by an exhaustive search (`run` is then the schedule's number
    /// in the search, and `runs` how many were run).
    pub exhaustive: bool,
    /// What went wrong.
    pub kind: FailureKind,
    /// Where the failing run's timeline and Chrome trace were written, or
    /// why they could not be (`None` when tracing is off, or for a setup
    /// failure).
    pub trace: Option<Result<TraceFiles, String>>,
}

impl Failure {
    pub(crate) fn setup(message: String) -> Failure {
        Failure {
            run: 0,
            runs: 0,
            policy: Policy::Fifo,
            seed: None,
            pct_steps: 0,
            schedule: Schedule::default(),
            original: None,
            exhaustive: false,
            kind: FailureKind::Setup(message),
            trace: None,
        }
    }

    /// The failure in one line, without the replay instructions.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let FailureKind::Setup(m) = &self.kind {
            return write!(f, "evloop test harness: {m}");
        }
        if self.exhaustive {
            write!(
                f,
                "evloop: schedule {} of an exhaustive search failed",
                self.run + 1
            )?;
        } else {
            write!(
                f,
                "evloop: run {} of {} failed under policy {}",
                self.run + 1,
                self.runs,
                self.policy
            )?;
        }
        if let Policy::Pct { .. } = self.policy {
            write!(f, " (k = {})", self.pct_steps)?;
        }
        write!(f, "\n  failure:  {}", self.kind)?;
        let deviations = self.schedule.choices().iter().filter(|c| **c != 0).count();
        write!(
            f,
            "\n  schedule: {} ({deviations} deviation(s) from FIFO)",
            self.schedule
        )?;
        if let Some(original) = &self.original {
            write!(f, "\n  shrunk from: {original}")?;
        }
        f.write_str("\n  replay:   ")?;
        if let Some(seed) = self.seed {
            write!(f, "{SEED_VAR}={seed} cargo test <this test>, or ")?;
        }
        write!(
            f,
            "{SCHEDULE_VAR}=\"{}\" cargo test <this test>",
            self.schedule
        )?;
        // The console comes after the harness in the reading order: the
        // harness only says how to ask for it (see `console::failing_test`).
        f.write_str(
            "\n  step it:  EVLOOP_CONSOLE=1 cargo test <this test> -- --nocapture \
             (an #[evloop::test]: a console opens on the failing schedule)",
        )?;
        match &self.trace {
            Some(Ok(files)) => write!(
                f,
                "\n  trace:    {} (timeline)\n            {} (Chrome trace: open it in ui.perfetto.dev)",
                files.timeline.display(),
                files.chrome_trace.display()
            ),
            Some(Err(why)) => write!(f, "\n  trace:    not written: {why}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Failure {}

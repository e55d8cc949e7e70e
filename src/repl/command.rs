//! One line of input → one [`Command`].
//!
//! [`parse_line`] is a pure function: it reads the line, looks nothing up in the executor, and
//! returns typed data that the REPL then runs against the executor's public API. `Display` prints a
//! command back as canonical text (what `save` writes), and parsing that text gives the same command.
//!
//! A line is a command word (or alias, see [`help::COMMANDS`](super::help::COMMANDS)) and its
//! arguments. Flags start with `--` and may come anywhere after the command word. Blank lines and
//! lines starting with `#` are comments. `spawn` hands the rest of the line to the
//! [body parser](super::body), which is where `{ … }` and `;` have a meaning; anywhere else they
//! are errors.
//!
//! This file holds the data: [`Command`] and the small enums its fields use. The parser and the
//! canonical text live beside it, in `command/`:
//!
//! ```text
//!   command/parse.rs       parse_line: the command word, then its family's parser
//!   command/args.rs        Args: a command's arguments, checked and converted
//!   command/tasks.rs       spawn, await, cancel, wake; gather, wait, as-completed, timeout, group
//!   command/primitives.rs  new semaphore, new queue, new event, new condition, …
//!   command/driving.rs     step, run, advance; clock, policy, budget
//!   command/inspect.rs     tasks, show, queue, timeline, trace, warnings, export-trace,
//!                          export-html
//!   command/history.rs     reset, source, save, save test, schedule, replay, back,
//!                          explore, minimize
//!   command/display.rs     Display: a command as the canonical text `save` writes
//! ```
//!
//! The families are the same as the session's (`session/`), which runs what these files parse.

use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::time::Duration;

use super::body::{Body, Step, Value};
use super::primitive::OtherKind;

mod args;
mod display;
mod driving;
mod history;
mod inspect;
mod parse;
mod primitives;
mod tasks;

pub use parse::parse_line;

/// What one line asks the REPL to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An empty (or all-whitespace) line.
    Blank,
    /// `# text`: the text after the `#`, kept so a saved session keeps its comments.
    Comment(String),
    Spawn {
        name: String,
        body: Body,
    },
    Await {
        names: Vec<String>,
    },
    Cancel {
        name: String,
    },
    Gather {
        names: Vec<String>,
        return_exceptions: bool,
    },
    Wait {
        names: Vec<String>,
        return_when: ReturnWhen,
        timeout: Option<Duration>,
    },
    AsCompleted {
        names: Vec<String>,
    },
    Timeout {
        limit: Duration,
        name: String,
    },
    Group {
        names: Vec<String>,
    },
    Wake {
        name: String,
    },
    NewSemaphore {
        name: String,
        permits: u64,
    },
    /// `capacity: None` is an unbounded queue, written without a capacity or with `0`
    /// (as `asyncio.Queue(maxsize=0)`).
    NewQueue {
        name: String,
        capacity: Option<NonZeroUsize>,
    },
    NewEvent {
        name: String,
    },
    /// `new future NAME`.
    NewFuture {
        name: String,
    },
    /// `new service NAME LATENCY CAPACITY [SEED]`.
    NewService {
        name: String,
        latency: Duration,
        capacity: NonZeroU32,
        seed: Option<u64>,
    },
    /// `new bounded-semaphore|lifo-queue|priority-queue|condition|barrier|notify|watch|broadcast|rwlock|cancel-token|task-set NAME [ARG]`.
    NewOther {
        kind: OtherKind,
        name: String,
        arg: Option<Value>,
    },
    /// `spawn NAME --in SET BODY`: a member of a task set.
    SpawnIn {
        set: String,
        name: String,
        body: Body,
    },
    /// `join-next SET`.
    JoinNext {
        set: String,
    },
    /// `cancel-all SET`.
    CancelAll {
        set: String,
    },
    /// `new generator NAME BODY`.
    NewGenerator {
        name: String,
        body: Body,
    },
    /// `call-soon STEP` (`delay: None`) and `call-later DUR STEP`.
    Call {
        delay: Option<Duration>,
        step: Step,
    },
    Step {
        count: NonZeroU64,
    },
    /// `limit: None` runs until no task can progress.
    Run {
        limit: Option<Duration>,
    },
    Advance {
        by: Duration,
    },
    /// `mode: None` shows the clock without switching.
    Clock {
        mode: Option<ClockMode>,
    },
    /// `None` shows the policy.
    Policy(Option<Policy>),
    /// `debug [on|off] [THRESHOLD]`: `on: None` shows debug mode.
    Debug {
        on: Option<bool>,
        /// The slow-poll threshold.
        threshold: Option<Duration>,
    },
    /// Without either, shows the budgets.
    Budget {
        /// How many polls one driving command may make.
        polls: Option<NonZeroU64>,
        /// How much real time its polls may take together.
        time: Option<Duration>,
    },
    Tasks,
    Show {
        name: String,
    },
    Queue,
    Timeline,
    Trace {
        on: bool,
    },
    Warnings,
    ExportTrace {
        file: String,
    },
    ExportHtml {
        file: String,
    },
    Reset,
    Source {
        file: String,
    },
    Save {
        file: String,
    },
    SaveTest {
        file: String,
    },
    Schedule,
    Replay {
        schedule: String,
    },
    Back {
        count: NonZeroU64,
    },
    /// `explore [all|N]`: `sample: None` is `all`.
    Explore {
        sample: Option<NonZeroUsize>,
    },
    /// `minimize`.
    Minimize,
    /// `topic` is the canonical name of a command or step.
    Help {
        topic: Option<&'static str>,
    },
    Quit,
}

/// When `wait` returns, named as asyncio's `return_when`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// `--first-completed`
    FirstCompleted,
    /// `--first-exception`
    FirstException,
    /// `--all` (the default)
    #[default]
    AllCompleted,
}

/// Which time the loop's timers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    Real,
    Virtual,
}

/// Which ready task the loop polls next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// In the order they became ready (what every production runtime does).
    Fifo,
    /// The most recently woken first.
    Lifo,
    /// Uniformly at random, from a seed, so a run can be replayed.
    Random { seed: u64 },
    /// Probabilistic concurrency testing (Burckhardt et al., 2010): random priorities with `depth`
    /// priority changes; `None` leaves the depth to the executor.
    Pct {
        seed: u64,
        depth: Option<NonZeroU32>,
    },
}

#[cfg(test)]
mod tests;

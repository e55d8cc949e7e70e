//! Views as text: what each piece of a view *is*, and where it goes.
//!
//! Every view of this module (the tasks table, the queue, the timeline, the
//! step line) is written once, as a sequence of pieces of text each with a
//! [`Tone`] (a heading, a ready task, a failure…), onto a [`Canvas`]. A
//! `String` is a canvas that keeps the text and drops the tones: that is
//! what `Display` prints. The REPL's canvas keeps the tones and colours
//! them, so the REPL and a program printing `{snapshot}` show the same
//! table.
//!
//! ```text
//!   Snapshot / events ──▶ view (this module) ──▶ Canvas
//!                                                ├─ String: plain text (Display)
//!                                                └─ the REPL: ANSI colours by Tone
//! ```
//!
//! The words a view uses for a task, a wait or a wake come from [`Labels`]:
//! [`Names`] names tasks from a snapshot or an event log, and a program (or
//! the REPL) may name them its own way.

use std::collections::HashMap;
use std::time::Duration;

use super::{LoopEvent, LoopEventKind, Snapshot, TaskInfo};
use crate::debug::Diagnostic;
use crate::task::{TaskId, TaskState, WaitOn, WakeCause};

/// What a piece of a view is, which decides its colour where there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    /// Ordinary text.
    Plain,
    /// Less important text: ids, hints, legends.
    Dim,
    /// A heading or a label.
    Heading,
    /// A task in the ready queue.
    Ready,
    /// A task parked until its waker fires.
    Waiting,
    /// A task being polled.
    Running,
    /// A task that returned.
    Done,
    /// A task that was cancelled.
    Cancelled,
    /// A task that failed or panicked.
    Failed,
    /// Something that may be a bug (a lost waker, a slow poll).
    Warning,
}

/// Where a view writes: pieces of text with their [`Tone`], line by line.
///
/// `String` is a canvas that keeps the text only.
///
/// # Examples
///
/// A canvas that counts failures, the way a colouring one would paint them:
///
/// ```
/// use evloop::inspect::{Canvas, Tone};
///
/// #[derive(Default)]
/// struct Failures(usize);
/// impl Canvas for Failures {
///     fn put(&mut self, tone: Tone, _text: &str) {
///         self.0 += usize::from(tone == Tone::Failed);
///     }
///     fn end_line(&mut self) {}
/// }
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.spawn_named("boom", async { panic!("no") });
/// rt.run_until_idle().unwrap();
/// let mut seen = Failures::default();
/// evloop::inspect::tasks_table(&rt.snapshot(), &evloop::inspect::Names::from(&rt.snapshot()), &mut seen);
/// assert_eq!(seen.0, 1);
/// ```
pub trait Canvas {
    /// Writes `text` (no newline in it) as `tone`.
    fn put(&mut self, tone: Tone, text: &str);
    /// Ends the current line.
    fn end_line(&mut self);
}

impl Canvas for String {
    fn put(&mut self, _tone: Tone, text: &str) {
        self.push_str(text);
    }

    fn end_line(&mut self) {
        self.push('\n');
    }
}

/// The words a view uses: a task's name, a wait, a wake, a real-time span,
/// a task's state. Every method but [`task`](Labels::task) has a default.
pub trait Labels {
    /// How to call a task: its name, or `#4`.
    fn task(&self, id: TaskId) -> String;

    /// A span of real time (a poll, busy time), or `None` to leave it out
    /// so that two runs print the same text.
    fn real(&self, span: Duration) -> Option<String> {
        Some(format_measured(span))
    }

    /// What a task waits on, naming the task it awaits.
    fn wait(&self, wait: &WaitOn) -> String {
        match wait {
            WaitOn::Task(id) => format!("task {}", self.task(*id)),
            WaitOn::Other => "a future that left no note (nothing may wake it)".to_string(),
            other => other.to_string(),
        }
    }

    /// Why a task was made ready, naming the task that woke it.
    fn cause(&self, cause: &WakeCause) -> String {
        match cause {
            WakeCause::Task(id) => format!("woken by {}", self.task(*id)),
            other => other.to_string(),
        }
    }

    /// A debug-mode warning in words.
    fn warning(&self, warning: &Diagnostic) -> String {
        format!("warning: {warning}")
    }

    /// A task's state in one word, and its tone.
    fn state(&self, task: &TaskInfo) -> (Tone, &'static str) {
        state_word(task.state)
    }

    /// What a task that returned gave back, in words and with its tone, if
    /// the labeller knows (the loop keeps no outputs). A `Failed` tone
    /// counts the task as failed in the timeline.
    fn output(&self, task: TaskId) -> Option<(Tone, String)> {
        let _ = task;
        None
    }
}

/// The word and tone of a state.
pub fn state_word(state: TaskState) -> (Tone, &'static str) {
    match state {
        TaskState::Ready => (Tone::Ready, "ready"),
        TaskState::Running => (Tone::Running, "running"),
        TaskState::Waiting => (Tone::Waiting, "waiting"),
        TaskState::Done => (Tone::Done, "done"),
        TaskState::Cancelled => (Tone::Cancelled, "cancelled"),
        TaskState::Panicked => (Tone::Failed, "panicked"),
        TaskState::Failed => (Tone::Failed, "failed"),
    }
}

/// [`Labels`] that name tasks as the loop does, from a snapshot or an event
/// log, and may leave out real time.
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Labels, Names};
///
/// let rt = evloop::Runtime::new();
/// let id = rt.spawn_named("fetch", async {}).id();
/// let names = Names::from(&rt.snapshot());
/// assert_eq!(names.task(id), "fetch");
/// assert_eq!(names.without_real_time().real(std::time::Duration::from_millis(3)), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    names: HashMap<TaskId, String>,
    real_time: bool,
}

impl Names {
    /// Names from a map (ids it lacks print as `#N`), showing real time.
    pub fn new(names: HashMap<TaskId, String>) -> Names {
        Names {
            names,
            real_time: true,
        }
    }

    /// The names of the tasks the events saw spawned.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a LoopEvent>) -> Names {
        let mut names = Names::new(HashMap::new());
        names.learn(events);
        names
    }

    /// Adds the names of the tasks the events saw spawned.
    pub fn learn<'a>(&mut self, events: impl IntoIterator<Item = &'a LoopEvent>) {
        for e in events {
            if let LoopEventKind::Spawned { task, name, .. } = &e.kind {
                self.names.entry(*task).or_insert_with(|| name.to_string());
            }
        }
    }

    /// The same names, leaving out every span of real time: two runs of
    /// one program on the virtual clock then print the same text.
    pub fn without_real_time(mut self) -> Names {
        self.real_time = false;
        self
    }
}

impl From<&Snapshot> for Names {
    fn from(snapshot: &Snapshot) -> Names {
        Names::new(
            snapshot
                .tasks
                .iter()
                .map(|t| (t.id, t.name.clone()))
                .collect(),
        )
    }
}

impl Labels for Names {
    fn task(&self, id: TaskId) -> String {
        match self.names.get(&id) {
            Some(name) => name.clone(),
            None => id.to_string(),
        }
    }

    fn real(&self, span: Duration) -> Option<String> {
        self.real_time.then(|| format_measured(span))
    }
}

/// A measured span of real time, cut to the microsecond as instants print:
/// `14us`, `2.5ms`, `1.200001s`, `0s` (whole minutes and hours as `2m`, `1h`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::inspect::format_measured;
///
/// assert_eq!(format_measured(Duration::from_nanos(14_999)), "14us");
/// assert_eq!(format_measured(Duration::from_micros(2500)), "2.5ms");
/// assert_eq!(format_measured(Duration::from_secs(120)), "2m");
/// ```
pub fn format_measured(span: Duration) -> String {
    format_duration(Duration::new(span.as_secs(), span.subsec_micros() * 1_000))
}

/// A duration in one number and one unit, exactly: `1.5s`, `250ms`, `90s`,
/// `7ns`, `2h` (the form the REPL reads back).
pub fn format_duration(d: Duration) -> String {
    const US: u128 = 1_000;
    const MS: u128 = 1_000_000;
    const S: u128 = 1_000_000_000;
    const M: u128 = 60 * S;
    const H: u128 = 60 * M;
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns.is_multiple_of(H) {
        return format!("{}h", ns / H);
    }
    if ns.is_multiple_of(M) {
        return format!("{}m", ns / M);
    }
    for (unit, size, digits) in [("s", S, 9), ("ms", MS, 6), ("us", US, 3)] {
        if ns >= size {
            let fraction = format!("{:0digits$}", ns % size);
            let fraction = fraction.trim_end_matches('0');
            return if fraction.is_empty() {
                format!("{}{unit}", ns / size)
            } else {
                format!("{}.{fraction}{unit}", ns / size)
            };
        }
    }
    format!("{ns}ns")
}

/// How many terminal columns `text` takes: East Asian wide characters (CJK,
/// Hangul, full-width forms) take two, combining marks none, others one. A
/// close approximation of `wcwidth` that keeps tables with `日本語` names
/// aligned.
///
/// # Examples
///
/// ```
/// assert_eq!(evloop::inspect::text_width("日本語"), 6);
/// assert_eq!(evloop::inspect::text_width("ta\u{302}che"), 5);
/// ```
pub fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{300}'..='\u{36f}'
            | '\u{1ab0}'..='\u{1aff}'
            | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}'
            | '\u{fe20}'..='\u{fe2f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{3099}'..='\u{309a}' => 0,
            '\u{1100}'..='\u{115f}'
            | '\u{2e80}'..='\u{303e}'
            | '\u{3040}'..='\u{a4cf}'
            | '\u{ac00}'..='\u{d7a3}'
            | '\u{f900}'..='\u{faff}'
            | '\u{fe30}'..='\u{fe4f}'
            | '\u{ff00}'..='\u{ff60}'
            | '\u{ffe0}'..='\u{ffe6}'
            | '\u{1f300}'..='\u{1f64f}'
            | '\u{1f900}'..='\u{1f9ff}'
            | '\u{20000}'..='\u{3fffd}' => 2,
            _ => 1,
        })
        .sum()
}

/// `text` padded with spaces to `width` columns, plus one space.
pub(crate) fn pad(text: &str, width: usize) -> String {
    let n = text_width(text);
    format!("{text}{} ", " ".repeat(width.saturating_sub(n)))
}

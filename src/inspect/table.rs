//! The tasks table, the queue and the step line: a snapshot and a step
//! report as text.
//!
//! `println!("{snapshot}")` prints the queue (clock, ready queue, timers,
//! I/O, primitives, waiting tasks) and then the tasks table; each part is
//! also a function over any [`Labels`] and [`Canvas`], which is how the
//! REPL prints the same views in colour.
//!
//! ```text
//! clock 0.002000s (virtual)
//! ready queue: empty
//! timers:
//!   @0.005000s  sleeper  (in 3ms)
//! I/O: no registrations
//! primitives: none
//! waiting tasks:
//!   sleeper waits on timer @0.005000s
//!
//! ID NAME    STATE   WAITING ON       POLLS WAKES BUSY AGE
//! #1 sleeper waiting timer @0.005000s 1     0     -    2ms
//! ```

use std::fmt;

use super::text::{Canvas, Labels, Names, Tone, format_measured, pad, text_width};
use super::{IoInfo, PollResult, Snapshot, TaskInfo};
use crate::executor::StepReport;
use crate::task::{TaskId, TaskState};
use crate::time::ClockKind;

/// The tasks table: one row per task (id, name, state, what it waits on,
/// polls, wakes, busy time, age). Writes `no tasks` for an empty snapshot.
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Names, tasks_table};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.spawn_named("fetch", evloop::sleep(std::time::Duration::from_secs(1)));
/// rt.run_until_idle().unwrap();
/// let snapshot = rt.snapshot();
/// let mut text = String::new();
/// tasks_table(&snapshot, &Names::from(&snapshot).without_real_time(), &mut text);
/// assert_eq!(
///     text,
///     "ID NAME  STATE   WAITING ON       POLLS WAKES BUSY AGE\n\
///      #1 fetch waiting timer @1.000000s 1     0     -    0s\n"
/// );
/// ```
pub fn tasks_table(snapshot: &Snapshot, labels: &dyn Labels, out: &mut dyn Canvas) {
    if snapshot.tasks.is_empty() {
        out.put(Tone::Dim, "no tasks");
        out.end_line();
        return;
    }
    let header = [
        "ID",
        "NAME",
        "STATE",
        "WAITING ON",
        "POLLS",
        "WAKES",
        "BUSY",
        "AGE",
    ];
    let rows: Vec<[(Tone, String); 8]> = snapshot
        .tasks
        .iter()
        .map(|t| {
            let (tone, word) = labels.state(t);
            [
                (Tone::Dim, t.id.to_string()),
                (Tone::Heading, t.name.clone()),
                (tone, word.to_string()),
                (
                    Tone::Plain,
                    t.waiting_on.as_ref().map_or("-".into(), |w| labels.wait(w)),
                ),
                (Tone::Plain, t.polls.to_string()),
                (Tone::Plain, t.wakes.to_string()),
                (Tone::Plain, labels.real(t.busy).unwrap_or("-".into())),
                (Tone::Plain, format_measured(t.age(snapshot.now))),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (i, (_, cell)) in row.iter().enumerate() {
            widths[i] = widths[i].max(text_width(cell));
        }
    }
    let last = header.len() - 1;
    for (i, h) in header.iter().enumerate() {
        cell(out, Tone::Heading, h, widths[i], i == last);
    }
    out.end_line();
    for row in rows {
        for (i, (tone, text)) in row.into_iter().enumerate() {
            cell(out, tone, &text, widths[i], i == last);
        }
        out.end_line();
    }
}

/// One cell of a table: padded, except the last of its row.
fn cell(out: &mut dyn Canvas, tone: Tone, text: &str, width: usize, last: bool) {
    if last {
        out.put(tone, text);
    } else {
        out.put(tone, &pad(text, width));
    }
}

/// The queue: the clock, the ready queue in order, the timers earliest
/// first, the I/O registrations and the primitives with their holders and
/// waiters. [`waiting_tasks`] completes it.
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Names, queue};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let gate = evloop::sync::Semaphore::named("gate", 0);
/// rt.spawn_named("a", async move { drop(gate.acquire().await) });
/// rt.spawn_named("b", async {});
/// rt.step(); // polls a, which waits on the gate
/// let snapshot = rt.snapshot();
/// let mut text = String::new();
/// queue(&snapshot, &Names::from(&snapshot), &mut text);
/// assert!(text.contains("ready queue: b  (polled in this order under fifo)"), "{text}");
/// assert!(text.contains("semaphore gate: 0/0 permits free; waiting: a"), "{text}");
/// ```
pub fn queue(snapshot: &Snapshot, labels: &dyn Labels, out: &mut dyn Canvas) {
    let s = snapshot;
    let clock = match s.clock {
        ClockKind::Real => "real",
        ClockKind::Virtual => "virtual",
    };
    line(out, Tone::Heading, &format!("clock {} ({clock})", s.now));
    out.put(Tone::Heading, "ready queue: ");
    if s.ready.is_empty() {
        out.put(Tone::Dim, "empty");
    } else {
        out.put(Tone::Ready, &list(labels, &s.ready, " → "));
        out.put(Tone::Dim, "  (polled in this order under fifo)");
    }
    out.end_line();
    line(out, Tone::Heading, "timers:");
    if s.timers.is_empty() {
        line(out, Tone::Dim, "  none");
    }
    for t in &s.timers {
        let owner = t.owner.map_or("(no task)".to_string(), |o| labels.task(o));
        let left = t.deadline - s.now;
        line(
            out,
            Tone::Plain,
            &format!("  @{}  {owner}  (in {})", t.deadline, format_measured(left)),
        );
    }
    if s.io.is_empty() {
        out.put(Tone::Heading, "I/O: ");
        line(out, Tone::Dim, "no registrations");
    } else {
        line(out, Tone::Heading, "I/O:");
    }
    for io in &s.io {
        line(out, Tone::Waiting, &format!("  {io}"));
    }
    if s.primitives.is_empty() {
        out.put(Tone::Heading, "primitives: ");
        line(out, Tone::Dim, "none");
    } else {
        line(out, Tone::Heading, "primitives:");
    }
    for p in &s.primitives {
        out.put(Tone::Plain, &format!("  {} {}: ", p.kind, p.name));
        out.put(Tone::Plain, &p.state);
        if !p.holders.is_empty() {
            out.put(
                Tone::Ready,
                &format!("; held by {}", list(labels, &p.holders, ", ")),
            );
        }
        if !p.waiters.is_empty() {
            out.put(
                Tone::Waiting,
                &format!("; waiting: {}", list(labels, &p.waiters, ", ")),
            );
        }
        out.end_line();
    }
}

/// The end of the queue view: each waiting task and what it waits on
/// (nothing when no task waits).
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Names, waiting_tasks};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.spawn_named("nap", evloop::sleep(std::time::Duration::from_millis(5)));
/// rt.step();
/// let snapshot = rt.snapshot();
/// let mut text = String::new();
/// waiting_tasks(&snapshot, &Names::from(&snapshot), &mut text);
/// assert_eq!(text, "waiting tasks:\n  nap waits on timer @0.005000s\n");
/// ```
pub fn waiting_tasks(snapshot: &Snapshot, labels: &dyn Labels, out: &mut dyn Canvas) {
    let mut parked = snapshot
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Waiting)
        .peekable();
    if parked.peek().is_some() {
        line(out, Tone::Heading, "waiting tasks:");
    }
    for t in parked {
        let on = t.waiting_on.as_ref().map_or("-".into(), |w| labels.wait(w));
        line(out, Tone::Waiting, &format!("  {} waits on {on}", t.name));
    }
}

/// One poll as a line: when, which task, why it was ready, what it returned,
/// what it now waits on, whom it woke (and how long it took, if `labels`
/// shows real time).
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Names, step_line};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.spawn_named("nap", evloop::sleep(std::time::Duration::from_millis(5)));
/// let report = rt.step().unwrap();
/// let mut text = String::new();
/// step_line(&report, &Names::from(&rt.snapshot()).without_real_time(), &mut text);
/// assert_eq!(text, "[0.000000s] poll nap (first poll) → Pending, waits on timer @0.005000s\n");
/// ```
pub fn step_line(report: &StepReport, labels: &dyn Labels, out: &mut dyn Canvas) {
    let r = report;
    out.put(Tone::Dim, &format!("[{}] ", r.at));
    out.put(Tone::Heading, &format!("poll {}", labels.task(r.task)));
    out.put(Tone::Dim, &format!(" ({})", labels.cause(&r.cause)));
    out.put(Tone::Plain, " → ");
    match &r.result {
        PollResult::Pending => out.put(Tone::Waiting, "Pending"),
        PollResult::Ready => match labels.output(r.task) {
            Some((tone, output)) => out.put(tone, &format!("Ready: {output}")),
            None => out.put(Tone::Done, "Ready"),
        },
        result @ PollResult::Panicked(_) => out.put(Tone::Failed, &result.to_string()),
    }
    if let Some(w) = &r.waiting_on {
        out.put(Tone::Plain, &format!(", waits on {}", labels.wait(w)));
    }
    if !r.woke.is_empty() {
        out.put(
            Tone::Ready,
            &format!("; woke {}", list(labels, &r.woke, ", ")),
        );
    }
    if let Some(took) = labels.real(r.took) {
        out.put(Tone::Dim, &format!(" (took {took})"));
    }
    out.end_line();
}

fn line(out: &mut dyn Canvas, tone: Tone, text: &str) {
    out.put(tone, text);
    out.end_line();
}

fn list(labels: &dyn Labels, ids: &[TaskId], sep: &str) -> String {
    ids.iter()
        .map(|t| labels.task(*t))
        .collect::<Vec<_>>()
        .join(sep)
}

/// The queue view, then a blank line, then the tasks table (as the module
/// docs show), with real time left out: the same program on the virtual
/// clock prints the same text every run.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.spawn_named("nap", evloop::sleep(std::time::Duration::from_millis(5)));
/// rt.step();
/// let text = rt.snapshot().to_string();
/// assert!(text.starts_with("clock 0.000000s (virtual)\nready queue: empty\n"));
/// assert!(text.ends_with("#1 nap  waiting timer @0.005000s 1     0     -    0s\n"), "{text}");
/// ```
impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels = Names::from(self).without_real_time();
        let mut text = String::new();
        queue(self, &labels, &mut text);
        waiting_tasks(self, &labels, &mut text);
        text.push('\n');
        tasks_table(self, &labels, &mut text);
        f.write_str(&text)
    }
}

/// One task in one line: its id, name, state, what it waits on, its polls
/// (the tasks table's row, with words instead of columns).
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.spawn_named("nap", evloop::sleep(std::time::Duration::from_secs(1))).detach();
/// rt.step();
/// let nap = rt.snapshot().task_named("nap").unwrap().to_string();
/// assert_eq!(nap, "#1 nap: waiting on timer @1.000000s, polled 1 time");
/// ```
impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.id, self.name, self.state.as_str())?;
        if let Some(w) = &self.waiting_on {
            write!(f, " on {w}")?;
        }
        let times = if self.polls == 1 { "time" } else { "times" };
        write!(f, ", polled {} {times}", self.polls)
    }
}

/// One registration of the reactor in one line, as the queue lists it.
///
/// # Examples
///
/// ```
/// use evloop::inspect::IoInfo;
///
/// let rt = evloop::Runtime::new();
/// let reader = rt.spawn_named("reader", async {}).id();
/// let io = IoInfo {
///     fd: 7,
///     readable_interest: true,
///     writable_interest: false,
///     ready_readable: false,
///     ready_writable: false,
///     readers: vec![(reader, "reader".into())],
///     writers: vec![],
/// };
/// assert_eq!(io.to_string(), "fd 7; readable wanted by reader");
/// ```
impl fmt::Display for IoInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |ts: &[(TaskId, String)]| {
            ts.iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "fd {}", self.fd)?;
        if !self.readers.is_empty() {
            write!(f, "; readable wanted by {}", names(&self.readers))?;
        }
        if !self.writers.is_empty() {
            write!(f, "; writable wanted by {}", names(&self.writers))?;
        }
        Ok(())
    }
}

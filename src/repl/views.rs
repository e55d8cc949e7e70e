//! The seeing commands as styled text: `tasks`, `show`, `queue`, `help`.

use std::cell::Ref;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use evloop::TaskId;
use evloop::inspect::{LoopEvent, LoopEventKind, Snapshot, TaskInfo};

use super::describe::{Describe, outcome_style, state_word};
use super::duration::format_measured;
use super::env::Env;
use super::help;
use super::primitive::{BareFuture, Primitive};
use super::record::Recorded;
use super::styled::{Line, Style, Styled};
use super::task::ReplTask;

/// What the views read: one snapshot plus the session's memory.
pub struct View<'a> {
    /// The loop now.
    pub snapshot: Snapshot,
    /// The session's tasks.
    pub env: &'a Env,
    /// The events so far (the most recent ones, if there were very many).
    pub events: Ref<'a, VecDeque<Recorded>>,
    /// How many of the oldest events are gone.
    pub events_dropped: u64,
    /// Task names by id.
    pub names: Ref<'a, HashMap<TaskId, String>>,
    /// Leave out real time.
    pub deterministic: bool,
}

impl View<'_> {
    /// A describer for this view.
    pub fn describe(&self) -> Describe<'_> {
        Describe {
            names: &self.names,
            deterministic: self.deterministic,
        }
    }

    /// The REPL task with this id.
    pub fn repl_task(&self, id: TaskId) -> Option<Rc<ReplTask>> {
        self.env.tasks.borrow().iter().find(|t| t.id == id).cloned()
    }

    /// The state word and style of a task.
    pub fn state(&self, t: &TaskInfo) -> (Style, &'static str) {
        let outcome = self.repl_task(t.id).and_then(|r| r.slot.outcome());
        state_word(t.state, outcome.as_ref())
    }
}

/// Pads `text` to `width` characters.
fn pad(text: &str, width: usize) -> String {
    let n = super::styled::width(text);
    if n >= width {
        format!("{text} ")
    } else {
        format!("{text}{} ", " ".repeat(width - n))
    }
}

/// `tasks`: one row per task.
pub fn tasks(v: &View<'_>) -> Styled {
    let d = v.describe();
    if v.snapshot.tasks.is_empty() {
        return vec![Line::plain("no tasks — spawn one: spawn worker sleep 1s")];
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
    let rows: Vec<[(Style, String); 8]> = v
        .snapshot
        .tasks
        .iter()
        .map(|t| {
            let (style, word) = v.state(t);
            [
                (Style::Dim, t.id.to_string()),
                (Style::Heading, t.name.clone()),
                (style, word.to_string()),
                (
                    Style::Plain,
                    t.waiting_on.as_ref().map_or("-".into(), |w| d.wait(w)),
                ),
                (Style::Plain, t.polls.to_string()),
                (Style::Plain, t.wakes.to_string()),
                (Style::Plain, d.real(t.busy)),
                (Style::Plain, format_measured(t.age(v.snapshot.now))),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (i, (_, cell)) in row.iter().enumerate() {
            widths[i] = widths[i].max(super::styled::width(cell));
        }
    }
    let mut out = Vec::new();
    let mut head = Line::default();
    for (i, h) in header.iter().enumerate() {
        head.push(Style::Heading, pad(h, widths[i]));
    }
    out.push(trim(head));
    for row in rows {
        let mut line = Line::default();
        for (i, (style, cell)) in row.into_iter().enumerate() {
            line.push(style, pad(&cell, widths[i]));
        }
        out.push(trim(line));
    }
    out.extend(super::task_set::groups(v));
    out
}

/// Drops the trailing padding of a line.
fn trim(mut line: Line) -> Line {
    if let Some((_, last)) = line.0.last_mut() {
        let t = last.trim_end().to_string();
        *last = t;
    }
    line
}

/// `show NAME`: one task in full, with its history (`task` is the
/// session's record of it, if it is one of the session's).
pub fn show(v: &View<'_>, id: TaskId, task: Option<&ReplTask>) -> Styled {
    let d = v.describe();
    let mut out = Vec::new();
    let Some(info) = v.snapshot.task(id) else {
        out.push(Line::plain(format!(
            "{} ({id}) finished long ago; the loop no longer keeps its record",
            d.task(id)
        )));
        return out;
    };
    let (style, word) = v.state(info);
    out.push(
        Line::new(Style::Heading, format!("{} ({})", info.name, info.id))
            .with(Style::Plain, " — ")
            .with(style, word),
    );
    if let Some(w) = &info.waiting_on {
        out.push(Line::plain(format!("  waiting on  {}", d.wait(w))));
    }
    if let Some(outcome) = task.and_then(|t| t.slot.outcome()) {
        out.push(Line::plain("  outcome     ").with(outcome_style(&outcome), outcome.to_string()));
    }
    if let Some(maker) = task.and_then(|t| t.made_by) {
        out.push(Line::new(
            Style::Dim,
            format!("  made by     the REPL's {maker} (not spawned by you)"),
        ));
    } else if task.is_none() {
        out.push(Line::new(
            Style::Dim,
            "  made by     the library (a shield's or a callback's task)",
        ));
    }
    out.push(Line::plain(format!(
        "  last woken  {}",
        d.cause(&info.last_cause)
    )));
    out.push(Line::plain(format!(
        "  polls {}, wakes {}, busy {}",
        info.polls,
        info.wakes,
        d.real(info.busy)
    )));
    out.push(Line::plain(format!(
        "  spawned at {}{}",
        info.spawned_at,
        info.finished_at
            .map_or(String::new(), |f| format!(", finished at {f}"))
    )));
    out.push(Line::new(Style::Heading, "  history:"));
    let mut any = false;
    for e in v
        .events
        .iter()
        .map(|r| &r.event)
        .filter(|e| involves(e, id))
    {
        any = true;
        let mut line = Line::plain("    ");
        line.0.extend(d.event(e).0);
        out.push(line);
    }
    if !any {
        out.push(Line::new(Style::Dim, "    (no events kept)"));
    }
    out
}

/// `show NAME` of a semaphore, queue or event: its state, who holds it
/// and who waits on it, as the loop sees it now.
pub fn show_primitive(v: &View<'_>, name: &str) -> Styled {
    let d = v.describe();
    let Some(p) = v.snapshot.primitives.iter().find(|p| p.name == name) else {
        return vec![Line::plain(format!(
            "{name}: the loop no longer lists it (nothing refers to it)"
        ))];
    };
    let list = |ids: &[TaskId]| {
        if ids.is_empty() {
            "nobody".to_string()
        } else {
            ids.iter()
                .map(|t| d.task(*t))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    vec![
        Line::new(Style::Heading, format!("{} {}", p.kind, p.name))
            .with(Style::Plain, " — ")
            .with(Style::Plain, p.state.clone()),
        Line::new(Style::Ready, format!("  held by     {}", list(&p.holders))),
        Line::new(
            Style::Waiting,
            format!("  waiting     {}", list(&p.waiters)),
        ),
    ]
}

/// `show NAME` of a bare future: its state, and whether tasks await it.
pub fn show_future(future: &BareFuture) -> Styled {
    let waiting = if future.slot.has_waiters() {
        "some task awaits it"
    } else {
        "no task awaits it"
    };
    vec![
        Line::new(Style::Heading, format!("future {}", future.name))
            .with(Style::Plain, " — ")
            .with(Style::Plain, future.state()),
        Line::plain(format!("  waiting     {waiting}")),
        Line::new(
            Style::Dim,
            "  a future no coroutine fills in: set-result or set-exception does (a step, or a callback)",
        ),
    ]
}

/// Whether an event is about `task` (as the subject, or a timer it set).
pub fn involves(e: &LoopEvent, task: TaskId) -> bool {
    match &e.kind {
        LoopEventKind::Spawned { task: t, .. }
        | LoopEventKind::Woken { task: t, .. }
        | LoopEventKind::Polled { task: t, .. }
        | LoopEventKind::Completed { task: t }
        | LoopEventKind::Cancelled { task: t }
        | LoopEventKind::Failed { task: t, .. }
        | LoopEventKind::Panicked { task: t, .. } => *t == task,
        LoopEventKind::TimerFired { owner, .. } => *owner == Some(task),
        LoopEventKind::ClockAdvanced { .. } => false,
        LoopEventKind::Diagnostic(diag) => diag.to_string().contains(&format!("({task})")),
    }
}

/// `queue`: what the loop holds, in the order it will serve it.
pub fn queue(v: &View<'_>) -> Styled {
    let d = v.describe();
    let s = &v.snapshot;
    let mut out = vec![Line::new(
        Style::Heading,
        format!("clock {} ({})", s.now, clock_word(s)),
    )];
    let mut ready = Line::new(Style::Heading, "ready queue: ");
    if s.ready.is_empty() {
        ready.push(Style::Dim, "empty");
    } else {
        let names: Vec<String> = s.ready.iter().map(|t| d.task(*t)).collect();
        ready.push(Style::Ready, names.join(" → "));
        ready.push(Style::Dim, "  (polled in this order under fifo)");
    }
    out.push(ready);
    out.push(Line::new(Style::Heading, "timers:"));
    if s.timers.is_empty() {
        out.push(Line::new(Style::Dim, "  none"));
    }
    for t in &s.timers {
        let owner = t.owner.map_or("(no task)".to_string(), |o| d.task(o));
        let left = t.deadline - s.now;
        out.push(Line::plain(format!(
            "  @{}  {owner}  (in {})",
            t.deadline,
            format_measured(left)
        )));
    }
    if s.io.is_empty() {
        out.push(Line::new(Style::Heading, "I/O: ").with(Style::Dim, "no registrations"));
    } else {
        out.push(Line::new(Style::Heading, "I/O:"));
    }
    for io in &s.io {
        let names = |ts: &[(evloop::TaskId, String)]| {
            ts.iter()
                .map(|(_, n)| n.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = format!("  fd {}", io.fd);
        if !io.readers.is_empty() {
            text.push_str(&format!("; readable wanted by {}", names(&io.readers)));
        }
        if !io.writers.is_empty() {
            text.push_str(&format!("; writable wanted by {}", names(&io.writers)));
        }
        out.push(Line::new(Style::Waiting, text));
    }
    if s.primitives.is_empty() {
        out.push(Line::new(Style::Heading, "primitives: ").with(Style::Dim, "none"));
    } else {
        out.push(Line::new(Style::Heading, "primitives:"));
    }
    for p in &s.primitives {
        let mut line = Line::plain(format!("  {} {}: ", p.kind, p.name));
        line.push(Style::Plain, p.state.clone());
        let list = |ids: &[evloop::TaskId]| {
            ids.iter()
                .map(|t| d.task(*t))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !p.holders.is_empty() {
            line.push(Style::Ready, format!("; held by {}", list(&p.holders)));
        }
        if !p.waiters.is_empty() {
            line.push(Style::Waiting, format!("; waiting: {}", list(&p.waiters)));
        }
        out.push(line);
    }
    let futures: Vec<String> = v
        .env
        .primitives
        .borrow()
        .iter()
        .filter_map(|p| match p {
            Primitive::Future(f) => Some(format!("  future {}: {}", f.name, f.state())),
            _ => None,
        })
        .collect();
    if !futures.is_empty() {
        out.push(Line::new(Style::Heading, "futures:"));
        out.extend(futures.into_iter().map(Line::plain));
    }
    let parked: Vec<&TaskInfo> = s
        .tasks
        .iter()
        .filter(|t| t.state == evloop::TaskState::Waiting)
        .collect();
    if !parked.is_empty() {
        out.push(Line::new(Style::Heading, "waiting tasks:"));
        for t in parked {
            let on = t.waiting_on.as_ref().map_or("-".into(), |w| d.wait(w));
            out.push(Line::new(
                Style::Waiting,
                format!("  {} waits on {on}", t.name),
            ));
        }
    }
    out
}

fn clock_word(s: &Snapshot) -> &'static str {
    match s.clock {
        evloop::time::ClockKind::Real => "real",
        evloop::time::ClockKind::Virtual => "virtual",
    }
}

/// `help` and `help TOPIC`.
pub fn help(topic: Option<&'static str>) -> Styled {
    let mut out = Vec::new();
    match topic {
        None => {
            out.push(Line::new(Style::Heading, "commands:"));
            for c in help::COMMANDS {
                out.push(
                    Line::plain("  ")
                        .with(Style::Command, pad(c.name, 13))
                        .with(Style::Plain, c.summary),
                );
            }
            out.push(Line::new(
                Style::Heading,
                "task body steps (spawn NAME STEP; STEP; …):",
            ));
            for s in help::STEPS {
                out.push(
                    Line::plain("  ")
                        .with(Style::Command, pad(s.usage, 22))
                        .with(Style::Plain, s.summary),
                );
            }
            out.push(Line::new(
                Style::Dim,
                "help NAME shows one command or step with an example; docs/repl.md is a guided tour",
            ));
        }
        Some(name) => {
            if let Some(c) = help::find_command(name) {
                for u in c.usage {
                    out.push(Line::new(Style::Command, format!("  {u}")));
                }
                out.push(Line::plain(format!("  {}", c.summary)));
                if !c.aliases.is_empty() {
                    out.push(Line::plain(format!("  also: {}", c.aliases.join(", "))));
                }
                out.push(Line::new(Style::Dim, "  e.g. ").with(Style::Plain, c.example));
            }
            if let Some(s) = help::find_step(name) {
                out.push(Line::new(
                    Style::Command,
                    format!("  {}   (a task body step)", s.usage),
                ));
                out.push(Line::plain(format!("  {}", s.summary)));
                out.push(
                    Line::new(Style::Dim, "  e.g. ")
                        .with(Style::Plain, format!("spawn t {}", s.example)),
                );
            }
        }
    }
    out
}

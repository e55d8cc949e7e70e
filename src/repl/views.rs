//! The seeing commands as styled text: `tasks`, `show`, `queue`, `help`.

use std::cell::Ref;
use std::collections::{HashMap, VecDeque};

use evloop::TaskId;
use evloop::inspect::Snapshot;
use evloop::inspect::{self as library, Labels};

use super::describe::{Describe, Words, outcome_style};
use super::env::Env;
use super::help;
use super::primitive::{BareFuture, Primitive};
use super::record::Recorded;
use super::styled::{Line, Style, Styled, draw};
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

    /// The words of the library's views, as the REPL says them.
    pub fn words(&self) -> Words<'_> {
        Words {
            describe: self.describe(),
            env: self.env,
        }
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

/// `tasks`: one row per task (the library's table, in colour).
pub fn tasks(v: &View<'_>) -> Styled {
    if v.snapshot.tasks.is_empty() {
        return vec![Line::plain("no tasks — spawn one: spawn worker sleep 1s")];
    }
    let mut out = draw(|out| library::tasks_table(&v.snapshot, &v.words(), out));
    out.extend(super::task_set::groups(v));
    out
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
    let words = v.words();
    let (tone, word) = words.state(info);
    out.push(
        Line::new(Style::Heading, format!("{} ({})", info.name, info.id))
            .with(Style::Plain, " — ")
            .with(tone.into(), word),
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
        Labels::real(&d, info.busy).unwrap_or("-".into())
    )));
    out.push(Line::plain(format!(
        "  spawned at {}{}",
        info.spawned_at,
        info.finished_at
            .map_or(String::new(), |f| format!(", finished at {f}"))
    )));
    out.push(Line::new(Style::Heading, "  history:"));
    let mut any = false;
    for e in v.events.iter().map(|r| &r.event).filter(|e| e.involves(id)) {
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

/// `queue`: what the loop holds, in the order it will serve it (the
/// library's view, with the session's bare futures before the waiting
/// tasks).
pub fn queue(v: &View<'_>) -> Styled {
    let words = v.words();
    let mut out = draw(|out| library::queue(&v.snapshot, &words, out));
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
    out.extend(draw(|out| library::waiting_tasks(&v.snapshot, &words, out)));
    out
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
            let functions = super::functions::installed();
            if let Some(functions) = functions.filter(|f| !f.functions.is_empty()) {
                out.push(Line::new(
                    Style::Heading,
                    "your program's functions (steps too: spawn f1 FUNCTION ARG…):",
                ));
                for f in &functions.functions {
                    out.push(
                        Line::plain("  ")
                            .with(Style::Command, pad(&f.usage, 22))
                            .with(Style::Plain, f.summary.clone()),
                    );
                }
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
            if let Some(f) = super::functions::find(name) {
                out.push(Line::new(
                    Style::Command,
                    format!(
                        "  {}   (your program's function, a task body step)",
                        f.usage
                    ),
                ));
                out.push(Line::plain(format!("  {}", f.summary)));
                out.push(
                    Line::new(Style::Dim, "  e.g. ")
                        .with(Style::Plain, format!("spawn t {}", f.usage)),
                );
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

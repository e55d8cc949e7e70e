//! What a command shows, and when: the loop's feed (what `print` steps and
//! `trace on` wrote) and the command's own lines, either handed to the
//! front end as they happen (a *live* sink: the terminal, a script's
//! stdout) or held until the command's reply.
//!
//! ```text
//!   a task prints ──▶ env.feed ──┐  flushed after every loop event (live),
//!   trace on: event ─▶ env.feed ─┤  or when the session asks (held)
//!                                ▼
//!   step lines, answers ──▶ Output::show ──▶ live sink (as it happens)
//!                                      └──▶ held lines (the command's reply)
//! ```
//!
//! On the real clock a `run` may last minutes; a live sink makes each print
//! and trace line appear when it happens, not when the command ends. The
//! order is the same either way: everything a command shows goes through
//! this one place, in order.
//!
//! What one command may show is bounded where it is made (`Env::say`,
//! `Session::show_step`): see [`Limits`](super::Limits).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use evloop::TaskId;

use super::warnings::{Warning, Warnings};
use crate::repl::describe::Describe;
use crate::repl::env::{Env, Feed};
use crate::repl::styled::{Line, Style, Styled};

/// Where lines go as they happen.
pub type Sink = Box<dyn FnMut(&[Line])>;

/// The session's output; see the module doc.
pub struct Output {
    live: RefCell<Option<Sink>>,
    held: RefCell<Styled>,
    deterministic: bool,
    /// While positive, nothing is shown (`back` replays silently).
    muted: Cell<u32>,
}

impl Output {
    pub(super) fn new(deterministic: bool) -> Output {
        Output {
            live: RefCell::new(None),
            held: RefCell::new(Vec::new()),
            deterministic,
            muted: Cell::new(0),
        }
    }

    /// From now on, lines go to `sink` as they happen.
    pub(super) fn set_live(&self, sink: Sink) {
        *self.live.borrow_mut() = Some(sink);
    }

    /// Whether lines go out as they happen.
    pub(super) fn is_live(&self) -> bool {
        self.live.borrow().is_some()
    }

    /// Shows `lines`.
    pub(super) fn show(&self, lines: Styled) {
        if lines.is_empty() || self.muted.get() > 0 {
            return;
        }
        match &mut *self.live.borrow_mut() {
            Some(sink) => sink(&lines),
            None => self.held.borrow_mut().extend(lines),
        }
    }

    /// Renders and shows what the loop wrote since the last flush; each
    /// `print` is also recorded in `env` for `save test`.
    pub(super) fn flush_feed(
        &self,
        env: &Env,
        names: &HashMap<TaskId, String>,
        warnings: &RefCell<Warnings>,
    ) {
        let feed = std::mem::take(&mut *env.feed.borrow_mut());
        if feed.is_empty() {
            return;
        }
        let d = Describe {
            names,
            deterministic: self.deterministic,
        };
        let lines = feed
            .into_iter()
            .map(|item| match item {
                Feed::Print { task, at, text } => {
                    env.record_print(format!("[{at}] {task}: {text}"));
                    Line::new(Style::Dim, format!("[{at}] "))
                        .with(Style::Heading, format!("{task}: "))
                        .with(Style::Print, text)
                }
                Feed::Event(e) => {
                    Line::new(Style::Dim, "trace ").with(Style::Plain, d.event(&e).text())
                }
                Feed::Unretrieved { task, outcome, at } => {
                    let warning = Warning::Unretrieved { task, outcome, at };
                    let line = warning.line(&d);
                    warnings.borrow_mut().add_shown(warning);
                    line
                }
            })
            .collect();
        self.show(lines);
    }

    /// The lines held for the reply (none when live: they went out).
    pub(super) fn take_held(&self) -> Styled {
        std::mem::take(&mut *self.held.borrow_mut())
    }

    /// Runs `f` with nothing shown.
    pub(super) fn muted<T>(&self, f: impl FnOnce() -> T) -> T {
        self.muted.set(self.muted.get() + 1);
        let out = f();
        self.muted.set(self.muted.get() - 1);
        out
    }
}

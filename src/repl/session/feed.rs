//! What a reply carries besides its answer: the loop's feed (the lines
//! `print` steps and `trace on` wrote while the command ran) and the
//! warnings the diagnostics sink raised since the last reply.

use std::cell::Ref;
use std::collections::HashMap;

use evloop::TaskId;

use super::{Reply, Session};
use crate::repl::describe::Describe;
use crate::repl::program::Feed;
use crate::repl::styled::{Line, Style, Styled};

impl Session {
    /// The reply with the warnings raised since the last one appended.
    pub(super) fn append_new_warnings(&mut self, reply: Reply) -> Reply {
        let fresh = self.new_warnings();
        if fresh.is_empty() {
            return reply;
        }
        match reply {
            Reply::Done(mut out) => {
                out.extend(fresh);
                Reply::Done(out)
            }
            Reply::Failed(mut out) => {
                out.extend(fresh);
                Reply::Failed(out)
            }
            Reply::Quit => Reply::Quit,
        }
    }

    /// The task names and whether to leave out real time: what a [`Describe`] needs.
    fn describe(&self) -> (Ref<'_, HashMap<TaskId, String>>, bool) {
        (self.names.borrow(), self.options.deterministic)
    }

    /// What the loop printed since the last call, as lines; each `print` is
    /// also kept for `save test`.
    pub(super) fn drain_feed(&mut self) -> Styled {
        let feed = std::mem::take(&mut *self.env.feed.borrow_mut());
        for item in &feed {
            if let Feed::Print { task, at, text } = item {
                self.prints.push(format!("[{at}] {task}: {text}"));
            }
        }
        let (names, deterministic) = self.describe();
        let d = Describe {
            names: &names,
            deterministic,
        };
        feed.iter()
            .map(|item| match item {
                Feed::Print { task, at, text } => Line::new(Style::Dim, format!("[{at}] "))
                    .with(Style::Heading, format!("{task}: "))
                    .with(Style::Print, text.clone()),
                Feed::Event(e) => {
                    Line::new(Style::Dim, "trace ").with(Style::Plain, d.event(e).text())
                }
            })
            .collect()
    }

    /// The warnings raised since the last call.
    fn new_warnings(&mut self) -> Styled {
        let warnings = self.warnings.borrow();
        let fresh = &warnings[self.warnings_shown.min(warnings.len())..];
        let (names, deterministic) = self.describe();
        let d = Describe {
            names: &names,
            deterministic,
        };
        let lines = fresh.iter().map(|w| d.warning(w)).collect();
        let n = warnings.len();
        drop(names);
        drop(warnings);
        self.warnings_shown = n;
        lines
    }
}

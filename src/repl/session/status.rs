//! The status block: one line after every command that ran the loop —
//! the clock, the ready queue, the next timers, the I/O waits — with `+`
//! on what is new since the block before.

use evloop::TaskId;
use evloop::time::Instant;

use super::Session;
use crate::repl::describe::Describe;
use crate::repl::duration::{format_duration, to_micros};
use crate::repl::styled::{Line, Style, Styled};

/// The loop as the last status block showed it, to mark what changed.
#[derive(Default)]
pub(super) struct Seen {
    now: Option<Instant>,
    ready: Vec<TaskId>,
    timers: Vec<(Instant, Option<TaskId>)>,
}

impl Session {
    /// The compact block shown after every command that ran the loop: the
    /// clock, the ready queue, the next timers, the I/O waits; `+` marks
    /// what is new since the last block.
    pub(super) fn status(&mut self) -> Styled {
        let snap = self.rt.snapshot();
        let names = self.names.borrow();
        let d = Describe {
            names: &names,
            deterministic: self.options.deterministic,
        };
        let mut line = Line::new(Style::Dim, "── ");
        line.push(Style::Heading, format!("clock {}", snap.now));
        if let Some(before) = self.seen.now
            && snap.now > before
        {
            line.push(
                Style::Changed,
                // The difference of the two clock readings as shown.
                format!(
                    " (+{})",
                    format_duration(
                        to_micros(snap.now.since_start()) - to_micros(before.since_start())
                    )
                ),
            );
        }
        line.push(Style::Dim, " │ ready: ");
        if snap.ready.is_empty() {
            line.push(Style::Dim, "none");
        }
        for (i, id) in snap.ready.iter().enumerate() {
            if i > 0 {
                line.push(Style::Plain, ", ");
            }
            if !self.seen.ready.contains(id) {
                line.push(Style::Changed, "+");
            }
            line.push(Style::Ready, d.task(*id));
        }
        line.push(Style::Dim, " │ timers: ");
        const SHOWN: usize = 3;
        if snap.timers.is_empty() {
            line.push(Style::Dim, "none");
        }
        for (i, t) in snap.timers.iter().take(SHOWN).enumerate() {
            if i > 0 {
                line.push(Style::Plain, ", ");
            }
            if !self.seen.timers.contains(&(t.deadline, t.owner)) {
                line.push(Style::Changed, "+");
            }
            let owner = t.owner.map_or("(no task)".to_string(), |o| d.task(o));
            line.push(Style::Waiting, format!("{owner} @{}", t.deadline));
        }
        if snap.timers.len() > SHOWN {
            line.push(
                Style::Dim,
                format!(" (+{} more)", snap.timers.len() - SHOWN),
            );
        }
        line.push(Style::Dim, " │ I/O: ");
        let waits: Vec<String> = snap
            .io
            .iter()
            .filter(|io| !io.readers.is_empty() || !io.writers.is_empty())
            .map(|io| {
                let who: Vec<&str> = io
                    .readers
                    .iter()
                    .chain(&io.writers)
                    .map(|(_, n)| n.as_str())
                    .collect();
                format!("fd {} ({})", io.fd, who.join(", "))
            })
            .collect();
        if waits.is_empty() {
            line.push(Style::Dim, "none");
        } else {
            line.push(Style::Waiting, waits.join(", "));
        }
        drop(names);
        self.seen = Seen {
            now: Some(snap.now),
            ready: snap.ready.clone(),
            timers: snap.timers.iter().map(|t| (t.deadline, t.owner)).collect(),
        };
        vec![line]
    }
}

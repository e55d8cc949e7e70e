//! The session's warnings: debug mode's reports (slow polls, lost wakers,
//! failures nobody retrieved) and the REPL's own (a task that failed while
//! nothing awaited it), folded and bounded.
//!
//! A task that blocks the loop 61 times in one `run` is one finding, not
//! 61 lines: repeats of a warning (the same kind, the same task) are
//! counted, and shown once with their count, `… ×61`, both after the
//! command that raised them and in `warnings`. At most
//! [`Limits::warnings`](super::Limits::warnings) distinct warnings are
//! kept; later ones are counted.

use std::collections::HashMap;

use evloop::debug::Diagnostic;
use evloop::time::Instant;

use crate::repl::describe::Describe;
use crate::repl::outcome::Outcome;
use crate::repl::styled::{Line, Style, Styled};

/// One warning.
#[derive(Clone, Debug)]
pub enum Warning {
    /// A report of the loop's debug mode.
    Loop(Diagnostic),
    /// A user's task ended badly and nothing awaited it: nobody will see
    /// it unless asked (asyncio: "Task exception was never retrieved").
    Unretrieved {
        /// The task's name.
        task: String,
        /// How it ended.
        outcome: Outcome,
        /// When.
        at: Instant,
    },
}

impl Warning {
    /// What makes two warnings the same finding: the kind and the task.
    fn key(&self) -> String {
        match self {
            Warning::Loop(d) => match d {
                Diagnostic::SlowPoll { task, .. }
                | Diagnostic::LostWaker { task, .. }
                | Diagnostic::UnretrievedFailure { task, .. } => format!("{} {task}", d.kind()),
                other => other.to_string(),
            },
            Warning::Unretrieved { task, .. } => format!("unretrieved {task}"),
        }
    }

    /// The warning as a line.
    pub fn line(&self, d: &Describe<'_>) -> Line {
        match self {
            Warning::Loop(diagnostic) => d.warning(diagnostic),
            Warning::Unretrieved { task, outcome, at } => Line::new(
                Style::Warning,
                format!(
                    "warning: never retrieved: {task} {outcome} at {at}, and nothing awaited it \
                     (asyncio: \"Task exception was never retrieved\") — await {task} shows it; \
                     await, gather or group a task to handle its failure"
                ),
            ),
        }
    }
}

/// A warning and how many times it came.
struct Entry {
    warning: Warning,
    count: u64,
}

/// Every warning of the session, folded; see the module doc.
pub struct Warnings {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    limit: usize,
    /// Warnings not kept: past the limit.
    dropped: u64,
    /// What came since the last reply: entry and count, in first-seen order.
    fresh: Vec<(usize, u64)>,
    fresh_dropped: u64,
}

impl Warnings {
    pub fn new(limit: usize) -> Warnings {
        Warnings {
            entries: Vec::new(),
            index: HashMap::new(),
            limit,
            dropped: 0,
            fresh: Vec::new(),
            fresh_dropped: 0,
        }
    }

    /// Counts a warning: a new finding, or a repeat of one.
    pub fn add(&mut self, warning: Warning) {
        let key = warning.key();
        let i = match self.index.get(&key) {
            Some(&i) => {
                self.entries[i].count += 1;
                i
            }
            None if self.entries.len() >= self.limit => {
                self.dropped += 1;
                self.fresh_dropped += 1;
                return;
            }
            None => {
                self.entries.push(Entry { warning, count: 1 });
                self.index.insert(key, self.entries.len() - 1);
                self.entries.len() - 1
            }
        };
        match self.fresh.iter_mut().find(|(j, _)| *j == i) {
            Some((_, n)) => *n += 1,
            None => self.fresh.push((i, 1)),
        }
    }

    /// Counts a warning that was shown already, where it happened.
    pub fn add_shown(&mut self, warning: Warning) {
        let fresh = self.fresh.len();
        let dropped = self.fresh_dropped;
        self.add(warning);
        self.fresh.truncate(fresh);
        self.fresh_dropped = dropped;
    }

    /// Forgets what is fresh (`back` replays silently).
    pub fn forget_fresh(&mut self) {
        self.fresh.clear();
        self.fresh_dropped = 0;
    }

    /// The warnings since the last call, one line each, repeats folded.
    pub fn take_fresh(&mut self, d: &Describe<'_>) -> Styled {
        let mut lines: Styled = std::mem::take(&mut self.fresh)
            .into_iter()
            .map(|(i, n)| folded(self.entries[i].warning.line(d), n))
            .collect();
        if self.fresh_dropped > 0 {
            lines.push(self.dropped_line(self.fresh_dropped));
            self.fresh_dropped = 0;
        }
        lines
    }

    /// Every warning so far, repeats folded.
    pub fn all(&self, d: &Describe<'_>) -> Styled {
        let mut lines: Styled = self
            .entries
            .iter()
            .map(|e| folded(e.warning.line(d), e.count))
            .collect();
        if self.dropped > 0 {
            lines.push(self.dropped_line(self.dropped));
        }
        lines
    }

    fn dropped_line(&self, n: u64) -> Line {
        Line::new(
            Style::Warning,
            format!(
                "warning: … and {n} more warning(s) of other tasks, not kept (the session keeps {} distinct ones)",
                self.limit
            ),
        )
    }
}

/// `line`, with ` … ×N` when it came N > 1 times.
fn folded(mut line: Line, n: u64) -> Line {
    if n > 1 {
        line.push(Style::Dim, format!(" … ×{n}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Duration;

    /// Task ids (only a runtime makes them).
    fn ids(n: usize) -> Vec<evloop::TaskId> {
        let rt = evloop::Runtime::builder().virtual_clock().build();
        (0..n).map(|_| rt.spawn(async {}).id()).collect()
    }

    fn slow(task: evloop::TaskId) -> Warning {
        Warning::Loop(Diagnostic::SlowPoll {
            task,
            name: "hog".into(),
            took: Duration::from_millis(150),
            threshold: Duration::from_millis(100),
            cpu: None,
        })
    }

    /// Issue 17 item 2: 61 identical slow-poll warnings were 61 lines.
    #[test]
    fn repeats_of_a_warning_are_folded() {
        let names = HashMap::new();
        let d = Describe {
            names: &names,
            deterministic: true,
        };
        let id = ids(2);
        let mut w = Warnings::new(10);
        for _ in 0..61 {
            w.add(slow(id[0]));
        }
        w.add(slow(id[1]));
        let fresh = w.take_fresh(&d);
        assert_eq!(fresh.len(), 2);
        assert!(fresh[0].text().ends_with(" … ×61"), "{}", fresh[0].text());
        assert!(!fresh[1].text().contains('×'));
        assert!(w.take_fresh(&d).is_empty());
        w.add(slow(id[0]));
        assert!(!w.take_fresh(&d)[0].text().contains('×'));
        assert!(w.all(&d)[0].text().ends_with(" … ×62"));
    }

    #[test]
    fn distinct_warnings_are_bounded() {
        let names = HashMap::new();
        let d = Describe {
            names: &names,
            deterministic: true,
        };
        let mut w = Warnings::new(3);
        for t in ids(1000) {
            w.add(slow(t));
        }
        let all = w.all(&d);
        assert_eq!(all.len(), 4);
        assert!(
            all[3].text().contains("997 more warning(s)"),
            "{}",
            all[3].text()
        );
    }
}

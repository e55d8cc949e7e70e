//! Words for the loop's data: task names instead of bare ids, and real-time
//! durations that a deterministic transcript leaves out.

use std::collections::HashMap;
use std::time::Duration;

use evloop::debug::Diagnostic;
use evloop::inspect::{Labels, LoopEvent, LoopEventKind, PollResult, TaskInfo, Tone};
use evloop::{TaskId, TaskState};

use super::duration::{format_duration, format_measured};
use super::env::Env;
use super::outcome::Outcome;
use super::styled::{Line, Style};

/// How to describe things: the names of tasks, and whether to show real time.
pub struct Describe<'a> {
    /// Every task's name, by id (REPL tasks run under their REPL names).
    pub names: &'a HashMap<TaskId, String>,
    /// Leave out real-time measurements (transcripts and scripts).
    pub deterministic: bool,
}

impl Describe<'_> {
    /// `worker`, or `#4` for a task whose name is unknown.
    pub fn task(&self, id: TaskId) -> String {
        match self.names.get(&id) {
            Some(name) => name.clone(),
            None => id.to_string(),
        }
    }

    /// One warning line.
    pub fn warning(&self, d: &Diagnostic) -> Line {
        let text = match d {
            Diagnostic::SlowPoll {
                task,
                took,
                threshold,
                cpu,
                ..
            } => {
                // Where the OS says how much of the poll was on the CPU, say
                // which it was: computing, or waiting in a blocking call.
                // (Transcripts leave it out, as every real-time measurement.)
                // As the library says it: under the threshold on the CPU, the
                // rest of the poll was spent waiting in a blocking call.
                let blocked = cpu.is_some_and(|cpu| cpu < *threshold);
                let (took, threshold) = (format_measured(*took), format_duration(*threshold));
                let took = match cpu {
                    _ if self.deterministic => format!("longer than {threshold} in one poll"),
                    Some(cpu) if blocked => format!(
                        "{took} in one poll (threshold {threshold}; only {} of it on the CPU: \
                         it waited in a blocking call)",
                        format_measured(*cpu)
                    ),
                    Some(cpu) => format!(
                        "{took} in one poll (threshold {threshold}; {} of it computing on the CPU)",
                        format_measured(*cpu)
                    ),
                    None => format!("{took} in one poll (threshold {threshold})"),
                };
                format!(
                    "slow poll: {} blocked the loop for {took}; every other task waited — \
                     move blocking work to a thread (the thread step) or add awaits",
                    self.task(*task)
                )
            }
            Diagnostic::LostWaker { task, .. } => format!(
                "lost waker: {} returned Pending but kept no waker, so nothing can ever wake it \
                 (wake {} wakes it by hand)",
                self.task(*task),
                self.task(*task)
            ),
            other => other.to_string(),
        };
        Line::new(Style::Warning, format!("warning: {text}"))
    }

    /// One event, as `trace on` and `show` print it.
    pub fn event(&self, e: &LoopEvent) -> Line {
        let at = Line::new(Style::Dim, format!("[{}] ", e.at));
        let (style, text) = match &e.kind {
            LoopEventKind::Spawned { task, parent, .. } => (
                Style::Plain,
                match parent {
                    Some(p) => {
                        format!("spawned {} ({task}) by {}", self.task(*task), self.task(*p))
                    }
                    None => format!("spawned {} ({task})", self.task(*task)),
                },
            ),
            LoopEventKind::Woken { task, cause } => (
                Style::Ready,
                format!("{} ready: {}", self.task(*task), self.cause(cause)),
            ),
            LoopEventKind::Polled {
                task, result, took, ..
            } => {
                let took = if self.deterministic {
                    String::new()
                } else {
                    format!(" in {}", format_measured(*took))
                };
                (
                    Style::Running,
                    format!(
                        "polled {} → {}{took}",
                        self.task(*task),
                        poll_result(result)
                    ),
                )
            }
            LoopEventKind::TimerFired { owner, deadline } => (
                Style::Plain,
                match owner {
                    Some(o) => format!("timer @{deadline} of {} fired", self.task(*o)),
                    None => format!("timer @{deadline} fired"),
                },
            ),
            LoopEventKind::ClockAdvanced { from, to } => {
                (Style::Dim, format!("clock {from} → {to}"))
            }
            LoopEventKind::Completed { task } => {
                (Style::Done, format!("{} done", self.task(*task)))
            }
            LoopEventKind::Cancelled { task } => {
                (Style::Cancelled, format!("{} cancelled", self.task(*task)))
            }
            LoopEventKind::Panicked { task, message } => (
                Style::Failed,
                format!("{} panicked: {message}", self.task(*task)),
            ),
            LoopEventKind::Failed { task, message } => (
                Style::Failed,
                format!("{} failed: {message}", self.task(*task)),
            ),
            LoopEventKind::Diagnostic(d) => {
                let w = self.warning(d);
                return at.with(Style::Warning, w.text());
            }
        };
        at.with(style, text)
    }
}

/// The library's views name tasks, waits and wakes as the REPL does, and
/// leave out real time in scripts.
impl Labels for Describe<'_> {
    fn task(&self, id: TaskId) -> String {
        Describe::task(self, id)
    }

    fn real(&self, span: Duration) -> Option<String> {
        (!self.deterministic).then(|| format_measured(span))
    }

    fn warning(&self, warning: &Diagnostic) -> String {
        Describe::warning(self, warning).text()
    }
}

/// The words of the library's views in the REPL: [`Describe`]'s, plus what
/// the session knows of its own tasks (a `fail`ed task reads `failed`, a
/// returned one shows its value).
pub struct Words<'a> {
    /// Names and real time.
    pub describe: Describe<'a>,
    /// The session's tasks.
    pub env: &'a Env,
}

impl Words<'_> {
    fn outcome(&self, id: TaskId) -> Option<Outcome> {
        let task = self.env.tasks.borrow().iter().find(|t| t.id == id).cloned();
        task.and_then(|t| t.slot.outcome())
    }
}

impl Labels for Words<'_> {
    fn task(&self, id: TaskId) -> String {
        self.describe.task(id)
    }

    fn real(&self, span: Duration) -> Option<String> {
        Labels::real(&self.describe, span)
    }

    fn warning(&self, warning: &Diagnostic) -> String {
        Labels::warning(&self.describe, warning)
    }

    fn state(&self, task: &TaskInfo) -> (Tone, &'static str) {
        match (task.state, self.outcome(task.id)) {
            (TaskState::Done, Some(Outcome::Failed(_))) => (Tone::Failed, "failed"),
            (state, _) => evloop::inspect::state_word(state),
        }
    }

    fn output(&self, task: TaskId) -> Option<(Tone, String)> {
        self.outcome(task)
            .map(|o| (outcome_tone(&o), o.to_string()))
    }
}

/// What a poll returned, in words.
pub fn poll_result(r: &PollResult) -> String {
    match r {
        PollResult::Pending => "Pending".into(),
        PollResult::Ready => "Ready".into(),
        PollResult::Panicked(m) => format!("panicked: {m}"),
    }
}

/// The tone of an outcome.
fn outcome_tone(o: &Outcome) -> Tone {
    match o {
        Outcome::Returned(_) => Tone::Done,
        Outcome::Cancelled => Tone::Cancelled,
        Outcome::Failed(_) | Outcome::Panicked(_) => Tone::Failed,
    }
}

/// The style of an outcome.
pub fn outcome_style(o: &Outcome) -> Style {
    outcome_tone(o).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Interactively, a slow-poll warning says whether the poll computed or
    /// waited in a blocking call, where the OS tells (issue 17 item 19c's
    /// REPL half); scripts leave real time out.
    #[test]
    fn a_slow_poll_says_whether_it_computed_or_blocked() {
        let rt = evloop::Runtime::builder().virtual_clock().build();
        let task = rt.spawn(async {}).id();
        let names = HashMap::from([(task, "hog".to_string())]);
        let slow = |cpu: Option<Duration>| Diagnostic::SlowPoll {
            task,
            name: "hog".into(),
            took: Duration::from_millis(500),
            threshold: Duration::from_millis(100),
            cpu,
        };
        let live = Describe {
            names: &names,
            deterministic: false,
        };
        let text = |d: &Describe<'_>, cpu| d.warning(&slow(cpu)).text();
        assert!(
            text(&live, Some(Duration::from_millis(498)))
                .contains("hog blocked the loop for 500ms in one poll (threshold 100ms; 498ms of it computing on the CPU)")
        );
        assert!(
            text(&live, Some(Duration::from_millis(3)))
                .contains("only 3ms of it on the CPU: it waited in a blocking call")
        );
        assert!(text(&live, None).contains("for 500ms in one poll (threshold 100ms);"));
        let script = Describe {
            names: &names,
            deterministic: true,
        };
        assert!(
            text(&script, Some(Duration::from_millis(498)))
                .contains("for longer than 100ms in one poll;")
        );
    }
}

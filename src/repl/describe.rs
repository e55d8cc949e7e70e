//! Words for the loop's data: task names instead of bare ids, and real-time
//! durations that a deterministic transcript leaves out.

use std::collections::HashMap;
use std::time::Duration;

use evloop::debug::Diagnostic;
use evloop::inspect::{LoopEvent, LoopEventKind, PollResult};
use evloop::{TaskId, TaskState, WaitOn, WakeCause};

use super::duration::{format_duration, format_measured};
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

    /// What a task waits on, with names.
    pub fn wait(&self, wait: &WaitOn) -> String {
        match wait {
            WaitOn::Task(id) => format!("task {}", self.task(*id)),
            WaitOn::Other => "a future that left no note (nothing may wake it)".to_string(),
            other => other.to_string(),
        }
    }

    /// Why a task was runnable, with names.
    pub fn cause(&self, cause: &WakeCause) -> String {
        match cause {
            WakeCause::Task(id) => format!("woken by {}", self.task(*id)),
            other => other.to_string(),
        }
    }

    /// A real-time duration, or `-` in deterministic mode.
    pub fn real(&self, d: Duration) -> String {
        if self.deterministic {
            "-".to_string()
        } else {
            format_measured(d)
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
            LoopEventKind::Polled { task, result, took } => {
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

/// What a poll returned, in words.
pub fn poll_result(r: &PollResult) -> String {
    match r {
        PollResult::Pending => "Pending".into(),
        PollResult::Ready => "Ready".into(),
        PollResult::Panicked(m) => format!("panicked: {m}"),
    }
}

/// The word and style of a task's state; a REPL task that `fail`ed is `failed`.
pub fn state_word(state: TaskState, outcome: Option<&Outcome>) -> (Style, &'static str) {
    match (state, outcome) {
        (TaskState::Done, Some(Outcome::Failed(_))) => (Style::Failed, "failed"),
        (TaskState::Ready, _) => (Style::Ready, "ready"),
        (TaskState::Running, _) => (Style::Running, "running"),
        (TaskState::Waiting, _) => (Style::Waiting, "waiting"),
        (TaskState::Done, _) => (Style::Done, "done"),
        (TaskState::Cancelled, _) => (Style::Cancelled, "cancelled"),
        (TaskState::Panicked, _) => (Style::Failed, "panicked"),
        (TaskState::Failed, _) => (Style::Failed, "failed"),
    }
}

/// The style of an outcome.
pub fn outcome_style(o: &Outcome) -> Style {
    match o {
        Outcome::Returned(_) => Style::Done,
        Outcome::Cancelled => Style::Cancelled,
        Outcome::Failed(_) | Outcome::Panicked(_) => Style::Failed,
    }
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

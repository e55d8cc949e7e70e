//! The session's history: the log of the commands that changed something
//! (which ones, [`logs`] decides), the commands that write it out, read it
//! back or start over — `save`, `save test`, `source`, `back`, `replay`,
//! `reset` — and `schedule`, which prints the choices the loop recorded.
//!
//! The loop is deterministic, so a log replayed on a fresh loop reaches
//! the same state: that is how `back` undoes, and, with the schedule the
//! loop recorded, how `replay` and `save test` reproduce a session.

use evloop::Schedule;

use super::status::Seen;
use super::{Action, Failure, Reply, Session, error_line};
use crate::repl::command::Command;
use crate::repl::error::ParseError;
use crate::repl::save_test;
use crate::repl::script::Joiner;
use crate::repl::styled::{Line, Style, Styled};

/// How deep `source` may nest.
const MAX_SOURCE_DEPTH: usize = 8;

/// The largest file `source` reads: a REPL script of thousands of commands
/// is far smaller; `source /dev/zero` is refused after this much, instead
/// of being read whole.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// The first `limit` bytes of `file`, or why not: it can't be read, or it
/// is longer.
fn read_capped(file: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let cant = |e: std::io::Error| Failure::line(format!("can't read {file}: {e}"));
    let mut text = Vec::new();
    std::fs::File::open(file)
        .map_err(cant)?
        .take(limit + 1)
        .read_to_end(&mut text)
        .map_err(cant)?;
    if text.len() as u64 > limit {
        return Err(Failure::line(format!(
            "{file} is larger than {} KiB, so it is no REPL script; source reads at most that much",
            limit / 1024
        )));
    }
    Ok(text)
}

/// Whether a command goes in the log that `save` writes and `back` replays:
/// those that change the loop or the session's settings.
pub(super) fn logs(command: &Command) -> bool {
    !matches!(
        command,
        Command::Blank
            | Command::Tasks
            | Command::Show { .. }
            | Command::Queue
            | Command::Timeline
            | Command::Warnings
            | Command::ExportTrace { .. }
            | Command::ExportHtml { .. }
            | Command::Clock { mode: None }
            | Command::Policy(None)
            | Command::Debug {
                on: None,
                threshold: None
            }
            | Command::Budget {
                polls: None,
                time: None
            }
            | Command::Reset
            | Command::Source { .. }
            | Command::Save { .. }
            | Command::SaveTest { .. }
            | Command::Schedule
            | Command::Replay { .. }
            | Command::Back { .. }
            | Command::Explore { .. }
            | Command::Minimize
            | Command::Help { .. }
            | Command::Quit
    )
}

impl Session {
    /// `reset`.
    pub(super) fn reset(&mut self) -> Result<Action, Failure> {
        self.restart();
        Ok(Action::Show(vec![Line::plain(
            "reset: a new loop on the virtual clock at 0s, no tasks",
        )]))
    }

    /// `source FILE`: runs the file's commands in this session, echoing each.
    pub(super) fn source(&mut self, file: &str) -> Result<Action, Failure> {
        if self.source_depth >= MAX_SOURCE_DEPTH {
            return Err(Failure::line(format!(
                "source nests more than {MAX_SOURCE_DEPTH} files deep — does {file} source itself?"
            )));
        }
        let text = read_capped(file, MAX_SOURCE_BYTES)?;
        let Ok(text) = String::from_utf8(text) else {
            return Err(Failure::line(format!(
                "{file} is not UTF-8 text; source reads REPL scripts"
            )));
        };
        self.source_depth += 1;
        let mut failed = 0;
        let mut reader = Joiner::default();
        // Each command and what it shows go out in turn, as they would typed.
        for raw in text.lines() {
            let Some(line) = reader.push(raw) else {
                continue;
            };
            self.output.show(vec![echo_sourced(&line)]);
            match self.run_line(&line) {
                Reply::Done(lines) => self.output.show(lines),
                Reply::Failed(lines) => {
                    failed += 1;
                    self.output.show(lines);
                }
                Reply::Quit => break,
            }
        }
        if let Some(rest) = reader.finish() {
            failed += 1;
            self.output.show(vec![
                echo_sourced(&rest),
                error_line(ParseError::Incomplete.to_string()),
            ]);
        }
        self.source_depth -= 1;
        if failed > 0 {
            return Err(Failure::line(format!(
                "{failed} command(s) in {file} failed"
            )));
        }
        Ok(Action::Show(Vec::new()))
    }

    /// Whether the log still holds the whole session (`save`, `back` and
    /// `replay` rebuild it from there).
    pub(super) fn whole_log(&self, what: &str) -> Result<(), Failure> {
        if !self.log_full {
            return Ok(());
        }
        Err(Failure::line(format!(
            "{what} needs every command of the session, and this one is longer than the log keeps \
             ({} KiB of commands, {} commands); reset starts a fresh session",
            self.options.limits.log_bytes / 1024,
            self.log.len()
        )))
    }

    /// `save FILE`: the log, as a script `source` replays.
    pub(super) fn save(&self, file: &str) -> Result<Action, Failure> {
        self.whole_log("save")?;
        let mut text =
            String::from("# an evloop session, saved by `save`; replay it with `source FILE`\n");
        for line in &self.log {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(file, text)
            .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
        Ok(Action::Show(vec![Line::plain(format!(
            "saved {} command(s) to {file}; source {file} replays them",
            self.log.len()
        ))]))
    }

    /// `back N`: a fresh loop that replays all but the last `count` logged commands.
    pub(super) fn back(&mut self, count: u64) -> Result<Action, Failure> {
        self.whole_log("back")?;
        let keep = self
            .log
            .len()
            .saturating_sub(usize::try_from(count).unwrap_or(usize::MAX));
        let undone = self.log.len() - keep;
        if undone == 0 {
            return Err(Failure::line(
                "nothing to go back over: no command has changed the session yet",
            ));
        }
        let replay: Vec<String> = self.log[..keep].to_vec();
        let replayed = self.replayed.take();
        self.restart();
        if let Some(schedule) = replayed {
            self.rt.scheduler().replay(schedule.clone());
            self.replayed = Some(schedule);
        }
        let output = self.output.clone();
        output.muted(|| {
            for line in &replay {
                let _ = self.run_line(line);
            }
            self.flush();
        });
        self.warnings.borrow_mut().forget_fresh();
        self.seen = Seen::default();
        let mut lines = vec![Line::plain(format!(
            "went back {undone} command(s): replayed the first {keep} from a fresh loop (the loop is deterministic, so this is the same state)"
        ))];
        if replay
            .iter()
            .any(|l| l.starts_with("clock real") || l.contains("spin "))
        {
            lines.push(Line::new(
                Style::Warning,
                "  (the replay includes real time — clock real or spin — so timings may differ)",
            ));
        }
        Ok(Action::Ran(lines))
    }

    /// A fresh session with the same options, in place of this one.
    fn restart(&mut self) {
        let options = self.options;
        let hook = self.on_new_loop.take();
        let (depth, source_depth) = (self.depth, self.source_depth);
        self.shutdown();
        // The output, and where the command is, carry over: a restart
        // happens in the middle of a command (reset, back, replay).
        *self = Session::with_output(options, self.output.clone());
        self.depth = depth;
        self.source_depth = source_depth;
        if let Some(hook) = hook {
            hook(self.rt.interrupter());
            self.on_new_loop = Some(hook);
        }
    }

    /// `schedule`: the choices the loop made so far, as a string `replay`
    /// (and `EVLOOP_SCHEDULE`, and `testing::replay`) accept.
    pub(super) fn schedule_lines(&self) -> Styled {
        let schedule = self.rt.scheduler().recorded();
        if schedule.is_empty() {
            return vec![Line::plain(
                "schedule: empty — the loop has polled no task yet (step or run first)",
            )];
        }
        vec![
            Line::new(Style::Heading, "schedule ").with(Style::Print, schedule.to_string()),
            Line::new(
                Style::Dim,
                format!(
                    "  {} poll(s): the ready-queue position chosen at each (0 = first woken); \
                     replay STRING follows it again",
                    schedule.len()
                ),
            ),
        ]
    }

    /// `save test FILE`: the session as a Rust test (see `save_test.rs`).
    pub(super) fn save_test(&mut self, file: &str) -> Result<Action, Failure> {
        self.whole_log("save test")?;
        let dropped = self.env.prints_dropped.get();
        if dropped > 0 {
            return Err(Failure::line(format!(
                "save test asserts every print, and {dropped} of this session's were not kept (past {} \
                 kept, or not shown); save FILE keeps the session as a script instead",
                self.options.limits.prints
            )));
        }
        let schedule = self.rt.scheduler().recorded().to_string();
        let outcomes = self
            .env
            .tasks
            .borrow()
            .iter()
            .filter(|t| t.is_users())
            .map(|t| (t.name.clone(), t.slot.outcome().map(|o| o.to_string())))
            .collect();
        let seen = save_test::Seen {
            log: &self.log,
            schedule: schedule.clone(),
            prints: &self.env.prints.borrow(),
            outcomes,
            now: self.rt.now().to_string(),
        };
        let source = save_test::generate(&seen, "repl_session").map_err(Failure::line)?;
        std::fs::write(file, source)
            .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
        let mut lines = vec![Line::plain(format!(
            "wrote {file}: a test that runs the session's {} command(s) again under schedule \"{schedule}\" \
             and asserts its {} print(s) and {} outcome(s); put it in a crate's tests/ and run cargo test",
            self.log.len(),
            self.env.prints.borrow().len(),
            self.env.tasks.borrow().len()
        ))];
        if self
            .log
            .iter()
            .any(|l| l.contains("spin ") || l.contains("thread "))
        {
            lines.push(Line::new(
                Style::Warning,
                "  (the session includes real time — spin or thread — so the test's timings may differ)",
            ));
        }
        Ok(Action::Show(lines))
    }

    /// `replay STRING`: a fresh loop that follows `STRING` while the
    /// session's logged commands run again, then its policy.
    pub(super) fn replay(&mut self, text: &str) -> Result<Action, Failure> {
        let schedule: Schedule = text
            .parse()
            .map_err(|e: evloop::ScheduleError| Failure::line(e.to_string()))?;
        self.whole_log("replay")?;
        let log = self.log.clone();
        self.restart();
        self.rt.scheduler().replay(schedule.clone());
        self.replayed = Some(schedule.clone());
        self.output.show(vec![Line::plain(format!(
            "replaying {} command(s) on a fresh loop that follows the schedule ({} choice(s)):",
            log.len(),
            schedule.len()
        ))]);
        for line in &log {
            self.output.show(vec![echo_sourced(line)]);
            match self.run_line(line) {
                Reply::Done(lines) | Reply::Failed(lines) => self.output.show(lines),
                Reply::Quit => break,
            }
        }
        let used = self.rt.scheduler().recorded().len();
        let mut out = Vec::new();
        out.push(match self.rt.scheduler().divergence() {
            Some(d) => Line::new(Style::Warning, format!("diverged: {d}")),
            None if used < schedule.len() => Line::plain(format!(
                "followed {used} of {} choice(s); the other {} steer the next polls, then the policy does",
                schedule.len(),
                schedule.len() - used
            )),
            None => Line::plain(format!(
                "followed all {} choice(s){}",
                schedule.len(),
                if used > schedule.len() {
                    format!(", then the policy chose the last {}", used - schedule.len())
                } else {
                    String::new()
                }
            )),
        });
        Ok(Action::Show(out))
    }
}

/// A command read by `source`: `>> spawn a sleep 1s`.
fn echo_sourced(line: &str) -> Line {
    Line::new(Style::Dim, ">> ").with(Style::Command, line.replace('\n', "\n.. "))
}

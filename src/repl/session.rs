//! A REPL session: one runtime, its named tasks, and everything seen so far.
//!
//! ```text
//!   line ──parse_line──▶ Command ──Session::execute──▶ evloop public API
//!                                         │
//!                                         ▼
//!                 Styled lines: what the loop printed (feed), the answer,
//!                 and, if the loop ran, the status block
//! ```
//!
//! The session uses only evloop's public API: `Runtime` (spawn, step,
//! run_until_done, advance, snapshot, cancel, wake, and its `scheduler()`
//! and `events()` handles), `JoinHandle`, the event stream and the
//! diagnostics sink. It keeps the commands that changed something in a
//! log, which `save` writes out and `back` replays.
//!
//! This file holds the session's state, how one command runs
//! ([`Session::execute`]) and the match that sends each command to the
//! file of its family. The families are the same as the parser's in
//! `command/`:
//!
//! ```text
//!   session/tasks.rs       spawn, await, cancel, wake; gather, wait,
//!                          as-completed, timeout, group
//!   session/primitives.rs  new semaphore, new queue, new event
//!   session/driving.rs     step, run, advance; clock, policy, budget;
//!                          how a run is reported, and why it stopped
//!   session/inspect.rs     tasks, show, queue, timeline, trace, warnings,
//!                          export-trace
//!   session/history.rs     the log; save, save test, source, back, replay,
//!                          schedule, reset
//! ```
//!
//! and two files build what every reply carries besides its answer:
//! `session/feed.rs` (what the loop printed meanwhile, new warnings) and
//! `session/status.rs` (the status block after a command that ran the loop).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use evloop::debug::Diagnostic;
use evloop::inspect::{LoopEvent, LoopEventKind};
use evloop::time::Instant;
use evloop::{Builder, Interrupter, Runtime, Schedule, TaskId};

use super::command::Command;
use super::error::ParseError;
use super::program::{self, Env, Feed, ReplTask};
use super::styled::{Line, Style, Styled};
use super::views;

mod driving;
mod feed;
mod history;
mod inspect;
mod primitives;
mod status;
mod tasks;

use history::logs;
use status::Seen;

/// The default poll budget of one driving command.
pub const DEFAULT_BUDGET: u64 = 100_000;
/// How many events the session keeps for `show`, `timeline` and `export-trace`.
pub const EVENT_MEMORY: usize = 200_000;

/// How a session was started.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Poll budget of each driving command.
    pub budget: u64,
    /// Leave real-time measurements out of the output (scripts, transcripts).
    pub deterministic: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            budget: DEFAULT_BUDGET,
            deterministic: false,
        }
    }
}

/// What one line did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// It ran; here is what to show.
    Done(Styled),
    /// It was a mistake, or the loop could not do it; nothing else changed.
    Failed(Styled),
    /// `quit`.
    Quit,
}

/// One runtime and everything the REPL knows about it.
pub struct Session {
    rt: Rc<Runtime>,
    env: Rc<Env>,
    options: Options,
    warnings: Rc<RefCell<Vec<Diagnostic>>>,
    warnings_shown: usize,
    events: Rc<RefCell<VecDeque<LoopEvent>>>,
    names: Rc<RefCell<HashMap<TaskId, String>>>,
    trace: Rc<Cell<bool>>,
    log: Vec<String>,
    /// The schedule the last `replay` followed from the start: `back`
    /// follows it again, so going back after a replay stays exact.
    replayed: Option<Schedule>,
    /// Every line a `print` step (or a `get`) made, as shown: what `save
    /// test` asserts.
    prints: Vec<String>,
    seen: Seen,
    source_depth: usize,
    /// Told the interrupter of every new loop (`reset`, `back`, `replay`
    /// make one), so Ctrl-C always reaches the loop that runs.
    on_new_loop: Option<Rc<dyn Fn(Interrupter)>>,
}

impl Session {
    /// A new session: a virtual-clock runtime in debug mode.
    pub fn new(options: Options) -> Session {
        let env = Rc::new(Env::default());
        let warnings: Rc<RefCell<Vec<Diagnostic>>> = Rc::default();
        let sink = warnings.clone();
        let rt = Builder::new()
            .virtual_clock()
            .debug(true)
            .poll_timing(true)
            .diagnostics(move |d| sink.borrow_mut().push(d.clone()))
            .build();
        rt.set_poll_budget(options.budget);
        // Every choice of the ready queue is written down from the start:
        // `schedule` prints it, `save test` replays it.
        rt.scheduler().record(true);
        let rt = Rc::new(rt);
        *env.runtime.borrow_mut() = Rc::downgrade(&rt);
        let events: Rc<RefCell<VecDeque<LoopEvent>>> = Rc::default();
        let names: Rc<RefCell<HashMap<TaskId, String>>> = Rc::default();
        let trace = Rc::new(Cell::new(false));
        {
            let (events, names, trace, env) =
                (events.clone(), names.clone(), trace.clone(), env.clone());
            let _subscription = rt.events().subscribe(move |e| {
                if let LoopEventKind::Spawned { task, name, .. } = &e.kind {
                    names.borrow_mut().insert(*task, name.clone());
                }
                if trace.get() {
                    env.feed.borrow_mut().push(Feed::Event(e.clone()));
                }
                let mut events = events.borrow_mut();
                if events.len() == EVENT_MEMORY {
                    events.pop_front();
                }
                events.push_back(e.clone());
            });
        }
        Session {
            rt,
            env,
            options,
            warnings,
            warnings_shown: 0,
            events,
            names,
            trace,
            log: Vec::new(),
            replayed: None,
            prints: Vec::new(),
            seen: Seen::default(),
            source_depth: 0,
            on_new_loop: None,
        }
    }

    /// Calls `hook` with the interrupter of the session's loop now, and of
    /// every loop that replaces it later (`reset`, `back`, `replay`): what
    /// `main.rs` uses to keep Ctrl-C pointed at the running loop.
    pub fn on_new_loop(&mut self, hook: impl Fn(Interrupter) + 'static) {
        hook(self.rt.interrupter());
        self.on_new_loop = Some(Rc::new(hook));
    }

    /// The loop's clock.
    pub fn now(&self) -> Instant {
        self.rt.now()
    }

    /// The names of the session's tasks, for completion.
    pub fn task_names(&self) -> Vec<String> {
        self.env
            .tasks
            .borrow()
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// Parses and runs one complete line (see [`Session::execute`]).
    ///
    /// A line whose `{` is still open is an error here; interactive and
    /// script readers join continuation lines before calling this.
    pub fn run_line(&mut self, line: &str) -> Reply {
        match super::parse_line(line) {
            Ok(command) => self.execute(command),
            Err(e @ ParseError::Incomplete) | Err(e @ ParseError::Invalid { .. }) => {
                Reply::Failed(vec![error_line(e.to_string())])
            }
        }
    }

    /// Runs one command against the runtime.
    pub fn execute(&mut self, command: Command) -> Reply {
        let logged = logs(&command).then(|| command.to_string());
        // A Ctrl-C pressed at the prompt, not during a run, is not meant
        // for the next run.
        self.rt.take_interrupt();
        let result = self.dispatch(command);
        program::forget_panic_text();
        let mut out = self.drain_feed();
        let reply = match result {
            Ok(Action::Quit) => return Reply::Quit,
            Ok(Action::Show(lines)) => {
                out.extend(lines);
                if let Some(entry) = logged {
                    self.log.push(entry);
                }
                Reply::Done(out)
            }
            Ok(Action::Ran(lines)) => {
                out.extend(lines);
                out.extend(self.status());
                if let Some(entry) = logged {
                    self.log.push(entry);
                }
                Reply::Done(out)
            }
            Err(Failure(lines)) => {
                out.extend(lines);
                Reply::Failed(out)
            }
        };
        self.append_new_warnings(reply)
    }

    /// The session's task called `name`; if there is none, an error that
    /// suggests the nearest name.
    fn task(&self, name: &str) -> Result<Rc<ReplTask>, Failure> {
        self.env.task(name).ok_or_else(|| {
            let known = self.task_names();
            let hint = match super::suggest::nearest(name, known.iter().map(String::as_str)) {
                Some(near) => format!("did you mean {near}?"),
                None if known.is_empty() => {
                    "no tasks yet — spawn one: spawn worker sleep 1s".into()
                }
                None => format!("tasks: {}", known.join(", ")),
            };
            Failure::line(format!("no task named {name} — {hint}"))
        })
    }

    /// The session's tasks called `names`, or the error for the first unknown one.
    fn tasks(&self, names: &[String]) -> Result<Vec<Rc<ReplTask>>, Failure> {
        names.iter().map(|n| self.task(n)).collect()
    }

    /// Runs a command: each family of commands lives in its own file
    /// (see the module doc), and this match is their table of contents.
    fn dispatch(&mut self, command: Command) -> Result<Action, Failure> {
        match command {
            Command::Blank | Command::Comment(_) => Ok(Action::Show(Vec::new())),
            // tasks.rs
            Command::Spawn { name, body } => self.spawn(name, body),
            Command::Await { names } => self.await_tasks(&names),
            Command::Cancel { name } => self.cancel(&name),
            Command::Wake { name } => self.wake(&name),
            Command::Gather {
                names,
                return_exceptions,
            } => self.gather(&names, return_exceptions),
            Command::Wait {
                names,
                return_when,
                timeout,
            } => self.wait(&names, return_when, timeout),
            Command::AsCompleted { names } => self.as_completed(&names),
            Command::Timeout { limit, name } => self.timeout(limit, &name),
            Command::Group { names } => self.group(&names),
            // primitives.rs
            Command::NewSemaphore { name, permits } => self.new_semaphore(name, permits),
            Command::NewQueue { name, capacity } => self.new_queue(name, capacity),
            Command::NewEvent { name } => self.new_event(name),
            // driving.rs
            Command::Step { count } => self.step(count.get()),
            Command::Run { limit } => self.run(limit),
            Command::Advance { by } => self.advance(by),
            Command::Clock { mode } => self.clock(mode),
            Command::Policy(policy) => self.policy(policy),
            Command::Budget { polls } => self.budget(polls),
            // inspect.rs
            Command::Tasks => self.show_tasks(),
            Command::Show { name } => self.show(&name),
            Command::Queue => self.show_queue(),
            Command::Timeline => self.show_timeline(),
            Command::Trace { on } => self.trace(on),
            Command::Warnings => self.show_warnings(),
            Command::ExportTrace { file } => self.export_trace(&file),
            // history.rs
            Command::Reset => self.reset(),
            Command::Source { file } => self.source(&file),
            Command::Save { file } => self.save(&file),
            Command::Back { count } => self.back(count.get()),
            Command::Schedule => Ok(Action::Show(self.schedule_lines())),
            Command::Replay { schedule } => self.replay(&schedule),
            Command::SaveTest { file } => self.save_test(&file),
            // The REPL itself.
            Command::Help { topic } => Ok(Action::Show(views::help(topic))),
            Command::Quit => Ok(Action::Quit),
        }
    }

    fn shutdown(&mut self) {
        self.env.closing.set(true);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What a command did, before the session adds the feed and status.
enum Action {
    /// Show these lines.
    Show(Styled),
    /// The loop ran: show these lines, then the status block.
    Ran(Styled),
    /// Leave.
    Quit,
}

/// A command that did not run: what to show.
struct Failure(Styled);

impl Failure {
    fn line(text: impl Into<String>) -> Failure {
        Failure(vec![error_line(text)])
    }
}

/// `error: …`
pub fn error_line(text: impl Into<String>) -> Line {
    Line::new(Style::Error, "error: ").with(Style::Plain, text.into())
}

/// A command as a transcript shows it: `> spawn a sleep 1s`.
pub fn echo(line: &str) -> Line {
    Line::new(Style::Dim, "> ").with(Style::Command, line.to_string())
}

#[cfg(test)]
mod tests;

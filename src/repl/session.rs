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
//! diagnostics sink (`session/explore.rs` alone also drives the testing
//! explorer's crate-private walk and shrinker). It keeps the commands that
//! changed something in a log, which `save` writes out and `back` replays.
//!
//! This file holds the session's state, how one command runs
//! ([`Session::execute`]) and the match that sends each command to the
//! file of its family. The families are the same as the parser's in
//! `command/`:
//!
//! ```text
//!   session/tasks.rs       spawn, await, cancel, wake; gather, wait,
//!                          as-completed, timeout, group
//!   session/task_sets.rs   spawn --in, join-next, cancel-all
//!   session/primitives.rs  new semaphore, new queue, new event, new condition, …
//!   session/driving.rs     step, run, advance; clock, policy, budget;
//!                          how a run is reported, and why it stopped
//!   session/inspect.rs     tasks, show, queue, timeline, trace, warnings,
//!                          export-trace, export-html
//!   session/history.rs     the log; save, save test, source, back, replay,
//!                          schedule, reset
//!   session/explore.rs     explore, minimize: the log again under many
//!                          schedules, each on a fresh loop
//! ```
//!
//! and three files build what every reply carries besides its answer:
//! `session/output.rs` (what the loop printed meanwhile, shown as it
//! happens or held, within bounds), `session/warnings.rs` (debug mode's
//! reports, folded) and `session/status.rs` (the status block after a
//! command that ran the loop).
//!
//! # Bounds
//!
//! Nothing a session keeps grows without limit (see [`Limits`], in
//! `session/options.rs` with the other [`Options`]): the events
//! (`show`, `timeline`), the prints (`save test`), the warnings, the log
//! (`save`, `back`), and what one command shows. A driving command stops
//! after its poll budget *and* after its time budget: the real time spent
//! inside polls, so a `spin` cannot hold the REPL for long either.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use evloop::inspect::{LoopEventKind, PollResult, WaitKind};
use evloop::time::Instant;
use evloop::{Builder, Interrupter, Runtime, Schedule, TaskId};

use super::command::Command;
use super::describe::Describe;
use super::env::{Env, Feed};
use super::error::ParseError;
use super::primitive::NewPrimitive;
use super::program;
use super::record::{self, Recorded};
use super::styled::{Line, Style, Styled};
use super::views;

mod driving;
mod explore;
mod history;
mod inspect;
mod lookup;
mod options;
mod output;
mod primitives;
mod status;
mod task_sets;
mod tasks;
mod warnings;

use lookup::Target;
pub use options::{DEFAULT_BUDGET, Limits, Options};
pub use output::Sink;

use history::logs;
use output::Output;
use status::Seen;
use warnings::{Warning, Warnings};

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
    warnings: Rc<RefCell<Warnings>>,
    output: Rc<Output>,
    /// How many commands are running: `source` runs commands inside one.
    depth: usize,
    events: Rc<RefCell<VecDeque<Recorded>>>,
    /// Events the bounded memory let go of (the oldest).
    events_dropped: Rc<Cell<u64>>,
    names: Rc<RefCell<HashMap<TaskId, String>>>,
    trace: Rc<Cell<bool>>,
    log: Vec<String>,
    /// The bytes in `log`; past `Limits::log_bytes` nothing more is logged
    /// and `log_full` is set.
    log_bytes: usize,
    log_full: bool,
    /// The schedule the last `replay` followed from the start: `back`
    /// follows it again, so going back after a replay stays exact.
    replayed: Option<Schedule>,
    seen: Seen,
    source_depth: usize,
    /// Told the interrupter of every new loop (`reset`, `back`, `replay`
    /// make one), so Ctrl-C always reaches the loop that runs.
    on_new_loop: Option<Rc<dyn Fn(Interrupter)>>,
    /// This session's loop stops at a task's `breakpoint().await`: the
    /// handler notes the task and interrupts the loop after that poll.
    _breakpoints: evloop::debug::BreakpointHandler,
}

impl Session {
    /// A new session: a virtual-clock runtime in debug mode.
    pub fn new(options: Options) -> Session {
        let output = Rc::new(Output::new(options.deterministic));
        Session::with_output(options, output)
    }

    /// A new session writing to `output` (which `reset`, `back` and `replay`
    /// keep: they replace the loop in the middle of a command).
    fn with_output(options: Options, output: Rc<Output>) -> Session {
        let env = Rc::new(Env::with_limits(options.limits));
        let warnings = Rc::new(RefCell::new(Warnings::new(options.limits.warnings)));
        let sink = warnings.clone();
        let rt = Builder::new()
            .virtual_clock()
            .debug(true)
            .poll_timing(true)
            .diagnostics(move |d| sink.borrow_mut().add(Warning::Loop(d.clone())))
            .build();
        rt.set_poll_budget(options.budget);
        // Every choice of the ready queue is written down from the start:
        // `schedule` prints it, `save test` replays it.
        rt.scheduler().record(true);
        // The console program's state is made inside this loop: its
        // primitives and tasks belong to it.
        *env.state.borrow_mut() = {
            let _inside = rt.enter();
            super::functions::new_state()
        };
        let breakpoints = attach_breakpoints(&env, &rt);
        let rt = Rc::new(rt);
        *env.runtime.borrow_mut() = Rc::downgrade(&rt);
        *env.interrupter.borrow_mut() = Some(rt.interrupter());
        let events: Rc<RefCell<VecDeque<Recorded>>> = Rc::default();
        let events_dropped: Rc<Cell<u64>> = Rc::default();
        let names: Rc<RefCell<HashMap<TaskId, String>>> = Rc::default();
        let trace = Rc::new(Cell::new(false));
        {
            let (events, dropped, names, trace, env, output, warnings) = (
                events.clone(),
                events_dropped.clone(),
                names.clone(),
                trace.clone(),
                env.clone(),
                output.clone(),
                warnings.clone(),
            );
            let memory = options.limits.events;
            let _subscription = rt.events().subscribe(move |e| {
                match &e.kind {
                    LoopEventKind::Spawned { task, name, .. } => {
                        names.borrow_mut().insert(*task, name.to_string());
                    }
                    LoopEventKind::Polled { took, .. } => env.spend_poll_time(*took),
                    // The instant is over: a failure nothing read is unseen.
                    LoopEventKind::ClockAdvanced { .. } | LoopEventKind::TimerFired { .. } => {
                        env.report_unseen();
                        if env.stop_at_clock_move.get()
                            && let Some(i) = &*env.interrupter.borrow()
                        {
                            i.interrupt();
                        }
                    }
                    _ => {}
                }
                if trace.get() {
                    env.feed.borrow_mut().push(Feed::Event(e.clone()));
                }
                // What the task went on to wait for, as its poll noted.
                // (The REPL's steps note their own; a future of the
                // library or of a console's program, what the loop noted.)
                let wait = match &e.kind {
                    LoopEventKind::Polled {
                        result, waiting_on, ..
                    } => {
                        let noted = record::take_note()
                            .or_else(|| waiting_on.as_ref().and_then(WaitKind::of));
                        noted.filter(|_| *result == PollResult::Pending)
                    }
                    _ => None,
                };
                {
                    let mut events = events.borrow_mut();
                    if events.len() >= memory {
                        events.pop_front();
                        dropped.set(dropped.get() + 1);
                    }
                    events.push_back(Recorded {
                        event: e.clone(),
                        wait,
                        real: env.real_clock.get(),
                    });
                }
                // What the loop wrote goes out as it happens.
                if output.is_live() {
                    output.flush_feed(&env, &names.borrow(), &warnings);
                }
            });
        }
        Session {
            rt,
            env,
            options,
            warnings,
            output,
            depth: 0,
            events,
            events_dropped,
            names,
            trace,
            log: Vec::new(),
            log_bytes: 0,
            log_full: false,
            replayed: None,
            seen: Seen::default(),
            source_depth: 0,
            on_new_loop: None,
            _breakpoints: breakpoints,
        }
    }

    /// From now on, what commands show goes to `sink` as it happens (a
    /// print during a long `run` on the real clock appears at once); the
    /// replies then carry nothing more. Without a sink, replies carry
    /// everything.
    pub fn set_live_output(&mut self, sink: Sink) {
        self.output.set_live(sink);
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

    /// The names of the session's primitives (semaphores, queues, task
    /// sets…), for completion.
    pub fn primitive_names(&self) -> Vec<String> {
        self.env
            .primitives
            .borrow()
            .iter()
            .map(|p| p.name().to_string())
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
        self.depth += 1;
        if self.depth == 1 {
            // A Ctrl-C pressed at the prompt, not during a run, is not meant
            // for the next run.
            self.rt.take_interrupt();
        }
        self.env.start_command(self.options.time_budget);
        let result = self.dispatch(command);
        program::forget_panic_text();
        self.env.report_unseen();
        self.flush();
        let output = self.output.clone();
        let done = match result {
            Ok(Action::Quit) => {
                self.depth -= 1;
                return Reply::Quit;
            }
            Ok(Action::Show(lines)) => {
                output.show(lines);
                self.log_command(logged);
                true
            }
            Ok(Action::Ran(lines)) => {
                output.show(lines);
                output.show(self.status());
                self.log_command(logged);
                true
            }
            Err(Failure(lines)) => {
                output.show(lines);
                false
            }
        };
        output.show(self.left_out_line().into_iter().collect());
        output.show(self.new_warnings());
        self.depth -= 1;
        let lines = if self.depth == 0 {
            output.take_held()
        } else {
            Vec::new()
        };
        if done {
            Reply::Done(lines)
        } else {
            Reply::Failed(lines)
        }
    }

    /// Shows what the loop wrote since the last flush.
    fn flush(&self) {
        self.output
            .flush_feed(&self.env, &self.names.borrow(), &self.warnings);
    }

    /// The line saying how much of its prints and steps this command left
    /// out, if it left out any.
    fn left_out_line(&self) -> Option<Line> {
        let n = self.env.left_out.get();
        let limits = self.options.limits;
        (n > 0).then(|| {
            Line::new(
                Style::Warning,
                format!(
                    "… {n} more line(s) not shown: one command shows at most {} lines and {} KiB of \
                     prints and steps (tasks, show and timeline show where things stand)",
                    limits.lines_per_command,
                    limits.bytes_per_command / 1024
                ),
            )
        })
    }

    /// Shows the line of one poll, if the command has room for it.
    fn show_step(&self, line: Line) {
        let bytes = line.0.iter().map(|(_, t)| t.len()).sum();
        if self.env.take_room(bytes) {
            self.output.show(vec![line]);
        }
    }

    /// Adds a command to the log, unless the log is full.
    fn log_command(&mut self, entry: Option<String>) {
        let Some(entry) = entry else { return };
        if self.log_full || self.log_bytes + entry.len() > self.options.limits.log_bytes {
            self.log_full = true;
            return;
        }
        self.log_bytes += entry.len();
        self.log.push(entry);
    }

    /// The new warnings since the last reply, repeats folded.
    fn new_warnings(&self) -> Styled {
        let names = self.names.borrow();
        let d = Describe {
            names: &names,
            deterministic: self.options.deterministic,
        };
        self.warnings.borrow_mut().take_fresh(&d)
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
            Command::SpawnIn { set, name, body } => self.spawn_in(&set, name, body),
            Command::JoinNext { set } => self.join_next(&set),
            Command::CancelAll { set } => self.cancel_all(&set),
            // primitives.rs
            Command::NewSemaphore { name, permits } => self.new_semaphore(name, permits),
            Command::NewQueue { name, capacity } => self.new_queue(name, capacity),
            Command::NewEvent { name } => self.new_event(name),
            Command::NewFuture { name } => self.new_future(name),
            Command::NewService {
                name,
                latency,
                capacity,
                seed,
            } => self.new_service(name, latency, capacity.get(), seed.unwrap_or(1)),
            Command::NewGenerator { name, body } => self.new_generator(name, body),
            Command::NewOther { kind, name, arg } => {
                self.new_primitive(NewPrimitive::Other(kind, name, arg))
            }
            Command::Call { delay, step } => self.call(delay, step),
            // driving.rs
            Command::Step { count } => self.step(count.get()),
            Command::Run { limit } => self.run(limit),
            Command::Advance { by } => self.advance(by),
            Command::Clock { mode } => self.clock(mode),
            Command::Policy(policy) => self.policy(policy),
            Command::Debug { on, threshold } => self.debug(on, threshold),
            Command::Budget { polls, time } => self.budget(polls, time),
            // inspect.rs
            Command::Tasks => self.show_tasks(),
            Command::Show { name } => self.show(&name),
            Command::Queue => self.show_queue(),
            Command::Timeline => self.show_timeline(),
            Command::Trace { on } => self.trace(on),
            Command::Warnings => self.show_warnings(),
            Command::ExportTrace { file } => self.export_trace(&file),
            Command::ExportHtml { file } => self.export_html(&file),
            // history.rs
            Command::Reset => self.reset(),
            Command::Source { file } => self.source(&file),
            Command::Save { file } => self.save(&file),
            Command::Back { count } => self.back(count.get()),
            Command::Schedule => Ok(Action::Show(self.schedule_lines())),
            Command::Replay { schedule } => self.replay(&schedule),
            Command::SaveTest { file } => self.save_test(&file),
            // explore.rs
            Command::Explore { sample } => self.explore(sample),
            Command::Minimize => self.minimize(),
            // The REPL itself.
            Command::Help { topic } => Ok(Action::Show(views::help(topic))),
            Command::Quit => Ok(Action::Quit),
        }
    }

    fn shutdown(&mut self) {
        self.env.closing.set(true);
    }
}

/// Stops `rt` at a task's `breakpoint().await`: the handler notes the task
/// in `env` and interrupts the loop after that poll. A later attachment
/// (another session's loop, `explore`'s) replaces it.
fn attach_breakpoints(env: &Rc<Env>, rt: &Runtime) -> evloop::debug::BreakpointHandler {
    let env = Rc::downgrade(env);
    let interrupter = rt.interrupter();
    evloop::debug::on_breakpoint(move |task| {
        if let Some(env) = env.upgrade() {
            env.breakpoint_hit.set(Some(task));
        }
        interrupter.interrupt();
    })
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

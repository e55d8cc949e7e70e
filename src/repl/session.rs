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

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use evloop::debug::Diagnostic;
use evloop::inspect::{LoopEvent, LoopEventKind};
use evloop::time::{ClockKind, Instant};
use evloop::{
    Builder, Interrupter, RunError, RunErrorKind, RunReport, Runtime, Schedule, StepReport, Stop,
    TaskId,
};

use super::body::Body;
use super::command::{ClockMode, Command, Policy};
use super::describe::{Describe, outcome_style, poll_result};
use super::duration::format_duration;
use super::error::ParseError;
use super::outcome::{Outcome, Slot};
use super::primitive::{self, NewPrimitive};
use super::program::{self, Env, Feed, ReplTask};
use super::styled::{Line, Style, Styled};
use super::toolkit;
use super::{chrome_trace, timeline, views};

/// The default poll budget of one driving command.
pub const DEFAULT_BUDGET: u64 = 100_000;
/// How many events the session keeps for `show`, `timeline` and `export-trace`.
pub const EVENT_MEMORY: usize = 200_000;
/// How deep `source` may nest.
const MAX_SOURCE_DEPTH: usize = 8;

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

/// The loop as the last status block showed it, to mark what changed.
#[derive(Default)]
struct Seen {
    now: Option<Instant>,
    ready: Vec<TaskId>,
    timers: Vec<(Instant, Option<TaskId>)>,
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
        }
    }

    /// Stops a `run` or `await` in progress from another thread (Ctrl-C).
    pub fn interrupter(&self) -> Interrupter {
        self.rt.interrupter()
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

    fn append_new_warnings(&mut self, reply: Reply) -> Reply {
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

    fn describe(&self) -> (std::cell::Ref<'_, HashMap<TaskId, String>>, bool) {
        (self.names.borrow(), self.options.deterministic)
    }

    fn drain_feed(&mut self) -> Styled {
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

    /// The compact block shown after every command that ran the loop: the
    /// clock, the ready queue, the next timers, the I/O waits; `+` marks
    /// what is new since the last block.
    fn status(&mut self) -> Styled {
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
                format!(" (+{})", format_duration(snap.now - before)),
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

    fn tasks(&self, names: &[String]) -> Result<Vec<Rc<ReplTask>>, Failure> {
        names.iter().map(|n| self.task(n)).collect()
    }

    fn dispatch(&mut self, command: Command) -> Result<Action, Failure> {
        match command {
            Command::Blank | Command::Comment(_) => Ok(Action::Show(Vec::new())),
            Command::Spawn { name, body } => self.spawn(name, body),
            Command::Await { names } => self.await_tasks(&names),
            Command::Cancel { name } => self.cancel(&name),
            Command::Wake { name } => {
                let task = self.task(&name)?;
                match self.rt.wake(task.id) {
                    Ok(()) => Ok(Action::Show(vec![Line::plain(format!(
                        "woke {name} by hand: it is in the ready queue, and will be polled at the next step"
                    ))])),
                    Err(_) => Err(Failure::line(format!(
                        "{name} has already finished; only a live task can be woken"
                    ))),
                }
            }
            Command::Gather {
                names,
                return_exceptions,
            } => {
                let tasks = self.tasks(&names)?;
                let future = toolkit::gather_tasks(self.env.clone(), tasks, return_exceptions);
                self.drive("gather", future)
            }
            Command::Wait {
                names,
                return_when,
                timeout,
            } => {
                let tasks = self.tasks(&names)?;
                let handles = toolkit::lend(&tasks).map_err(Failure::line)?;
                let future =
                    toolkit::wait_tasks(self.env.clone(), tasks, handles, return_when, timeout);
                self.drive("wait", future)
            }
            Command::AsCompleted { names } => {
                let tasks = self.tasks(&names)?;
                let handles = toolkit::lend(&tasks).map_err(Failure::line)?;
                let future = toolkit::as_completed_tasks(self.env.clone(), tasks, handles);
                self.drive("as-completed", future)
            }
            Command::Timeout { limit, name } => {
                let task = self.task(&name)?;
                let future = toolkit::timeout_task(self.env.clone(), limit, task);
                self.drive("timeout", future)
            }
            Command::Group { names } => {
                let tasks = self.tasks(&names)?;
                let future = toolkit::group_tasks(self.env.clone(), tasks);
                self.drive("group", future)
            }
            Command::NewSemaphore { name, permits } => {
                let permits = usize::try_from(permits).map_err(|_| {
                    Failure::line(format!(
                        "{permits} permits is more than this machine can count"
                    ))
                })?;
                self.new_primitive(NewPrimitive::Semaphore(name, permits))
            }
            Command::NewQueue { name, capacity } => self.new_primitive(NewPrimitive::Queue(
                name,
                capacity.map_or(0, std::num::NonZeroUsize::get),
            )),
            Command::NewEvent { name } => self.new_primitive(NewPrimitive::Event(name)),
            Command::Step { count } => self.step(count.get()),
            Command::Run { limit } => {
                let report = match limit {
                    None => self.rt.run_until_done(),
                    Some(d) => self.rt.run_for(d),
                };
                Ok(Action::Ran(self.run_report(&report, limit.is_some())))
            }
            Command::Advance { by } => match self.rt.advance(by) {
                Err(RunError {
                    kind: RunErrorKind::RealClock,
                    ..
                }) => Err(Failure::line(
                    "advance moves the virtual clock, and this session runs on the real clock — \
                     clock virtual to switch, or run DUR to run for a span of real time",
                )),
                report => Ok(Action::Ran(self.run_report(&report, true))),
            },
            Command::Clock { mode } => {
                if let Some(mode) = mode {
                    self.rt.set_clock(match mode {
                        ClockMode::Real => ClockKind::Real,
                        ClockMode::Virtual => ClockKind::Virtual,
                    });
                }
                let kind = match self.rt.clock() {
                    ClockKind::Real => "real: timers wait for wall-clock time",
                    ClockKind::Virtual => {
                        "virtual: when nothing is ready, time jumps to the next timer"
                    }
                };
                Ok(Action::Show(vec![Line::plain(format!(
                    "clock {} ({kind})",
                    self.rt.now()
                ))]))
            }
            Command::Policy(policy) => {
                let policy = match policy {
                    Policy::Fifo => evloop::Policy::Fifo,
                    Policy::Lifo => evloop::Policy::Lifo,
                    Policy::Random { seed } => evloop::Policy::Random { seed },
                    Policy::Pct { seed, depth } => evloop::Policy::Pct {
                        seed,
                        depth: depth.map_or(3, std::num::NonZeroU32::get),
                    },
                };
                self.rt.scheduler().set_policy(policy);
                Ok(Action::Show(vec![Line::plain(format!(
                    "policy {policy}: {}",
                    match policy {
                        evloop::Policy::Fifo =>
                            "the first task woken is polled first (asyncio's order)",
                        evloop::Policy::Lifo => "the last task woken is polled first",
                        evloop::Policy::Random { .. } =>
                            "a ready task picked at random from the seed; the same seed replays the same order",
                        evloop::Policy::Pct { .. } =>
                            "random priorities, lowered at a few random points (PCT): finds ordering bugs of few steps; the same seed replays",
                    }
                ))]))
            }
            Command::Budget { polls } => {
                if let Some(n) = polls {
                    self.options.budget = n.get();
                    self.rt.set_poll_budget(n.get());
                }
                Ok(Action::Show(vec![Line::plain(format!(
                    "budget: a run or await stops after {} polls",
                    self.options.budget
                ))]))
            }
            Command::Tasks => Ok(Action::Show(views::tasks(&self.view()))),
            Command::Show { name } => {
                let task = self.task(&name)?;
                Ok(Action::Show(views::show(&self.view(), &task)))
            }
            Command::Queue => Ok(Action::Show(views::queue(&self.view()))),
            Command::Timeline => Ok(Action::Show(timeline::draw(&self.view()))),
            Command::Trace { on } => {
                self.trace.set(on);
                Ok(Action::Show(vec![Line::plain(if on {
                    "trace on: every event is printed as it happens"
                } else {
                    "trace off"
                })]))
            }
            Command::Warnings => {
                let warnings = self.warnings.borrow();
                let names = self.names.borrow();
                let d = Describe {
                    names: &names,
                    deterministic: self.options.deterministic,
                };
                let mut lines: Styled = warnings.iter().map(|w| d.warning(w)).collect();
                if lines.is_empty() {
                    lines.push(Line::plain("no warnings"));
                }
                Ok(Action::Show(lines))
            }
            Command::ExportTrace { file } => {
                let json = chrome_trace::export(&self.view());
                std::fs::write(&file, json)
                    .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
                Ok(Action::Show(vec![Line::plain(format!(
                    "wrote {} events to {file} (Chrome trace-event JSON: open it in https://ui.perfetto.dev or chrome://tracing)",
                    self.events.borrow().len()
                ))]))
            }
            Command::Reset => {
                self.restart();
                Ok(Action::Show(vec![Line::plain(
                    "reset: a new loop on the virtual clock at 0s, no tasks",
                )]))
            }
            Command::Source { file } => self.source(&file),
            Command::Save { file } => {
                let mut text = String::from(
                    "# an evloop session, saved by `save`; replay it with `source FILE`\n",
                );
                for line in &self.log {
                    text.push_str(line);
                    text.push('\n');
                }
                std::fs::write(&file, text)
                    .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
                Ok(Action::Show(vec![Line::plain(format!(
                    "saved {} command(s) to {file}; source {file} replays them",
                    self.log.len()
                ))]))
            }
            Command::Back { count } => self.back(count.get()),
            Command::Schedule => Ok(Action::Show(self.schedule_lines())),
            Command::Replay { schedule } => self.replay(&schedule),
            Command::SaveTest { file } => self.save_test(&file),
            Command::Help { topic } => Ok(Action::Show(views::help(topic))),
            Command::Quit => Ok(Action::Quit),
        }
    }

    fn spawn(&mut self, name: String, body: Body) -> Result<Action, Failure> {
        if self.env.task(&name).is_some() {
            return Err(Failure::line(format!(
                "a task named {name} already exists — pick another name, or reset to start over"
            )));
        }
        program::check_body(&body, &self.env).map_err(Failure::line)?;
        let slot = Rc::new(Slot::default());
        let future = program::task_main(self.env.clone(), name.clone(), slot.clone(), body);
        let handle = self.rt.spawn_named(name.clone(), future);
        let id = handle.id();
        self.env.tasks.borrow_mut().push(Rc::new(ReplTask {
            name: name.clone(),
            id,
            handle: std::cell::RefCell::new(Some(handle)),
            slot,
        }));
        Ok(Action::Show(vec![Line::plain(format!(
            "spawned {name} ({id}): ready, it runs when the loop does (step, run, await)"
        ))]))
    }

    fn await_tasks(&mut self, names: &[String]) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let mut lines = Vec::new();
        let mut polls = 0;
        for task in &tasks {
            if task.is_finished() {
                continue;
            }
            let report = match &*task.handle.borrow() {
                Some(handle) => self.rt.run_until(handle),
                None => return Err(Failure::line(toolkit::held_elsewhere(task))),
            };
            match report {
                Ok(finished) => polls += finished.polls,
                Err(stopped) => {
                    polls += stopped.polls;
                    let mut out = self.stop_lines(&stopped);
                    out.insert(
                        0,
                        error_line(format!(
                            "await {} did not finish after {polls} poll(s):",
                            task.name
                        )),
                    );
                    out.extend(self.status());
                    return Err(Failure(out));
                }
            }
        }
        for task in &tasks {
            let outcome = task.slot.outcome().unwrap_or(Outcome::Cancelled);
            lines.push(
                Line::new(Style::Heading, format!("{}: ", task.name))
                    .with(outcome_style(&outcome), outcome.to_string()),
            );
        }
        Ok(Action::Ran(lines))
    }

    /// Runs a combinator command's task until it ends; what it prints is
    /// its answer. If the loop stops first, the task stays and prints later.
    fn drive(
        &mut self,
        what: &str,
        future: impl std::future::Future<Output = ()> + 'static,
    ) -> Result<Action, Failure> {
        let driver = self.rt.spawn_named(what, future);
        let Err(stopped) = self.rt.run_until(&driver) else {
            return Ok(Action::Ran(Vec::new()));
        };
        driver.detach();
        let mut out = self.drain_feed();
        out.push(error_line(format!(
            "{what} did not finish after {} poll(s):",
            stopped.polls
        )));
        out.extend(self.stop_lines(&stopped));
        out.push(Line::new(
            Style::Dim,
            format!("  ({what} is still waiting in its task; it answers when the loop runs again)"),
        ));
        out.extend(self.status());
        Err(Failure(out))
    }

    fn new_primitive(&mut self, make: NewPrimitive) -> Result<Action, Failure> {
        let p = primitive::create(&self.env, &self.rt, make).map_err(Failure::line)?;
        let what = match &p {
            primitive::Primitive::Semaphore(s) => {
                format!(
                    "{} permit(s); acquire {} / release {} in a task body",
                    s.available_permits(),
                    p.name(),
                    p.name()
                )
            }
            primitive::Primitive::Queue(q) => match q.capacity() {
                Some(c) => format!(
                    "holds at most {c}: put waits while it is full (backpressure); put {} VALUE / get {}",
                    p.name(),
                    p.name()
                ),
                None => format!(
                    "unbounded: put never waits; put {} VALUE / get {}",
                    p.name(),
                    p.name()
                ),
            },
            primitive::Primitive::Event(_) => {
                format!(
                    "cleared; wait-event {} waits until set {} runs",
                    p.name(),
                    p.name()
                )
            }
        };
        Ok(Action::Show(vec![Line::plain(format!(
            "new {} {}: {what}",
            p.kind(),
            p.name()
        ))]))
    }

    fn cancel(&mut self, name: &str) -> Result<Action, Failure> {
        let task = self.task(name)?;
        let text = match task.cancel(&self.env) {
            evloop::Cancel::Cancelled => format!(
                "cancelled {name}: its future was dropped where it was parked, and its cleanup ran"
            ),
            evloop::Cancel::Requested => format!("cancel of {name} requested"),
            evloop::Cancel::AlreadyFinished => {
                return Err(Failure::line(format!(
                    "{name} has already finished ({}); there is nothing to cancel",
                    task.slot
                        .outcome()
                        .map_or("finished".into(), |o| o.to_string())
                )));
            }
        };
        Ok(Action::Show(vec![Line::new(Style::Cancelled, text)]))
    }

    fn step(&mut self, count: u64) -> Result<Action, Failure> {
        let mut lines = Vec::new();
        for _ in 0..count {
            // Each report's feed (prints, trace) goes right before it.
            match self.rt.step() {
                Some(report) => {
                    let line = self.step_line(&report);
                    lines.extend(self.drain_feed());
                    lines.push(line);
                }
                None => {
                    let next = self.rt.next_deadline();
                    let hint = match next {
                        Some(at) => format!(
                            "the next timer is due at {at}: run or advance moves the clock there"
                        ),
                        None if self.rt.live_tasks() > 0 => {
                            "no timer either: the waiting tasks need a wake (see queue)".to_string()
                        }
                        None => "every task has finished".to_string(),
                    };
                    lines.push(Line::new(
                        Style::Dim,
                        format!("nothing is ready at {} — {hint}", self.rt.now()),
                    ));
                    break;
                }
            }
        }
        Ok(Action::Ran(lines))
    }

    fn step_line(&self, r: &StepReport) -> Line {
        let names = self.names.borrow();
        let d = Describe {
            names: &names,
            deterministic: self.options.deterministic,
        };
        let mut line = Line::new(Style::Dim, format!("[{}] ", r.at));
        line.push(Style::Heading, format!("poll {}", d.task(r.task)));
        line.push(Style::Dim, format!(" ({})", d.cause(&r.cause)));
        line.push(Style::Plain, " → ");
        let result = poll_result(&r.result);
        match &r.result {
            evloop::inspect::PollResult::Pending => {
                line.push(Style::Waiting, result);
            }
            evloop::inspect::PollResult::Ready => {
                let outcome = self
                    .env
                    .task(&d.task(r.task))
                    .and_then(|t| t.slot.outcome());
                match outcome {
                    Some(o) => line.push(outcome_style(&o), format!("Ready: {o}")),
                    None => line.push(Style::Done, result),
                };
            }
            evloop::inspect::PollResult::Panicked(_) => {
                line.push(Style::Failed, result);
            }
        }
        if let Some(w) = &r.waiting_on {
            line.push(Style::Plain, format!(", waits on {}", d.wait(w)));
        }
        if !r.woke.is_empty() {
            let woke: Vec<String> = r.woke.iter().map(|t| d.task(*t)).collect();
            line.push(Style::Ready, format!("; woke {}", woke.join(", ")));
        }
        if !self.options.deterministic {
            line.push(
                Style::Dim,
                format!(" (took {})", super::describe::format_real(r.took)),
            );
        }
        line
    }

    /// What a `run`, `run DUR` or `advance` did; `span` when it ran for a
    /// span of time (then reaching idle means the span is over). A loop
    /// that stopped early prints its polls too, then why.
    fn run_report(&self, report: &Result<RunReport, RunError>, span: bool) -> Styled {
        let r = match report {
            Ok(r) => r,
            Err(stopped) => {
                let mut lines = vec![Line::plain(format!(
                    "ran {} poll(s), then stopped:",
                    stopped.polls
                ))];
                lines.extend(self.stop_lines(stopped));
                return lines;
            }
        };
        let polls = r.polls;
        let what = match (r.stop, span) {
            (Stop::TimeReached, _) | (Stop::Idle, true) => {
                format!("ran {polls} poll(s); the clock is now {}", self.rt.now())
            }
            (Stop::Finished, _) => format!("ran {polls} poll(s); every task has finished"),
            (Stop::Idle, false) => format!("ran {polls} poll(s); nothing is ready"),
        };
        vec![Line::plain(what)]
    }

    /// Why a driving command stopped before its goal, indented under it.
    fn stop_lines(&self, stopped: &RunError) -> Styled {
        let names = self.names.borrow();
        let d = Describe {
            names: &names,
            deterministic: self.options.deterministic,
        };
        match &stopped.kind {
            RunErrorKind::Stalled(stall) => {
                let mut lines = vec![Line::new(
                    Style::Warning,
                    format!(
                        "  stalled at {}: {} task(s) wait and nothing can wake them (no timer, no I/O, no thread)",
                        stall.now,
                        stall.waiting.len()
                    ),
                )];
                for (id, _, wait) in &stall.waiting {
                    let why = wait.as_ref().map_or("was never polled".to_string(), |w| {
                        format!("waits on {}", d.wait(w))
                    });
                    lines.push(Line::new(
                        Style::Waiting,
                        format!("    {} {why}", d.task(*id)),
                    ));
                }
                lines
            }
            RunErrorKind::BudgetExhausted => vec![Line::new(
                Style::Warning,
                format!(
                    "  the poll budget ({} polls) ran out: a task may never stop (forever {{ yield }}); \
                     every task is intact — budget N raises it, cancel NAME stops one",
                    self.options.budget
                ),
            )],
            RunErrorKind::Interrupted => vec![Line::new(
                Style::Warning,
                "  interrupted (Ctrl-C); every task is intact",
            )],
            RunErrorKind::RealClock => vec![Line::plain(format!("  {stopped}"))],
        }
    }

    fn source(&mut self, file: &str) -> Result<Action, Failure> {
        if self.source_depth >= MAX_SOURCE_DEPTH {
            return Err(Failure::line(format!(
                "source nests more than {MAX_SOURCE_DEPTH} files deep — does {file} source itself?"
            )));
        }
        let text =
            std::fs::read(file).map_err(|e| Failure::line(format!("can't read {file}: {e}")))?;
        let Ok(text) = String::from_utf8(text) else {
            return Err(Failure::line(format!(
                "{file} is not UTF-8 text; source reads REPL scripts"
            )));
        };
        self.source_depth += 1;
        let mut out = Vec::new();
        let mut failed = 0;
        let mut reader = super::script::Joiner::default();
        for raw in text.lines() {
            let Some(line) = reader.push(raw) else {
                continue;
            };
            out.push(echo_sourced(&line));
            match self.run_line(&line) {
                Reply::Done(lines) => out.extend(lines),
                Reply::Failed(lines) => {
                    failed += 1;
                    out.extend(lines);
                }
                Reply::Quit => break,
            }
        }
        if let Some(rest) = reader.finish() {
            failed += 1;
            out.push(echo_sourced(&rest));
            out.push(error_line(ParseError::Incomplete.to_string()));
        }
        self.source_depth -= 1;
        if failed > 0 {
            out.push(error_line(format!("{failed} command(s) in {file} failed")));
            return Err(Failure(out));
        }
        Ok(Action::Show(out))
    }

    fn back(&mut self, count: u64) -> Result<Action, Failure> {
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
        for line in &replay {
            let _ = self.run_line(line);
        }
        let _ = self.drain_feed();
        self.warnings_shown = self.warnings.borrow().len();
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
        self.shutdown();
        *self = Session::new(options);
    }

    /// `schedule`: the choices the loop made so far, as a string `replay`
    /// (and `EVLOOP_SCHEDULE`, and `testing::replay`) accept.
    fn schedule_lines(&self) -> Styled {
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
    fn save_test(&mut self, file: &str) -> Result<Action, Failure> {
        let schedule = self.rt.scheduler().recorded().to_string();
        let outcomes = self
            .env
            .tasks
            .borrow()
            .iter()
            .map(|t| (t.name.clone(), t.slot.outcome().map(|o| o.to_string())))
            .collect();
        let seen = super::save_test::Seen {
            log: &self.log,
            schedule: schedule.clone(),
            prints: &self.prints,
            outcomes,
            now: self.rt.now().to_string(),
        };
        let source = super::save_test::generate(&seen, "repl_session").map_err(Failure::line)?;
        std::fs::write(file, source)
            .map_err(|e| Failure::line(format!("can't write {file}: {e}")))?;
        let mut lines = vec![Line::plain(format!(
            "wrote {file}: a test that runs the session's {} command(s) again under schedule \"{schedule}\" \
             and asserts its {} print(s) and {} outcome(s); put it in a crate's tests/ and run cargo test",
            self.log.len(),
            self.prints.len(),
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
    fn replay(&mut self, text: &str) -> Result<Action, Failure> {
        let schedule: Schedule = text
            .parse()
            .map_err(|e: evloop::ScheduleError| Failure::line(e.to_string()))?;
        let log = self.log.clone();
        self.restart();
        self.rt.scheduler().replay(schedule.clone());
        self.replayed = Some(schedule.clone());
        let mut out = vec![Line::plain(format!(
            "replaying {} command(s) on a fresh loop that follows the schedule ({} choice(s)):",
            log.len(),
            schedule.len()
        ))];
        for line in &log {
            out.push(echo_sourced(line));
            match self.run_line(line) {
                Reply::Done(lines) | Reply::Failed(lines) => out.extend(lines),
                Reply::Quit => break,
            }
        }
        let used = self.rt.scheduler().recorded().len();
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

    fn view(&self) -> views::View<'_> {
        views::View {
            snapshot: self.rt.snapshot(),
            env: &self.env,
            events: self.events.borrow(),
            names: self.names.borrow(),
            deterministic: self.options.deterministic,
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

/// Whether a command goes in the log that `save` writes and `back` replays:
/// those that change the loop or the session's settings.
fn logs(command: &Command) -> bool {
    !matches!(
        command,
        Command::Blank
            | Command::Tasks
            | Command::Show { .. }
            | Command::Queue
            | Command::Timeline
            | Command::Warnings
            | Command::ExportTrace { .. }
            | Command::Clock { mode: None }
            | Command::Budget { polls: None }
            | Command::Reset
            | Command::Source { .. }
            | Command::Save { .. }
            | Command::SaveTest { .. }
            | Command::Schedule
            | Command::Replay { .. }
            | Command::Back { .. }
            | Command::Help { .. }
            | Command::Quit
    )
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

/// A command read by `source`: `>> spawn a sleep 1s`.
fn echo_sourced(line: &str) -> Line {
    Line::new(Style::Dim, ">> ").with(Style::Command, line.replace('\n', "\n.. "))
}

/// A command as a transcript shows it: `> spawn a sleep 1s`.
pub fn echo(line: &str) -> Line {
    Line::new(Style::Dim, "> ").with(Style::Command, line.to_string())
}

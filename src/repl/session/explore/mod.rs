//! `explore [all|N]` and `minimize`: the session's commands again, under
//! other schedules, each on a fresh loop.
//!
//! A session is a program: its log (the commands that changed something)
//! replayed on a fresh loop reaches the same state, and the loop's choices
//! are all it takes to make another run of it (see `history.rs`). So the
//! session can be handed to the library's explorer as a test body is:
//!
//! ```text
//!   one run, given a schedule S and a policy P:
//!     a fresh session (virtual clock, the same options), its breakpoints off
//!     the loop follows S, then P (FIFO unless told otherwise)
//!     the log's commands run again, muted, except `policy` (the explorer
//!     chooses the order)
//!     then `run`: the loop goes on until every task is done or can't go on
//!     the outcome is read off, and the session is dropped
//!
//!   explore all   testing's exhaustive walk over these runs (depth first,
//!                 every choice point, every alternative)
//!   explore N     testing's sampler's order of policies: FIFO, LIFO, then
//!                 seeded random and PCT runs
//!   minimize      testing's shrinker, on the current run's schedule (greedy,
//!                 then the walk bounded to fewer deviations)
//! ```
//!
//! # What an outcome is
//!
//! Two runs end *the same way* when every task the user spawned ended the
//! same way (returned the same value, failed or panicked with the same
//! text, was cancelled, or never finished and waits on the same thing) and
//! printed the same lines, in the same order, *task by task*. The order in
//! which two tasks' prints interleave is left out: it differs in almost
//! every schedule, and is the schedule itself, not what it led to. The
//! lines the REPL's own tasks write (a `gather`'s answer) count as the
//! writer's. A run *fails* when a task failed, panicked or never finished.
//!
//! # Bounds
//!
//! `explore` runs at most [`MAX_SCHEDULES`] schedules, and `explore` and
//! `minimize` stop after [`TIME_LIMIT`] of real time (or at Ctrl-C),
//! saying so; each run is bounded as a `run` is, by the session's poll and
//! time budgets.
//!
//! # Where this simplifies
//!
//! `explore all` runs without the library's reduction (sleep sets and
//! DPOR). The reduction trusts the loop's view of what each poll touched,
//! and a REPL task also reads state the loop does not see (another task's
//! outcome cell, a pretend service's load); and without it every schedule
//! is run and counted once, so "3 of 20 schedules" means what it says.
//! Unlike the rest of the session, this file reaches below the public API:
//! the explorer's walk and shrinker, and the scheduler's trace, are
//! crate-private.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::inspect::Labels;
use evloop::testing::Harness;
use evloop::testing::{Run, SearchConfig, walk};
use evloop::{Policy, RunError, RunErrorKind, RunReport, Schedule};

use super::output::Output;
use super::{Action, Failure, Session};
use crate::repl::command::{ClockMode, Command};
use crate::repl::describe::Describe;
use crate::repl::duration::format_duration;
use crate::repl::outcome::Outcome;
use crate::repl::styled::{Line, Style, Styled};

/// The most schedules one `explore` runs.
pub const MAX_SCHEDULES: usize = 1_000;

/// The most real time one `explore` or `minimize` takes.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// How one task ended in a run, and what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TaskEnd {
    name: String,
    /// `returned 1`, `failed: boom`, `never finished: waits on …`.
    end: String,
    failing: bool,
    prints: Vec<String>,
}

/// How a run of the session ended (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
struct RunOutcome {
    /// The user's tasks, in spawn order, then the REPL's own writers.
    tasks: Vec<TaskEnd>,
}

impl RunOutcome {
    fn failing(&self) -> bool {
        self.tasks.iter().any(|t| t.failing)
    }

    /// One line per task: `    waiter: never finished: waits on condition ready`.
    fn lines(&self) -> Styled {
        self.tasks
            .iter()
            .map(|t| {
                let style = if t.failing {
                    Style::Error
                } else {
                    Style::Plain
                };
                let mut line = Line::new(Style::Heading, format!("    {}: ", t.name))
                    .with(style, t.end.clone());
                if !t.prints.is_empty() {
                    let printed: Vec<String> = t.prints.iter().map(|p| format!("{p:?}")).collect();
                    line = line.with(Style::Print, format!("; printed {}", printed.join(", ")));
                }
                line
            })
            .collect()
    }
}

/// One run of the session on a fresh loop.
struct SessionRun {
    /// The choices it made, all of them.
    schedule: Schedule,
    /// Its trace, when asked for (for `explore all`'s walk).
    steps: Vec<evloop::executor::trace::Step>,
    outcome: RunOutcome,
    no_progress: bool,
}

/// The log as a program to run again: its lines, without `policy`.
struct Program {
    lines: Vec<String>,
    /// Whether the log sets a policy (then a replay line must give every
    /// choice: the policy, not FIFO, would make the ones left out).
    sets_policy: bool,
}

/// What an exploration found: the runs made, the distinct schedules among
/// them, each outcome with a schedule that ends so and how many did, and
/// whether the space was exhausted.
type Explored = (usize, usize, Vec<(RunOutcome, Schedule, usize)>, bool);

/// Why an exploration stopped before it was done, if it did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    Time,
    CtrlC,
}

impl Session {
    /// The session as a program to run again, or why it can't be.
    fn program(&self, what: &str) -> Result<Program, Failure> {
        self.whole_log(what)?;
        if !self.env.tasks.borrow().iter().any(|t| t.is_users()) {
            return Err(Failure::line(format!(
                "{what} runs the session's tasks again, and it has none yet — spawn some first: \
                 spawn a print a1; yield; print a2"
            )));
        }
        let mut lines = Vec::new();
        let mut sets_policy = false;
        for line in &self.log {
            match crate::repl::parse_line(line) {
                Ok(Command::Policy(Some(_))) => sets_policy = true,
                Ok(Command::Clock {
                    mode: Some(ClockMode::Real),
                }) => {
                    return Err(Failure::line(format!(
                        "{what} replays the session on the virtual clock, and this one switched to the \
                         real clock (clock real), where a run is not a function of its schedule — \
                         reset, and leave the clock virtual"
                    )));
                }
                _ => lines.push(line.clone()),
            }
        }
        Ok(Program { lines, sets_policy })
    }

    /// Runs `program` once on a fresh loop (see the module docs), or stops
    /// at `deadline` (each command's polls may take only the time left) or
    /// at Ctrl-C.
    fn run_fresh(
        &self,
        program: &Program,
        prefix: &Schedule,
        policy: Policy,
        pct_steps: Option<u32>,
        traced: bool,
        deadline: Instant,
    ) -> Result<SessionRun, Cut> {
        let left = |now: Instant| {
            deadline
                .checked_duration_since(now)
                .filter(|d| !d.is_zero())
        };
        let mut options = self.options;
        options.time_budget = options
            .time_budget
            .min(left(Instant::now()).ok_or(Cut::Time)?);
        let output = Rc::new(Output::new(self.options.deterministic));
        let mut run = Session::with_output(options, output);
        // A breakpoint would stop every run: explore runs through them.
        run._breakpoints = evloop::debug::on_breakpoint(|_| {});
        if let Some(hook) = &self.on_new_loop {
            hook(run.rt.interrupter());
        }
        let scheduler = run.rt.scheduler();
        if let Some(k) = pct_steps {
            scheduler.set_pct_steps(k);
        }
        scheduler.set_policy(policy);
        if traced {
            scheduler.trace(true);
        }
        scheduler.replay(prefix.clone());
        let output = run.output.clone();
        output.muted(|| -> Result<(), Cut> {
            for line in &program.lines {
                let _ = run.run_line(line);
                left(Instant::now()).ok_or(Cut::Time)?;
            }
            Ok(())
        })?;
        run.env.start_command(run.options.time_budget);
        let end = run.rt.run_until_done();
        run.flush();
        if let Err(RunError {
            kind: RunErrorKind::Interrupted,
            ..
        }) = &end
        {
            if run.env.out_of_time.get() && left(Instant::now()).is_none() {
                return Err(Cut::Time);
            }
            if !run.env.out_of_time.get() {
                return Err(Cut::CtrlC);
            }
        }
        let no_progress = matches!(
            &end,
            Err(RunError {
                kind: RunErrorKind::BudgetExhausted,
                ..
            })
        );
        let steps = if traced {
            run.rt.scheduler().take_trace()
        } else {
            Vec::new()
        };
        Ok(SessionRun {
            schedule: run.rt.scheduler().recorded(),
            steps,
            outcome: run.outcome(&end),
            no_progress,
        })
    }

    /// How the run that just ended went (see the module docs).
    fn outcome(&self, end: &Result<RunReport, RunError>) -> RunOutcome {
        let names = self.names.borrow();
        let d = Describe {
            names: &names,
            deterministic: self.options.deterministic,
        };
        let waiting = match end {
            Err(RunError {
                kind: RunErrorKind::Stalled(report),
                ..
            }) => report.waiting.clone(),
            _ => Vec::new(),
        };
        let unfinished = match end {
            Err(RunError {
                kind: RunErrorKind::BudgetExhausted,
                ..
            }) => format!(
                "never finished: still running when the poll budget ({} polls) ran out",
                self.options.budget
            ),
            Err(RunError {
                kind: RunErrorKind::Interrupted,
                ..
            }) if self.env.out_of_time.get() => format!(
                "never finished: still running when the time budget ({}) ran out",
                format_duration(self.options.time_budget)
            ),
            _ => "never finished".to_string(),
        };
        // Each print is kept as `[TIME] WRITER: TEXT`.
        let prints: Vec<(String, String)> = self
            .env
            .prints
            .borrow()
            .iter()
            .filter_map(|p| {
                let (_, rest) = p.split_once("] ")?;
                let (who, text) = rest.split_once(": ")?;
                Some((who.to_string(), text.to_string()))
            })
            .collect();
        let printed_by = |name: &str| -> Vec<String> {
            prints
                .iter()
                .filter(|(who, _)| who == name)
                .map(|(_, text)| text.clone())
                .collect()
        };
        let mut tasks: Vec<TaskEnd> = Vec::new();
        for t in self.env.tasks.borrow().iter().filter(|t| t.is_users()) {
            let (end, failing) = match t.slot.outcome() {
                Some(o @ (Outcome::Returned(_) | Outcome::Cancelled)) => (o.to_string(), false),
                Some(o) => (o.to_string(), true),
                None => match waiting.iter().find(|(id, _, _)| *id == t.id) {
                    Some((_, _, Some(w))) => {
                        (format!("never finished: waits on {}", d.wait(w)), true)
                    }
                    Some((_, _, None)) => ("never finished: never polled".to_string(), true),
                    None => (unfinished.clone(), true),
                },
            };
            tasks.push(TaskEnd {
                prints: printed_by(&t.name),
                name: t.name.clone(),
                end,
                failing,
            });
        }
        let mut others: Vec<&str> = prints
            .iter()
            .map(|(who, _)| who.as_str())
            .filter(|who| !tasks.iter().any(|t| t.name == *who))
            .collect();
        others.sort_unstable();
        others.dedup();
        for who in others {
            tasks.push(TaskEnd {
                name: who.to_string(),
                end: "(the REPL's)".to_string(),
                failing: false,
                prints: printed_by(who),
            });
        }
        RunOutcome { tasks }
    }

    /// What a user types to see a run again: `replay S`, then `run`.
    fn replay_line(&self, program: &Program, schedule: &Schedule) -> Line {
        let shown = if program.sets_policy {
            schedule.clone()
        } else {
            trimmed(schedule)
        };
        let shown = if shown.is_empty() {
            "0".to_string()
        } else {
            shown.to_string()
        };
        Line::new(Style::Dim, "  to see it: ")
            .with(Style::Command, format!("replay {shown}"))
            .with(Style::Dim, ", then ")
            .with(Style::Command, "run")
    }

    /// After runs on other loops: Ctrl-C and breakpoints are this loop's again.
    fn back_to_this_loop(&mut self) {
        self._breakpoints = super::attach_breakpoints(&self.env, &self.rt);
        if let Some(hook) = &self.on_new_loop {
            hook(self.rt.interrupter());
        }
    }

    /// `explore [all|N]`.
    pub(super) fn explore(&mut self, sample: Option<NonZeroUsize>) -> Result<Action, Failure> {
        let what = match sample {
            None => "explore all".to_string(),
            Some(n) => format!("explore {n}"),
        };
        if let Some(n) = sample
            && n.get() > MAX_SCHEDULES
        {
            return Err(Failure::line(format!(
                "{what}: explore samples at most {MAX_SCHEDULES} schedules — explore {MAX_SCHEDULES}, \
                 or explore all to run every one (within the same bound)"
            )));
        }
        let program = self.program("explore")?;
        let deadline = Instant::now() + TIME_LIMIT;
        let cut: Cell<Option<Cut>> = Cell::new(None);
        let result = match sample {
            None => self.explore_all(&program, deadline, &cut),
            Some(n) => self.explore_sample(&program, n.get(), deadline, &cut),
        };
        self.back_to_this_loop();
        let (runs, distinct, endings, exhausted) = result;
        let mut lines = Vec::new();
        let n = endings.len();
        let failing = endings.iter().filter(|(o, _, _)| o.failing()).count();
        let how = match (cut.get(), sample, exhausted) {
            (Some(Cut::Time), _, _) => format!(
                "stopped at the time limit of {} after {runs} schedule(s) (not exhausted)",
                format_duration(TIME_LIMIT)
            ),
            (Some(Cut::CtrlC), _, _) => {
                format!("stopped by Ctrl-C after {runs} schedule(s) (not exhausted)")
            }
            (None, None, true) => {
                format!("all {runs} schedule(s) run (space exhausted)")
            }
            (None, None, false) => {
                format!("stopped at the limit of {MAX_SCHEDULES} schedules (not exhausted)")
            }
            (None, Some(_), _) => format!(
                "{runs} run(s): FIFO, LIFO, then seeded random and PCT, as evloop::testing samples; \
                 {distinct} distinct schedule(s)"
            ),
        };
        lines.push(Line::plain(format!(
            "{what}: {how}; {n} distinct outcome(s), {failing} failing"
        )));
        let unit = if sample.is_some() {
            "runs"
        } else {
            "schedules"
        };
        for (i, (outcome, schedule, count)) in endings.iter().enumerate() {
            let mut head = Line::new(
                Style::Heading,
                format!("outcome {} — {count} of {runs} {unit}", i + 1),
            );
            if outcome.failing() {
                head = head.with(Style::Error, " (fails)");
            }
            lines.push(head);
            lines.extend(outcome.lines());
            lines.push(self.replay_line(&program, schedule));
        }
        if n > 1 {
            lines.push(Line::new(
                Style::Dim,
                "  (the same commands, other orders: to shrink a failing run's schedule, replay it, run, \
                 then minimize)",
            ));
        }
        Ok(Action::Show(lines))
    }

    /// `explore all`: testing's walk, without reduction (see the module
    /// docs). Returns the schedules run, the distinct ones, each outcome
    /// with the first schedule (all its choices) that ended so and its
    /// count, and whether the space was exhausted.
    fn explore_all(
        &self,
        program: &Program,
        deadline: Instant,
        cut: &Cell<Option<Cut>>,
    ) -> Explored {
        let config = SearchConfig {
            reduction: false,
            bound: None,
            max_schedules: MAX_SCHEDULES,
            keep_going: true,
        };
        // The walk keeps each ending's schedule without its FIFO tail; a
        // session that sets a policy needs every choice (see `replay_line`).
        let firsts: RefCell<Vec<(RunOutcome, Schedule)>> = RefCell::default();
        let walked = walk(&config, |prefix, policy| {
            let run = self
                .run_fresh(program, prefix, policy, None, true, deadline)
                .map_err(|c| cut.set(Some(c)))
                .ok()?;
            let mut firsts = firsts.borrow_mut();
            if !firsts.iter().any(|(o, _)| *o == run.outcome) {
                firsts.push((run.outcome.clone(), run.schedule.clone()));
            }
            Some(Run {
                failed: run.outcome.failing(),
                no_progress: run.no_progress,
                schedule: run.schedule,
                steps: run.steps,
                ending: run.outcome,
                run: (),
            })
        });
        let firsts = firsts.into_inner();
        let endings = walked
            .endings
            .into_iter()
            .map(|(outcome, trimmed, count)| {
                let full = firsts
                    .iter()
                    .find(|(o, _)| *o == outcome)
                    .map_or(trimmed, |(_, s)| s.clone());
                (outcome, full, count)
            })
            .collect();
        let c = walked.coverage;
        let exhausted = c.end == evloop::testing::SearchEnd::Exhausted;
        (c.schedules, c.schedules, endings, exhausted)
    }

    /// `explore N`: the sampler's policies (see the module docs).
    fn explore_sample(
        &self,
        program: &Program,
        n: usize,
        deadline: Instant,
        cut: &Cell<Option<Cut>>,
    ) -> Explored {
        let plan = Harness::new();
        let mut endings: Vec<(RunOutcome, Schedule, usize)> = Vec::new();
        let mut seen = HashSet::new();
        let mut pct_steps = None;
        let mut runs = 0;
        for i in 0..n {
            let policy = plan.policy_of_run(i);
            let run = match self.run_fresh(
                program,
                &Schedule::default(),
                policy,
                pct_steps,
                false,
                deadline,
            ) {
                Ok(run) => run,
                Err(c) => {
                    cut.set(Some(c));
                    break;
                }
            };
            if i == 0 {
                // PCT spreads its priority changes over the program's length.
                pct_steps = Some((run.schedule.len() as u32).max(1));
            }
            runs += 1;
            match endings.iter_mut().find(|(o, _, _)| *o == run.outcome) {
                Some((_, _, count)) => *count += 1,
                None => endings.push((run.outcome, run.schedule.clone(), 1)),
            }
            seen.insert(run.schedule);
        }
        (runs, seen.len(), endings, false)
    }
}

mod minimize;

use minimize::trimmed;

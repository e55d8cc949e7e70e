//! Driving the loop — `step`, `run`, `advance` — and its settings —
//! `clock`, `policy`, `budget` — with how a drive is reported: one line
//! per poll for `step`, a summary for `run` and `advance`, and, when a
//! drive stops before its goal (a stall, the poll budget, Ctrl-C), why.

use std::num::{NonZeroU32, NonZeroU64};
use std::time::Duration;

use evloop::time::ClockKind;
use evloop::{RunError, RunErrorKind, RunReport, StepReport, Stop};

use super::{Action, Failure, Session};
use crate::repl::command::{ClockMode, Policy};
use crate::repl::describe::{Describe, Words};
use crate::repl::duration::{format_duration, to_micros};
use crate::repl::styled::{Line, Style, Styled, draw};
use evloop::inspect::Labels;

impl Session {
    /// `step [N]`: polls up to `count` ready tasks, one line per poll.
    ///
    /// On the virtual clock, when nothing is ready but a timer is pending,
    /// a step first jumps the clock to it, shown as a line of its own
    /// (`idle: clock 0s → 1s, fired c's timer`): stepping never stalls
    /// while a timer can make progress.
    pub(super) fn step(&mut self, count: u64) -> Result<Action, Failure> {
        let mut lines = Vec::new();
        let mut polled = 0;
        while polled < count {
            // `step N` is a driving command like `run`: its budgets bound it,
            // and Ctrl-C stops it.
            let stop = if polled == self.options.budget {
                Some(RunErrorKind::BudgetExhausted)
            } else if self.rt.take_interrupt() {
                Some(RunErrorKind::Interrupted)
            } else {
                None
            };
            if let Some(kind) = stop {
                lines.push(Line::plain(format!(
                    "stepped {polled} poll(s), then stopped:"
                )));
                lines.extend(self.stop_lines(&RunError {
                    polls: polled,
                    kind,
                }));
                break;
            }
            // Each report's feed (prints, trace) goes right before it, and
            // each line goes out as it happens.
            match self.rt.step() {
                Some(report) => {
                    polled += 1;
                    let line = self.step_line(&report);
                    self.flush();
                    self.show_step(line);
                    if let Some(task) = self.env.breakpoint_hit.take() {
                        self.rt.take_interrupt();
                        lines.extend(self.breakpoint_lines(task));
                        break;
                    }
                }
                None if self.jump_to_next_timer() => {}
                None => {
                    let next = self.rt.next_deadline();
                    let hint = match next {
                        Some(at) => format!(
                            "the next timer is due at {at}: run waits for it (the real clock does not jump)"
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

    /// The idle part of a step: on the virtual clock, moves the clock to the
    /// next timer (the timers due there fire at the next poll), and shows it
    /// as its own line. False when there is no timer to go to, or the clock
    /// is real (which a step does not wait for).
    fn jump_to_next_timer(&mut self) -> bool {
        let Some(next) = self.rt.next_deadline() else {
            return false;
        };
        if self.rt.clock() != ClockKind::Virtual {
            return false;
        }
        let from = self.rt.now();
        let snap = self.rt.snapshot();
        let owners: Vec<String> = {
            let names = self.names.borrow();
            let d = Describe {
                names: &names,
                deterministic: self.options.deterministic,
            };
            snap.timers
                .iter()
                .filter(|t| t.deadline == next)
                .map(|t| {
                    t.owner
                        .map_or("a callback".to_string(), |o| format!("{}'s", d.task(o)))
                })
                .collect()
        };
        // The loop's own idle step jumps the clock; stopping it right there
        // (before the timers fire and their tasks run) leaves the poll to
        // this step.
        self.env.stop_at_clock_move.set(true);
        let _ = self.rt.run_for(next - from);
        self.env.stop_at_clock_move.set(false);
        self.rt.take_interrupt();
        let timers = if owners.len() == 1 { "timer" } else { "timers" };
        self.show_step(Line::new(
            Style::Dim,
            format!(
                "[{next}] idle: clock {from} → {next}, fired {} {timers}",
                owners.join(", ")
            ),
        ));
        true
    }

    /// `run [DUR]`.
    pub(super) fn run(&mut self, limit: Option<Duration>) -> Result<Action, Failure> {
        let report = match limit {
            None => self.rt.run_until_done(),
            Some(d) => self.rt.run_for(d),
        };
        Ok(Action::Ran(self.run_report(&report, limit.is_some())))
    }

    /// `advance DUR`.
    pub(super) fn advance(&mut self, by: Duration) -> Result<Action, Failure> {
        match self.rt.advance(by) {
            Err(RunError {
                kind: RunErrorKind::RealClock,
                ..
            }) => Err(Failure::line(
                "advance moves the virtual clock, and this session runs on the real clock — \
                 clock virtual to switch, or run DUR to run for a span of real time",
            )),
            report => Ok(Action::Ran(self.run_report(&report, true))),
        }
    }

    /// `clock [real|virtual]`.
    ///
    /// A switch shows the time it happened at (the real clock moves on from
    /// there at once, so a later reading would differ from run to run).
    pub(super) fn clock(&mut self, mode: Option<ClockMode>) -> Result<Action, Failure> {
        let at = self.rt.now();
        if let Some(mode) = mode {
            self.rt.set_clock(match mode {
                ClockMode::Real => ClockKind::Real,
                ClockMode::Virtual => ClockKind::Virtual,
            });
            self.env.real_clock.set(mode == ClockMode::Real);
        }
        let kind = match self.rt.clock() {
            ClockKind::Real => "real: timers wait for wall-clock time",
            ClockKind::Virtual => "virtual: when nothing is ready, time jumps to the next timer",
        };
        let now = if mode.is_some() { at } else { self.rt.now() };
        let mut lines = vec![Line::plain(format!("clock {now} ({kind})"))];
        // What the loop learned of this machine's sleeps: a real-time
        // measurement, left out of scripts and transcripts.
        let sleeps = self.rt.sleeps();
        if mode.is_none() && !self.options.deterministic {
            if sleeps.slept > 0 {
                lines.push(Line::plain(format!(
                    "sleeps: {} until a deadline, ending {} late on average here; \
                     {} deadline(s) nearer than that waited for awake",
                    sleeps.slept,
                    format_duration(to_micros(sleeps.lateness)),
                    sleeps.looked
                )));
            }
            if sleeps.woken_awake + sleeps.parked > 0 {
                let rested = if sleeps.rested > 0 {
                    format!(
                        " ({} of them at once: the loop's spins had stopped paying)",
                        sleeps.rested
                    )
                } else {
                    String::new()
                };
                lines.push(Line::plain(format!(
                    "waits for other threads: {} answered while the loop was still awake, \
                     {} that parked its thread{rested}",
                    sleeps.woken_awake, sleeps.parked
                )));
            }
        }
        Ok(Action::Show(lines))
    }

    /// `policy fifo|lifo|random SEED|pct SEED [DEPTH]`.
    ///
    /// Without an argument, shows the policy (as `clock` shows the clock).
    pub(super) fn policy(&mut self, policy: Option<Policy>) -> Result<Action, Failure> {
        let shown = policy.is_none();
        let policy = match policy {
            None => self.rt.scheduler().policy(),
            Some(Policy::Fifo) => evloop::Policy::Fifo,
            Some(Policy::Lifo) => evloop::Policy::Lifo,
            Some(Policy::Random { seed }) => evloop::Policy::Random { seed },
            Some(Policy::Pct { seed, depth }) => evloop::Policy::Pct {
                seed,
                depth: depth.map_or(3, NonZeroU32::get),
            },
        };
        if !shown {
            self.rt.scheduler().set_policy(policy);
        }
        Ok(Action::Show(vec![Line::plain(format!(
            "policy {policy}: {}",
            match policy {
                evloop::Policy::Fifo => "the first task woken is polled first (asyncio's order)",
                evloop::Policy::Lifo => "the last task woken is polled first",
                evloop::Policy::Random { .. } =>
                    "a ready task picked at random from the seed; the same seed replays the same order",
                evloop::Policy::Pct { .. } =>
                    "random priorities, lowered at a few random points (PCT): finds ordering bugs of few steps; the same seed replays",
            }
        ))]))
    }

    /// `debug [on|off] [THRESHOLD]`: debug mode, as `asyncio.run(main(),
    /// debug=True)` turns it on (the REPL starts with it on).
    pub(super) fn debug(
        &mut self,
        on: Option<bool>,
        threshold: Option<Duration>,
    ) -> Result<Action, Failure> {
        let debug = self.rt.debug();
        if let Some(on) = on {
            debug.set_on(on);
        }
        if let Some(t) = threshold {
            debug.set_slow_poll_threshold(t);
        }
        let text = if debug.is_on() {
            format!(
                "debug on: a poll longer than {} (a task that blocks the loop), a task that \
                 kept no waker, and a failure nobody retrieved are reported — debug off to compare",
                format_duration(debug.slow_poll_threshold())
            )
        } else {
            "debug off: no check runs (as asyncio without debug=True); a failure nobody awaited \
             is still reported — debug on to compare"
                .to_string()
        };
        Ok(Action::Show(vec![Line::plain(text)]))
    }

    /// `budget [N] [DUR]`.
    pub(super) fn budget(
        &mut self,
        polls: Option<NonZeroU64>,
        time: Option<Duration>,
    ) -> Result<Action, Failure> {
        if let Some(n) = polls {
            self.options.budget = n.get();
            self.rt.set_poll_budget(n.get());
        }
        if let Some(t) = time {
            self.options.time_budget = t;
        }
        Ok(Action::Show(vec![Line::plain(format!(
            "budget: a run, await or step N stops after {} polls, or once its polls took {} of real time",
            self.options.budget,
            format_duration(self.options.time_budget)
        ))]))
    }

    /// One poll, as `step` shows it: the library's step line, in colour.
    fn step_line(&self, r: &StepReport) -> Line {
        let names = self.names.borrow();
        let words = Words {
            describe: Describe {
                names: &names,
                deterministic: self.options.deterministic,
            },
            env: &self.env,
        };
        draw(|out| evloop::inspect::step_line(r, &words, out))
            .pop()
            .unwrap_or_default()
    }

    /// A task reached `breakpoint().await`: the loop stopped after its
    /// poll; here is the task, as `show` has it.
    fn breakpoint_lines(&self, task: evloop::TaskId) -> Styled {
        let repl_task = self
            .env
            .tasks
            .borrow()
            .iter()
            .find(|t| t.id == task)
            .cloned();
        let name = repl_task
            .as_ref()
            .map_or_else(|| task.to_string(), |t| t.name.clone());
        let mut lines = vec![Line::new(
            Style::Warning,
            format!(
                "  breakpoint: {name} stopped in breakpoint().await, and is ready again — \
                 step polls on from here, run goes on"
            ),
        )];
        lines.extend(crate::repl::views::show(
            &self.view(),
            task,
            repl_task.as_deref(),
        ));
        lines
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
    pub(super) fn stop_lines(&self, stopped: &RunError) -> Styled {
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
            RunErrorKind::Interrupted if self.env.breakpoint_hit.get().is_some() => {
                let task = self.env.breakpoint_hit.take().expect("checked");
                self.breakpoint_lines(task)
            }
            RunErrorKind::Interrupted if self.env.out_of_time.get() => vec![Line::new(
                Style::Warning,
                format!(
                    "  the time budget ({} of real time in polls) ran out: a task blocks the loop \
                     (spin); every task is intact — budget N DUR raises it, cancel NAME stops one",
                    format_duration(self.options.time_budget)
                ),
            )],
            RunErrorKind::Interrupted => vec![Line::new(
                Style::Warning,
                "  interrupted (Ctrl-C); every task is intact",
            )],
            RunErrorKind::RealClock | RunErrorKind::Cancelled => {
                vec![Line::plain(format!("  {stopped}"))]
            }
        }
    }
}

//! `minimize`: the current run's schedule, shrunk to the simplest one
//! (fewest deviations from FIFO, then fewest choices) that ends the same
//! way.

use std::cell::Cell;
use std::time::Instant;

use evloop::testing::{Run, minimize};
use evloop::{Policy, Schedule};

use super::{Cut, Program, RunOutcome, TIME_LIMIT};
use crate::repl::duration::format_duration;
use crate::repl::session::{Action, Failure, Session};
use crate::repl::styled::{Line, Style};

impl Session {
    /// `minimize`.
    pub(in crate::repl::session) fn minimize(&mut self) -> Result<Action, Failure> {
        let program = self.program("minimize")?;
        let current = self.rt.scheduler().recorded();
        let deadline = Instant::now() + TIME_LIMIT;
        let cut: Cell<Option<Cut>> = Cell::new(None);
        let result = self.shrink_current(&program, &current, deadline, &cut);
        self.back_to_this_loop();
        let (target, small, fifo) = result?;
        let size = |s: &Schedule| (deviations(s), trimmed(s).len());
        let (from_dev, from_len) = size(&current);
        let mut lines = vec![Line::plain(format!(
            "minimize: the current run (its {} choice(s) so far, then FIFO to the end) ends this way:",
            current.len()
        ))];
        lines.extend(target.lines());
        match fifo {
            true => lines.push(Line::plain(
                "  FIFO's own order ends this way too: no deviation from FIFO is needed",
            )),
            false => {
                let (dev, len) = size(&small);
                lines.push(Line::plain(format!(
                    "  the simplest schedule found that ends the same way: {dev} deviation(s) from FIFO, \
                     {len} choice(s) (the current run's: {from_dev} deviation(s), {from_len} choice(s))"
                )));
            }
        }
        if let Some(c) = cut.get() {
            lines.push(Line::new(
                Style::Warning,
                match c {
                    Cut::Time => format!(
                        "  (stopped at the time limit of {}: a simpler one may exist)",
                        format_duration(TIME_LIMIT)
                    ),
                    Cut::CtrlC => "  (stopped by Ctrl-C: a simpler one may exist)".to_string(),
                },
            ));
        }
        lines.push(self.replay_line(&program, &small));
        Ok(Action::Show(lines))
    }

    /// The current run's outcome, the simplest schedule that ends the
    /// same way (every choice, when the log sets a policy), and whether
    /// that is FIFO's; or why there is nothing to minimize.
    fn shrink_current(
        &self,
        program: &Program,
        current: &Schedule,
        deadline: Instant,
        cut: &Cell<Option<Cut>>,
    ) -> Result<(RunOutcome, Schedule, bool), Failure> {
        let run = |schedule: &Schedule| {
            self.run_fresh(program, schedule, Policy::Fifo, None, false, deadline)
                .map_err(|c| {
                    cut.set(Some(c));
                    Failure::line(match c {
                        Cut::Time => format!(
                            "minimize stopped at its time limit of {} before the current run ended \
                             (budget N DUR bounds each run)",
                            format_duration(TIME_LIMIT)
                        ),
                        Cut::CtrlC => "minimize stopped by Ctrl-C".to_string(),
                    })
                })
        };
        let now = run(current)?;
        if !now.outcome.failing() {
            let mut lines = vec![crate::repl::session::error_line(
                "minimize shrinks the schedule of a failing run (a task fails, panics or never \
                 finishes), and the current run does not fail; it ends this way:",
            )];
            lines.extend(now.outcome.lines());
            lines.push(Line::plain(
                "  explore all shows which schedules fail; replay one of its lines, run, then minimize",
            ));
            return Err(Failure(lines));
        }
        let target = now.outcome;
        let fifo = run(&Schedule::default())?;
        if fifo.outcome == target {
            return Ok((target, fifo.schedule, true));
        }
        let (small, _) = minimize(&now.schedule, &mut |prefix, policy, traced| {
            if cut.get().is_some() {
                return None;
            }
            let ran = self
                .run_fresh(program, prefix, policy, None, traced, deadline)
                .map_err(|c| cut.set(Some(c)))
                .ok()?;
            Some(Run {
                failed: ran.outcome == target,
                schedule: ran.schedule,
                steps: ran.steps,
                ending: (),
                no_progress: false,
                run: (),
            })
        });
        let small = if small.is_empty() {
            now.schedule.clone()
        } else {
            small
        };
        // The replay line gives every choice when the log sets a policy:
        // the run of the shrunk schedule, FIFO to the end, gives them.
        let full = if program.sets_policy {
            run(&small).map_or(small, |r| r.schedule)
        } else {
            small
        };
        Ok((target, full, false))
    }
}

/// The choices of a schedule other than FIFO's.
fn deviations(schedule: &Schedule) -> usize {
    schedule.choices().iter().filter(|c| **c != 0).count()
}

/// A schedule without its trailing zeros: FIFO finishes a replay anyway.
pub(super) fn trimmed(schedule: &Schedule) -> Schedule {
    let c = schedule.choices();
    let end = c.iter().rposition(|x| *x != 0).map_or(0, |i| i + 1);
    Schedule::new(c[..end].to_vec())
}

//! The task commands: `spawn`, `await`, `cancel`, `wake`, and the
//! combinators over tasks — `gather`, `wait`, `as-completed`, `timeout`,
//! `group` — each of which runs as a task of its own (see `toolkit.rs`)
//! that the session drives until it answers.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use super::{Action, Failure, Session, error_line};
use crate::repl::body::Body;
use crate::repl::check::check_body;
use crate::repl::command::ReturnWhen;
use crate::repl::describe::outcome_style;
use crate::repl::outcome::{Outcome, Slot};
use crate::repl::program;
use crate::repl::styled::{Line, Style};
use crate::repl::task::ReplTask;
use crate::repl::toolkit;

impl Session {
    /// `spawn NAME BODY`: a new task, ready to run when the loop does.
    pub(super) fn spawn(&mut self, name: String, body: Body) -> Result<Action, Failure> {
        if self.env.task(&name).is_some() {
            return Err(Failure::line(format!(
                "a task named {name} already exists — pick another name, or reset to start over"
            )));
        }
        check_body(&body, &self.env).map_err(Failure::line)?;
        let slot = Rc::new(Slot::default());
        let future = program::task_main(self.env.clone(), name.clone(), slot.clone(), body);
        let handle = self.rt.spawn_named(name.clone(), future);
        let id = handle.id();
        self.env.tasks.borrow_mut().push(Rc::new(ReplTask {
            name: name.clone(),
            id,
            handle: RefCell::new(Some(handle)),
            taken_by: Cell::new(None),
            slot,
        }));
        Ok(Action::Show(vec![Line::plain(format!(
            "spawned {name} ({id}): ready, it runs when the loop does (step, run, await)"
        ))]))
    }

    /// `await NAME…`: runs the loop until each task has finished, then shows how each ended.
    pub(super) fn await_tasks(&mut self, names: &[String]) -> Result<Action, Failure> {
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

    /// `cancel NAME`.
    pub(super) fn cancel(&mut self, name: &str) -> Result<Action, Failure> {
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

    /// `wake NAME`: puts a task in the ready queue by hand.
    pub(super) fn wake(&mut self, name: &str) -> Result<Action, Failure> {
        let task = self.task(name)?;
        match self.rt.wake(task.id) {
            Ok(()) => Ok(Action::Show(vec![Line::plain(format!(
                "woke {name} by hand: it is in the ready queue, and will be polled at the next step"
            ))])),
            Err(_) => Err(Failure::line(format!(
                "{name} has already finished; only a live task can be woken"
            ))),
        }
    }

    /// `gather NAME… [--return-exceptions]`.
    pub(super) fn gather(
        &mut self,
        names: &[String],
        return_exceptions: bool,
    ) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let future = toolkit::gather_tasks(self.env.clone(), tasks, return_exceptions);
        self.drive("gather", future)
    }

    /// `wait NAME… [--first-completed|--first-exception|--all] [--timeout DUR]`.
    pub(super) fn wait(
        &mut self,
        names: &[String],
        return_when: ReturnWhen,
        timeout: Option<Duration>,
    ) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let handles = toolkit::lend(&tasks).map_err(Failure::line)?;
        let future = toolkit::wait_tasks(self.env.clone(), tasks, handles, return_when, timeout);
        self.drive("wait", future)
    }

    /// `as-completed NAME…`.
    pub(super) fn as_completed(&mut self, names: &[String]) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let handles = toolkit::lend(&tasks).map_err(Failure::line)?;
        let future = toolkit::as_completed_tasks(self.env.clone(), tasks, handles);
        self.drive("as-completed", future)
    }

    /// `timeout DUR NAME`.
    pub(super) fn timeout(&mut self, limit: Duration, name: &str) -> Result<Action, Failure> {
        let task = self.task(name)?;
        let mut handles = toolkit::lend(std::slice::from_ref(&task)).map_err(Failure::line)?;
        let future = toolkit::timeout_task(self.env.clone(), limit, task, handles.remove(0));
        self.drive("timeout", future)
    }

    /// `group NAME…`.
    pub(super) fn group(&mut self, names: &[String]) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let future = toolkit::group_tasks(self.env.clone(), tasks);
        self.drive("group", future)
    }

    /// Runs a combinator command's task until it ends; what it prints is
    /// its answer. If the loop stops first, the task stays and prints later.
    fn drive(
        &mut self,
        what: &str,
        future: impl Future<Output = ()> + 'static,
    ) -> Result<Action, Failure> {
        let driver = self.rt.spawn_named(what, future);
        let Err(stopped) = self.rt.run_until(&driver) else {
            return Ok(Action::Ran(Vec::new()));
        };
        driver.detach();
        self.flush();
        let mut out = vec![error_line(format!(
            "{what} did not finish after {} poll(s):",
            stopped.polls
        ))];
        out.extend(self.stop_lines(&stopped));
        out.push(Line::new(
            Style::Dim,
            format!("  ({what} is still waiting in its task; it answers when the loop runs again)"),
        ));
        out.extend(self.status());
        Err(Failure(out))
    }
}

//! The task commands: `spawn`, `await`, `cancel`, `wake`, and the
//! combinators over tasks — `gather`, `wait`, `as-completed`, `timeout`,
//! `group` — each of which runs as a task of its own (see `toolkit.rs`)
//! that the session drives until it answers.

use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use super::{Action, Failure, Session, Target, error_line};
use crate::repl::body::Body;
use crate::repl::check::check_body;
use crate::repl::command::ReturnWhen;
use crate::repl::describe::outcome_style;
use crate::repl::name::{expand_range, is_pattern};
use crate::repl::outcome::{Cleanup, Outcome, Slot};
use crate::repl::primitive::{self, BareFuture, Primitive};
use crate::repl::program;
use crate::repl::styled::{Line, Style};
use crate::repl::task::{Handle, ReplTask, tracked};
use crate::repl::toolkit;

impl Session {
    /// `spawn NAME BODY`: a new task, ready to run when the loop does.
    ///
    /// `spawn fetch-[1..100] BODY` spawns one task per name of the range,
    /// each running the body (exercise 1's hundred fetches in one line).
    pub(super) fn spawn(&mut self, name: String, body: Body) -> Result<Action, Failure> {
        let names = self.names_to_spawn(name, &body)?;
        let mut ids = Vec::new();
        for name in &names {
            let slot = Rc::new(Slot::default());
            let future =
                program::task_main(self.env.clone(), name.clone(), slot.clone(), body.clone());
            let handle = self.rt.spawn_named(name.clone(), future);
            ids.push(handle.id());
            self.env
                .register(ReplTask::new(name.clone(), handle, slot, None));
        }
        let text = match (names.as_slice(), ids.as_slice()) {
            ([name], [id]) => format!(
                "spawned {name} ({id}): ready, it runs when the loop does (step, run, await)"
            ),
            ([first, .., last], [a, .., b]) => format!(
                "spawned {} tasks, {first} … {last} ({a} … {b}): ready, they run when the loop does",
                names.len()
            ),
            _ => unreachable!("a range stands for one name or more"),
        };
        Ok(Action::Show(vec![Line::plain(text)]))
    }

    /// `await NAME…`: runs the loop until each task has finished, then shows how each ended.
    ///
    /// A name may be a bare future (`new future`): the session awaits it as
    /// asyncio's `result = await fut` does, through a task of its own
    /// (`await/NAME`), since the session is outside the loop.
    pub(super) fn await_tasks(&mut self, names: &[String]) -> Result<Action, Failure> {
        let mut tasks = Vec::new();
        let mut futures = Vec::new();
        for name in names {
            match (self.env.task(name), self.env.primitive(name)) {
                (None, Some(Primitive::Future(future))) => {
                    tasks.push(self.future_waiter(&future));
                    futures.push(Some(future));
                }
                _ => {
                    let task = self.task(name)?;
                    if matches!(&*task.handle.borrow(), Some(Handle::Member(_))) {
                        // A task set holds the member's handle: watch its outcome.
                        tasks.push(self.member_waiter(&task));
                    } else {
                        tasks.push(task);
                    }
                    futures.push(None);
                }
            }
        }
        let mut lines = Vec::new();
        let mut polls = 0;
        for task in &tasks {
            if task.is_finished() {
                continue;
            }
            task.slot.watch();
            let Some(report) = task.run_until(&self.rt) else {
                return Err(Failure::line(toolkit::held_elsewhere(task)));
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
        for ((task, future), asked) in tasks.iter().zip(futures).zip(names) {
            let outcome = task.slot.outcome().unwrap_or(Outcome::Cancelled);
            let (name, text) = match future {
                Some(f) => (f.name.clone(), primitive::future_outcome(&outcome)),
                None if task.made_by == Some("await") => (asked.clone(), outcome.to_string()),
                None => (task.name.clone(), outcome.to_string()),
            };
            lines.push(
                Line::new(Style::Heading, format!("{name}: ")).with(outcome_style(&outcome), text),
            );
        }
        Ok(Action::Ran(lines))
    }

    /// The names `spawn NAME` stands for (a range stands for several), once
    /// none is taken and the body can run in this session.
    pub(super) fn names_to_spawn(&self, name: String, body: &Body) -> Result<Vec<String>, Failure> {
        let names = match expand_range(&name) {
            Some(Ok(names)) => names,
            Some(Err(e)) => return Err(Failure::line(e.to_string())),
            None => vec![name],
        };
        if let Some(taken) = names.iter().find(|n| self.env.task(n).is_some()) {
            return Err(Failure::line(format!(
                "a task named {taken} already exists — pick another name, or reset to start over"
            )));
        }
        check_body(body, &self.env).map_err(Failure::line)?;
        Ok(names)
    }

    /// A task of the REPL's (`await/NAME`) that awaits a bare future and
    /// ends as it does.
    fn future_waiter(&mut self, future: &Rc<BareFuture>) -> Rc<ReplTask> {
        let watched = future.clone();
        self.outcome_waiter(&future.name, async move {
            watched.slot.wait_future(&watched.name).await
        })
    }

    /// A task of the REPL's (`await/NAME`) that waits for `outcome` and ends
    /// as it says: the session awaits something that is no task of its own
    /// (a bare future, a task set's member) through it.
    pub(super) fn outcome_waiter(
        &mut self,
        name: &str,
        outcome: impl Future<Output = Outcome> + 'static,
    ) -> Rc<ReplTask> {
        let me = self.env.unique_name(&format!("await/{name}"));
        let (slot, waiting) = tracked(async move {
            match outcome.await {
                Outcome::Returned(v) => Ok(v),
                Outcome::Failed(e) | Outcome::Panicked(e) => Err(e),
                Outcome::Cancelled => Err("cancelled".into()),
            }
        });
        let handle = self.rt.spawn_named(me.clone(), waiting);
        let task = self
            .env
            .register(ReplTask::new(me, handle, slot, Some("await")));
        // Its outcome is the awaited one's, which the session shows.
        task.slot.watch();
        task
    }

    /// `cancel NAME`.
    ///
    /// Says what really happened: a task never polled had nothing to clean
    /// up; a `finally` block is *queued* as a task of its own (it runs when
    /// the loop does); and the tasks cancelled along with this one (the
    /// tasks it awaited, a gather's children) are named.
    pub(super) fn cancel(&mut self, name: &str) -> Result<Action, Failure> {
        if is_pattern(name) {
            // Each task the pattern stands for, in turn.
            let mut lines = Vec::new();
            for task in self.tasks(&[name.to_string()])? {
                if !task.is_finished() {
                    match self.cancel(&task.name) {
                        Ok(Action::Show(more)) => lines.extend(more),
                        Err(Failure(more)) => lines.extend(more),
                        Ok(_) => {}
                    }
                }
            }
            if lines.is_empty() {
                lines.push(Line::plain(format!(
                    "every task {name} stands for has finished; there is nothing to cancel"
                )));
            }
            return Ok(Action::Show(lines));
        }
        let target = match self.target(name) {
            Ok(target) => target,
            Err(no_task) => {
                let future = match self.env.primitive(name) {
                    Some(Primitive::Future(future)) => future,
                    Some(Primitive::CancelToken(token)) => {
                        let was = token.is_cancelled();
                        token.cancel();
                        return Ok(Action::Show(vec![Line::new(
                            Style::Cancelled,
                            if was {
                                format!("cancel token {name} was cancelled already")
                            } else {
                                format!(
                                    "cancelled cancel token {name}: every task in wait-cancelled {name} wakes"
                                )
                            },
                        )]));
                    }
                    Some(Primitive::TaskSet(_)) => {
                        return Err(Failure::line(format!(
                            "{name} is a task set; cancel-all {name} cancels its members"
                        )));
                    }
                    _ => return Err(no_task),
                };
                if future.slot.outcome().is_some() {
                    return Err(Failure::line(format!(
                        "future {name} is done ({}); there is nothing to cancel",
                        future.state()
                    )));
                }
                future.slot.finish(Outcome::Cancelled);
                return Ok(Action::Show(vec![Line::new(
                    Style::Cancelled,
                    format!(
                        "cancelled future {name}: every task awaiting it is cancelled (fut.cancel())"
                    ),
                )]));
            }
        };
        let task = match target {
            Target::Repl(task) => task,
            Target::Loop(id, ref name) => {
                return match self.rt.cancel(id) {
                    Ok(evloop::Cancel::Cancelled) => Ok(Action::Show(vec![Line::new(
                        Style::Cancelled,
                        format!(
                            "cancelled {name} ({id}): its future was dropped where it was parked"
                        ),
                    )])),
                    Ok(evloop::Cancel::Requested) => Ok(Action::Show(vec![Line::plain(format!(
                        "cancel of {name} ({id}) requested: it ends when its poll returns"
                    ))])),
                    _ => Err(Failure::line(format!(
                        "{name} ({id}) has already finished; there is nothing to cancel"
                    ))),
                };
            }
        };
        let live: Vec<Rc<ReplTask>> = self
            .env
            .tasks
            .borrow()
            .iter()
            .filter(|t| t.id != task.id && t.slot.outcome().is_none())
            .cloned()
            .collect();
        let text = match task.cancel(&self.env) {
            evloop::Cancel::Cancelled => match task.slot.cleanup() {
                Cleanup::NeverStarted => format!(
                    "cancelled {name} before its first poll: it never ran, so it had nothing to clean up"
                ),
                Cleanup::Queued(cleanup) => format!(
                    "cancelled {name}: its future was dropped where it was parked; its finally block \
                     is queued as {cleanup}, which runs when the loop does (step, run)"
                ),
                Cleanup::Nothing | Cleanup::Unknown => format!(
                    "cancelled {name}: its future was dropped where it was parked; it has no finally block"
                ),
            },
            evloop::Cancel::Requested => {
                format!("cancel of {name} requested: it ends when its poll returns")
            }
            evloop::Cancel::AlreadyFinished => {
                return Err(Failure::line(format!(
                    "{name} has already finished ({}); there is nothing to cancel",
                    task.slot
                        .outcome()
                        .map_or("finished".into(), |o| o.to_string())
                )));
            }
        };
        let mut lines = vec![Line::new(Style::Cancelled, text)];
        let also: Vec<&str> = live
            .iter()
            .filter(|t| t.slot.outcome() == Some(Outcome::Cancelled))
            .map(|t| t.name.as_str())
            .collect();
        if !also.is_empty() {
            lines.push(Line::new(
                Style::Cancelled,
                format!(
                    "  cancelled with it: {} (what a task awaits is cancelled with it, as in asyncio)",
                    also.join(", ")
                ),
            ));
        }
        Ok(Action::Show(lines))
    }

    /// `wake NAME`: puts a task in the ready queue by hand.
    pub(super) fn wake(&mut self, name: &str) -> Result<Action, Failure> {
        let task = self.target(name)?;
        match self.rt.wake(task.id()) {
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
        let me = self.env.unique_name("gather");
        let future = toolkit::gather_tasks(self.env.clone(), me.clone(), tasks, return_exceptions);
        self.drive("gather", me, future)
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
        let me = self.env.unique_name("wait");
        let future = toolkit::wait_tasks(
            self.env.clone(),
            me.clone(),
            tasks,
            handles,
            return_when,
            timeout,
        );
        self.drive("wait", me, future)
    }

    /// `as-completed NAME…`.
    pub(super) fn as_completed(&mut self, names: &[String]) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let handles = toolkit::lend(&tasks).map_err(Failure::line)?;
        let me = self.env.unique_name("as-completed");
        let future = toolkit::as_completed_tasks(self.env.clone(), me.clone(), tasks, handles);
        self.drive("as-completed", me, future)
    }

    /// `timeout DUR NAME`.
    pub(super) fn timeout(&mut self, limit: Duration, name: &str) -> Result<Action, Failure> {
        let task = self.task(name)?;
        let mut handles = toolkit::lend(std::slice::from_ref(&task)).map_err(Failure::line)?;
        let me = self.env.unique_name("timeout");
        let future =
            toolkit::timeout_task(self.env.clone(), me.clone(), limit, task, handles.remove(0));
        self.drive("timeout", me, future)
    }

    /// `group NAME…`.
    pub(super) fn group(&mut self, names: &[String]) -> Result<Action, Failure> {
        let tasks = self.tasks(names)?;
        let me = self.env.unique_name("group");
        let future = toolkit::group_tasks(self.env.clone(), me.clone(), tasks);
        self.drive("group", me, future)
    }

    /// Runs a combinator command's task, named `me`, until it ends; what it
    /// prints is its answer. If the loop stops first, the task stays (and
    /// can be named: show, cancel, await) and prints when it ends.
    pub(super) fn drive(
        &mut self,
        what: &'static str,
        me: String,
        future: impl Future<Output = ()> + 'static,
    ) -> Result<Action, Failure> {
        let (slot, future) = tracked(async move {
            future.await;
            Ok(None)
        });
        let handle = self.rt.spawn_named(me.clone(), future);
        let driver = self
            .env
            .register(ReplTask::new(me.clone(), handle, slot, Some(what)));
        let report = driver
            .run_until(&self.rt)
            .expect("a command's task keeps its handle");
        let Err(stopped) = report else {
            return Ok(Action::Ran(Vec::new()));
        };
        self.flush();
        let what = me;
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

//! Finding what a command names: a task (by name, `#N` or a glob), or any
//! target a command can act on (a task, a primitive, a task set).

use std::rc::Rc;

use evloop::TaskId;

use super::{Failure, Session};
use crate::repl::task::ReplTask;

/// A task a command names (see [`Session::target`]).
pub(super) enum Target {
    /// One of the session's tasks.
    Repl(Rc<ReplTask>),
    /// A task the library made, known only to the loop: its id and name.
    Loop(TaskId, String),
}

impl Target {
    pub(super) fn id(&self) -> TaskId {
        match self {
            Target::Repl(t) => t.id,
            Target::Loop(id, _) => *id,
        }
    }
}

impl Session {
    /// The session's task called `name`; if there is none, an error that
    /// suggests the nearest name.
    pub(super) fn task(&self, name: &str) -> Result<Rc<ReplTask>, Failure> {
        self.env.task(name).ok_or_else(|| {
            let known: Vec<String> = self
                .env
                .tasks
                .borrow()
                .iter()
                .filter(|t| t.is_users())
                .map(|t| t.name.clone())
                .collect();
            let hint = match crate::repl::suggest::nearest(name, known.iter().map(String::as_str)) {
                Some(near) => format!("did you mean {near}?"),
                None if known.is_empty() => {
                    "no tasks yet — spawn one: spawn worker sleep 1s".into()
                }
                None => format!("tasks: {}", known.join(", ")),
            };
            Failure::line(format!("no task named {name} — {hint}"))
        })
    }

    /// The task called `name` (or `#ID`): one of the session's, or one the
    /// library made that the session never registered (the inner task of
    /// a `shield`, a `call_later` callback), found in the loop. Tasks of the
    /// same name are told apart by id.
    pub(super) fn target(&self, name: &str) -> Result<Target, Failure> {
        if let Some(task) = self.env.task(name) {
            return Ok(Target::Repl(task));
        }
        let names = self.names.borrow();
        let mut found: Vec<(TaskId, String)> = names
            .iter()
            .filter(|(id, n)| match name.strip_prefix('#') {
                Some(number) => id.as_u64().to_string() == number,
                None => n.as_str() == name,
            })
            .map(|(id, n)| (*id, n.clone()))
            .collect();
        drop(names);
        found.sort();
        match found.len() {
            0 => Err(self.task(name).err().expect("no task of that name")),
            1 => {
                let (id, name) = found.remove(0);
                Ok(Target::Loop(id, name))
            }
            n => Err(Failure::line(format!(
                "{n} tasks are named {name}: {} — name one by its id, as tasks lists it: show {}",
                found
                    .iter()
                    .map(|(id, _)| id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                found[0].0
            ))),
        }
    }

    /// The session's tasks called `names`, or the error for the first unknown one.
    /// A name may stand for several: a range (`fetch-[1..10]`) or a glob
    /// (`fetch-*`).
    pub(super) fn tasks(&self, names: &[String]) -> Result<Vec<Rc<ReplTask>>, Failure> {
        self.env.expand(names).map_err(|missing| {
            if missing.contains('*') {
                Failure::line(format!(
                    "no task matches {missing} — * stands for any run of characters: fetch-* matches fetch-1, fetch-22"
                ))
            } else {
                self.task(&missing).err().expect("a missing task")
            }
        })
    }
}

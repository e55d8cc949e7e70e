//! Task sets: `spawn NAME --in SET`, `join-next SET`, `cancel-all SET`,
//! and awaiting a member (see `task_set.rs` for the sets themselves).

use std::rc::Rc;

use super::{Action, Failure, Session};
use crate::repl::body::Body;
use crate::repl::primitive::Primitive;
use crate::repl::styled::{Line, Style};
use crate::repl::task::ReplTask;
use crate::repl::task_set::{self, ReplTaskSet};

impl Session {
    /// A task of the REPL's (`await/NAME`) that watches a task set
    /// member's outcome, leaving its result for `join-next` (the set holds
    /// the member's handle).
    pub(super) fn member_waiter(&mut self, member: &Rc<ReplTask>) -> Rc<ReplTask> {
        let watched = member.clone();
        self.outcome_waiter(
            &member.name,
            async move { watched.slot.wait(watched.id).await },
        )
    }

    /// `spawn NAME --in SET BODY`: a member of a task set (`spawn
    /// fetch-[1..3] --in SET …` spawns several).
    pub(super) fn spawn_in(
        &mut self,
        set: &str,
        name: String,
        body: Body,
    ) -> Result<Action, Failure> {
        let set = self.task_set(set)?;
        let names = self.names_to_spawn(name, &body)?;
        let mut ids = Vec::new();
        {
            let _entered = self.rt.enter();
            for name in &names {
                ids.push(task_set::spawn_member(&self.env, &set, name, body.clone()));
            }
        }
        let list = match (names.as_slice(), ids.as_slice()) {
            ([name], [id]) => format!("{name} ({id})"),
            ([first, .., last], [a, .., b]) => {
                format!("{} tasks, {first} … {last} ({a} … {b}),", names.len())
            }
            _ => unreachable!("a range stands for one name or more"),
        };
        Ok(Action::Show(vec![Line::plain(format!(
            "spawned {list} into task set {}: {} member(s) to join; join-next {} takes results as members finish",
            set.set.name(),
            set.set.len(),
            set.set.name()
        ))]))
    }

    /// `join-next SET`: runs the loop until the set's next member finishes.
    pub(super) fn join_next(&mut self, set: &str) -> Result<Action, Failure> {
        let set = self.task_set(set)?;
        let me = self.env.unique_name("join-next");
        let env = self.env.clone();
        let who = me.clone();
        let future = async move {
            let (text, _) = task_set::join_next(&env, &set).await;
            env.answer(&who, text);
        };
        self.drive("join-next", me, future)
    }

    /// `cancel-all SET`.
    pub(super) fn cancel_all(&mut self, set: &str) -> Result<Action, Failure> {
        let found = self.task_set(set)?;
        let names = task_set::cancel_all(&self.env, &found);
        Ok(Action::Show(vec![Line::new(
            Style::Cancelled,
            task_set::cancelled_text(set, &names),
        )]))
    }

    /// The task set called `name`, or an error that says what it is instead.
    fn task_set(&self, name: &str) -> Result<Rc<ReplTaskSet>, Failure> {
        match self.env.primitive(name) {
            Some(Primitive::TaskSet(set)) => Ok(set),
            Some(p) => Err(Failure::line(format!(
                "{name} is a {}, not a task set — make one: new task-set NAME",
                p.kind()
            ))),
            None => Err(Failure::line(format!(
                "no task set named {name} — make one first: new task-set {name}"
            ))),
        }
    }
}

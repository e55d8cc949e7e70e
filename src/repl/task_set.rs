//! Task sets in the REPL: `new task-set NAME`, `spawn NAME --in SET …`,
//! `join-next SET`, `cancel-all SET`.
//!
//! A set is the library's [`TaskSet`] (tokio's `JoinSet`), whose members
//! run task bodies. Its results come out of `join-next` in the order the
//! members finish, as the command or as a step of another task (a
//! supervisor collecting results); `cancel-all` cancels the members still
//! running, whose results (cancelled) `join-next` still gives. The loop's
//! snapshot shows the set as a primitive held by its running members;
//! `tasks` lists the members under their set, and `show SET` lists them.
//!
//! # Where the REPL differs from tokio
//!
//! A member is also one of the session's named tasks, so `show`, `cancel`
//! and `await` reach it; `await` watches its outcome without taking its
//! result, which stays for `join-next`. A member's failure is never
//! reported as "never retrieved": the set holds it until `join-next`.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use evloop::TaskId;
use evloop::combinators::TaskSet;

use super::body::{Body, Step};
use super::env::Env;
use super::outcome::{Outcome, Slot};
use super::primitive::Primitive;
use super::program::{self, Flow, Me};
use super::record::{Wait, noting};
use super::styled::{Line, Style, Styled};
use super::task::{ReplTask, TaskOutput};
use super::views::View;

/// A task set of the session and the members spawned into it.
pub struct ReplTaskSet {
    /// The library's set.
    pub set: TaskSet<TaskOutput>,
    /// Every member ever spawned into it, in spawn order.
    pub members: RefCell<Vec<TaskId>>,
}

impl ReplTaskSet {
    /// An empty set called `name`.
    pub fn named(name: String) -> ReplTaskSet {
        ReplTaskSet {
            set: TaskSet::named(name),
            members: RefCell::default(),
        }
    }

    /// The session's tasks that are members, in spawn order.
    pub fn member_tasks(&self, env: &Env) -> Vec<Rc<ReplTask>> {
        let members: HashSet<TaskId> = self.members.borrow().iter().copied().collect();
        env.tasks
            .borrow()
            .iter()
            .filter(|t| members.contains(&t.id))
            .cloned()
            .collect()
    }
}

/// Spawns `name` running `body` into `set` (inside the runtime's context),
/// registered with the session.
pub fn spawn_member(env: &Rc<Env>, set: &ReplTaskSet, name: &str, body: Body) -> TaskId {
    let slot = Rc::new(Slot::default());
    // The set holds its result until join-next: never "unretrieved".
    slot.watch();
    let future = program::task_main(env.clone(), name.to_string(), slot.clone(), body);
    let handle = set.set.spawn_named(name.to_string(), future);
    let id = handle.id();
    set.members.borrow_mut().push(id);
    env.register(ReplTask::new(name.to_string(), handle, slot, None));
    id
}

/// Waits for the next member of `set` to finish: the line that says which
/// and how it ended, and the value it returned.
pub async fn join_next(env: &Env, set: &ReplTaskSet) -> (String, Option<super::body::Value>) {
    let name = set.set.name().to_string();
    match noting(Wait::Primitive, set.set.join_next_with_id()).await {
        None => (
            format!("{name} is empty: join-next gives None (every member was joined)"),
            None,
        ),
        Some((id, result)) => {
            let task = env.tasks.borrow().iter().find(|t| t.id == id).cloned();
            let who = task.as_ref().map_or(id.to_string(), |t| t.name.clone());
            let outcome = task
                .and_then(|t| t.slot.outcome())
                .unwrap_or(match &result {
                    Ok(Ok(v)) => Outcome::Returned(v.clone()),
                    Ok(Err(e)) => Outcome::Failed(e.clone()),
                    Err(e) if e.is_cancelled() => Outcome::Cancelled,
                    Err(e) => Outcome::Panicked(e.to_string()),
                });
            let value = match result {
                Ok(Ok(v)) => v,
                _ => None,
            };
            (format!("joined {who} ({id}) from {name}: {outcome}"), value)
        }
    }
}

/// `cancel-all SET`: cancels the members still running; their names.
pub fn cancel_all(env: &Env, set: &ReplTaskSet) -> Vec<String> {
    let running: Vec<String> = set
        .member_tasks(env)
        .iter()
        .filter(|t| !t.is_finished())
        .map(|t| t.name.clone())
        .collect();
    set.set.cancel_all();
    running
}

/// The answer of `cancel-all`, for the command and the step.
pub fn cancelled_text(set: &str, names: &[String]) -> String {
    if names.is_empty() {
        format!("cancel-all {set}: no member was running; nothing to cancel")
    } else {
        let which = match names {
            [_, _, _, _, _, ..] => {
                format!(
                    "{} members, {} … {}",
                    names.len(),
                    names[0],
                    names[names.len() - 1]
                )
            }
            _ => names.join(", "),
        };
        format!(
            "cancel-all {set}: cancelled {which}; join-next {set} gives their results (cancelled)"
        )
    }
}

/// `join-next SET` and `cancel-all SET` as steps of the task `me`.
pub(super) async fn run_step(me: &Rc<Me>, step: &Step, set: &ReplTaskSet) -> Flow {
    match step {
        Step::JoinNext(_) => {
            let (text, value) = join_next(&me.env, set).await;
            me.env.say(&me.name, &text);
            if let Some(v) = value {
                me.received(v);
            }
        }
        Step::CancelAll(name) => {
            let names = cancel_all(&me.env, set);
            me.env.say(&me.name, &cancelled_text(name, &names));
        }
        _ => unreachable!("task set steps are join-next and cancel-all"),
    }
    Flow::Next
}

/// The session's task sets, each with its members under it (after the
/// `tasks` table, and in `show SET`).
pub fn groups(v: &View<'_>) -> Styled {
    let sets: Vec<Rc<ReplTaskSet>> = v
        .env
        .primitives
        .borrow()
        .iter()
        .filter_map(|p| match p {
            Primitive::TaskSet(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    sets.iter().flat_map(|s| group(v, s)).collect()
}

/// One task set and its members.
pub fn group(v: &View<'_>, set: &ReplTaskSet) -> Styled {
    let name = set.set.name();
    let state = v
        .snapshot
        .primitives
        .iter()
        .find(|p| p.name == name && p.kind == "task set")
        .map_or(String::new(), |p| format!(" — {}", p.state));
    let mut out =
        vec![Line::new(Style::Heading, format!("task set {name}")).with(Style::Plain, state)];
    let members = set.member_tasks(v.env);
    if members.is_empty() {
        out.push(Line::new(
            Style::Dim,
            format!("  no members yet: spawn NAME --in {name} STEP; …"),
        ));
    }
    for t in members {
        let (tone, word) = match v.snapshot.task(t.id) {
            Some(info) => evloop::inspect::Labels::state(&v.words(), info),
            None => match t.slot.outcome() {
                Some(Outcome::Failed(_)) => (evloop::inspect::Tone::Failed, "failed"),
                _ => evloop::inspect::state_word(evloop::TaskState::Done),
            },
        };
        let style = Style::from(tone);
        out.push(Line::plain(format!("  {} {} ", t.id, t.name)).with(style, word.to_string()));
    }
    out
}

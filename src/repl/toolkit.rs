//! The combinator commands: `gather`, `wait`, `as-completed`, `timeout`,
//! `group`, each the library's combinator running in a task of its own.
//!
//! ```text
//!   > gather a b c
//!        │ spawns the task "gather":  evloop::gather([watch a, watch b, watch c]).await
//!        │ runs the loop until it ends (rt.run_until)
//!        ▼
//!   [3s] gather: → [A, B, C]      printed by that task when gather returned
//! ```
//!
//! The session lives outside the loop, so it cannot `await` a combinator
//! itself: what asyncio's top-level `await gather(…)` does, a task named
//! after the command does here, and it shows in `step`, `tasks` and
//! `timeline` like any task. If the loop stops before it ends (a stall,
//! Ctrl-C, the poll budget), it stays: it prints when it ends later.
//!
//! What each combinator is given:
//!
//! - `gather`: the library's [`gather`] and [`gather_all`] take any
//!   futures; each task is watched through its outcome ([`watch`]), so
//!   `fail` is the `Err` that makes `gather` fail.
//! - `timeout`: the library's [`timeout`](evloop::timeout) around the task's
//!   handle made [`cancel_on_drop`](JoinHandle::cancel_on_drop): when time
//!   runs out the handle is dropped, which cancels the task, as
//!   `asyncio.wait_for` does (a plain handle dropped would only detach it).
//! - `wait`, `as-completed`: the library's [`wait`] and [`as_completed`] take
//!   the tasks' `JoinHandle`s by value; the command lends them and `wait`
//!   gives them back. The library's `ReturnWhen::FirstException` counts
//!   panics and cancellations (a task's `Err` output is a value to Rust);
//!   for the REPL `fail` is an exception, as `raise` is in Python, so
//!   `--first-exception` waits for the first completed task again until one
//!   of the done ones failed.
//! - `group`: a [`TaskGroup`] needs to spawn its children; they are
//!   `group/NAME` tasks, each awaiting NAME (and cancelling it when
//!   cancelled), so the first failure cancels the rest through the group.

use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::{self, TaskGroup, as_completed};
use evloop::stream::StreamExt;
use evloop::time::Instant;
use evloop::{JoinHandle, TaskId};

use super::command::ReturnWhen;
use super::duration::format_duration;
use super::env::Env;
use super::outcome::{Cleanup, Outcome};
use super::record::{Wait, noting};
use super::task::{ReplTask, TaskOutput, tracked, watch};

/// The value part of a result list: `A`, `None`, `failed: x`.
fn result_word(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returned(Some(v)) => v.to_string(),
        Outcome::Returned(None) => "None".into(),
        other => other.to_string(),
    }
}

/// `gather NAME… [--return-exceptions]`, the command: a task that gathers
/// and says what it got.
pub async fn gather_tasks(
    env: Rc<Env>,
    me: String,
    tasks: Vec<Rc<ReplTask>>,
    return_exceptions: bool,
) {
    let text = match gather(env.clone(), tasks, return_exceptions).await {
        Ok(results) => format!("→ {results}"),
        Err(raised) => format!(
            "raised: {raised} — the other tasks keep running (asyncio's gather leaves them too)"
        ),
    };
    env.answer(&me, text);
}

/// The library's [`gather`](combinators::gather) (or
/// [`gather_all`](combinators::gather_all)) over the tasks' outcomes: the
/// results in the order given (`[A, B, C]`, repeats folded: `[None ×100]`),
/// or the first failure, as `NAME failed: …`.
///
/// As asyncio's: a failure returns at once and the other tasks keep
/// running; but if the gather itself is cancelled (the task running it is),
/// it cancels every task it still waits for.
pub async fn gather(
    env: Rc<Env>,
    tasks: Vec<Rc<ReplTask>>,
    return_exceptions: bool,
) -> Result<String, String> {
    let mut children = CancelChildren {
        env: env.clone(),
        tasks: tasks.clone(),
        armed: true,
    };
    let watches = tasks.iter().map(|t| {
        let (env, t) = (env.clone(), t.clone());
        async move {
            match watch(env, t.clone(), false).await {
                Outcome::Returned(v) => Ok(Outcome::Returned(v)),
                other => Err((t.name.clone(), other)),
            }
        }
    });
    let result = if return_exceptions {
        let all: Vec<String> = combinators::gather_all(watches)
            .await
            .into_iter()
            .map(|r| match r {
                Ok(o) | Err((_, o)) => result_word(&o),
            })
            .collect();
        Ok(list(&all))
    } else {
        match combinators::gather(watches).await {
            Ok(values) => Ok(list(&values.iter().map(result_word).collect::<Vec<_>>())),
            Err((name, outcome)) => Err(format!("{name} {outcome}")),
        }
    };
    children.armed = false;
    result
}

/// `[A, B, C]`, with runs of one value folded: `[None ×100]`.
fn list(values: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let run = values[i..].iter().take_while(|v| **v == values[i]).count();
        parts.push(if run > 4 {
            format!("{} ×{run}", values[i])
        } else {
            values[i..i + run].join(", ")
        });
        i += run;
    }
    format!("[{}]", parts.join(", "))
}

/// Cancels the tasks a gather still waits for, when the gather is dropped
/// before it ended (its task was cancelled): asyncio's "cancelling a
/// gather cancels its children".
struct CancelChildren {
    env: Rc<Env>,
    tasks: Vec<Rc<ReplTask>>,
    armed: bool,
}

impl Drop for CancelChildren {
    fn drop(&mut self) {
        if !self.armed || self.env.closing.get() || std::thread::panicking() {
            return;
        }
        for t in &self.tasks {
            if !t.is_finished() {
                let _ = t.cancel(&self.env);
            }
        }
    }
}

/// Lends the tasks' handles (all or none).
///
/// # Errors
///
/// When a handle is held elsewhere: by a `wait` still in progress, or used
/// up by `as-completed`.
pub fn lend(tasks: &[Rc<ReplTask>]) -> Result<Vec<JoinHandle<TaskOutput>>, String> {
    if let Some(t) = tasks.iter().find(|t| !t.can_lend()) {
        return Err(held_elsewhere(t));
    }
    Ok(tasks.iter().filter_map(|t| t.lend()).collect())
}

/// Why a task's handle is not there.
pub fn held_elsewhere(t: &ReplTask) -> String {
    if matches!(&*t.handle.borrow(), Some(super::task::Handle::Member(_))) {
        return format!(
            "{} is a member of a task set: the set holds its result for join-next \
             (await, gather or show it instead)",
            t.name
        );
    }
    if t.handle.borrow().is_some() {
        return format!(
            "{} is a task group's child: its result goes to its group (await or show it instead)",
            t.name
        );
    }
    if t.slot.outcome().is_some() {
        format!(
            "{} has finished and {} already took its result ({}); gather, await or show it instead",
            t.name,
            t.taken_by.get().unwrap_or("as-completed"),
            t.slot.outcome().map(|o| o.to_string()).unwrap_or_default()
        )
    } else {
        format!(
            "{} is held by a wait or as-completed still in progress — run the loop to let it finish, or cancel {}",
            t.name, t.name
        )
    }
}

/// `wait NAME… [--first-completed|--first-exception|--all] [--timeout DUR]`.
pub async fn wait_tasks(
    env: Rc<Env>,
    me: String,
    tasks: Vec<Rc<ReplTask>>,
    handles: Vec<JoinHandle<TaskOutput>>,
    when: ReturnWhen,
    timeout: Option<Duration>,
) {
    let failed = |h: &JoinHandle<TaskOutput>| {
        find(&tasks, h.id())
            .and_then(|t| t.slot.outcome())
            .is_some_and(|o| !matches!(o, Outcome::Returned(_)))
    };
    let (done, pending) = match when {
        ReturnWhen::FirstCompleted | ReturnWhen::AllCompleted => {
            let when = if when == ReturnWhen::FirstCompleted {
                combinators::ReturnWhen::FirstCompleted
            } else {
                combinators::ReturnWhen::AllCompleted
            };
            let w = noting(Wait::Task, combinators::wait(handles, when, timeout)).await;
            (w.done, w.pending)
        }
        ReturnWhen::FirstException => {
            let deadline = timeout.map(|d| Instant::now().saturating_add(d));
            let (mut done, mut pending) = (Vec::new(), handles);
            loop {
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                let w = combinators::wait(pending, combinators::ReturnWhen::FirstCompleted, left);
                let w = noting(Wait::Task, w).await;
                let progressed = !w.done.is_empty();
                done.extend(w.done);
                pending = w.pending;
                if pending.is_empty() || !progressed || done.iter().any(failed) {
                    break (done, pending);
                }
            }
        }
    };
    let describe = |hs: &[JoinHandle<TaskOutput>], with_outcome: bool| {
        if hs.is_empty() {
            return "none".to_string();
        }
        let names: Vec<String> = hs
            .iter()
            .filter_map(|h| find(&tasks, h.id()))
            .map(|t| match t.slot.outcome() {
                Some(o) if with_outcome => format!("{} ({o})", t.name),
                _ => t.name.clone(),
            })
            .collect();
        names.join(", ")
    };
    let text = format!(
        "done: {}; pending: {}",
        describe(&done, true),
        describe(&pending, false)
    );
    for h in done.into_iter().chain(pending) {
        if let Some(t) = find(&tasks, h.id()) {
            t.give_back(h);
        }
    }
    env.answer(&me, text);
}

/// `as-completed NAME…`: one line per task, as each ends.
pub async fn as_completed_tasks(
    env: Rc<Env>,
    me: String,
    tasks: Vec<Rc<ReplTask>>,
    handles: Vec<JoinHandle<TaskOutput>>,
) {
    let mut stream = as_completed(handles);
    while let Some((id, result)) = noting(Wait::Task, stream.next()).await {
        let Some(t) = find(&tasks, id) else { continue };
        t.taken_by.set(Some("as-completed"));
        let outcome = t.slot.outcome().unwrap_or_else(|| match result {
            Ok(Ok(v)) => Outcome::Returned(v),
            Ok(Err(e)) => Outcome::Failed(e),
            Err(e) if e.is_panic() => {
                Outcome::Panicked(e.panic_message().unwrap_or_default().into())
            }
            Err(_) => Outcome::Cancelled,
        });
        env.answer(&me, format!("{} {outcome}", t.name));
    }
}

/// `timeout DUR NAME` (asyncio's `wait_for(task, DUR)`): the library's
/// [`timeout`](evloop::timeout) around the task's handle made
/// [`cancel_on_drop`](JoinHandle::cancel_on_drop): at the deadline the
/// handle is dropped, and that cancels the task. (A plain `JoinHandle`
/// dropped would only detach it: the task would run on.) In time, the
/// command takes the task's result, as asyncio's `wait_for` does.
pub async fn timeout_task(
    env: Rc<Env>,
    me: String,
    limit: Duration,
    task: Rc<ReplTask>,
    handle: JoinHandle<TaskOutput>,
) {
    let text = match noting(Wait::Task, evloop::timeout(limit, handle.cancel_on_drop())).await {
        Ok(_) => {
            task.taken_by.set(Some("timeout"));
            let outcome = task.slot.outcome().unwrap_or(Outcome::Cancelled);
            format!("{} {outcome} in time", task.name)
        }
        Err(_) => {
            // asyncio's wait_for waits for the cancelled task's cleanup; here
            // it is a task of its own, which the loop runs next (issue 17 item 20).
            let cleanup = match task.slot.cleanup() {
                Cleanup::Queued(c) => format!("; its finally block runs next, as {c}"),
                _ => String::new(),
            };
            format!(
                "{} did not finish within {}: TimeoutError, and {} was cancelled{cleanup}",
                task.name,
                format_duration(limit),
                task.name
            )
        }
    };
    env.answer(&me, text);
}

/// `group NAME…`: a [`TaskGroup`] of `group/NAME` children.
pub async fn group_tasks(env: Rc<Env>, me: String, tasks: Vec<Rc<ReplTask>>) {
    let group = TaskGroup::new();
    for t in &tasks {
        let watching = watch(env.clone(), t.clone(), true);
        let (slot, child) = tracked(async move {
            match watching.await {
                Outcome::Failed(e) => Err(e),
                Outcome::Panicked(m) => Err(format!("panicked: {m}")),
                Outcome::Returned(v) => Ok(v),
                // Cancelled: its wrapper was cancelled with it.
                Outcome::Cancelled => Ok(None),
            }
        });
        let name = env.unique_name(&format!("group/{}", t.name));
        let handle = group.spawn_named(name.clone(), child);
        env.register(ReplTask::new(name, handle, slot, Some("group")));
    }
    let text = match noting(Wait::Task, group.join()).await {
        Ok(()) => "every task succeeded".to_string(),
        Err(e) => e.to_string(),
    };
    env.answer(&me, text);
    for t in &tasks {
        let outcome = t.slot.outcome().map_or("running".into(), |o| o.to_string());
        env.answer(&me, format!("  {}: {outcome}", t.name));
    }
}

fn find(tasks: &[Rc<ReplTask>], id: TaskId) -> Option<&Rc<ReplTask>> {
    tasks.iter().find(|t| t.id == id)
}

//! From inside a task: which task am I, and what does my loop hold?
//!
//! asyncio's `current_task()` and `all_tasks()`, and a [`Snapshot`] of the
//! running loop, reachable from async code without a `Runtime` in hand.
//! Each looks up "the loop running on this thread" (see
//! [`context`](super::context)) and asks it, between two of the task's own
//! awaits: the loop is not turning while the task runs, so what it tells is
//! exact at that moment.
//!
//! These are for looking, not for the hot path: each one scans the task
//! table (`current_task` and `all_tasks`) or builds a whole snapshot.

use super::context;
use crate::inspect::{Snapshot, TaskInfo};
use crate::task::current;

/// The task being polled on this thread, as a snapshot shows it (its id,
/// its name, its polls so far; its state is `Running`) — asyncio's
/// `current_task()`. `None` outside a task: outside a loop, in a callback
/// the loop runs between polls, on another thread.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::new();
/// let me = rt.block_on(async {
///     evloop::spawn_named("worker", async {
///         let me = evloop::current_task().unwrap();
///         (me.id, me.name, me.state)
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(me.1, "worker");
/// assert_eq!(me.2, evloop::TaskState::Running);
/// assert!(evloop::current_task().is_none(), "outside the loop");
/// ```
pub fn current_task() -> Option<TaskInfo> {
    let id = current::task()?;
    context::with_core(|core| core.task_info(id)).flatten()
}

/// Every task of the running loop that has not finished, in spawn order —
/// asyncio's `all_tasks()`. Empty outside a loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let names = evloop::Runtime::builder().virtual_clock().build().block_on(async {
///     let nap = evloop::spawn_named("nap", evloop::sleep(Duration::from_secs(1)));
///     evloop::yield_now().await; // nap starts sleeping
///     let names: Vec<String> = evloop::all_tasks().into_iter().map(|t| t.name).collect();
///     nap.await.unwrap();
///     names
/// });
/// assert_eq!(names, ["main", "nap"]);
/// ```
pub fn all_tasks() -> Vec<TaskInfo> {
    context::with_core(|core| {
        core.snapshot_tasks()
            .into_iter()
            .filter(|t| !t.state.is_finished())
            .collect()
    })
    .unwrap_or_default()
}

/// A snapshot of the loop running on this thread, taken from inside one of
/// its tasks (or between its polls); `None` outside a loop. The same data
/// as [`Runtime::snapshot`](crate::Runtime::snapshot), which prints as the
/// REPL's `queue` and `tasks`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::Runtime::builder().virtual_clock().build().block_on(async {
///     let permits = evloop::sync::Semaphore::named("pool", 1);
///     let _mine = permits.acquire().await;
///     let now = evloop::inspect::snapshot().unwrap();
///     assert_eq!(now.primitive_named("pool").unwrap().holders, [evloop::current_task().unwrap().id]);
///     assert!(now.to_string().contains("semaphore pool: 0/1 permits free; held by main"));
/// });
/// ```
pub fn snapshot() -> Option<Snapshot> {
    context::with_core(|core| core.snapshot())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_loop_there_is_nothing_to_see() {
        assert!(current_task().is_none());
        assert!(all_tasks().is_empty());
        assert!(snapshot().is_none());
    }

    #[test]
    fn between_polls_there_is_a_loop_but_no_current_task() {
        let rt = crate::Runtime::builder().virtual_clock().build();
        let _inside = rt.enter();
        assert!(current_task().is_none());
        assert!(snapshot().is_some());
    }
}

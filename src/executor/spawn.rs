//! The free functions: spawning onto the running loop, and `evloop::run`.

use std::future::Future;

use super::context;
use super::runtime::Runtime;
use crate::task::{JoinHandle, TaskName};

/// Spawns a task on the running loop (asyncio's `asyncio.create_task`).
///
/// The future need not be `Send`: it runs on the loop's thread.
///
/// # Panics
///
/// When called outside a running loop (there is no loop to spawn on); from
/// outside, use [`Runtime::spawn`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// let out = evloop::run(async {
///     let shared = Rc::new(5); // !Send is fine
///     let s = shared.clone();
///     evloop::spawn(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 10);
/// ```
#[doc(alias = "create_task")]
#[doc(alias = "ensure_future")]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    context::expect_core("evloop::spawn()", |core| core.spawn(None, future))
}

/// Spawns a named task on the running loop. Names show in snapshots, events,
/// errors and the REPL.
///
/// # Panics
///
/// When called outside a running loop.
#[doc(alias = "create_task")]
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    let name: String = name.into();
    context::expect_core("evloop::spawn_named()", |core| {
        core.spawn(Some(TaskName::given(name)), future)
    })
}

/// Runs `future` on a new runtime with default settings and returns its
/// output (asyncio's `asyncio.run`). Tasks still pending at the end are
/// dropped (and listed, in debug mode).
///
/// Not to be confused with [`Runtime::run_until_done`], which drives an
/// existing runtime until all of its tasks have finished.
///
/// # Panics
///
/// As [`Runtime::block_on`].
///
/// # Examples
///
/// ```
/// let answer = evloop::run(async { 42 });
/// assert_eq!(answer, 42);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    Runtime::new().block_on(future)
}

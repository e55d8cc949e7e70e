//! Tasks: a future the loop owns, with a name, a state and counters.
//!
//! The life of a task, with the function that performs each transition:
//!
//! ```text
//!            spawn()                 executor pops it            poll → Ready
//!   (new) ───────────▶ Ready ───────────────────────▶ Running ───────────────▶ Done
//!                        ▲                             │  │  └── poll panics ──▶ Panicked
//!                        │ waker.wake()                │  │
//!                        │ (timer, I/O, other task,    │  └──── poll → Pending
//!                        │  other thread)              ▼
//!                        └──────────────────────── Waiting
//!
//!   JoinHandle::cancel() from Ready or Waiting ──▶ Cancelled (future dropped in place)
//! ```
//!
//! - `cell`: the single allocation holding the header, the future and then
//!   its output.
//! - `header`: what the executor and the inspector read: id, name, state,
//!   counters.
//! - `task_ref`: the loop's side of a task, counted without atomics.
//! - `waker`: the waker, a `RawWaker` into the task's own allocation.
//! - `join`: [`JoinHandle`], [`JoinError`], [`Cancel`].

pub(crate) mod cell;
pub(crate) mod header;
mod id;
mod join;
pub(crate) mod task_ref;
pub(crate) mod waker;
mod yield_now;

pub(crate) use id::TaskName;
pub use id::{TaskId, TaskState, WaitOn, WakeCause};
pub(crate) use join::Canceller;
pub use join::{Cancel, JoinError, JoinHandle};
pub use yield_now::{YieldNow, yield_now};

/// Tells the loop what the task being polled is about to wait on, so that
/// [`snapshot`](crate::Runtime::snapshot), `StepReport::waiting_on` and the
/// REPL can show it. Call it from a hand-written future just before it
/// returns `Pending`; evloop's own leaf futures (sleep, join handles…) do.
/// Outside a poll it does nothing.
///
/// # Examples
///
/// ```
/// use std::task::Poll;
/// use evloop::{Runtime, TaskId, WaitOn};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let _h = rt.spawn_named("door", std::future::poll_fn(|cx| {
///     evloop::task::note_wait(WaitOn::Primitive { kind: "door", name: "front".into() });
///     std::mem::forget(cx.waker().clone()); // keep the waker alive: someone may knock
///     Poll::<()>::Pending
/// }));
/// let report = rt.step().unwrap();
/// assert_eq!(report.waiting_on, Some(WaitOn::Primitive { kind: "door", name: "front".into() }));
/// ```
pub fn note_wait(wait: WaitOn) {
    crate::executor::context::note_wait(wait);
}

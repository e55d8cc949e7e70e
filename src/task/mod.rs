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
//! - [`cell`]: the single allocation holding the header, the future and then
//!   its output.
//! - [`header`]: what the executor and the inspector read: id, name, state,
//!   counters.
//! - [`waker`]: the `std::task::Wake` implementation.
//! - [`join`]: [`JoinHandle`], [`JoinError`], [`Cancel`].

pub(crate) mod cell;
pub(crate) mod header;
mod id;
mod join;
pub(crate) mod waker;
mod yield_now;

pub(crate) use id::TaskName;
pub use id::{TaskId, TaskState, WaitOn, WakeCause};
pub use join::{Cancel, JoinError, JoinHandle};
pub use yield_now::{YieldNow, yield_now};

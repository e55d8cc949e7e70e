//! Tasks: a future the loop owns, with a name, a state and counters.
//!
//! This chapter reads on its own after the clock's (`src/clock/`): a task
//! never names the loop that runs it. It carries a *schedule hook*
//! ([`schedule`](self)) that its waker calls, and that is all it knows.
//!
//! # The life of a task
//!
//! Every transition the code performs, numbered, with the function that
//! performs it (all of them are methods of the state machine in `state.rs`,
//! the only place a task's state changes):
//!
//! ```text
//!              ① spawn  (State::new)
//!                 │
//!                 ▼       ② start_poll                    ⑤ end_poll(Ready)
//!   ┌───────▶ Ready ─────────────────────▶ Running ──────────────────────────▶ Done
//!   │           ▲                           │ │ │ ⑥ end_poll(Panicked)
//!   │ ⑧ wake    │ ④ end_poll(Pending),      │ │ └─────────────────────────────▶ Panicked
//!   │ (wake_here│   woken during its poll   │ │
//!   │  or       └───────────────────────────┘ │ ③ end_poll(Pending)
//!   │  Queued::wake)                          ▼
//!   └──────────────────────────────────── Waiting
//!
//!   ⑨ cancel, from Ready or Waiting ───────────────────────────────────────▶ Cancelled
//!   ⑩ cancel while Running (the task cancels itself): requested, and
//!      ⑦ end_poll(Pending) then answers CancelNow ──────────────────────────▶ Cancelled
//!   ⑪ detach (JoinHandle dropped): a flag; the task runs on
//! ```
//!
//! # Who owns what
//!
//! A task is one counted place ([`cell`](self)): the header, the hook, and
//! the future (later its output), in a slot of a chunk shared with other
//! tasks ([`chunk`](self)). Three kinds of holders:
//!
//! ```text
//!                       ┌─────────────── TaskCell<F, S>, in its slot ───────────────┐
//!   loop's thread:      │ header (offset 0)  hook: S   stage: future → output       │
//!   TaskRef ──┐         └───────────────────────────────────────────────────────────┘
//!   TaskRef ──┼─ header.refs (a Cell) ─▶ ONE count in header.strong ▲
//!   TaskRef ──┘  (table slot, JoinHandle, the poll in progress)    │
//!                                                                   │
//!   any thread:  Waker ──────────────────▶ one count each ──────────┘
//! ```
//!
//! # Safety
//!
//! The unsafe code of this layer lives in `chunk.rs` (where a task's place
//! comes from, and how it is given back), `cell.rs` (the task's place, the
//! vtable functions, pinning), `stage.rs` (the future or its outcome, tagged
//! by a byte of the header), `task_ref.rs` (the loop side's count),
//! `waker.rs` (the `RawWaker`), `wait.rs` (a wait packed in a word) and
//! `owner.rs` (a value only one thread may reach). Its soundness rests on
//! four rules, each argued in its file:
//!
//! 1. **Fixed place.** A future lives inline in its allocation from spawn
//!    until it is dropped in place; it is never moved (`cell.rs`, rules 1–3).
//! 2. **One thread for `!Send` values.** Everything but the header's
//!    `index`, `id`, `state.queued` and `strong` and the hook is touched
//!    only on the task's own thread: `TaskRef`s are neither `Send` nor
//!    `Sync`, and a waker checks the hook's `owner` before it reads more
//!    (`waker.rs`, rule 1).
//! 3. **Release before giving up.** The last `TaskRef` drops every `!Send`
//!    value on the loop's thread before it gives back the loop side's count,
//!    so a waker elsewhere that frees the memory frees only `Send` values
//!    (`task_ref.rs`, `waker.rs` rule 2).
//! 4. **One vtable per type.** A header's vtable and a handle's output table
//!    are made only by `TaskCell<F, S>` for its own `F` and `S`, so a
//!    type-erased call always reaches the right type (`cell.rs`).
//!
//! # The files, in reading order
//!
//! - `id.rs`, `key.rs`, `name.rs`: who a task is (for people, for the loop).
//! - `state.rs`: the state machine above, and [`TaskState`].
//! - `wait.rs`, `cause.rs`: what a task waits on, why it was woken.
//! - `current.rs`: the task being polled on this thread, and its notes.
//! - `owner.rs`: the loop's thread, and values only it may touch.
//! - `schedule.rs`: the hook a waker calls, and what a handle asks the loop.
//! - `chunk.rs`: where tasks live (slots cut from chunks, many tasks to
//!   one allocation).
//! - `count.rs`, `header.rs`, `vtable.rs`, `cell.rs`, `stage.rs`: a task's
//!   place, its count of owners, and its parts.
//! - `task_ref.rs`, `waker.rs`: the loop's holders and the waker.
//! - `join.rs`, `error.rs`: [`JoinHandle`], [`Cancel`], [`JoinError`].
//! - `yield_now.rs`: [`yield_now`].

pub(crate) mod birth;
pub(crate) mod cause;
#[allow(unsafe_code)]
pub(crate) mod cell;
#[allow(unsafe_code)]
pub(crate) mod chunk;
mod count;
pub(crate) mod current;
mod error;
#[allow(unsafe_code)]
pub(crate) mod first_waker;
pub(crate) mod header;
mod id;
mod join;
#[allow(unsafe_code)]
mod joiner;
mod key;
mod name;
#[allow(unsafe_code)]
pub(crate) mod owner;
pub(crate) mod schedule;
#[allow(unsafe_code)]
mod stage;
mod state;
#[allow(unsafe_code)]
pub(crate) mod task_ref;
pub(crate) mod vtable;
#[allow(unsafe_code)]
mod wait;
#[allow(unsafe_code)]
mod waker;
mod yield_now;

pub use cause::WakeCause;
pub(crate) use cause::{PackedCause, Source};
pub use error::JoinError;
pub(crate) use header::{Header, Spawn};
pub use id::TaskId;
pub(crate) use join::Canceller;
pub use join::{Cancel, CancelHandle, CancelOnDrop, JoinHandle};
pub(crate) use key::TaskKey;
pub use name::TaskName;
pub use state::TaskState;
pub(crate) use state::{AfterPoll, CancelStep, StartPoll};
pub(crate) use task_ref::{TaskRef, WokenTask};
pub(crate) use vtable::{Polled, panic_message};
pub use wait::WaitOn;
pub(crate) use wait::{Label, Wait};
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
    current::note(wait);
}

//! Combinators: waiting for several things at once (asyncio's `gather`,
//! `wait`, `as_completed`, `TaskGroup`, `shield`, and the "first one wins"
//! pattern).
//!
//! | you want…                                         | use                          |
//! |---------------------------------------------------|------------------------------|
//! | every result, in the order you gave               | [`gather`], [`gather_all`], [`gather!`](crate::gather!) |
//! | to decide after the first one (or first failure)  | [`wait`]                     |
//! | each result as soon as it is there                | [`as_completed`]             |
//! | the first result, dropping the rest               | [`race`], [`select`]         |
//! | children that live and die together               | [`TaskGroup`]                |
//! | a child that must be ready before you go on       | [`TaskGroup::start`]         |
//! | a pool to spawn into and collect in finishing order | [`TaskSet`]                |
//! | work that must finish even if you are cancelled   | [`shield`]                   |
//! | a deadline you can move, or a block to cancel     | [`CancelScope`], [`move_on_after`], [`fail_after`] |
//! | the first of N different futures, with patterns   | [`select!`](crate::select!)  |
//! | N different futures, all of them (or the first `Err`) | [`join!`](crate::join!), [`try_join!`](crate::try_join!) |
//!
//! # How cancellation spreads
//!
//! In Rust, cancelling a future *is* dropping it. A combinator that owns
//! futures drops them when it is dropped, so cancelling the task that awaits
//! it cancels them too. Tasks are different: dropping a [`JoinHandle`](crate::JoinHandle)
//! only detaches the task. So:
//!
//! - `gather` over plain futures: the futures live inside the `Gather`; if it
//!   is dropped (outer task cancelled, timeout) they are dropped. Over
//!   `JoinHandle`s: the tasks keep running, as asyncio's do when the outer
//!   `gather` is cancelled… almost: asyncio cancels the children of a
//!   cancelled `gather`; evloop leaves that decision to you (call
//!   [`JoinHandle::cancel`](crate::JoinHandle::cancel), or use a [`TaskGroup`]).
//! - [`TaskGroup`]: the first failure cancels every other child; dropping the
//!   group (or its `join` future) cancels every child.
//! - [`timeout`](crate::timeout): drops the inner future at the deadline.
//! - [`shield`]: the inner future runs as its own task; dropping the `Shield`
//!   does not cancel it.
//! - [`TaskSet`]: dropping the set cancels every member; a member's failure
//!   cancels nothing.
//! - [`CancelScope`]: when it fires, its work is dropped; a shielded scope
//!   inside puts that off until its own work is done.
//!
//! # A simplification
//!
//! `gather`, `wait` and `as_completed` poll each unfinished input when they
//! are woken, so a wake costs O(inputs). For the tens of tasks these are used
//! with that is nothing; `futures::FuturesUnordered` gives each input its own
//! waker to poll only the woken one, which is what a production runtime does
//! for thousands.

mod as_completed;
mod gather;
mod macros;
mod race;
mod scope;
mod select;
mod shield;
mod start;
mod task_group;
mod task_set;
mod wait;

pub use as_completed::{AsCompleted, as_completed};
pub use gather::{Gather, GatherAll, gather, gather_all};
#[doc(hidden)]
pub use gather::{GatherTuple, MaybeDone};
#[doc(hidden)]
pub use macros::{__all_branches_disabled, __branch_start};
pub use race::{EmptyRace, Race, race};
pub use scope::{
    CancelScope, FailAfter, MoveOn, RunUntilCancelled, TooSlow, fail_after, fail_at, move_on_after,
    move_on_at,
};
pub use select::{Either, Select, select};
pub use shield::{Shield, shield};
pub use start::{Start, StartError, TaskStatus};
pub use task_group::{ChildFailure, ChildFailureKind, GroupError, GroupJoin, TaskGroup};
pub use task_set::{JoinNext, JoinNextWithId, TaskSet};
pub use wait::{ReturnWhen, Wait, Waited, wait};

/// The chapter `docs/asyncio.md`, whose code blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/asyncio.md")]
pub struct AsyncioChapter;

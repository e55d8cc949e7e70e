//! The executor: the loop that polls tasks.
//!
//! - [`runtime`](self): [`Runtime`], the public face, and the free functions
//!   [`spawn`], [`run`].
//! - `core`: the machine itself: one turn of the loop (diagram there).
//! - `tasks`: the task table (a slab with generations).
//! - `policy`: the ready queue and the order it is served in (FIFO, LIFO,
//!   seeded random, PCT).
//! - `schedule`: the choices a run made, as a replayable string.
//! - `shared`: the only part other threads touch (remote wakes, notify).
//! - `context`: which loop is running on this thread.
//! - `report`: what `step` and `run` tell you.
//! - `ctrl_c`: Ctrl-C interrupts the loop instead of killing the process.

mod builder;
pub(crate) mod context;
mod core;
mod ctrl_c;
mod policy;
mod report;
mod runtime;
mod schedule;
mod shared;
mod tasks;

pub use builder::Builder;
pub(crate) use core::Core;
pub use ctrl_c::interrupt_on_ctrl_c;
pub(crate) use policy::DEFAULT_PCT_STEPS;
pub use policy::{Divergence, Policy};
pub use report::{RunReport, StallReport, StepReport, StopReason};
pub use runtime::EnterGuard;
pub use runtime::{ClockError, Runtime, Subscription, UnknownTask, run, spawn, spawn_named};
pub use schedule::{Schedule, ScheduleError};
pub(crate) use shared::Shared;
pub use shared::{ExternalWork, Interrupter};
pub(crate) use tasks::Key;

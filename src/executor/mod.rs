//! The executor: the loop that polls tasks.
//!
//! The loop is a handful of parts, each owning its state, put together by
//! one short turn:
//!
//! ```text
//!            ┌─────────────── Runtime (runtime.rs, builder.rs) ───────────────┐
//!            │                                                                 │
//!            │   Core (core.rs): the parts           the turn (turn.rs):       │
//!            │   ├─ TaskTable      tasks.rs           1. collect  remote wakes,│
//!            │   ├─ Hook           hook.rs               I/O, due timers       │
//!            │   │  ├─ ReadyQueue  ready.rs, policy.rs 2. poll     (poll.rs)   │
//!            │   │  └─ Remote      remote.rs          3. idle     (idle.rs)    │
//!            │   ├─ TimerDriver    (time/)                                     │
//!            │   ├─ Reactor        (io/)                                       │
//!            │   ├─ Inspector      inspector.rs, finished.rs, busy.rs,         │
//!            │   │                 snapshot.rs                                 │
//!            │   ├─ Pool           pool.rs                                     │
//!            │   ├─ Lateness       lateness.rs                                 │
//!            │   └─ StallCheck     stall_check.rs                              │
//!            └─────────────────────────────────────────────────────────────────┘
//! ```
//!
//! The files, in reading order:
//!
//! - `tasks.rs`: the task table (a slab with generations);
//! - `policy.rs`, `ready.rs`: which ready task runs next, and the queue;
//! - `schedule.rs`: the choices a run made, as a replayable string;
//! - `trace.rs`: the choices of an exploring run with what each poll
//!   touched (for exhaustive exploration);
//! - `remote.rs`: the only part other threads touch (wakes, interrupts,
//!   closures sent from other threads);
//! - `handle/`: [`LoopHandle`], what other threads hold of the loop, and
//!   the `RemoteHandle` of a future they sent it;
//! - `hook.rs`: what every task carries to get back on the queues;
//! - `inspector.rs`, `finished.rs`, `busy.rs`: events, debug mode,
//!   finished tasks, the time each task's polls took;
//! - `pool.rs`: the worker threads of `to_thread`;
//! - `core.rs`: the parts put together; spawning; shutdown;
//! - `lateness.rs`: how late a timed sleep ends here, learned, so that a
//!   deadline nearer than that is waited for awake;
//! - `stall_check.rs`: how often, on the real clock, the loop may afford
//!   to look for a deadlock before it sleeps;
//! - `turn.rs`, `poll.rs`, `idle.rs`: one turn of the loop, step by step;
//! - `snapshot.rs`: the whole loop as plain data;
//! - `context.rs`: which loop is running on this thread;
//! - `current_task.rs`: from inside a task, the task itself and its loop;
//! - `report.rs`: what `step` and `run` tell you;
//! - `runtime.rs`, `controls.rs`, `spawn.rs`, `builder.rs`: the public face
//!   (the runtime, its three handles, the free functions, its settings).

mod builder;
mod busy;
mod carries;
pub(crate) mod context;
mod controls;
mod core;
pub(crate) mod current_task;
mod finished;
#[allow(unsafe_code)]
mod first_poll;
mod handle;
mod hook;
mod idle;
mod inspector;
mod lateness;
mod policy;
mod poll;
pub(crate) mod pool;
#[allow(unsafe_code)]
mod ready;
mod remote;
mod report;
mod runtime;
mod schedule;
mod snapshot;
mod spawn;
mod spin;
mod stall_check;
mod tasks;
pub(crate) mod trace;
mod turn;

pub use builder::Builder;
pub use controls::{DebugMode, Events, Scheduler, Subscription};
pub use current_task::{all_tasks, current_task};
pub use handle::{LoopClosed, LoopHandle, RemoteHandle};
pub use lateness::Sleeps;
pub(crate) use policy::DEFAULT_PCT_STEPS;
pub use policy::Policy;
pub(crate) use policy::Rng;
pub use ready::Divergence;
pub use remote::{ExternalWork, Interrupter};
pub use report::{RunError, RunErrorKind, RunReport, StallReport, StepReport, Stop};
pub use runtime::{EnterGuard, Runtime, UnknownTask};
pub use schedule::{Schedule, ScheduleError};
pub use spawn::{run, spawn, spawn_named};

//! Seeing inside the loop: snapshots, events, step reports.
//!
//! Three views of the same machine:
//!
//! - a [`Snapshot`] is the state at one moment (what the REPL prints after
//!   each step);
//! - the [`LoopEvent`] stream is every change, as it happens, with its clock time
//!   (what the REPL's `trace` and `timeline` are built from);
//! - a [`StepReport`](crate::StepReport) tells what one poll did.
//!
//! Events cost nothing when nobody listens beyond one branch per event site:
//! the loop keeps a `listening` flag that is true only while a subscriber or
//! the event log is active.

mod event;
mod primitive;
mod snapshot;

pub(crate) use event::EventLog;
pub use event::{LoopEvent, LoopEventKind, PollResult};
pub(crate) use primitive::InspectPrimitive;
pub use primitive::PrimitiveInfo;
pub use snapshot::{IoInfo, Snapshot, TaskInfo};

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
//! From inside a task, [`snapshot()`] takes the snapshot of the loop the
//! task runs on (and [`current_task`](crate::current_task),
//! [`all_tasks`](crate::all_tasks) tell the task itself and its peers).
//!
//! Each has its views as text, the ones the REPL prints (without colour):
//! `{snapshot}` is the queue and the tasks table ([`queue`],
//! [`waiting_tasks`], [`tasks_table`]); [`step_line`] a step report;
//! [`Timeline`] and [`timeline`] each task's life over an event log;
//! [`chrome_trace`] the log as Chrome trace-event JSON for Perfetto. They
//! write toned text onto a [`Canvas`], with words from [`Labels`]. And
//! [`replay_page`] writes the log as one self-contained HTML page that
//! replays the run poll by poll in a browser.
//!
//! Events cost nothing when nobody listens beyond one branch per event site:
//! the loop keeps a `listening` flag that is true only while a subscriber or
//! the event log is active.

mod chrome_trace;
mod event;
mod log;
mod primitive;
mod replay_page;
mod ring;
mod snapshot;
mod table;
mod text;
mod timeline;

pub use crate::executor::current_task::snapshot;
pub use chrome_trace::{chrome_trace, chrome_trace_of};
pub use event::{LoopEvent, LoopEventKind, PollResult};
pub(crate) use log::{EventLog, Record};
pub(crate) use primitive::InspectPrimitive;
pub use primitive::PrimitiveInfo;
pub use replay_page::{replay_page, replay_page_of};
pub(crate) use ring::Ring;
pub use snapshot::{IoInfo, Snapshot, TaskInfo};
pub use table::{queue, step_line, tasks_table, waiting_tasks};
pub use text::{
    Canvas, Labels, Names, Tone, format_duration, format_measured, state_word, text_width,
};
pub use timeline::{TIMELINE_WIDTH, Timeline, TimelineEvent, WaitKind, timeline};

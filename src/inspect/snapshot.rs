//! Snapshots: the whole loop as plain data, at one moment.

use std::time::Duration;

use super::PrimitiveInfo;
use crate::task::{TaskId, TaskState, WaitOn, WakeCause};
use crate::time::{ClockKind, Instant, TimerInfo};

/// Everything the loop holds at one moment: the clock, the tasks, the ready
/// queue and the timers. Plain data: print it, compare it, keep it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The loop's clock.
    pub now: Instant,
    /// Which clock.
    pub clock: ClockKind,
    /// Every live task and the recently finished ones (see
    /// [`Builder::keep_finished`](crate::Builder::keep_finished)), by id: spawn order.
    pub tasks: Vec<TaskInfo>,
    /// The ready queue, in the order a FIFO policy would poll it.
    pub ready: Vec<TaskId>,
    /// Pending timers, earliest first.
    pub timers: Vec<TimerInfo>,
    /// Live synchronization primitives (semaphores, queues, events, locks),
    /// in creation order, with who waits on them and who holds them.
    pub primitives: Vec<PrimitiveInfo>,
    /// Descriptors registered with the reactor, in token order.
    pub io: Vec<IoInfo>,
}

impl Snapshot {
    /// The task with this id.
    pub fn task(&self, id: TaskId) -> Option<&TaskInfo> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The first primitive with this name.
    pub fn primitive_named(&self, name: &str) -> Option<&PrimitiveInfo> {
        self.primitives.iter().find(|p| p.name == name)
    }

    /// The first task with this name.
    pub fn task_named(&self, name: &str) -> Option<&TaskInfo> {
        self.tasks.iter().find(|t| t.name == name)
    }
}

/// One task, as a snapshot sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskInfo {
    /// Its id.
    pub id: TaskId,
    /// Its name.
    pub name: String,
    /// Its state.
    pub state: TaskState,
    /// What it waits on, while `Waiting`.
    pub waiting_on: Option<WaitOn>,
    /// Why it was last made ready.
    pub last_cause: WakeCause,
    /// How many times it has been polled.
    pub polls: u64,
    /// How many wakes reached it.
    pub wakes: u64,
    /// Total real time spent in its polls (zero unless poll timing is on:
    /// debug mode, or [`Builder::poll_timing`](crate::Builder::poll_timing)).
    pub busy: Duration,
    /// When it was spawned, on the loop's clock.
    pub spawned_at: Instant,
    /// When it finished, if it has.
    pub finished_at: Option<Instant>,
    /// The task that spawned it.
    pub parent: Option<TaskId>,
}

impl TaskInfo {
    /// Time since spawn (until it finished, for finished tasks).
    pub fn age(&self, now: Instant) -> Duration {
        self.finished_at.unwrap_or(now) - self.spawned_at
    }
}

/// One descriptor registered with the reactor, as a snapshot sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoInfo {
    /// The file descriptor.
    pub fd: i32,
    /// Registered for read readiness.
    pub readable_interest: bool,
    /// Registered for write readiness.
    pub writable_interest: bool,
    /// The reactor believes a read would not block (a cached edge).
    pub ready_readable: bool,
    /// The reactor believes a write would not block (a cached edge).
    pub ready_writable: bool,
    /// Tasks waiting to read: id and name.
    pub readers: Vec<(TaskId, String)>,
    /// Tasks waiting to write: id and name.
    pub writers: Vec<(TaskId, String)>,
}

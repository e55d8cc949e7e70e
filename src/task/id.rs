//! Task identity: ids, names, states, and the reasons a task is waiting.

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use crate::time::Instant;

/// A task's id: a number unique within its runtime, never reused.
///
/// Ids count up from 1 in spawn order, so `#3` is the third task spawned. The
/// future given to [`Runtime::block_on`](crate::Runtime::block_on) is a task too
/// (named `main`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id as a plain number.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A task's name: given at spawn, or `task-N` by default.
///
/// Stored without allocating for the default and for `&'static str` names, so
/// naming costs nothing on the spawn hot path.
#[derive(Clone, Debug)]
pub(crate) enum TaskName {
    Default(TaskId),
    Static(&'static str),
    Owned(Arc<str>),
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskName::Default(id) => write!(f, "task-{}", id.0),
            TaskName::Static(s) => f.write_str(s),
            TaskName::Owned(s) => f.write_str(s),
        }
    }
}

/// Where a task is in its life. See the diagram in [`crate::task`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// In the ready queue, waiting for its turn to be polled.
    Ready,
    /// Being polled right now.
    Running,
    /// Returned `Pending`; waits for its waker to fire.
    Waiting,
    /// Returned its output.
    Done,
    /// Cancelled through [`JoinHandle::cancel`](crate::JoinHandle::cancel) (or by a group or timeout).
    Cancelled,
    /// Panicked while being polled.
    Panicked,
}

impl TaskState {
    /// True for `Done`, `Cancelled` and `Panicked`: the task will never be polled again.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Cancelled | TaskState::Panicked
        )
    }

    /// The lower-case word used by the REPL and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Ready => "ready",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
            TaskState::Done => "done",
            TaskState::Cancelled => "cancelled",
            TaskState::Panicked => "panicked",
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a waiting task is waiting on, as noted by the future it is parked in.
///
/// Every leaf future of evloop (a sleep, a join handle, a socket, a semaphore…)
/// notes what it waits on when it returns `Pending`; the last note of a poll is
/// what [`snapshot`](crate::Runtime::snapshot) shows. A future evloop did not
/// write notes nothing, and shows as [`WaitOn::Other`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitOn {
    /// A timer: a sleep, an interval or a timeout, due at this instant.
    Timer(Instant),
    /// Another task's completion (awaiting its [`JoinHandle`](crate::JoinHandle)).
    Task(TaskId),
    /// Readiness of a file descriptor.
    Io {
        /// The file descriptor.
        fd: i32,
        /// Waiting to read.
        readable: bool,
        /// Waiting to write.
        writable: bool,
    },
    /// A synchronization primitive, such as a semaphore, queue, event or lock.
    Primitive {
        /// What kind of primitive: `"semaphore"`, `"queue"`, …
        kind: &'static str,
        /// The primitive's name (shared with the primitive: noting a wait
        /// does not allocate).
        name: Rc<str>,
    },
    /// A job running on a worker thread (`to_thread`).
    Thread,
    /// Something evloop cannot see into (a future from another crate).
    Other,
}

/// The readiness direction in words, as waits and wakes print it.
fn direction(readable: bool, writable: bool) -> &'static str {
    match (readable, writable) {
        (true, true) => "readable+writable",
        (true, false) => "readable",
        (false, true) => "writable",
        (false, false) => "neither readable nor writable",
    }
}

impl fmt::Display for WaitOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitOn::Timer(at) => write!(f, "timer @{at}"),
            WaitOn::Task(id) => write!(f, "task {id}"),
            WaitOn::Io {
                fd,
                readable,
                writable,
            } => write!(f, "fd {fd} {}", direction(*readable, *writable)),
            WaitOn::Primitive { kind, name } => write!(f, "{kind} {name}"),
            WaitOn::Thread => f.write_str("worker thread"),
            WaitOn::Other => f.write_str("something else"),
        }
    }
}

/// Why a task was put in the ready queue: what woke it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeCause {
    /// Just spawned: the first poll.
    Spawned,
    /// The task woke itself while being polled (as [`yield_now`](crate::yield_now) does).
    Yield,
    /// Another task woke it while being polled (it sent, released, finished…).
    Task(TaskId),
    /// A timer it waited on fired.
    Timer,
    /// A file descriptor it waited on became ready.
    Io {
        /// The file descriptor.
        fd: i32,
        /// It became readable.
        readable: bool,
        /// It became writable.
        writable: bool,
    },
    /// A waker was called on another thread (a worker thread, a user thread).
    Thread,
    /// A waker was called on the loop's thread, outside any task (for example
    /// between two `step`s, or by a plain callback).
    Outside,
}

impl fmt::Display for WakeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WakeCause::Spawned => f.write_str("first poll"),
            WakeCause::Yield => f.write_str("yielded"),
            WakeCause::Task(id) => write!(f, "woken by task {id}"),
            WakeCause::Timer => f.write_str("woken by timer"),
            WakeCause::Io {
                fd,
                readable,
                writable,
            } => write!(
                f,
                "woken by I/O (fd {fd} {})",
                direction(*readable, *writable)
            ),
            WakeCause::Thread => f.write_str("woken by another thread"),
            WakeCause::Outside => f.write_str("woken from outside the loop"),
        }
    }
}

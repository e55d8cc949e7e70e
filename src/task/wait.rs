//! `WaitOn`: what a parked task waits for, in words the loop can show.
//!
//! A future that returns `Pending` has stored its waker somewhere; the loop
//! cannot see where. So every leaf future of evloop (a sleep, a join handle,
//! a socket, a semaphore…) *notes* what it waits on just before it returns
//! `Pending` ([`note_wait`](super::note_wait)), and the loop keeps the last
//! note of each poll: that is what snapshots, step reports and deadlock
//! reports show.

use std::fmt;
use std::rc::Rc;

use super::TaskId;
use crate::clock::Instant;

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
pub(super) fn direction(readable: bool, writable: bool) -> &'static str {
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

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

/// A primitive's kind and name, shared by the primitive and every wait on
/// it: a task's header points to it with one word.
#[derive(Debug)]
pub(crate) struct Label {
    pub(crate) kind: &'static str,
    pub(crate) name: Rc<str>,
}

impl Label {
    pub(crate) fn new(kind: &'static str, name: Rc<str>) -> Rc<Label> {
        Rc::new(Label { kind, name })
    }
}

/// [`WaitOn`] as a task's header keeps it and a poll notes it: 16 bytes
/// instead of 40, since a primitive's kind and name sit behind one shared
/// pointer (its [`Label`]). It is what every parked task carries; the public
/// `WaitOn` is made from it only when somebody looks (a snapshot, an event,
/// a step report).
#[derive(Clone, Debug)]
pub(crate) enum Wait {
    Timer(Instant),
    Task(TaskId),
    Io {
        fd: i32,
        readable: bool,
        writable: bool,
    },
    Primitive(Rc<Label>),
    Thread,
    Other,
}

impl Wait {
    /// The wait in the public form.
    pub(crate) fn unpack(&self) -> WaitOn {
        match self {
            Wait::Timer(at) => WaitOn::Timer(*at),
            Wait::Task(id) => WaitOn::Task(*id),
            Wait::Io {
                fd,
                readable,
                writable,
            } => WaitOn::Io {
                fd: *fd,
                readable: *readable,
                writable: *writable,
            },
            Wait::Primitive(label) => WaitOn::Primitive {
                kind: label.kind,
                name: label.name.clone(),
            },
            Wait::Thread => WaitOn::Thread,
            Wait::Other => WaitOn::Other,
        }
    }
}

impl From<WaitOn> for Wait {
    /// Packs a wait given in words; a primitive's gets a label of its own
    /// (evloop's primitives note theirs, shared, without this).
    fn from(wait: WaitOn) -> Wait {
        match wait {
            WaitOn::Timer(at) => Wait::Timer(at),
            WaitOn::Task(id) => Wait::Task(id),
            WaitOn::Io {
                fd,
                readable,
                writable,
            } => Wait::Io {
                fd,
                readable,
                writable,
            },
            WaitOn::Primitive { kind, name } => Wait::Primitive(Label::new(kind, name)),
            WaitOn::Thread => Wait::Thread,
            WaitOn::Other => Wait::Other,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_packed_wait_is_two_words_and_unpacks_to_what_was_noted() {
        assert_eq!(std::mem::size_of::<Option<Wait>>(), 16);
        let every = [
            WaitOn::Timer(Instant::from_start(Duration::from_millis(3))),
            WaitOn::Task(TaskId(7)),
            WaitOn::Io {
                fd: 4,
                readable: true,
                writable: false,
            },
            WaitOn::Primitive {
                kind: "queue",
                name: "jobs".into(),
            },
            WaitOn::Thread,
            WaitOn::Other,
        ];
        for wait in every {
            assert_eq!(Wait::from(wait.clone()).unpack(), wait);
        }
    }

    #[test]
    fn a_primitive_wait_shares_the_primitives_label() {
        let label = Label::new("semaphore", "pool".into());
        let wait = Wait::Primitive(label.clone());
        assert_eq!(Rc::strong_count(&label), 2);
        let WaitOn::Primitive { name, .. } = wait.unpack() else {
            panic!("a primitive's wait");
        };
        assert!(Rc::ptr_eq(&name, &label.name), "the name is not copied");
    }
}

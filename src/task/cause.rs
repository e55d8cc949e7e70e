//! `WakeCause`: why a task was put back on the ready queue, and how the loop
//! knows it.
//!
//! A waker does not say who called it. The loop knows who is calling wakers
//! *right now* instead (the [`Source`]): while task #3 is polled, every wake
//! on the loop's thread is "by task #3" (or "yielded", when #3 woke itself);
//! while timers fire, every wake is "by timer"; a wake that arrives through
//! the remote queue came from another thread.

use std::fmt;

use super::wait::{direction, pack_io, unpack_io};
use super::{TaskId, TaskKey};

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

/// A [`WakeCause`] in the 8 bytes a task's header gives it (the enum takes
/// 16): a tag in the low three bits, the task id or the descriptor and its
/// directions above. Ids are counted from 1 and never reach 2^61.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PackedCause(u64);

impl PackedCause {
    const SPAWNED: u64 = 0;
    const YIELD: u64 = 1;
    const TASK: u64 = 2;
    const TIMER: u64 = 3;
    const IO: u64 = 4;
    const THREAD: u64 = 5;
    const OUTSIDE: u64 = 6;

    #[inline]
    pub(crate) fn pack(cause: WakeCause) -> PackedCause {
        PackedCause(match cause {
            WakeCause::Spawned => Self::SPAWNED,
            WakeCause::Yield => Self::YIELD,
            WakeCause::Task(id) => (id.0 << 3) | Self::TASK,
            WakeCause::Timer => Self::TIMER,
            WakeCause::Io {
                fd,
                readable,
                writable,
            } => (pack_io(fd, readable, writable) << 3) | Self::IO,
            WakeCause::Thread => Self::THREAD,
            WakeCause::Outside => Self::OUTSIDE,
        })
    }

    /// The word itself (the event log keeps it).
    #[inline]
    pub(crate) fn bits(self) -> u64 {
        self.0
    }

    /// A word [`bits`](Self::bits) gave.
    #[inline]
    pub(crate) fn from_bits(bits: u64) -> PackedCause {
        PackedCause(bits)
    }

    /// The first poll's cause: the task was queued, not woken.
    #[inline]
    pub(crate) fn is_spawned(self) -> bool {
        self.0 & 7 == Self::SPAWNED
    }

    #[inline]
    pub(crate) fn unpack(self) -> WakeCause {
        let bits = self.0;
        match bits & 7 {
            Self::SPAWNED => WakeCause::Spawned,
            Self::YIELD => WakeCause::Yield,
            Self::TASK => WakeCause::Task(TaskId(bits >> 3)),
            Self::TIMER => WakeCause::Timer,
            Self::IO => {
                let (fd, readable, writable) = unpack_io(bits >> 3);
                WakeCause::Io {
                    fd,
                    readable,
                    writable,
                }
            }
            Self::THREAD => WakeCause::Thread,
            _ => WakeCause::Outside,
        }
    }
}

/// Who is calling wakers on the loop's thread right now: how a wake learns
/// its cause. The loop sets it around each poll and each batch of timer or
/// I/O wakes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// The task with this key and id is being polled: its wakes are "by
    /// task X", or "yielded" when it wakes itself.
    Task(TaskKey, TaskId),
    /// Anyone else calling wakers gives every wake the same cause: the timer
    /// driver firing (`Timer`), the reactor dispatching readiness (`Io`), or
    /// code outside any task (`Outside`).
    Other(WakeCause),
}

impl Source {
    /// The cause of a wake of the task at `key` made now.
    pub(crate) fn cause_for(self, key: TaskKey) -> WakeCause {
        match self {
            Source::Task(k, _) if k == key => WakeCause::Yield,
            Source::Task(_, id) => WakeCause::Task(id),
            Source::Other(cause) => cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_survives_packing() {
        let causes = [
            WakeCause::Spawned,
            WakeCause::Yield,
            WakeCause::Task(TaskId(1)),
            WakeCause::Task(TaskId((1 << 61) - 1)),
            WakeCause::Timer,
            WakeCause::Io {
                fd: 0,
                readable: true,
                writable: false,
            },
            WakeCause::Io {
                fd: i32::MAX,
                readable: false,
                writable: true,
            },
            WakeCause::Io {
                fd: -1,
                readable: true,
                writable: true,
            },
            WakeCause::Thread,
            WakeCause::Outside,
        ];
        for cause in causes {
            assert_eq!(PackedCause::pack(cause).unpack(), cause);
        }
    }
}

//! The loop's side of the schedule hook: where a woken task goes.
//!
//! Every task of this loop carries an `Arc<Hook>` (see
//! [`task::schedule`](crate::task::schedule)); a wake calls it and does
//! nothing else:
//!
//! ```text
//!   Hook ─┬─ here (the loop's thread only, a LoopBound):
//!         │     ready: the ready queue          ◀── schedule_here: record the
//!         │     source: who calls wakers now         cause, push the task
//!         │     host: the loop, weakly          ◀── a JoinHandle's cancel
//!         └─ remote: Arc<Remote> (any thread)   ◀── schedule_remote: lock, push,
//!                                                    notify the loop once
//! ```
//!
//! Nothing here borrows the rest of the loop, counts anything beyond the
//! task's own header, or runs user code: the loop takes the wakes in later
//! (`Core::take_in`) and tells listeners then.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use super::carries::Carries;
use super::ready::ReadyQueue;
use super::remote::Remote;
use crate::task::owner::{HomeOnly, LoopBound, OnThread, ThreadKey};
use crate::task::schedule::{Host, Schedule};
use crate::task::{Source, TaskKey, WakeCause, WokenTask};

/// What a wake on the loop's thread may touch.
///
/// On cache lines of its own: the loop writes the ready queue at every
/// wake and poll, and a wake from another thread reads the hook's owner
/// and remote queue beside it. Sharing a line, each such wake would pull
/// the ready queue's line to the other thread and back.
#[repr(align(64))]
pub(crate) struct Here {
    /// The ready queue.
    pub(crate) ready: RefCell<ReadyQueue>,
    /// Who is calling wakers now: how a wake learns its cause.
    pub(crate) source: Cell<Source>,
    /// The high halves of the poll and wake counts that wrapped.
    pub(crate) carries: Carries,
    /// The loop, for a task's handles (`Schedule::host`): held here, once,
    /// rather than in every handle. The loop empties it as it goes
    /// ([`Here::forget_host`]), on its own thread.
    host: HomeOnly<RefCell<Weak<dyn Host>>>,
}

impl Here {
    /// Puts a dangling pointer, which owns nothing, in place of the loop's:
    /// the hook may outlive the loop and be dropped on another thread (with
    /// a task's last waker), where the loop's own weak pointer must not be.
    pub(crate) fn forget_host(&self, on: &OnThread) {
        if let Some(host) = self.host.get(on) {
            let dangling: Weak<dyn Host> = Weak::<super::core::Core>::new();
            drop(host.replace(dangling));
        }
    }
}

/// The schedule hook every task of one loop carries.
pub(crate) struct Hook {
    here: LoopBound<Here>,
    pub(crate) remote: Arc<Remote>,
}

impl Hook {
    pub(crate) fn new(ready: ReadyQueue, remote: Arc<Remote>, host: Weak<dyn Host>) -> Hook {
        Hook {
            here: LoopBound::new(Here {
                ready: RefCell::new(ready),
                source: Cell::new(Source::Other(WakeCause::Outside)),
                carries: Carries::default(),
                host: HomeOnly::new(RefCell::new(host)),
            }),
            remote,
        }
    }

    /// The loop's own part, to the loop (whose `on` proves where it runs).
    ///
    /// # Panics
    ///
    /// On any thread but the loop's (the loop's code runs only there: a
    /// `Runtime` is neither `Send` nor `Sync`).
    #[inline]
    pub(crate) fn here(&self, on: &OnThread) -> &Here {
        self.here
            .get(on)
            .expect("the loop's part of the schedule hook is used on the loop's thread only")
    }
}

// ANCHOR: schedule
impl Schedule for Arc<Hook> {
    #[inline]
    fn owner(&self) -> ThreadKey {
        self.here.owner()
    }

    #[inline]
    fn schedule_here(&self, task: WokenTask<'_>, on: &OnThread) {
        let header = task.header();
        match self.here.get(on) {
            Some(here) => {
                if header.record_wake(here.source.get().cause_for(header.key())) {
                    here.carries.wake_wrapped(header.key());
                }
                here.ready.borrow_mut().push(task.task_ref());
            }
            // A task woken on its own thread belongs to the loop of that
            // thread; should that ever not hold, the key still gets home.
            None => self.remote.push(header.key()),
        }
    }

    fn schedule_remote(&self, key: TaskKey) {
        self.remote.push(key);
    }

    fn host(&self, on: &OnThread) -> Option<Rc<dyn Host>> {
        self.here.get(on)?.host.get(on)?.borrow().upgrade()
    }
}
// ANCHOR_END: schedule

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Here, Hook, ReadyQueue, Remote};
    use crate::executor::Policy;
    use crate::task::owner::OnThread;

    /// A cache line holds 64 bytes on the machines evloop runs on.
    fn lines_of(start: usize, len: usize) -> std::ops::Range<usize> {
        start / 64..(start + len).div_ceil(64)
    }

    #[test]
    fn what_other_threads_read_shares_no_line_with_the_ready_queue() {
        let host = std::rc::Weak::<crate::executor::core::Core>::new();
        let hook = Hook::new(ReadyQueue::new(Policy::Fifo), Arc::new(Remote::new()), host);
        let here = hook.here(&OnThread::current());
        let here_at = std::ptr::from_ref(here).addr();
        // Whole lines: nothing else of the hook (its owner, the remote
        // queue's pointer) can share one with it.
        assert_eq!(here_at % 64, 0, "the loop's part starts a line");
        assert_eq!(size_of::<Here>() % 64, 0, "the loop's part ends a line");
        let here_lines = lines_of(here_at, size_of::<Here>());
        let remote = lines_of(
            std::ptr::from_ref(&hook.remote).addr(),
            size_of::<Arc<Remote>>(),
        );
        assert!(
            !here_lines.contains(&remote.start) && !here_lines.contains(&(remote.end - 1)),
            "the remote queue's pointer is on a line of the loop's part: {remote:?} in {here_lines:?}"
        );
    }
}

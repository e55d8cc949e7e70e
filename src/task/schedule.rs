//! The schedule hook: the one thing a task knows about whoever runs it.
//!
//! A task never names its loop. Like async-task's `schedule` function, it is
//! given a *hook* at spawn and carries it in its allocation; its waker calls
//! the hook and nothing else. The executor implements the hook (see
//! `executor/remote.rs`); this layer only calls it:
//!
//! ```text
//!   waker.wake()
//!     │ state.wake(): already queued? ──▶ nothing to do
//!     ▼
//!   on the loop's thread? ──yes──▶ hook.schedule_here(header)   push on the ready queue
//!     │no                                                       (no lock, no syscall)
//!     ▼
//!   hook.schedule_remote(key)                                   push on the remote queue,
//!                                                               notify the loop once
//! ```
//!
//! A task's [`JoinHandle`](super::JoinHandle) needs one more thing from the
//! loop, on the loop's thread only: to cancel the task (the loop takes it
//! out of its table) and to say when a failure will never be read. That is
//! the [`Host`] trait, which the handle reaches through the task's own hook
//! (the hook holds the loop weakly), so that the handle is one pointer.

use std::rc::Rc;

use super::owner::{OnThread, ThreadKey};
use super::{Cancel, Header, TaskKey, WokenTask};

/// How a woken task gets back on its loop's ready queue. Called by the
/// task's waker, at most once per wake that found the task not queued.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// The thread whose loop runs the task (a constant: any thread may ask,
    /// and a waker asks to choose between the two paths below). The hook
    /// keeps it once for every task of its loop, so a task's header does not.
    fn owner(&self) -> ThreadKey;

    /// A wake on the loop's own thread (`on` proves it): the task's header
    /// may be read, the hook records the wake's cause in it, and the ready
    /// queue takes a reference to the task.
    fn schedule_here(&self, task: WokenTask<'_>, on: &OnThread);

    /// A wake on any other thread: only the key travels.
    fn schedule_remote(&self, key: TaskKey);

    /// The loop that runs the task, if it is still there, to a handle on
    /// the loop's thread (`on` proves it). The handle finds its host here,
    /// through the task it points to, instead of keeping a pointer of its
    /// own: a [`JoinHandle`](super::JoinHandle) is one word, as a task
    /// pointer is.
    fn host(&self, on: &OnThread) -> Option<Rc<dyn Host>>;
}

/// What a task's handle may ask of the loop that runs it (loop's thread only).
pub(crate) trait Host {
    /// Cancels the task: drops its future where it is parked.
    fn cancel(&self, task: &Header) -> Cancel;

    /// The handle went away while the task's failure was never read.
    fn failure_unread(&self, task: &Header, message: String);

    /// Someone looked at whether the task has ended (for the explorer:
    /// that question and the task's own end do not commute).
    fn observed(&self, task: &Header);
}

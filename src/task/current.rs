//! The task being polled on this thread, and what it says it waits on.
//!
//! The loop marks a task as "the one being polled" for the length of each
//! poll ([`polling`]). Code running inside the poll reads it without any
//! handle: a timer records which task set it, a semaphore which task waits
//! in its line, `to_thread` which task started a job. And a leaf future
//! about to return `Pending` notes here what it waits on
//! ([`note_wait`](super::note_wait)); the loop takes the note when the poll
//! returns.

use std::cell::Cell;
use std::task::RawWakerVTable;

use super::TaskId;
use super::wait::{Label, Wait, WaitOn};
use std::rc::Rc;

/// Plain values only (no destructor): reading and writing this costs one
/// thread-local access, with no lazy registration, on every poll.
struct Polling {
    /// The id of the task being polled, 0 for none (ids count from 1): one
    /// word, where an `Option<TaskId>` is two, to save and restore around
    /// every poll.
    task: Cell<u64>,
    /// The waker vtable of the task polled last: how a handle knows that
    /// the waker awaiting it is a task's (see [`joiner`](super::joiner)).
    /// Never cleared: a waker with a task's vtable is that task's wherever
    /// it is met, so a stale value is as good as a fresh one.
    waker: Cell<Option<&'static RawWakerVTable>>,
    /// True while a gather polls its inputs (see [`gathering`]).
    gathering: Cell<bool>,
    /// True once the poll in progress noted a wait (so a poll of a future
    /// that notes nothing, a `yield_now`, never touches `NOTED`).
    noted: Cell<bool>,
}

thread_local! {
    static POLLING: Polling = const {
        Polling {
            task: Cell::new(0),
            waker: Cell::new(None),
            gathering: Cell::new(false),
            noted: Cell::new(false),
        }
    };
    static NOTED: Cell<Option<Wait>> = const { Cell::new(None) };
}

/// The task being polled on this thread, if a poll is in progress.
pub(crate) fn task() -> Option<TaskId> {
    POLLING.with(|p| id(p.task.get()))
}

/// An id as `Polling` keeps it.
#[inline(always)]
fn id(word: u64) -> Option<TaskId> {
    (word != 0).then_some(TaskId(word))
}

/// The waker vtable of the task polled last on this thread (a compared
/// pointer only: see [`joiner`](super::joiner)).
#[inline]
pub(crate) fn task_waker_vtable() -> Option<&'static RawWakerVTable> {
    POLLING.with(|p| p.waker.get())
}

/// Notes `wait` for the task being polled (outside a poll it is dropped).
pub(crate) fn note(wait: WaitOn) {
    note_packed(Wait::from(wait));
}

/// Notes a wait on the primitive labelled `label` (shared: no allocation).
pub(crate) fn note_primitive(label: &Rc<Label>) {
    note_packed(Wait::primitive(label.clone()));
}

/// Notes `wait`, already in the header's form.
fn note_packed(wait: Wait) {
    if POLLING.with(|p| {
        let polling = p.task.get() != 0;
        p.noted.set(p.noted.get() || polling);
        polling
    }) {
        let _ = NOTED.try_with(|n| drop(n.replace(Some(wait))));
    }
}

/// Runs `poll` keeping the note the poll in progress already left: a
/// timeout's own timer is a second wait, and what the task is in line for
/// is the future inside it (a semaphore, a socket), which noted first.
pub(crate) fn keeping_note<R>(poll: impl FnOnce() -> R) -> R {
    if !POLLING.with(|p| p.noted.get()) {
        return poll();
    }
    let kept = NOTED.try_with(Cell::take).ok().flatten();
    let out = poll();
    let _ = NOTED.try_with(|n| n.set(kept));
    out
}

/// Runs `poll` as a gather polling its inputs: a task handle polled there
/// counts its task's failure as retrieved, whatever the gather then does
/// with it (asyncio's gather marks the exception of a child that fails after
/// the gather returned as retrieved, too).
pub(crate) fn gathering<R>(poll: impl FnOnce() -> R) -> R {
    let outer = POLLING.with(|p| p.gathering.replace(true));
    let out = poll();
    POLLING.with(|p| p.gathering.set(outer));
    out
}

/// True while a gather polls its inputs (asked by every poll of a handle).
#[inline]
pub(crate) fn in_gather() -> bool {
    POLLING.with(|p| p.gathering.get())
}

/// Marks `task` as being polled until [`PollScope::end`]. `waker` is the
/// vtable of the task's wakers (`None` for a poll lent another kind of
/// waker: the one before stays).
#[inline]
pub(crate) fn polling(task: TaskId, waker: Option<&'static RawWakerVTable>) -> PollScope {
    debug_assert_ne!(task.0, 0, "task ids count from 1");
    let previous = POLLING.with(|p| {
        p.noted.set(false);
        if waker.is_some() {
            p.waker.set(waker);
        }
        p.task.replace(task.0)
    });
    PollScope { previous }
}

/// One poll in progress; ending it gives the note the poll left.
#[must_use = "end the scope to take the task's note"]
pub(crate) struct PollScope {
    /// The task polled before (as `Polling` keeps it).
    previous: u64,
}

impl PollScope {
    /// The poll returned: what the task said it waits on (its last note).
    #[inline]
    pub(crate) fn end(self) -> Option<Wait> {
        if self.end_noting() { take_note() } else { None }
    }

    /// The poll returned: whether the task noted a wait, which
    /// [`take_note`] then gives. Cheaper than [`end`](PollScope::end) where
    /// the note is seldom wanted (a first poll that finished): no
    /// `Option<Wait>` is moved.
    #[inline]
    pub(crate) fn end_noting(self) -> bool {
        POLLING.with(|p| {
            p.task.set(self.previous);
            p.noted.replace(false)
        })
    }
}

/// The note the last poll left, taken (after [`PollScope::end_noting`]
/// said there is one).
pub(crate) fn take_note() -> Option<Wait> {
    NOTED.try_with(Cell::take).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_outside_a_poll_is_dropped_and_the_last_note_wins() {
        note(WaitOn::Thread);
        assert_eq!(task(), None);
        let scope = polling(TaskId(7), None);
        assert_eq!(task(), Some(TaskId(7)));
        note(WaitOn::Thread);
        note(WaitOn::Other);
        assert_eq!(scope.end().map(|w| w.unpack()), Some(WaitOn::Other));
        assert_eq!(task(), None);
        assert!(polling(TaskId(8), None).end().is_none(), "nothing noted");
    }
}

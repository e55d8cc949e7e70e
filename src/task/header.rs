//! The part of a task every layer can see: identity, state and counters.
//!
//! A header is the first field of the task's single allocation (see
//! [`cell`](super::cell)), so a pointer to the task *is* a pointer to its
//! header: that is what the loop's [`TaskRef`](super::TaskRef)s and the
//! task's wakers hold, whatever the future's type. The [`TaskVTable`]
//! pointer inside tells them what to do with the rest.
//!
//! Two kinds of fields, by who may touch them:
//!
//! - `index`, `id` (together the task's key), `state.queued` and `strong`:
//!   any thread (a waker elsewhere reaches them through raw place
//!   projections, never a `&Header`; the thread the task belongs to is its
//!   hook's `owner`, one for the whole loop);
//! - everything else: the loop's thread only. They are `Cell`s, so the loop
//!   updates counters while the task is being polled without any borrow.

use std::cell::Cell;
use std::rc::Rc;
use std::task::Waker;

use super::birth::Birth;
use super::cause::PackedCause;
use super::count::Strong;
use super::joiner::Joiner;
use super::stage::StageTag;
use super::state::State;
use super::vtable::TaskVTable;
use super::wait::Wait;
use super::{TaskId, TaskKey, TaskName, WaitOn, WakeCause};
use crate::clock::Instant;

/// What the loop says about a task when it spawns it.
pub(crate) struct Spawn {
    pub(crate) id: TaskId,
    pub(crate) key: TaskKey,
    /// Its name, parent and spawn time, perhaps shared with its siblings.
    pub(crate) birth: Rc<Birth>,
}

/// The fields a wake and a poll touch come first, in declaration order
/// (`repr(C)`): the header begins the allocation, and what a wake touches
/// fills its first cache line, so waking and polling a task whose memory
/// has left the cache costs one or two misses instead of one per field
/// (perf annotate on workload D1, docs/performance.md). Spawn, finish and
/// snapshots read the rest.
#[repr(C)]
pub(crate) struct Header {
    /// Its slot in the loop's task table (any thread reads it). With the
    /// id, the task's [`key`](Header::key).
    pub(crate) index: u32,
    /// How many owners the allocation has: the loop's side, and each waker
    /// clone (any thread; see [`count`](super::count)).
    pub(crate) strong: Strong,
    /// The state machine; only `state.queued` is touched off the loop's thread.
    pub(crate) state: State,
    /// What the task's stage holds (its future, its outcome, or nothing)
    /// and whether it is borrowed (see [`stage`](super::stage)): the byte
    /// after the state's three, where the stage's own tag and a `RefCell`
    /// around it would add two words to every task.
    pub(crate) stage: StageTag,
    /// How many `TaskRef`s hold the task (see [`task_ref`](super::task_ref)).
    pub(crate) refs: Cell<u32>,
    /// What to do with the rest of the allocation.
    pub(crate) vtable: &'static TaskVTable,
    /// Why it was last made ready (8 bytes where a `WakeCause` takes 16).
    cause: Cell<PackedCause>,
    /// How many times a wake made it ready, and how many polls began, in
    /// 32 bits each: the loop keeps the carries of a count that wraps
    /// (`executor/carries.rs`).
    wakes: Cell<u32>,
    polls: Cell<u32>,
    /// Never changes (any thread reads it: its low half is the key's
    /// generation).
    pub(crate) id: TaskId,
    /// Who awaits this task's handle, woken when it finishes.
    join_waker: Joiner,
    /// What the task waits on, as noted by its last poll (a `Cell`, not a
    /// `RefCell`: the value is swapped, never borrowed).
    wait: Cell<Option<Wait>>,
    /// Its name, parent and spawn time, shared with the siblings spawned
    /// with it (see [`birth`](super::birth)); `None` once released.
    birth: Cell<Option<Rc<Birth>>>,
}

impl Header {
    #[inline]
    pub(crate) fn new(spawn: Spawn, vtable: &'static TaskVTable) -> Header {
        debug_assert_eq!(spawn.key, TaskKey::of(spawn.key.index, spawn.id));
        Header {
            index: spawn.key.index,
            strong: Strong::one(),
            state: State::new(),
            stage: StageTag::new(),
            refs: Cell::new(0),
            vtable,
            cause: Cell::new(PackedCause::pack(WakeCause::Spawned)),
            wakes: Cell::new(0),
            polls: Cell::new(0),
            id: spawn.id,
            join_waker: Joiner::new(),
            wait: Cell::new(None),
            birth: Cell::new(Some(spawn.birth)),
        }
    }

    /// Where the loop keeps the task: its slot, and its id as the slot's
    /// generation.
    #[inline]
    pub(crate) fn key(&self) -> TaskKey {
        TaskKey::of(self.index, self.id)
    }

    /// Shows `read` the task's birth record (`None` after [`release`](Header::release)).
    #[inline]
    fn with_birth<R>(&self, read: impl FnOnce(Option<&Birth>) -> R) -> R {
        let birth = self.birth.take();
        let out = read(birth.as_deref());
        // The cell is empty (`read` cannot reach the header): nothing to drop.
        std::mem::forget(self.birth.replace(birth));
        out
    }

    /// The task's birth record, shared (`None` after
    /// [`release`](Header::release)).
    #[inline]
    pub(crate) fn birth(&self) -> Option<Rc<Birth>> {
        let birth = self.birth.take();
        std::mem::forget(self.birth.replace(birth.clone()));
        birth
    }

    /// The task's name.
    #[inline]
    pub(crate) fn name(&self) -> TaskName {
        self.with_birth(|b| b.map_or(TaskName::default_for(self.id), |b| b.name(self.id)))
    }

    /// The compact forms, copied as they are into a finished task's record.
    #[inline]
    pub(crate) fn packed_cause(&self) -> PackedCause {
        self.cause.get()
    }

    /// Its name, parent and spawn time at once (what a spawn event tells):
    /// one look at the birth record instead of three.
    #[inline]
    pub(crate) fn origin(&self) -> (TaskName, Option<TaskId>, Instant) {
        self.with_birth(|b| Birth::origin_of(b, self.id))
    }

    /// `origin` without the name: whether it is the default one (see
    /// [`Birth::facts_of`]).
    pub(crate) fn origin_facts(&self) -> (bool, Option<TaskId>, Instant) {
        self.with_birth(Birth::facts_of)
    }

    /// A wake made the task ready: why, and one more wake. The same call on
    /// every path (a wake on the loop's thread, and the loop taking in a wake
    /// from another thread), so the count means one thing: a wake of a task
    /// that is already queued (or running and already woken) changes nothing
    /// and is not counted, on any thread; nor is the first poll after spawn.
    /// True when the count wrapped: the caller notes the carry.
    #[inline]
    #[must_use = "a wrapped count's carry must be noted (`Carries::wake_wrapped`)"]
    pub(crate) fn record_wake(&self, cause: WakeCause) -> bool {
        self.cause.set(PackedCause::pack(cause));
        let (wakes, wrapped) = self.wakes.get().overflowing_add(1);
        self.wakes.set(wakes);
        wrapped
    }

    /// A poll begins. True when the count wrapped: the caller notes the carry.
    #[inline]
    #[must_use = "a wrapped count's carry must be noted (`Carries::poll_wrapped`)"]
    pub(crate) fn count_poll(&self) -> bool {
        let (polls, wrapped) = self.polls.get().overflowing_add(1);
        self.polls.set(polls);
        wrapped
    }

    /// The low halves of the poll and wake counts (the whole counts are
    /// `Carries::counts`).
    #[inline]
    pub(crate) fn low_counts(&self) -> (u32, u32) {
        (self.polls.get(), self.wakes.get())
    }

    /// Sets the counts' low halves (to test their carries).
    #[cfg(test)]
    pub(crate) fn set_low_counts(&self, polls: u32, wakes: u32) {
        self.polls.set(polls);
        self.wakes.set(wakes);
    }

    /// What the task waits on (a copy).
    pub(crate) fn wait(&self) -> Option<WaitOn> {
        let wait = self.wait.take();
        let copy = wait.as_ref().map(Wait::unpack);
        self.wait.set(wait);
        copy
    }

    pub(crate) fn set_wait(&self, wait: Option<Wait>) {
        drop(self.wait.replace(wait));
    }

    /// Keeps `waker` to call when the task finishes (the latest one wins:
    /// one joiner per task).
    pub(crate) fn set_join_waker(&self, waker: &Waker) {
        self.join_waker.set(waker);
    }

    /// How the joiner's waker is kept: `"none"`, `"task"` or `"boxed"`.
    #[cfg(test)]
    pub(crate) fn joiner_kind(&self) -> &'static str {
        self.join_waker.kind()
    }

    /// Shows `visit` the waker of whoever awaits the task's handle.
    pub(crate) fn visit_join_waker(&self, visit: &mut dyn FnMut(&Waker)) {
        self.join_waker.visit(visit);
    }

    /// Wakes whoever awaits the task's handle.
    pub(crate) fn wake_joiner(&self) {
        if let Some(w) = self.join_waker.take() {
            w.wake();
        }
    }

    /// Drops the values that are not `Send` (the noted wait shares a
    /// primitive's `Rc` name) and any joiner's waker: the last loop-side
    /// reference is going (see [`task_ref`](super::task_ref)).
    pub(crate) fn release(&self) {
        drop(self.wait.take());
        drop(self.join_waker.take());
        drop(self.birth.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-task memory budget. The header is what makes a task
    /// inspectable (name, state, cause, wait, counters, timings) and is most
    /// of a parked task's cost (docs/performance.md, workload M): it may not
    /// grow by accident. Raise the bound only with a reason in that chapter.
    #[test]
    fn the_header_stays_within_its_budget() {
        // 72 bytes, the allocation's count of owners and the stage's tag
        // and borrow flag included: nothing precedes the header (an `Arc`
        // put 16 bytes of counts in front), the time spent in polls is kept
        // beside the task table (`executor/busy.rs`), the slot's generation
        // is the id's low half (`key.rs`), and the name, parent and spawn
        // time are one pointer to a record siblings share (`birth.rs`), and
        // a joiner's waker is one word (`joiner.rs`), and the poll and wake
        // counts 32 bits each (`executor/carries.rs`). With the schedule
        // hook (8) and a stage of up to 40 bytes (a five-word future), a
        // task is one 128-byte malloc chunk (docs/performance.md, M).
        assert!(
            std::mem::size_of::<Header>() <= 72,
            "Header grew to {} bytes",
            std::mem::size_of::<Header>()
        );
    }
}

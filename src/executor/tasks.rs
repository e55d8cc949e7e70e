//! The task table: a slab of live tasks, indexed by `Key`.
//!
//! A task is in the table exactly while its state is not finished: every
//! removal marks the header (`Done`, `Cancelled`, `Panicked`), which is how a
//! waker, going straight to its task's header, knows the task is gone
//! without looking here.
//!
//! A [`TaskKey`] is a slot index plus a generation, the low half of the
//! task's id. When a task finishes its slot is freed, and the slot's next
//! task has another id, so a stale key (held by a waker that outlived its
//! task, or sent by another thread's wake before the task ended) finds
//! nothing instead of a stranger.

use crate::task::{Header, TaskId, TaskKey, TaskRef};

/// A live task as the loop polls, cancels and finishes it: spawned (the loop
/// owns its future) or the root future of `block_on` (polled in place by
/// `block_on`, which owns it). `Core::slot` tells which.
#[derive(Clone)]
pub(crate) enum Slot {
    Task(TaskRef),
    /// The root's cell holds a future that is never polled: `block_on`
    /// polls its own future in place, with this cell's header and waker.
    Root(TaskRef),
}

impl Slot {
    pub(crate) fn task(&self) -> &TaskRef {
        match self {
            Slot::Task(t) | Slot::Root(t) => t,
        }
    }

    #[inline]
    pub(crate) fn header(&self) -> &Header {
        self.task().header()
    }

    /// True when no waker of the task is stored anywhere: nothing can wake it.
    pub(crate) fn waker_unreferenced(&self) -> bool {
        self.task().wakers_out() == 0
    }
}

/// 8 bytes per slot ever used: the task, or `None` (`Option<TaskRef>` is
/// one pointer). An occupied slot's generation is its task's own, in the
/// task's header (`header.key()`, its index and id). Which task is
/// `block_on`'s root is the loop's to know (`Core::root_key`), not the
/// table's.
type Entry = Option<TaskRef>;

const _: () = assert!(size_of::<Entry>() == 8);

#[derive(Default)]
pub(crate) struct TaskTable {
    entries: Vec<Entry>,
    /// Free slots.
    free: Vec<u32>,
    live: usize,
}

impl TaskTable {
    /// The key the next inserted task, `id`, will have (needed before the
    /// task is built, since its waker carries the key).
    pub(crate) fn reserve(&mut self, id: TaskId) -> TaskKey {
        let index = self.free.pop().unwrap_or_else(|| {
            self.entries.push(None);
            u32::try_from(self.entries.len() - 1).expect("more than u32::MAX live tasks")
        });
        TaskKey::of(index, id)
    }

    #[inline]
    pub(crate) fn fill(&mut self, key: TaskKey, task: TaskRef) {
        debug_assert!(
            task.header().key() == key,
            "a task's header carries its key"
        );
        let entry = &mut self.entries[key.index as usize];
        debug_assert!(entry.is_none());
        *entry = Some(task);
        self.live += 1;
    }

    /// The live task with this key (a new reference to it).
    #[inline]
    pub(crate) fn get(&self, key: TaskKey) -> Option<TaskRef> {
        self.live(key).cloned()
    }

    /// The task in `key`'s slot, if it is `key`'s (a stale key's slot is
    /// empty or holds a later task, of a later generation).
    #[inline]
    fn live(&self, key: TaskKey) -> Option<&TaskRef> {
        self.entries
            .get(key.index as usize)?
            .as_ref()
            .filter(|task| task.key() == key)
    }

    /// Frees the slot. The caller drops the returned task outside any borrow
    /// of the table (dropping it may run user code).
    #[inline]
    pub(crate) fn remove(&mut self, key: TaskKey) -> Option<TaskRef> {
        let task = self
            .entries
            .get_mut(key.index as usize)?
            .take_if(|task| task.key() == key)?;
        self.free.push(key.index);
        self.live -= 1;
        Some(task)
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TaskRef> {
        self.entries.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use crate::executor::context::with_core;
    use crate::task::TaskKey;
    use crate::{Builder, JoinHandle};

    /// The key of a live task, read inside `block_on`.
    fn key_of(handle: &JoinHandle<()>) -> TaskKey {
        with_core(|core| {
            let tasks = core.tasks.borrow();
            tasks
                .iter()
                .find(|t| t.header().id == handle.id())
                .map(|t| t.header().key())
        })
        .flatten()
        .expect("a live task")
    }

    /// Inside a loop: a task is spawned and cancelled, and a second one
    /// takes its slot; `check` gets the first one's key (stale now) and the
    /// second one's handle.
    fn with_a_reused_slot(check: impl FnOnce(TaskKey, &JoinHandle<()>)) {
        let rt = Builder::new().virtual_clock().debug(false).build();
        rt.block_on(async {
            let first = crate::spawn(std::future::pending::<()>());
            let old = key_of(&first);
            first.cancel();
            let second = crate::spawn(std::future::pending::<()>());
            check(old, &second);
            second.cancel();
        });
    }

    #[test]
    fn a_stale_key_finds_nothing_in_its_slot_reused() {
        with_a_reused_slot(|old, second| {
            let new = key_of(second);
            assert_eq!(new.index, old.index, "the freed slot is used again");
            assert_ne!(new.generation, old.generation, "another task's generation");
            with_core(|core| {
                let tasks = core.tasks.borrow();
                assert!(
                    tasks.get(old).is_none(),
                    "the old key is not the new task's"
                );
                assert_eq!(tasks.get(new).map(|t| t.id), Some(second.id()));
            });
        });
    }

    #[test]
    fn a_stale_key_cannot_remove_the_slots_new_task() {
        with_a_reused_slot(|old, second| {
            let live = with_core(|core| {
                assert!(core.tasks.borrow_mut().remove(old).is_none());
                core.tasks.borrow().len()
            });
            assert_eq!(live, Some(2), "the root and the second task");
            assert!(!second.is_finished());
        });
    }
}

//! The task table: a slab of live tasks, indexed by `Key`.
//!
//! A task is in the table exactly while its state is not finished: every
//! removal marks the header (`Done`, `Cancelled`, `Panicked`), which is how a
//! waker, going straight to its task's header, knows the task is gone
//! without looking here.
//!
//! A [`TaskKey`] is a slot index plus a generation. When a task finishes its
//! slot is freed and its generation bumped, so a stale key (held by a waker
//! that outlived its task, or sitting in the ready queue of a cancelled
//! task) finds nothing instead of a stranger.

use crate::task::{Header, TaskKey, TaskRef};

/// A live task: spawned (the loop owns its future) or the root future of
/// `block_on` (polled in place by `block_on`, which owns it).
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

    pub(crate) fn header(&self) -> &Header {
        self.task().header()
    }

    /// True when no waker of the task is stored anywhere: nothing can wake it.
    pub(crate) fn waker_unreferenced(&self) -> bool {
        self.task().wakers_out() == 0
    }
}

struct Entry {
    generation: u32,
    slot: Option<Slot>,
}

#[derive(Default)]
pub(crate) struct TaskTable {
    entries: Vec<Entry>,
    free: Vec<u32>,
    live: usize,
}

impl TaskTable {
    /// The key the next inserted task will have (needed before the task is
    /// built, since its waker carries the key).
    pub(crate) fn reserve(&mut self) -> TaskKey {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    generation: 0,
                    slot: None,
                });
                u32::try_from(self.entries.len() - 1).expect("more than u32::MAX live tasks")
            }
        };
        TaskKey {
            index,
            generation: self.entries[index as usize].generation,
        }
    }

    pub(crate) fn fill(&mut self, key: TaskKey, slot: Slot) {
        let entry = &mut self.entries[key.index as usize];
        debug_assert!(entry.slot.is_none() && entry.generation == key.generation);
        entry.slot = Some(slot);
        self.live += 1;
    }

    pub(crate) fn get(&self, key: TaskKey) -> Option<&Slot> {
        let entry = self.entries.get(key.index as usize)?;
        if entry.generation != key.generation {
            return None;
        }
        entry.slot.as_ref()
    }

    /// Frees the slot. The caller drops the returned task outside any borrow
    /// of the table (dropping it may run user code).
    pub(crate) fn remove(&mut self, key: TaskKey) -> Option<Slot> {
        let entry = self.entries.get_mut(key.index as usize)?;
        if entry.generation != key.generation {
            return None;
        }
        let slot = entry.slot.take()?;
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(key.index);
        self.live -= 1;
        Some(slot)
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Slot> {
        self.entries.iter().filter_map(|e| e.slot.as_ref())
    }
}

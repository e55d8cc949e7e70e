//! The task table: a slab of live tasks, indexed by `Key`.
//!
//! A task is in the table exactly while its state is not finished: every
//! removal marks the header (`Done`, `Cancelled`, `Panicked`), which is how a
//! waker, going straight to its task's header, knows the task is gone
//! without looking here.
//!
//! A [`TaskKey`] is a slot index plus a generation. When a task finishes its
//! slot is freed and its generation bumped, so a stale key (held by a waker
//! that outlived its task, or sent by another thread's wake before the task
//! ended) finds nothing instead of a stranger.

use crate::task::{Header, TaskKey, TaskRef};

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

/// 16 bytes per slot ever used: the generation and the task
/// (`Option<TaskRef>` is one pointer). Which task is `block_on`'s root is
/// the loop's to know (`Core::root_key`), not the table's.
struct Entry {
    generation: u32,
    task: Option<TaskRef>,
}

const _: () = assert!(size_of::<Entry>() == 16);

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
                    task: None,
                });
                u32::try_from(self.entries.len() - 1).expect("more than u32::MAX live tasks")
            }
        };
        TaskKey {
            index,
            generation: self.entries[index as usize].generation,
        }
    }

    #[inline]
    pub(crate) fn fill(&mut self, key: TaskKey, task: TaskRef) {
        let entry = &mut self.entries[key.index as usize];
        debug_assert!(entry.task.is_none() && entry.generation == key.generation);
        entry.task = Some(task);
        self.live += 1;
    }

    /// The live task with this key (a new reference to it).
    #[inline]
    pub(crate) fn get(&self, key: TaskKey) -> Option<TaskRef> {
        self.live(key).cloned()
    }

    /// The header of the live task with this key.
    #[inline]
    pub(crate) fn header(&self, key: TaskKey) -> Option<&Header> {
        self.live(key).map(TaskRef::header)
    }

    #[inline]
    fn live(&self, key: TaskKey) -> Option<&TaskRef> {
        let entry = self.entries.get(key.index as usize)?;
        if entry.generation != key.generation {
            return None;
        }
        entry.task.as_ref()
    }

    /// Frees the slot. The caller drops the returned task outside any borrow
    /// of the table (dropping it may run user code).
    #[inline]
    pub(crate) fn remove(&mut self, key: TaskKey) -> Option<TaskRef> {
        let entry = self.entries.get_mut(key.index as usize)?;
        if entry.generation != key.generation {
            return None;
        }
        let task = entry.task.take()?;
        entry.generation = entry.generation.wrapping_add(1);
        self.free.push(key.index);
        self.live -= 1;
        Some(task)
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TaskRef> {
        self.entries.iter().filter_map(|e| e.task.as_ref())
    }
}

//! What an exploring run writes down: every choice the loop made, what it
//! could have chosen instead, and what each poll touched.
//!
//! Exhaustive exploration (`testing`'s explorer) runs a program again and
//! again, each time forcing a different choice somewhere, and needs to know
//! which other choices would have made a *different* run. Two polls of
//! different tasks that touch nothing in common commute: running them in
//! either order leaves the same state. So for every poll the loop records a
//! **footprint**, the things the poll touched:
//!
//! ```text
//!   poll of task b ──▶ footprint { task b,             the task itself
//!                                   task c,             a task it woke or spawned
//!                                   object 7, object 9} primitives it used
//!                                                       (a Lock, a Queue, a
//!                                                       testing::Shared cell)
//! ```
//!
//! How it is recorded, at no cost when nobody explores:
//!
//! - *tasks woken or spawned*: a wake or a spawn pushes the task on the
//!   back of the ready queue, so the tasks pushed between one pop and the
//!   next are the ones the poll (or the timers and I/O collected right after
//!   it) made ready; the trace keeps their keys. The queue compares its
//!   length; `push` is unchanged.
//! - *objects touched*: every primitive calls [`touch`] with its object id
//!   on each operation; `touch` is one thread-local flag test unless a
//!   trace is being recorded.
//! - *tasks looked at*: a poll that asks whether another task has ended
//!   (`JoinHandle::is_finished`) or cancels it notes that task with
//!   [`touch_task`] (through the task's host: the task layer never names
//!   the loop), so the question conflicts with the task's own polls.
//!
//! Object ids are handed out in creation order, counting from 0 again when a
//! trace starts, so the same object gets the same id in two runs that made
//! the same choices up to its creation: the explorer compares footprints
//! *across* runs (a sleeping task's footprint was recorded in an earlier
//! run), which addresses could not do.
//!
//! Where this simplifies: shared state the loop cannot see (a plain
//! `Rc<Cell<_>>` shared between tasks) is not in any footprint. The
//! explorer's reduction assumes tasks share state only through evloop's
//! primitives, task handles and [`testing::Shared`](crate::testing::Shared)
//! cells; a model checker for threads (loom) makes the same demand of its
//! users with its own cell types.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::ready::Queued;
use crate::task::TaskKey;

thread_local! {
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static TOUCHED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    static TOUCHED_TASKS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    static NEXT_OBJECT: Cell<u64> = const { Cell::new(0) };
}

/// A new object id (see the module docs), for a primitive being created.
pub(crate) fn new_object_id() -> u64 {
    NEXT_OBJECT
        .try_with(|n| n.replace(n.get() + 1))
        .unwrap_or(u64::MAX)
}

/// Notes that the running poll touched object `id` (nothing unless a trace
/// is being recorded on this thread).
#[inline]
pub(crate) fn touch(id: u64) {
    if RECORDING.try_with(Cell::get).unwrap_or(false) {
        let _ = TOUCHED.try_with(|t| t.borrow_mut().push(id));
    }
}

/// Notes that the running poll looked at task `key`'s state from outside
/// (`JoinHandle::is_finished`, a cancel): whether the task has ended yet
/// depends on the order of that poll and the task's own, so they conflict.
#[inline]
pub(crate) fn touch_task(key: TaskKey) {
    if RECORDING.try_with(Cell::get).unwrap_or(false) {
        let _ = TOUCHED_TASKS.try_with(|t| t.borrow_mut().push(task_id(key)));
    }
}

fn start_recording() {
    let _ = RECORDING.try_with(|r| r.set(true));
    let _ = NEXT_OBJECT.try_with(|n| n.set(0));
    let _ = TOUCHED.try_with(|t| t.borrow_mut().clear());
    let _ = TOUCHED_TASKS.try_with(|t| t.borrow_mut().clear());
}

fn stop_recording() {
    let _ = RECORDING.try_with(|r| r.set(false));
}

fn take_touched(into: &mut Vec<u64>) {
    let _ = TOUCHED.try_with(|t| into.append(&mut t.borrow_mut()));
}

fn take_touched_tasks(into: &mut Vec<u64>) {
    let _ = TOUCHED_TASKS.try_with(|t| into.append(&mut t.borrow_mut()));
}

/// A task key as one number, for footprints.
pub(crate) fn task_id(key: TaskKey) -> u64 {
    (u64::from(key.index) << 32) | u64::from(key.generation)
}

/// What one poll touched: tasks (its own, those it woke or spawned) and
/// objects, each list sorted and without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Footprint {
    /// The polled task and the tasks it made ready (as [`task_id`]s).
    pub(crate) tasks: Vec<u64>,
    /// The tasks it made ready (a subset of `tasks`): what the explorer
    /// needs for "happens before".
    pub(crate) woke: Vec<TaskKey>,
    /// The objects it touched.
    pub(crate) objects: Vec<u64>,
}

impl Footprint {
    /// True if the two polls may not commute: they touch a common task or
    /// a common object.
    pub(crate) fn conflicts_with(&self, other: &Footprint) -> bool {
        fn meet<T: Ord>(a: &[T], b: &[T]) -> bool {
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                match a[i].cmp(&b[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => return true,
                }
            }
            false
        }
        meet(&self.tasks, &other.tasks) || meet(&self.objects, &other.objects)
    }

    /// Adds everything `other` touched.
    pub(crate) fn absorb(&mut self, other: &Footprint) {
        fn merge<T: Ord + Copy>(into: &mut Vec<T>, from: &[T]) {
            into.extend_from_slice(from);
            into.sort_unstable();
            into.dedup();
        }
        merge(&mut self.tasks, &other.tasks);
        merge(&mut self.objects, &other.objects);
        for key in &other.woke {
            if !self.woke.contains(key) {
                self.woke.push(*key);
            }
        }
    }
}

/// One choice of an exploring run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A pop of the ready queue: the tasks that were ready (in wake order),
    /// the position chosen, and what the poll that followed touched.
    Poll {
        /// The ready queue at the pop, front first.
        ready: Vec<TaskKey>,
        /// The position chosen.
        chosen: u32,
        /// What the poll touched.
        footprint: Footprint,
    },
    /// A choice among `n` alternatives made inside a poll: which branch a
    /// `select!` polls first, or a value of `testing::choose`.
    Branch {
        /// How many there were.
        n: u32,
        /// The one chosen.
        chosen: u32,
    },
}

/// The choices of one run, in order (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub(crate) steps: Vec<Step>,
    /// The `Step::Poll` whose footprint is still being written.
    open: Option<usize>,
    /// The ready queue's length right after that pop: keys pushed behind
    /// it were made ready since.
    mark: usize,
}

impl Trace {
    pub(crate) fn start() -> Box<Trace> {
        start_recording();
        Box::default()
    }

    /// A pop is about to take position `chosen` of `ready`.
    pub(crate) fn pop<T: Queued>(&mut self, ready: &VecDeque<T>, chosen: usize) {
        self.close(ready);
        self.open = Some(self.steps.len());
        let key = ready[chosen].key();
        self.steps.push(Step::Poll {
            ready: ready.iter().map(Queued::key).collect(),
            chosen: chosen as u32,
            footprint: Footprint {
                tasks: vec![task_id(key)],
                woke: Vec::new(),
                objects: Vec::new(),
            },
        });
        self.mark = ready.len() - 1;
    }

    pub(crate) fn branch(&mut self, n: usize, chosen: usize) {
        self.steps.push(Step::Branch {
            n: n as u32,
            chosen: chosen as u32,
        });
    }

    /// Finishes the open poll's footprint: the keys pushed since its pop,
    /// and the objects touched.
    pub(crate) fn close<T: Queued>(&mut self, ready: &VecDeque<T>) {
        let Some(open) = self.open.take() else {
            take_touched(&mut Vec::new());
            take_touched_tasks(&mut Vec::new());
            return;
        };
        let Step::Poll { footprint, .. } = &mut self.steps[open] else {
            return;
        };
        let woke: Vec<TaskKey> = ready
            .range(self.mark.min(ready.len())..)
            .map(Queued::key)
            .collect();
        let mut objects = Vec::new();
        take_touched(&mut objects);
        let mut tasks: Vec<u64> = woke.iter().map(|k| task_id(*k)).collect();
        take_touched_tasks(&mut tasks);
        footprint.absorb(&Footprint {
            tasks,
            woke,
            objects,
        });
    }

    /// The queue was cleared (the loop shut down): nothing pushed before
    /// counts any more.
    pub(crate) fn cleared(&mut self) {
        self.mark = 0;
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        stop_recording();
    }
}

#[cfg(test)]
mod tests {
    use super::{Footprint, TaskKey, task_id};

    fn key(index: u32) -> u64 {
        task_id(TaskKey {
            index,
            generation: 0,
        })
    }

    #[test]
    fn footprints_conflict_on_a_common_task_or_object() {
        let a = Footprint {
            tasks: vec![key(1)],
            woke: vec![],
            objects: vec![3, 8],
        };
        let mut b = Footprint {
            tasks: vec![key(2)],
            woke: vec![],
            objects: vec![4, 9],
        };
        assert!(!a.conflicts_with(&b));
        b.absorb(&Footprint {
            tasks: vec![],
            woke: vec![],
            objects: vec![8],
        });
        assert!(a.conflicts_with(&b) && b.conflicts_with(&a));
        let c = Footprint {
            tasks: vec![key(2), key(1)],
            woke: vec![],
            objects: vec![],
        };
        let mut c_sorted = Footprint::default();
        c_sorted.absorb(&c);
        assert!(c_sorted.conflicts_with(&a), "a task it woke is touched");
    }
}

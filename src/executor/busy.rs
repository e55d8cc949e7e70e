//! How long each task's polls took, kept beside the task table rather than
//! in every task.
//!
//! Polls are timed only in debug mode or when asked for
//! ([`Builder::poll_timing`](crate::Builder::poll_timing)): a clock read
//! before and after every poll is not free. A total in every task's header
//! cost each task 8 bytes whether or not a poll was ever timed, and those 8
//! bytes took a parked task across a malloc size class (docs/performance.md,
//! workload M). Here the totals cost nothing until a poll is timed, then one
//! entry per slot of the task table.
//!
//! An entry carries the generation of the task it counts, so a slot's next
//! task starts from zero without anyone clearing it: spawning and finishing,
//! the hottest paths, never touch this table. (Generations are 32 bits, as
//! the task table's: a slot reused 2³² times could read an old total.)

use crate::task::TaskKey;

/// The time spent in timed polls, by task slot.
#[derive(Default)]
pub(crate) struct BusyTable {
    slots: Vec<Busy>,
}

#[derive(Clone, Copy, Default)]
struct Busy {
    generation: u32,
    nanos: u64,
}

impl BusyTable {
    /// A timed poll of `key`'s task took `nanos`.
    pub(crate) fn add(&mut self, key: TaskKey, nanos: u64) {
        let i = key.index as usize;
        if i >= self.slots.len() {
            self.slots.resize(i + 1, Busy::default());
        }
        let busy = &mut self.slots[i];
        if busy.generation != key.generation {
            *busy = Busy {
                generation: key.generation,
                nanos: 0,
            };
        }
        busy.nanos = busy.nanos.saturating_add(nanos);
    }

    /// The time `key`'s task has spent in timed polls, in nanoseconds.
    #[inline]
    pub(crate) fn of(&self, key: TaskKey) -> u64 {
        self.slots
            .get(key.index as usize)
            .filter(|busy| busy.generation == key.generation)
            .map_or(0, |busy| busy.nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::BusyTable;
    use crate::task::TaskKey;

    fn key(index: u32, generation: u32) -> TaskKey {
        TaskKey { index, generation }
    }

    #[test]
    fn a_task_never_timed_has_spent_nothing() {
        assert_eq!(BusyTable::default().of(key(3, 0)), 0);
    }

    #[test]
    fn timed_polls_add_up_per_task() {
        let mut busy = BusyTable::default();
        busy.add(key(2, 0), 5);
        busy.add(key(0, 0), 7);
        busy.add(key(2, 0), 6);
        assert_eq!(busy.of(key(2, 0)), 11);
        assert_eq!(busy.of(key(0, 0)), 7);
        assert_eq!(busy.of(key(1, 0)), 0);
    }

    #[test]
    fn a_slots_next_task_starts_from_zero() {
        let mut busy = BusyTable::default();
        busy.add(key(1, 4), 100);
        assert_eq!(busy.of(key(1, 5)), 0, "a later task in the slot");
        busy.add(key(1, 5), 3);
        assert_eq!(busy.of(key(1, 5)), 3);
        assert_eq!(busy.of(key(1, 4)), 0, "the old total is gone");
    }
}

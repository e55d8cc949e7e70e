//! The high halves of the tasks' poll and wake counters, for the few tasks
//! whose 32-bit counts wrapped.
//!
//! A task's header counts its polls and wakes in 32 bits each: one word for
//! both, where two 64-bit counters took two, 8 bytes of every parked task
//! (and the last 8 between workload M's task and a smaller malloc size
//! class: docs/performance.md). 32 bits wrap after 4,294,967,296, which a
//! task that yields in a loop reaches within minutes; so when a count wraps,
//! the loop notes one carry here, by the task's key, and every reader adds
//! the carries back ([`Carries::counts`]). Until some task's count wraps the
//! table is empty, and reading or forgetting costs one flag test.
//!
//! The table lives in the hook's loop-thread part ([`Here`](super::hook::Here)),
//! because a wake on the loop's thread counts there, with nothing else of
//! the loop at hand.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use crate::task::{Header, TaskKey};

/// A task's counts, whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) polls: u64,
    pub(crate) wakes: u64,
}

/// The carries of the tasks whose counters wrapped.
#[derive(Default)]
pub(crate) struct Carries {
    /// Whether `wrapped` holds anything: what every finish and every read
    /// asks, without a borrow.
    any: Cell<bool>,
    /// By task key: how many times its wake count and its poll count
    /// wrapped.
    wrapped: RefCell<HashMap<TaskKey, Wrapped>>,
}

#[derive(Default, Clone, Copy)]
struct Wrapped {
    wakes: u32,
    polls: u32,
}

impl Carries {
    /// `key`'s wake count wrapped.
    #[cold]
    pub(crate) fn wake_wrapped(&self, key: TaskKey) {
        self.wrapped.borrow_mut().entry(key).or_default().wakes += 1;
        self.any.set(true);
    }

    /// `key`'s poll count wrapped.
    #[cold]
    pub(crate) fn poll_wrapped(&self, key: TaskKey) {
        self.wrapped.borrow_mut().entry(key).or_default().polls += 1;
        self.any.set(true);
    }

    /// The task's counts, its header's low halves and the carries noted here.
    #[inline]
    pub(crate) fn counts(&self, task: &Header) -> Counts {
        let (polls, wakes) = task.low_counts();
        let high = if self.any.get() {
            self.wrapped
                .borrow()
                .get(&task.key())
                .copied()
                .unwrap_or_default()
        } else {
            Wrapped::default()
        };
        Counts {
            polls: u64::from(high.polls) << 32 | u64::from(polls),
            wakes: u64::from(high.wakes) << 32 | u64::from(wakes),
        }
    }

    /// The task left the table: its carries go (a later task in its slot
    /// has another key, but the table should not grow with finished tasks).
    #[inline]
    pub(crate) fn forget(&self, key: TaskKey) {
        if self.any.get() {
            let mut wrapped = self.wrapped.borrow_mut();
            wrapped.remove(&key);
            self.any.set(!wrapped.is_empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::executor::context::with_core;
    use crate::{Runtime, spawn, yield_now};

    /// How many tasks have carries noted.
    fn noted() -> usize {
        with_core(|core| core.here().carries.wrapped.borrow().len()).unwrap()
    }

    #[test]
    fn counts_that_wrap_carry_into_the_table_and_read_whole() {
        let rt = Runtime::builder().virtual_clock().build();
        rt.block_on(async {
            let handle = spawn(async {
                for _ in 0..3 {
                    yield_now().await;
                }
            });
            // Not polled yet: two polls and two wakes from wrapping.
            handle.header().set_low_counts(u32::MAX - 1, u32::MAX - 1);
            let id = handle.id();
            // The live tasks and the recently finished ones.
            let live = |id| {
                with_core(|core| core.snapshot_tasks())
                    .unwrap()
                    .into_iter()
                    .find(|t| t.id == id)
                    .unwrap()
            };
            // Two turns: the task's first two polls, the second of which wraps.
            yield_now().await;
            yield_now().await;
            assert_eq!(noted(), 1, "the wrapped task's carries");
            assert!(live(id).polls >= 1 << 32, "a live task's counts read whole");
            handle.await.unwrap();
            let done = live(id);
            assert_eq!(done.polls, (1 << 32) + 2, "u32::MAX - 1, then four polls");
            assert_eq!(done.wakes, (1 << 32) + 1, "u32::MAX - 1, then three wakes");
            assert_eq!(noted(), 0, "a finished task's carries are forgotten");
        });
    }
}

//! The finished ring: the last few finished tasks, as snapshots keep showing
//! them after they left the task table.

use std::rc::Rc;
use std::time::Duration;

use super::carries::Counts;
use crate::inspect::{Ring, TaskInfo};
use crate::task::birth::Birth;
use crate::task::{Header, PackedCause, TaskId, TaskState};
use crate::time::Instant;

/// The last `keep` finished tasks, oldest first (a [`Ring`]: once full,
/// each end overwrites the oldest record in place).
#[derive(Default)]
pub(crate) struct FinishedRing {
    records: Ring<Finished>,
}

impl FinishedRing {
    /// Inlined into its one caller, `Inspector::record_finished`, on every
    /// task's way out (left to itself, the compiler sometimes makes it a
    /// call: 26 instructions a task more on workload A).
    #[inline(always)]
    pub(crate) fn record(
        &mut self,
        h: &Header,
        counts: Counts,
        busy_nanos: u64,
        at: Instant,
        keep: usize,
    ) {
        self.records
            .push(Finished::of(h, counts, busy_nanos, at), keep, drop);
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Finished> {
        self.records.iter()
    }

    /// Forgets all but the newest `n`.
    pub(crate) fn keep_newest(&mut self, n: usize) {
        self.records.keep_newest(n);
    }
}

/// A finished task as snapshots keep showing it. Its name, parent and spawn
/// time stay in the task's birth record (shared with its siblings; see
/// `task/birth.rs`), which the record keeps, until a snapshot asks: recording
/// a finish costs no allocation. The header's compact forms are copied as
/// they are (a packed cause) and unpacked only when a snapshot reads them:
/// recording is on every task's way out.
pub(crate) struct Finished {
    id: TaskId,
    birth: Option<Rc<Birth>>,
    state: TaskState,
    last_cause: PackedCause,
    polls: u64,
    wakes: u64,
    busy_nanos: u64,
    finished_at: Instant,
}

impl Finished {
    #[inline]
    pub(crate) fn of(
        h: &Header,
        counts: Counts,
        busy_nanos: u64,
        finished_at: Instant,
    ) -> Finished {
        Finished {
            id: h.id,
            birth: h.birth(),
            state: h.state.get(),
            last_cause: h.packed_cause(),
            polls: counts.polls,
            wakes: counts.wakes,
            busy_nanos,
            finished_at,
        }
    }

    pub(crate) fn info(&self) -> TaskInfo {
        let (name, parent, spawned_at) = Birth::origin_of(self.birth.as_deref(), self.id);
        TaskInfo {
            id: self.id,
            name: name.into_string(),
            state: self.state,
            waiting_on: None,
            last_cause: self.last_cause.unpack(),
            polls: self.polls,
            wakes: self.wakes,
            busy: Duration::from_nanos(self.busy_nanos),
            spawned_at,
            finished_at: Some(self.finished_at),
            parent,
        }
    }
}

/// A live task's header (and the time its polls took, kept apart: see
/// `busy`) as a snapshot shows it: its record, as if it finished now, with
/// what it waits on and no end.
pub(crate) fn task_info(h: &Header, counts: Counts, busy_nanos: u64) -> TaskInfo {
    let mut info = Finished::of(h, counts, busy_nanos, Instant::START).info();
    info.finished_at = None;
    if info.state == TaskState::Waiting {
        info.waiting_on = h.wait();
    }
    info
}

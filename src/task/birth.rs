//! `Birth`: where a task came from (its name, the task that spawned it, and
//! the loop time of the spawn), kept once for a batch of siblings.
//!
//! These three never change after spawn, snapshots and reports show them,
//! and a wake or a poll never reads them. Tasks are mostly spawned in
//! batches that share all three: a loop that spawns a thousand workers, an
//! accept loop that spawns a task per connection ready in one turn, all
//! under the default name (`task-N`, which the task's own id spells). So
//! the header keeps one pointer to a shared record instead of three words
//! of its own, and the loop hands the same record to every sibling of a
//! batch ([`Birth::is_sibling`]): a parked task is 16 bytes smaller, which
//! is what took workload M's task across a malloc size class
//! (docs/performance.md).
//!
//! ```text
//!   header.birth ──┐
//!   header.birth ──┼──▶ Rc<Birth> { name: task-N (the id spells it), parent: #1, spawned_at: 3ms }
//!   header.birth ──┘
//!   header.birth ────▶ Rc<Birth> { name: "fetch", parent: #1, spawned_at: 3ms }   (a named task: its own)
//! ```
//!
//! The record is an `Rc`, not an `Arc`: only the loop's thread touches it,
//! and the task gives it up in `Header::release`, on that thread, as it
//! gives up its noted wait (a waker on another thread may free the task's
//! memory later, but by then the header holds no record).

use std::time::Duration;

use super::TaskId;
use super::name::StoredName;
use crate::clock::Instant;
use crate::task::TaskName;

/// A task's name, parent and spawn time.
pub(crate) struct Birth {
    /// Null for the default name (see [`StoredName`]).
    name: StoredName,
    /// The parent's id, 0 for none (ids start at 1).
    parent: u64,
    /// Nanoseconds of loop time (`u64`: 584 years; half an `Instant`).
    spawned_at: u64,
}

impl Birth {
    pub(crate) fn new(name: TaskName, parent: Option<TaskId>, spawned_at: Instant) -> Birth {
        Birth {
            name: StoredName::new(name),
            parent: parent.map_or(0, |p| p.0),
            spawned_at: nanos(spawned_at),
        }
    }

    /// A task spawned by `parent` at `spawned_at` under the default name
    /// may share this record.
    #[inline]
    pub(crate) fn is_sibling(&self, parent: Option<TaskId>, spawned_at: Instant) -> bool {
        self.name.is_default()
            && self.parent == parent.map_or(0, |p| p.0)
            && self.spawned_at == nanos(spawned_at)
    }

    /// The name of task `id` born here.
    #[inline]
    pub(crate) fn name(&self, id: TaskId) -> TaskName {
        self.name.get(id)
    }

    /// What a spawn's record in the event log keeps (`inspect/log.rs`),
    /// read without a copy of the name: whether the name is the default
    /// one, the parent, and the spawn time. With no record, as
    /// [`origin_of`](Birth::origin_of) says.
    #[inline]
    pub(crate) fn facts_of(birth: Option<&Birth>) -> (bool, Option<TaskId>, Instant) {
        match birth {
            Some(b) => {
                let (parent, at) = b.parent_and_time();
                (b.name.is_default(), parent, at)
            }
            None => (true, None, Instant::START),
        }
    }

    /// Task `id`'s name, parent and spawn time, as `birth` records them;
    /// with no record (a header already released), the default name, no
    /// parent and the loop's start. What a spawn event and a snapshot show.
    #[inline]
    pub(crate) fn origin_of(
        birth: Option<&Birth>,
        id: TaskId,
    ) -> (TaskName, Option<TaskId>, Instant) {
        match birth {
            Some(b) => {
                let (parent, at) = b.parent_and_time();
                (b.name(id), parent, at)
            }
            None => (TaskName::default_for(id), None, Instant::START),
        }
    }

    /// The parent and the spawn time, as `origin_of` and `facts_of` give them.
    #[inline]
    fn parent_and_time(&self) -> (Option<TaskId>, Instant) {
        (
            (self.parent != 0).then_some(TaskId(self.parent)),
            Instant::from_start(Duration::from_nanos(self.spawned_at)),
        )
    }
}

#[inline]
fn nanos(at: Instant) -> u64 {
    u64::try_from(at.since_start().as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_start(Duration::from_millis(ms))
    }

    #[test]
    fn siblings_share_parent_time_and_the_default_name() {
        let birth = Birth::new(TaskName::default_for(TaskId(5)), Some(TaskId(1)), at(3));
        assert!(birth.is_sibling(Some(TaskId(1)), at(3)));
        assert!(!birth.is_sibling(Some(TaskId(2)), at(3)), "another parent");
        assert!(!birth.is_sibling(None, at(3)), "no parent");
        assert!(!birth.is_sibling(Some(TaskId(1)), at(4)), "another time");
        assert_eq!(birth.name(TaskId(9)), "task-9", "each sibling's own id");
        let named = Birth::new(TaskName::fixed("fetch"), Some(TaskId(1)), at(3));
        assert!(
            !named.is_sibling(Some(TaskId(1)), at(3)),
            "a named task's record is its own"
        );
        assert_eq!(named.name(TaskId(9)), "fetch");
        let (_, parent, spawned_at) = Birth::origin_of(Some(&named), TaskId(9));
        assert_eq!(parent, Some(TaskId(1)));
        assert_eq!(spawned_at, at(3));
    }

    /// What the loop hands out: one record for the unnamed tasks one parent
    /// spawns at one loop time, its own for a named task or another parent.
    #[test]
    fn the_loop_hands_siblings_one_record() {
        use std::rc::Rc;

        use crate::{Runtime, spawn, spawn_named};

        let rt = Runtime::builder().virtual_clock().build();
        rt.block_on(async {
            let record = |h: &crate::JoinHandle<_>| h.header().birth().expect("a live task");
            let a = spawn(async {});
            let b = spawn(async {});
            let named = spawn_named("fetch", async {});
            let c = spawn(async {});
            // The record of a task spawned by another task.
            let child = spawn(async move { record(&spawn(async {})) })
                .await
                .unwrap();
            assert!(Rc::ptr_eq(&record(&a), &record(&b)), "siblings share");
            assert!(
                !Rc::ptr_eq(&record(&a), &record(&named)),
                "a named task's own"
            );
            assert!(
                Rc::ptr_eq(&record(&a), &record(&c)),
                "and after it, the same"
            );
            assert!(!Rc::ptr_eq(&record(&a), &child), "another parent");
            assert_eq!(named.name(), "fetch");
            assert_eq!(c.name(), format!("task-{}", c.id().0));
        });
    }
}

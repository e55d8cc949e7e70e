//! A snapshot: every part of the loop asked for its state, at one moment.

use super::core::Core;
use super::finished::task_info;
use crate::inspect::{IoInfo, Snapshot, TaskInfo};
use crate::task::{Header, TaskId};

impl Core {
    pub(crate) fn snapshot(&self) -> Snapshot {
        let tasks = self.snapshot_tasks();
        // A task cancelled while queued stays there, finished, until popped:
        // it is not ready.
        let ready = self
            .here()
            .ready
            .borrow()
            .tasks()
            .filter(|t| !t.state.is_finished())
            .map(|t| t.id)
            .collect();
        Snapshot {
            now: self.now(),
            clock: self.timers.clock_kind(),
            tasks,
            ready,
            timers: self.timers.pending(),
            primitives: self.inspector.primitives(),
            io: self.io_infos(),
        }
    }

    /// Every live task and the recently finished ones, by id.
    pub(crate) fn snapshot_tasks(&self) -> Vec<TaskInfo> {
        let mut tasks: Vec<TaskInfo> = {
            let table = self.tasks.borrow();
            table.iter().map(|s| self.info_of(s.header())).collect()
        };
        tasks.extend(self.inspector.finished());
        tasks.sort_by_key(|t| t.id);
        tasks
    }

    /// One live task, as a snapshot shows it (a scan of the table).
    pub(crate) fn task_info(&self, id: TaskId) -> Option<TaskInfo> {
        let table = self.tasks.borrow();
        table
            .iter()
            .find(|s| s.header().id == id)
            .map(|s| self.info_of(s.header()))
    }

    /// A live task as a snapshot shows it: its header, with the carries of
    /// its counts and the time its polls took, both kept beside the table.
    fn info_of(&self, header: &Header) -> TaskInfo {
        let counts = self.here().carries.counts(header);
        task_info(header, counts, self.inspector.busy_of(header))
    }

    fn io_infos(&self) -> Vec<IoInfo> {
        let named = |ids: Vec<TaskId>| -> Vec<(TaskId, String)> {
            ids.into_iter()
                .map(|id| (id, self.task_name(id).unwrap_or_default()))
                .collect()
        };
        self.reactor
            .infos()
            .into_iter()
            .map(|r| IoInfo {
                fd: r.fd,
                readable_interest: r.interest.readable,
                writable_interest: r.interest.writable,
                ready_readable: r.ready_readable,
                ready_writable: r.ready_writable,
                readers: named(r.readers),
                writers: named(r.writers),
            })
            .collect()
    }
}

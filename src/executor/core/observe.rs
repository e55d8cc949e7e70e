//! Seeing inside: snapshots of the whole loop, and the event stream.

use super::*;

impl Core {
    // ----- inspection ---------------------------------------------------------

    pub(super) fn info(&self, h: &Header, finished_at: Option<Instant>) -> TaskInfo {
        task_info(h, finished_at)
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut tasks: Vec<TaskInfo> = {
            let table = self.tasks.borrow();
            table.iter().map(|s| self.info(s.header(), None)).collect()
        };
        tasks.extend(self.finished.borrow().iter().map(Finished::info));
        tasks.sort_by_key(|t| t.id);
        let ready = {
            let table = self.tasks.borrow();
            self.ready
                .borrow()
                .iter()
                .filter_map(|k| table.get(*k).map(|s| s.header().id))
                .collect()
        };
        Snapshot {
            now: self.now(),
            clock: self.clock.kind(),
            tasks,
            ready,
            timers: self.timers.borrow().pending(),
            primitives: self.primitive_infos(),
            io: self.io_infos(),
        }
    }

    /// Registers a synchronization primitive so snapshots show it. Dead
    /// entries are pruned here and in every snapshot.
    pub(crate) fn register_primitive(&self, primitive: Weak<dyn InspectPrimitive>) {
        if let Ok(mut list) = self.primitives.try_borrow_mut() {
            // Prune dead entries only when the list has doubled since the
            // last prune: registering stays O(1) amortised.
            if list.len() >= 2 * self.primitives_pruned.get().max(8) {
                list.retain(|p| p.strong_count() > 0);
                self.primitives_pruned.set(list.len());
            }
            list.push(primitive);
        }
    }

    pub(super) fn primitive_infos(&self) -> Vec<crate::inspect::PrimitiveInfo> {
        let alive: Vec<_> = match self.primitives.try_borrow_mut() {
            Ok(mut list) => {
                list.retain(|p| p.strong_count() > 0);
                list.iter().filter_map(Weak::upgrade).collect()
            }
            Err(_) => Vec::new(),
        };
        alive.iter().map(|p| p.info()).collect()
    }

    pub(super) fn io_infos(&self) -> Vec<IoInfo> {
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

    pub(crate) fn set_keep_finished(&self, n: usize) {
        self.keep_finished.set(n);
        self.finished.borrow_mut().keep_newest(n);
    }

    // ----- events -------------------------------------------------------------

    pub(super) fn update_flags(&self) {
        let listening = !self.listeners.borrow().is_empty() || self.log.borrow().is_some();
        self.listening.set(listening);
        self.timing
            .set(listening || self.timing_forced.get() || self.debug.get().enabled);
    }

    /// Emits an event; `make` runs only if someone listens.
    #[inline]
    pub(super) fn emit(&self, make: impl FnOnce() -> EventKind) {
        if self.listening.get() {
            self.dispatch(Event {
                at: self.now(),
                kind: make(),
            });
        }
    }

    pub(super) fn dispatch(&self, event: Event) {
        if let Ok(mut log) = self.log.try_borrow_mut()
            && let Some(log) = log.as_mut()
        {
            log.push(event.clone());
        }
        // A listener that re-enters the loop and causes events misses them
        // rather than deadlocking the RefCell.
        if let Ok(mut listeners) = self.listeners.try_borrow_mut() {
            for (_, listener) in listeners.iter_mut() {
                listener(&event);
            }
        }
    }

    pub(crate) fn subscribe(&self, listener: Box<dyn FnMut(&Event)>) -> u64 {
        let id = self.next_listener.get();
        self.next_listener.set(id + 1);
        self.listeners.borrow_mut().push((id, listener));
        self.update_flags();
        id
    }

    pub(crate) fn unsubscribe(&self, id: u64) -> bool {
        let removed = {
            let mut listeners = self.listeners.borrow_mut();
            let before = listeners.len();
            listeners.retain(|(i, _)| *i != id);
            listeners.len() != before
        };
        self.update_flags();
        removed
    }

    pub(crate) fn record_events(&self, capacity: usize) {
        *self.log.borrow_mut() = Some(EventLog::new(capacity));
        self.update_flags();
    }

    pub(crate) fn stop_recording(&self) {
        *self.log.borrow_mut() = None;
        self.update_flags();
    }

    pub(crate) fn events(&self) -> Vec<Event> {
        self.log
            .borrow()
            .as_ref()
            .map(|l| l.events.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn take_events(&self) -> Vec<Event> {
        self.log
            .borrow_mut()
            .as_mut()
            .map(|l| l.events.drain(..).collect())
            .unwrap_or_default()
    }
}

/// The last `keep` finished tasks, oldest first: a ring that, once full,
/// overwrites its oldest record in place (no shifting, no reallocation, on
/// every task's end).
#[derive(Default)]
pub(super) struct FinishedRing {
    records: Vec<Finished>,
    /// Where the oldest record is, once the ring is full.
    oldest: usize,
}

impl FinishedRing {
    pub(super) fn record(&mut self, h: &Header, at: Instant, keep: usize) {
        if self.records.len() < keep {
            self.records.push(Finished::of(h, at));
        } else if let Some(slot) = self.records.get_mut(self.oldest) {
            *slot = Finished::of(h, at);
            self.oldest = (self.oldest + 1) % self.records.len();
        }
    }

    /// Oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Finished> {
        let (newer, older) = self.records.split_at(self.oldest);
        older.iter().chain(newer)
    }

    /// Forgets all but the newest `n`.
    pub(super) fn keep_newest(&mut self, n: usize) {
        self.records.rotate_left(self.oldest);
        self.oldest = 0;
        let excess = self.records.len().saturating_sub(n);
        self.records.drain(..excess);
    }
}

/// A finished task as snapshots keep showing it. Its name stays a cheap
/// `TaskName` until a snapshot asks for a `String`: recording a finish costs
/// no allocation.
pub(super) struct Finished {
    id: TaskId,
    name: TaskName,
    state: TaskState,
    last_cause: WakeCause,
    polls: u64,
    wakes: u64,
    busy: Duration,
    spawned_at: Instant,
    finished_at: Instant,
    parent: Option<TaskId>,
}

impl Finished {
    pub(super) fn of(h: &Header, finished_at: Instant) -> Finished {
        Finished {
            id: h.id,
            name: h.name.clone(),
            state: h.state.get(),
            last_cause: h.cause.get(),
            polls: h.polls.get(),
            wakes: h.wakes.get(),
            busy: h.busy(),
            spawned_at: h.spawned_at,
            finished_at,
            parent: h.parent,
        }
    }

    pub(super) fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id,
            name: self.name.to_string(),
            state: self.state,
            waiting_on: None,
            last_cause: self.last_cause,
            polls: self.polls,
            wakes: self.wakes,
            busy: self.busy,
            spawned_at: self.spawned_at,
            finished_at: Some(self.finished_at),
            parent: self.parent,
        }
    }
}

/// A live task's header as a snapshot shows it.
pub(super) fn task_info(h: &Header, finished_at: Option<Instant>) -> TaskInfo {
    TaskInfo {
        id: h.id,
        name: h.name.to_string(),
        state: h.state.get(),
        waiting_on: if h.state.get() == TaskState::Waiting {
            h.wait()
        } else {
            None
        },
        last_cause: h.cause.get(),
        polls: h.polls.get(),
        wakes: h.wakes.get(),
        busy: h.busy(),
        spawned_at: h.spawned_at,
        finished_at,
        parent: h.parent,
    }
}

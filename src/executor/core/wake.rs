//! How a task gets back on the ready queue: wakes from tasks, timers and
//! other threads, each recorded with its cause; and the timer heap's part of
//! a turn (firing what is due).

use super::*;

impl Core {
    // ----- waking -------------------------------------------------------------

    pub(super) fn cause_for(&self, key: Key) -> WakeCause {
        match self.source.get() {
            Source::Task(k, _) if k == key => WakeCause::Yield,
            Source::Task(_, id) => WakeCause::Task(id),
            Source::Other(cause) => cause,
        }
    }

    /// The lock-free wake of a task of this loop, on its own thread, by its
    /// waker: straight to its header, with no table lookup (a finished task,
    /// no longer in the table, says so by its state).
    pub(crate) fn wake(&self, h: &Header) {
        let first = h.wake.mark_queued();
        if h.state.get().is_finished() {
            return;
        }
        let key = h.key();
        self.count_wake(h, key, first, self.cause_for(key));
    }

    /// The wake of the task at `key`, if it is still in the table (wakes
    /// from other threads arrive as keys).
    pub(super) fn make_ready(&self, key: Key, first: bool, cause: WakeCause) {
        let slot = match self.tasks.try_borrow() {
            Ok(tasks) => tasks.get(key).cloned(),
            Err(_) => None,
        };
        if let Some(slot) = slot {
            self.count_wake(slot.header(), key, first, cause);
        }
    }

    /// Counts a wake of a live task; if `first` (it was not queued), queues it.
    fn count_wake(&self, h: &Header, key: Key, first: bool, cause: WakeCause) {
        h.wakes.set(h.wakes.get() + 1);
        if !first {
            return;
        }
        h.cause.set(cause);
        if h.state.get() != TaskState::Running {
            h.state.set(TaskState::Ready);
        }
        let id = h.id;
        self.ready.borrow_mut().push(key);
        if self.collecting_wakes.get() {
            self.step_wakes.borrow_mut().push(id);
        }
        self.emit(|| EventKind::Woken { task: id, cause });
    }

    /// Moves wakes that came from other threads onto the ready queue.
    pub(super) fn collect_remote(&self) {
        if !self.shared.has_remote() {
            return;
        }
        let mut buf = self.remote_buf.take();
        self.shared.take_remote(&mut buf);
        for (key, on_loop_thread) in buf.drain(..) {
            let cause = if on_loop_thread {
                WakeCause::Outside
            } else {
                WakeCause::Thread
            };
            self.make_ready(key, true, cause);
        }
        *self.remote_buf.borrow_mut() = buf;
    }

    pub(crate) fn key_of(&self, id: TaskId) -> Option<Key> {
        self.with_task(id, |t| t.header().key())
    }

    /// Wakes a task from outside the loop (the REPL's `wake`).
    pub(crate) fn wake_by_id(&self, id: TaskId) -> bool {
        // The waker is cloned out: waking runs with the table unborrowed.
        match self.with_task(id, |t| t.waker().clone()) {
            Some(w) => {
                w.wake();
                true
            }
            None => false,
        }
    }

    // ----- timers -------------------------------------------------------------

    pub(crate) fn insert_timer(&self, deadline: Instant, waker: Waker) -> TimerKey {
        let owner = self.current_task().map(|(_, id)| id);
        self.timers.borrow_mut().insert(deadline, waker, owner)
    }

    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        self.timers.borrow_mut().update_waker(key, waker)
    }

    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        let waker = self
            .timers
            .try_borrow_mut()
            .ok()
            .and_then(|mut t| t.cancel(key));
        drop(waker);
    }

    /// Fires every timer due at `now`, in deadline order.
    pub(super) fn fire_timers(&self, now: Instant) {
        if self.timers.borrow().is_empty() {
            return;
        }
        loop {
            let fired = self.timers.borrow_mut().pop_due(now);
            let Some(fired) = fired else { break };
            let previous = self.source.replace(Source::Other(WakeCause::Timer));
            fired.waker.wake();
            self.source.set(previous);
            self.emit(|| EventKind::TimerFired {
                owner: fired.owner,
                deadline: fired.deadline,
            });
        }
    }

    /// Step 1 of a turn. The clock is read once: that time stamps the
    /// turn's spawns and finishes (`coarse_now`) and decides which timers
    /// are due. (A deadline passing during the turn fires next turn.)
    pub(super) fn collect(&self) {
        let now = self.now();
        self.turn_now.set(now);
        self.collect_remote();
        if self.reactor.has_registrations() {
            self.poll_io(Some(Duration::ZERO));
        }
        self.fire_timers(now);
    }
}

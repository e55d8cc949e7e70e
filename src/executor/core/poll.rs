//! Polling one task: the moment the loop hands its thread to a future, and
//! the bookkeeping after it returns (parked, finished, panicked, cancelled).

use super::*;

impl Core {
    // ----- polling ------------------------------------------------------------

    pub(super) fn pop_ready(&self) -> Option<(Key, Slot)> {
        loop {
            let key = self.ready.borrow_mut().pop()?;
            if let Some(slot) = self.tasks.borrow().get(key) {
                return Some((key, slot.clone()));
            }
            // A stale key: the task was cancelled while queued.
        }
    }

    /// Polls one ready task; false if none was ready. `root` is
    /// `block_on`'s future, polled in place when its turn comes. `report`,
    /// when given, receives a [`StepReport`] of the poll (only `step` asks:
    /// building one costs a clock read and a name string).
    pub(crate) fn poll_one(
        &self,
        root: &mut Option<Pin<&mut dyn Future<Output = ()>>>,
        report: Option<&mut Option<StepReport>>,
    ) -> bool {
        let want_report = report.is_some();
        let Some((key, slot)) = self.pop_ready() else {
            return false;
        };
        let header = slot.header();
        header.wake.clear_queued();
        header.state.set(TaskState::Running);
        header.polls.set(header.polls.get() + 1);
        let cause = header.cause.get();
        let previous = self.source.replace(Source::Task(key, header.id));
        if want_report {
            self.step_wakes.borrow_mut().clear();
            self.collecting_wakes.set(true);
        }
        // Clock reads cost ~20 ns each on the real clock: only when asked for.
        let at = if want_report {
            self.now()
        } else {
            Instant::START
        };
        let start = self.timing.get().then(std::time::Instant::now);

        let polled = match &slot {
            Slot::Task(task) => task.poll(&task.waker()),
            Slot::Root(h) => self.poll_root(root, &h.waker()),
        };

        let took = start.map(|s| s.elapsed()).unwrap_or_default();
        self.source.set(previous);
        header.add_busy(took);
        let mut noted = self.noted.borrow_mut().take();
        let woke = if want_report {
            self.collecting_wakes.set(false);
            std::mem::take(&mut *self.step_wakes.borrow_mut())
        } else {
            Vec::new()
        };
        self.check_slow_poll(header, took);

        let result = match &polled {
            Polled::Pending => PollResult::Pending,
            Polled::Ready => PollResult::Ready,
            Polled::Panicked(message) => PollResult::Panicked(message.clone()),
        };
        self.emit(|| EventKind::Polled {
            task: header.id,
            result: result.clone(),
            took,
        });
        match polled {
            Polled::Pending if header.cancel_requested.get() => {
                self.cancel(key);
            }
            Polled::Pending => {
                let noted = if want_report {
                    noted.clone()
                } else {
                    noted.take()
                };
                self.park_task(&slot, noted);
            }
            Polled::Ready => self.finish_at(key, TaskState::Done, self.turn_stamp()),
            Polled::Panicked(_) => self.finish_at(key, TaskState::Panicked, self.turn_stamp()),
        }
        if let Some(report) = report {
            *report = Some(StepReport {
                task: header.id,
                name: header.name.to_string(),
                cause,
                at,
                result,
                took,
                waiting_on: noted,
                woke,
            });
        }
        true
    }

    pub(super) fn poll_root(
        &self,
        root: &mut Option<Pin<&mut dyn Future<Output = ()>>>,
        waker: &Waker,
    ) -> Polled {
        let Some(root) = root.as_mut() else {
            // The root's owner is not driving (cannot happen: the root slot
            // exists only during block_on).
            return Polled::Pending;
        };
        let mut cx = Context::from_waker(waker);
        match catch_unwind(AssertUnwindSafe(|| root.as_mut().poll(&mut cx))) {
            Ok(Poll::Pending) => Polled::Pending,
            Ok(Poll::Ready(())) => {
                self.root_done.set(true);
                Polled::Ready
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                *self.root_panic.borrow_mut() = Some(payload);
                self.root_done.set(true);
                Polled::Panicked(message)
            }
        }
    }

    /// After a `Pending`: record what the task waits on, and check that
    /// something can still wake it.
    pub(super) fn park_task(&self, slot: &Slot, noted: Option<WaitOn>) {
        let header = slot.header();
        header.set_wait(Some(noted.unwrap_or(WaitOn::Other)));
        if header.wake.is_queued() {
            header.state.set(TaskState::Ready);
            return;
        }
        header.state.set(TaskState::Waiting);
        if self.debug.get().enabled && slot.waker_unreferenced() {
            self.diagnose(Diagnostic::LostWaker {
                task: header.id,
                name: header.name.to_string(),
            });
        }
    }

    pub(super) fn check_slow_poll(&self, header: &Header, took: Duration) {
        let debug = self.debug.get();
        if debug.enabled && took > debug.slow_poll {
            self.diagnose(Diagnostic::SlowPoll {
                task: header.id,
                name: header.name.to_string(),
                took,
                threshold: debug.slow_poll,
            });
        }
    }

    /// Removes a finished task from the table and records how it ended.
    pub(super) fn finish(&self, key: Key, state: TaskState) {
        self.finish_at(key, state, self.coarse_now());
    }

    /// `finish`, stamped `at` (a poll's end uses the turn's clock reading:
    /// see `coarse_now`).
    fn finish_at(&self, key: Key, state: TaskState, at: Instant) {
        let slot = self.tasks.borrow_mut().remove(key);
        let Some(slot) = slot else { return };
        self.ready.borrow_mut().forget(key);
        let header = slot.header();
        header.state.set(state);
        header.set_wait(None);
        if self.keep_finished.get() > 0 {
            self.finished
                .borrow_mut()
                .record(header, at, self.keep_finished.get());
        }
        let id = header.id;
        match state {
            TaskState::Done => self.emit(|| EventKind::Completed { task: id }),
            TaskState::Cancelled => self.emit(|| EventKind::Cancelled { task: id }),
            TaskState::Panicked => {
                let message = match &slot {
                    Slot::Task(task) => task.unretrieved_failure().unwrap_or_default(),
                    Slot::Root(_) => String::from("(block_on's future panicked)"),
                };
                if matches!(slot, Slot::Task(_)) && header.detached.get() {
                    self.report_unretrieved(header, message.clone());
                }
                self.emit(|| EventKind::Panicked { task: id, message });
            }
            _ => {}
        }
        // Whoever awaits the handle is woken by this task's end.
        let previous = self.source.replace(Source::Task(key, id));
        header.wake_joiner();
        self.source.set(previous);
        drop(slot);
    }

    /// Cancels a task: drops its future where it is parked.
    pub(crate) fn cancel(&self, key: Key) -> Cancel {
        let slot = self.tasks.borrow().get(key).cloned();
        let Some(slot) = slot else {
            return Cancel::AlreadyFinished;
        };
        let Slot::Task(task) = &slot else {
            // block_on's own future cannot be cancelled through a handle.
            return Cancel::AlreadyFinished;
        };
        if let Some((current, _)) = self.current_task()
            && current == key
        {
            task.header().cancel_requested.set(true);
            return Cancel::Requested;
        }
        if task.cancel() {
            self.finish(key, TaskState::Cancelled);
            Cancel::Cancelled
        } else {
            Cancel::AlreadyFinished
        }
    }

    pub(crate) fn report_unretrieved(&self, header: &Header, message: String) {
        if self.debug.get().enabled {
            self.diagnose(Diagnostic::UnretrievedFailure {
                task: header.id,
                name: header.name.to_string(),
                message,
            });
        }
    }
}

//! Polling one task: the moment the loop hands its thread to a future, and
//! the bookkeeping the state machine asks for after it returns (park,
//! requeue, finish, cancel).
//!
//! ```text
//!   pop a key (policy) ─▶ state.start_poll()  ② ──Finished──▶ skip (it was cancelled)
//!        │ Run
//!        ▼
//!   source = this task; current task = this task; poll the future
//!        │
//!        ▼
//!   "polled" event; take in the wakes the poll made
//!        │
//!   state.end_poll(..) ──③ Parked──▶ keep its note; lost-waker check
//!                      ──④ Requeued─▶ keep its note
//!                      ──⑤⑥ Done / Panicked──▶ finish
//!                      ──⑦ CancelNow──▶ drop the future, finish
//! ```

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::core::{Core, entered};
use super::inspector::forget_if;
use super::report::StepReport;
use super::tasks::Slot;
use super::turn::may_take_in;
use crate::debug::Diagnostic;
use crate::inspect::{LoopEvent, LoopEventKind, PollResult, Record};
use crate::sys::monotonic;
use crate::sys::usage::Usage;
use crate::task::{
    AfterPoll, Cancel, CancelStep, Header, Polled, Source, StartPoll, TaskKey, TaskState, Wait,
    current, panic_message,
};
use crate::time::Instant;

/// How a poll ended, as events and reports tell it.
fn poll_result(polled: &Polled) -> PollResult {
    match polled {
        Polled::Pending => PollResult::Pending,
        // A task group child that returned Err: its future returned.
        Polled::Ready | Polled::Failed(_) => PollResult::Ready,
        Polled::Panicked(message) => PollResult::Panicked(message.clone()),
    }
}

/// The "polled" event, at `at`, of a poll of `task` that did not panic
/// (`polled`: what it returned), timed or not, waiting on what the task
/// noted. One builder for the three ways the event goes: a run to a
/// listener alone, the log's (built only for a full record), and the
/// general one. A macro, not a function: an inlined function still built
/// the event apart and copied its 13 words into place, 12 instructions more
/// per watched yield (callgrind, B1 watched).
macro_rules! polled_event {
    ($at:expr, $task:expr, $polled:expr, $took_nanos:expr, $noted:expr) => {
        LoopEvent {
            at: $at,
            kind: LoopEventKind::Polled {
                task: $task,
                result: if matches!($polled, Polled::Pending) {
                    PollResult::Pending
                } else {
                    PollResult::Ready
                },
                took: untimed_or($took_nanos),
                waiting_on: $noted.map(Wait::unpack),
            },
        }
    };
}

/// What [`Core::poll_one`] did, for the turn that called it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum OnePoll {
    /// No task was ready.
    NoneReady,
    /// It polled a task (or skipped a finished one).
    Polled,
    /// It polled a task, and the turn's timed polls have now taken
    /// [`TURN_SPAN`](super::turn::TURN_SPAN) together: the turn ends here.
    TurnSpent,
}

/// `block_on`'s future, polled in place when the root's turn comes.
pub(crate) type Root<'a> = Option<Pin<&'a mut dyn Future<Output = ()>>>;

/// A poll's duration as a `Duration`: zero, without dividing by a billion,
/// when the poll was not timed (the usual case while a listener watches).
#[inline(always)]
fn untimed_or(took_nanos: u64) -> Duration {
    if took_nanos == 0 {
        Duration::ZERO
    } else {
        Duration::from_nanos(took_nanos)
    }
}

impl Core {
    /// The "polled" event of a poll that panicked, out of the hot path (it
    /// copies the message).
    #[cold]
    #[inline(never)]
    fn polled_and_panicked(
        &self,
        header: &Header,
        polled: &Polled,
        took_nanos: u64,
        noted: Option<&Wait>,
    ) {
        self.inspector.emit(|| LoopEventKind::Polled {
            task: header.id,
            result: poll_result(polled),
            took: untimed_or(took_nanos),
            waiting_on: noted.map(Wait::unpack),
        });
    }

    /// Pops the task the policy chooses, skipping finished ones (cancelled
    /// while queued: out of the table, their entries left in the queue).
    fn pop_ready(&self) -> Option<Slot> {
        loop {
            let task = self.here().ready.borrow_mut().pop()?;
            if task.state.is_finished() {
                continue; // dropped here, the queue no longer borrowed
            }
            return Some(self.slot(task));
        }
    }

    /// Polls one ready task, and says whether the turn goes on (see
    /// [`OnePoll`]). `report`, when given,
    /// receives a [`StepReport`] of the poll (only `step` asks: building one
    /// costs a clock read and a name string).
    pub(crate) fn poll_one(
        &self,
        root: &mut Root<'_>,
        report: Option<&mut Option<StepReport>>,
    ) -> OnePoll {
        let Some(slot) = self.pop_ready() else {
            return OnePoll::NoneReady;
        };
        let header = slot.header();
        match header.state.start_poll() {
            StartPoll::Run => {}
            StartPoll::Finished => return OnePoll::Polled,
        }
        if header.count_poll() {
            self.here().carries.poll_wrapped(header.key());
        }
        let want_report = report.is_some();
        let cause = header.packed_cause();
        // Clock reads cost ~20 ns each on the real clock: only when asked for.
        let at = if want_report {
            self.now()
        } else {
            Instant::START
        };
        if want_report {
            self.step_wakes.borrow_mut().clear();
            self.collecting.set(true);
        }
        self.start_watching();

        let here = self.here();
        let previous = here.source.replace(Source::Task(header.key(), header.id));
        let scope = current::polling(header.id, Some(header.vtable.waker));
        let usage = self.inspector.poll_usage();
        let start = self.inspector.timing().then(monotonic::now_nanos);
        // Untimed but watched: every event of this poll carries the turn's
        // time (exact on the virtual clock), not a clock read of its own.
        if start.is_none() && self.inspector.listening() {
            self.inspector.set_stamp(Some(self.turn_stamp()));
        }
        let polled = match &slot {
            Slot::Task(task) => task.poll(),
            Slot::Root(task) => self.poll_root(root, &task.waker()),
        };
        // One clock reading ends the poll: its duration, and the time of
        // every event and stamp that follows from it.
        let end = start.map(|s| (s, monotonic::now_nanos()));
        // Nanoseconds until an event or a report needs a `Duration`.
        let took_nanos = end.map_or(0, |(s, e)| e.saturating_sub(s));
        let end_at = end.map(|(_, e)| self.timers.at(e));
        if end_at.is_some() {
            self.inspector.set_stamp(end_at);
        }
        let noted = scope.end();
        here.source.set(previous);
        let waiting_on = if want_report {
            noted.as_ref().map(Wait::unpack)
        } else {
            None
        };
        let spent = self.end_poll(&slot, &polled, took_nanos, usage, end_at, noted);
        if let Some(report) = report {
            self.collecting.set(false);
            let woke = std::mem::take(&mut *self.step_wakes.borrow_mut());
            *report = Some(StepReport {
                task: header.id,
                name: header.name().into_string(),
                cause: cause.unpack(),
                at,
                result: poll_result(&polled),
                took: Duration::from_nanos(took_nanos),
                waiting_on,
                woke,
            });
        }
        if spent {
            OnePoll::TurnSpent
        } else {
            OnePoll::Polled
        }
    }

    /// What follows every poll, in the order the state machine asks for:
    /// the poll's time and slow-poll check, the "polled" event, the wakes it
    /// made, then the task's next state (③–⑦ above). Inlined: it is the
    /// second half of the hot `poll_one` (a call costs B1 7 % more
    /// instructions); the first poll's copy is the only other.
    #[inline(always)]
    pub(super) fn end_poll(
        &self,
        slot: &Slot,
        polled: &Polled,
        took_nanos: u64,
        usage: Option<Usage>,
        end_at: Option<Instant>,
        noted: Option<Wait>,
    ) -> bool {
        let header = slot.header();
        let mut spent = false;
        if took_nanos != 0 {
            self.inspector.add_busy(header, took_nanos);
            spent = self.spend_turn(took_nanos);
        }
        self.inspector.check_slow_poll(header, took_nanos, usage);
        let mut taken_in = false;
        if matches!(polled, Polled::Panicked(_)) {
            self.polled_and_panicked(header, polled, took_nanos, noted.as_ref());
        } else if self.inspector.listening() {
            if self.inspector.log_alone() {
                // Its records, and the wakes' (the take-in below finds none).
                self.log_polled(header, polled, took_nanos, noted.as_ref());
                taken_in = true;
            } else if self.inspector.listener_alone() {
                // Its event and the wakes', to the listener in one run.
                self.tell_polled(header, polled, took_nanos, noted.as_ref());
                taken_in = true;
            } else {
                // No message to copy: the event owns something only when
                // the task noted a primitive's wait (it shares the
                // primitive's name).
                let plain = !noted.as_ref().is_some_and(Wait::is_primitive);
                let at = self.inspector.stamped();
                let event = polled_event!(at, header.id, polled, took_nanos, noted.as_ref());
                self.inspector.deliver(event, plain);
            }
        }
        // The wakes this poll made, after the poll that caused them. Whether
        // anyone watches was asked as the poll began: had watching started
        // during the poll, the loop's next look (`start_watching`, before a
        // poll or a take-in) finds these wakes, as it should, not news.
        if !taken_in && self.watching.get() {
            self.take_in_watched();
        }
        match header.state.end_poll(polled.end()) {
            AfterPoll::Parked => self.park(slot, noted),
            AfterPoll::Requeued => header.set_wait(Some(noted.unwrap_or(Wait::OTHER_WAIT))),
            AfterPoll::Done | AfterPoll::Failed | AfterPoll::Panicked => {
                self.finish(slot, end_at.unwrap_or_else(|| self.turn_stamp()))
            }
            AfterPoll::CancelNow => {
                self.drop_cancelled(slot);
                self.finish(slot, end_at.unwrap_or_else(|| self.turn_stamp()));
            }
        }
        self.inspector.set_stamp(None);
        spent
    }

    /// "Polled", when only the log watches, and the wakes the poll made:
    /// their records, from the loop's own small values (see
    /// `inspect/log.rs`). Out of line and marked cold, so that the hot poll
    /// carries one call for it, not its code, and the other ways through
    /// the poll stay laid out as they were.
    #[cold]
    #[inline(never)]
    fn log_polled(&self, header: &Header, polled: &Polled, took_nanos: u64, noted: Option<&Wait>) {
        // One time for every record of this poll: the events' stamp; one
        // borrow of the log for all of them.
        let at = self.inspector.stamped();
        let time = Record::time(at);
        let Some(mut log) = self.inspector.log_mut() else {
            // No log after all (cannot happen while it is alone): the wakes
            // are still taken in, the general way.
            if self.watching.get() {
                self.take_in_watched();
            }
            return;
        };
        let ready = !matches!(polled, Polled::Pending);
        log.record(
            Record::polled(time, header.id, ready, took_nanos, noted),
            || polled_event!(at, header.id, polled, took_nanos, noted),
        );
        if self.watching.get() {
            self.take_in_logged(&mut log, at, time);
        }
    }

    /// "Polled", when one listener watches alone, and the wakes the poll
    /// made: one run to the listener (`Inspector::deliver_run`), where
    /// each event apart cost a dispatch of its own and the wakes a call.
    /// Inlined into the poll, unlike `log_polled`: out of line, its own
    /// call, register saves and frame cost a watched yield 18 of its 172
    /// instructions (the unwatched poll pays 2 for it, in equal time).
    #[inline(always)]
    fn tell_polled(&self, header: &Header, polled: &Polled, took_nanos: u64, noted: Option<&Wait>) {
        let at = self.inspector.stamped();
        let event = polled_event!(at, header.id, polled, took_nanos, noted);
        // It owns something only when the task noted a primitive's wait
        // (it shares the primitive's name).
        let plain = !noted.is_some_and(Wait::is_primitive);
        // Whether anyone watched was asked as the poll began (see the
        // take-in in `end_poll`).
        let here = self.here();
        let take_in = self.watching.get() && may_take_in(here);
        self.inspector.deliver_run(
            &event,
            || if take_in { self.next_wake(here) } else { None },
            |(task, cause)| LoopEvent {
                at,
                kind: LoopEventKind::Woken {
                    task,
                    cause: cause.unpack(),
                },
            },
        );
        forget_if(event, plain);
    }

    fn poll_root(&self, root: &mut Root<'_>, waker: &Waker) -> Polled {
        let Some(root) = root.as_mut() else {
            // The root's owner is not driving (cannot happen: the root slot
            // exists only during block_on).
            return Polled::Pending;
        };
        let mut cx = Context::from_waker(waker);
        self.root_polled(catch_unwind(AssertUnwindSafe(|| {
            root.as_mut().poll(&mut cx)
        })))
    }

    /// How a poll of `block_on`'s future ended, kept for `block_on`.
    pub(super) fn root_polled(&self, poll: std::thread::Result<Poll<()>>) -> Polled {
        match poll {
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

    /// ③ Waiting: record what the task waits on, and check that something
    /// can still wake it.
    fn park(&self, slot: &Slot, noted: Option<Wait>) {
        let header = slot.header();
        header.set_wait(Some(noted.unwrap_or(Wait::OTHER_WAIT)));
        if self.inspector.debug().enabled && self.is_lost(slot) {
            self.inspector.diagnose(Diagnostic::LostWaker {
                task: header.id,
                name: header.name().into_string(),
            });
        }
    }

    /// True when nothing can ever wake the task: no waker of it is stored
    /// anywhere, and no wake is on its way.
    ///
    /// The order matters, because another thread may be waking the task
    /// right now: a wake sets `queued` and only then lets its waker go (the
    /// `Arc`'s `Release` decrement). So the count is read first, then an
    /// `Acquire` fence, then `queued`: if the count no longer includes that
    /// waker, the fence makes its `queued` visible, and the task is not
    /// lost. (Reading `queued` first, as `end_poll` does, and the count
    /// after, could see neither the flag nor the waker.)
    fn is_lost(&self, slot: &Slot) -> bool {
        if !slot.waker_unreferenced() {
            return false;
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        !slot.header().state.is_queued()
    }

    /// A task's state says it finished: take it out of the table, keep a
    /// record for snapshots, tell listeners, wake whoever awaits its handle.
    fn finish(&self, slot: &Slot, at: Instant) {
        let header = slot.header();
        let here = self.here();
        let removed = self.tasks.borrow_mut().remove(header.key());
        here.ready.borrow_mut().forget(header.key());
        header.set_wait(None);
        self.inspector.record_finished(header, &here.carries, at);
        here.carries.forget(header.key());
        let id = header.id;
        match header.state.get() {
            TaskState::Done => self.inspector.emit_recorded_at(
                at,
                |time| Record::ended(time, id, false),
                || LoopEventKind::Completed { task: id },
            ),
            TaskState::Cancelled => self.inspector.emit_recorded_at(
                at,
                |time| Record::ended(time, id, true),
                || LoopEventKind::Cancelled { task: id },
            ),
            TaskState::Panicked | TaskState::Failed => self.failed(slot, at),
            TaskState::Ready | TaskState::Running | TaskState::Waiting => {}
        }
        // Whoever awaits the handle is woken by this task's end.
        let previous = here.source.replace(Source::Task(header.key(), id));
        header.wake_joiner();
        here.source.set(previous);
        self.take_in();
        drop(removed);
    }

    /// The end of a task that panicked or failed: its message, reported if
    /// nobody will read it, and told. Out of line (the rare way out of
    /// `finish`, which every task takes).
    #[cold]
    #[inline(never)]
    fn failed(&self, slot: &Slot, at: Instant) {
        let header = slot.header();
        let id = header.id;
        let panicked = header.state.get() == TaskState::Panicked;
        let message = match slot {
            Slot::Task(task) => task.failure().unwrap_or_default(),
            Slot::Root(_) if panicked => String::from("(block_on's future panicked)"),
            Slot::Root(_) => String::new(),
        };
        if !panicked {
            self.inspector
                .emit_at(at, || LoopEventKind::Failed { task: id, message });
            return;
        }
        if matches!(slot, Slot::Task(_)) && header.state.is_unretrieved() {
            self.inspector.failure_unread(header, message.clone());
        }
        self.inspector
            .emit_at(at, || LoopEventKind::Panicked { task: id, message });
    }

    /// Cancels a task: drops its future where it is parked (⑨), or asks a
    /// running task to stop after its poll (⑩). Cancelling `block_on`'s own
    /// future (the task named `main`) makes `block_on` end with
    /// `RunErrorKind::Cancelled`, its future dropped as it returns.
    pub(crate) fn cancel(&self, key: TaskKey) -> Cancel {
        let Some(task) = self.tasks.borrow().get(key) else {
            return Cancel::AlreadyFinished;
        };
        let slot = self.slot(task);
        match slot.header().state.cancel() {
            CancelStep::AlreadyFinished => Cancel::AlreadyFinished,
            CancelStep::Requested => Cancel::Requested,
            CancelStep::DropFuture => {
                let _enter = entered(self);
                self.drop_cancelled(&slot);
                // The future's destructors may have woken tasks.
                self.take_in();
                self.finish(&slot, self.coarse_now());
                Cancel::Cancelled
            }
        }
    }

    /// Drops a cancelled task's future (⑨, ⑦). If its cleanup panics, that
    /// panic becomes the task's end (⑫). The root's own future is on
    /// `block_on`'s stack: the loop stops, and `block_on` drops it.
    fn drop_cancelled(&self, slot: &Slot) {
        match slot {
            Slot::Task(task) => {
                if task.drop_future().is_some() {
                    task.state.cleanup_panicked();
                }
            }
            Slot::Root(_) => self.root_cancelled.set(true),
        }
    }
}

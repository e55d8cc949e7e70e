//! The core of a loop: the task table, the ready queue, the timer heap, the
//! clock, and the code that turns them.
//!
//! One turn of the loop:
//!
//! ```text
//!   ┌──────────────────────────────────────────────────────────────────┐
//!   │ 1. collect: move wakes from other threads onto the ready queue;   │
//!   │             fire every timer whose deadline has passed            │
//!   │ 2. poll:    pop a ready task (by policy) and poll it, at most     │
//!   │             BATCH times before going back to 1, so a task that    │
//!   │             keeps waking itself cannot starve timers and threads  │
//!   │ 3. idle:    nothing ready? block in the poller until I/O, a wake  │
//!   │             from another thread, or the earliest deadline (real   │
//!   │             clock); or jump the clock to it (virtual clock, only  │
//!   │             when no I/O wait and no to_thread job is pending)     │
//!   └──────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Step 1 also asks the poller, with a zero timeout, for readiness whenever
//! descriptors are registered, so a busy loop still serves its sockets every
//! BATCH polls. The reactor's side of this is in [`crate::io`].
//!
//! Borrowing discipline: every table lives in its own `RefCell`, and no
//! borrow is held while user code runs (a poll, a waker, a destructor). A
//! task is polled through an `Rc` cloned out of the table; a finished task is
//! removed from the table first and dropped after the borrow ends.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::policy::{Divergence, Policy, ReadyQueue};
use super::report::{RunReport, StallReport, StepReport, StopReason};
use super::schedule::Schedule;
use super::shared::{Shared, Wakeup};
use super::tasks::{Key, Slot, TaskTable};
use crate::blocking::Pool;
use crate::debug::{DebugConfig, Diagnostic, Sink};
use crate::inspect::{
    Event, EventKind, EventLog, InspectPrimitive, IoInfo, PollResult, Snapshot, TaskInfo,
};
use crate::io::reactor::Reactor;
use crate::task::cell::{Polled, TaskCell, panic_message};
use crate::task::header::Header;
use crate::task::waker::TaskWaker;
use crate::task::{Cancel, JoinHandle, TaskId, TaskName, TaskState, WaitOn, WakeCause};
use crate::time::heap::{TimerHeap, TimerKey};
use crate::time::{Clock, ClockKind, Instant};

/// An event listener given to `subscribe`.
type Listener = Box<dyn FnMut(&Event)>;

/// Polls per turn before the loop looks at timers and other threads again
/// (tokio's current-thread scheduler uses the same number for I/O).
const BATCH: usize = 61;

/// Who is calling wakers right now: this is how a wake learns its cause.
#[derive(Clone, Copy)]
enum Source {
    Outside,
    Task(Key, TaskId),
    Timer,
    /// The reactor is dispatching readiness of this descriptor.
    Io {
        fd: i32,
        readable: bool,
        writable: bool,
    },
}

/// What a driving loop runs until.
pub(crate) enum Goal<'a> {
    /// Until nothing is ready at the current time.
    Idle,
    /// Until `block_on`'s root future finishes.
    Root,
    /// Until the closure says so (a handle finished).
    Until(&'a dyn Fn() -> bool),
    /// Until no task is left.
    AllDone,
    /// Until the clock reads this instant, and nothing is ready.
    Time(Instant),
}

enum Idle {
    Progress,
    TimeReached,
    Stalled,
}

pub(crate) struct Core {
    pub(crate) shared: Arc<Shared>,
    tasks: RefCell<TaskTable>,
    ready: RefCell<ReadyQueue>,
    timers: RefCell<TimerHeap>,
    clock: Clock,
    next_id: Cell<u64>,
    source: Cell<Source>,
    noted: RefCell<Option<WaitOn>>,
    step_wakes: RefCell<Option<Vec<TaskId>>>,
    /// True while a step report collects the wakes of its poll (so wakes
    /// outside `step` pay one `Cell` read, not a `RefCell` borrow).
    collecting_wakes: Cell<bool>,
    /// The real clock as read at the start of this loop turn (see
    /// `coarse_now`).
    turn_now: Cell<Instant>,
    remote_buf: RefCell<Vec<(Key, bool)>>,
    root_panic: RefCell<Option<Box<dyn std::any::Any + Send>>>,
    root_done: Cell<bool>,
    finished: RefCell<VecDeque<Finished>>,
    keep_finished: Cell<usize>,
    // Inspection: `listening` is the one branch paid when nobody listens.
    listening: Cell<bool>,
    listeners: RefCell<Vec<(u64, Listener)>>,
    next_listener: Cell<u64>,
    log: RefCell<Option<EventLog>>,
    timing: Cell<bool>,
    timing_forced: Cell<bool>,
    debug: Cell<DebugConfig>,
    sink: RefCell<Sink>,
    poll_budget: Cell<u64>,
    /// Synchronization primitives created in this loop, for snapshots.
    primitives: RefCell<Vec<Weak<dyn InspectPrimitive>>>,
    /// The registry's length after its last pruning.
    primitives_pruned: Cell<usize>,
    reactor: Reactor,
    io_woken: RefCell<Vec<(Waker, WakeCause)>>,
    pool: Pool,
}

pub(crate) struct CoreConfig {
    pub(crate) clock: ClockKind,
    pub(crate) policy: Policy,
    pub(crate) debug: DebugConfig,
    pub(crate) sink: Sink,
    pub(crate) poll_timing: bool,
    pub(crate) keep_finished: usize,
    pub(crate) event_log: Option<usize>,
    pub(crate) blocking_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
}

impl Core {
    pub(crate) fn new(config: CoreConfig) -> Core {
        let reactor = Reactor::new();
        let wakeup = match reactor.poller() {
            Some(poller) => Wakeup::Poller(poller.notifier()),
            None => Wakeup::Park(std::thread::current()),
        };
        let core = Core {
            shared: Arc::new(Shared::new(wakeup)),
            tasks: RefCell::new(TaskTable::default()),
            ready: RefCell::new(ReadyQueue::new(config.policy)),
            timers: RefCell::new(TimerHeap::default()),
            clock: Clock::new(config.clock),
            next_id: Cell::new(1),
            source: Cell::new(Source::Outside),
            noted: RefCell::new(None),
            step_wakes: RefCell::new(None),
            collecting_wakes: Cell::new(false),
            turn_now: Cell::new(Instant::START),
            remote_buf: RefCell::new(Vec::new()),
            root_panic: RefCell::new(None),
            root_done: Cell::new(false),
            finished: RefCell::new(VecDeque::new()),
            keep_finished: Cell::new(config.keep_finished),
            listening: Cell::new(false),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            log: RefCell::new(None),
            timing: Cell::new(false),
            timing_forced: Cell::new(config.poll_timing),
            debug: Cell::new(config.debug),
            sink: RefCell::new(config.sink),
            poll_budget: Cell::new(u64::MAX),
            primitives: RefCell::new(Vec::new()),
            primitives_pruned: Cell::new(0),
            reactor,
            io_woken: RefCell::new(Vec::new()),
            pool: Pool::new(config.blocking_threads, config.blocking_keep_alive),
        };
        if let Some(capacity) = config.event_log {
            core.record_events(capacity);
        }
        core.update_flags();
        core
    }

    // ----- the clock -------------------------------------------------------

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    pub(crate) fn clock_kind(&self) -> ClockKind {
        self.clock.kind()
    }

    pub(crate) fn set_clock(&self, kind: ClockKind) {
        self.clock.set_kind(kind);
    }

    /// The time to stamp on a task's spawn and finish. Inside the loop on
    /// the real clock it is the time read at the start of this turn (at most
    /// a batch of polls ago): a clock read costs as much as a whole poll, and
    /// spawning 100,000 tasks should not read the clock 200,000 times.
    /// Outside the loop, and on the virtual clock, it is exact.
    fn coarse_now(&self) -> Instant {
        match (self.clock.kind(), self.source.get()) {
            // Clocks switch only between drives, and every drive and step
            // starts with `collect`, which refreshes `turn_now`.
            (ClockKind::Real, Source::Task(..)) => self.turn_now.get(),
            _ => self.now(),
        }
    }

    fn jump_to(&self, to: Instant) {
        let from = self.now();
        if to <= from {
            return;
        }
        self.clock.advance_to(to);
        self.emit(|| EventKind::ClockAdvanced { from, to });
    }

    // ----- spawning --------------------------------------------------------

    fn next_task_id(&self) -> TaskId {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        TaskId(id)
    }

    pub(crate) fn current_task(&self) -> Option<(Key, TaskId)> {
        match self.source.get() {
            Source::Task(key, id) => Some((key, id)),
            _ => None,
        }
    }

    fn new_header(&self, name: Option<TaskName>) -> Header {
        let id = self.next_task_id();
        let key = self.tasks.borrow_mut().reserve();
        let waker = Arc::new(TaskWaker::new(key, self.shared.clone()));
        let parent = self.current_task().map(|(_, id)| id);
        let name = name.unwrap_or(TaskName::Default(id));
        Header::new(id, name, key, parent, self.coarse_now(), waker)
    }

    pub(crate) fn spawn<F>(
        self: &Rc<Self>,
        name: Option<TaskName>,
        future: F,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let cell = self.spawn_cell(name, future);
        JoinHandle::new(cell, Rc::downgrade(self))
    }

    /// Spawns and returns the task's cell (for handles of another shape).
    pub(crate) fn spawn_cell<F>(
        self: &Rc<Self>,
        name: Option<TaskName>,
        future: F,
    ) -> Rc<TaskCell<F>>
    where
        F: Future + 'static,
    {
        let header = self.new_header(name);
        let key = header.key;
        let cell = Rc::new(TaskCell::new(header, future));
        self.tasks.borrow_mut().fill(key, Slot::Task(cell.clone()));
        self.ready.borrow_mut().push(key);
        self.emit(|| EventKind::Spawned {
            task: cell.header.id,
            name: cell.header.name.to_string(),
            parent: cell.header.parent,
        });
        cell
    }

    fn insert_root(&self) -> Rc<Header> {
        let header = Rc::new(self.new_header(Some(TaskName::Static("main"))));
        self.tasks
            .borrow_mut()
            .fill(header.key, Slot::Root(header.clone()));
        self.ready.borrow_mut().push(header.key);
        self.root_done.set(false);
        self.emit(|| EventKind::Spawned {
            task: header.id,
            name: "main".into(),
            parent: None,
        });
        header
    }

    // ----- waking ----------------------------------------------------------

    fn cause_for(&self, key: Key) -> WakeCause {
        match self.source.get() {
            Source::Task(k, _) if k == key => WakeCause::Yield,
            Source::Task(_, id) => WakeCause::Task(id),
            Source::Timer => WakeCause::Timer,
            Source::Io {
                fd,
                readable,
                writable,
            } => WakeCause::Io {
                fd,
                readable,
                writable,
            },
            Source::Outside => WakeCause::Outside,
        }
    }

    /// The lock-free wake of a task of this loop, on its own thread.
    pub(crate) fn wake(&self, waker: &TaskWaker) {
        let first = waker.mark_queued();
        let cause = self.cause_for(waker.key);
        self.make_ready(waker.key, first, cause);
    }

    /// Counts a wake; if `first` (the task was not queued), queues it.
    fn make_ready(&self, key: Key, first: bool, cause: WakeCause) {
        let id = {
            let Ok(tasks) = self.tasks.try_borrow() else {
                return;
            };
            let Some(slot) = tasks.get(key) else {
                return;
            };
            let h = slot.header();
            h.wakes.set(h.wakes.get() + 1);
            if !first {
                return;
            }
            h.cause.set(cause);
            if h.state.get() != TaskState::Running {
                h.state.set(TaskState::Ready);
            }
            h.id
        };
        self.ready.borrow_mut().push(key);
        if self.collecting_wakes.get()
            && let Some(list) = self.step_wakes.borrow_mut().as_mut()
        {
            list.push(id);
        }
        self.emit(|| EventKind::Woken { task: id, cause });
    }

    /// Moves wakes that came from other threads onto the ready queue.
    fn collect_remote(&self) {
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
        let tasks = self.tasks.borrow();
        tasks
            .iter()
            .find(|s| s.header().id == id)
            .map(|s| s.header().key)
    }

    /// Wakes a task from outside the loop (the REPL's `wake`).
    pub(crate) fn wake_by_id(&self, id: TaskId) -> bool {
        let waker = {
            let tasks = self.tasks.borrow();
            tasks
                .iter()
                .find(|s| s.header().id == id)
                .map(|s| s.header().waker.clone())
        };
        match waker {
            Some(w) => {
                w.wake();
                true
            }
            None => false,
        }
    }

    // ----- timers ----------------------------------------------------------

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

    fn fire_timers(&self) {
        if self.timers.borrow().is_empty() {
            return;
        }
        let now = self.now();
        loop {
            let fired = self.timers.borrow_mut().pop_due(now);
            let Some(fired) = fired else { break };
            let previous = self.source.replace(Source::Timer);
            fired.waker.wake();
            self.source.set(previous);
            self.emit(|| EventKind::TimerFired {
                owner: fired.owner,
                deadline: fired.deadline,
            });
        }
    }

    fn collect(&self) {
        if self.clock.kind() == ClockKind::Real {
            self.turn_now.set(self.clock.now());
        }
        self.collect_remote();
        if self.reactor.has_registrations() {
            self.poll_io(Some(Duration::ZERO));
        }
        self.fire_timers();
    }

    // ----- I/O -------------------------------------------------------------

    pub(crate) fn reactor(&self) -> &Reactor {
        &self.reactor
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The name of a live task.
    pub(crate) fn task_name(&self, id: TaskId) -> Option<String> {
        let tasks = self.tasks.borrow();
        tasks
            .iter()
            .find(|s| s.header().id == id)
            .map(|s| s.header().name.to_string())
    }

    /// The id of the task being polled, if any.
    pub(crate) fn current_task_id(&self) -> Option<TaskId> {
        self.current_task().map(|(_, id)| id)
    }

    /// Asks the poller for readiness (waiting up to `timeout`) and wakes the
    /// tasks waiting for each direction that became ready, with the cause
    /// "woken by I/O (fd N readable)".
    fn poll_io(&self, timeout: Option<Duration>) {
        let mut woken = self.io_woken.take();
        // An error means a broken poller (EBADF), which nothing here can
        // repair; the wakes already collected are still delivered.
        let _ = self.reactor.poll(timeout, &mut woken);
        for (waker, cause) in woken.drain(..) {
            let WakeCause::Io {
                fd,
                readable,
                writable,
            } = cause
            else {
                continue;
            };
            let previous = self.source.replace(Source::Io {
                fd,
                readable,
                writable,
            });
            waker.wake();
            self.source.set(previous);
        }
        *self.io_woken.borrow_mut() = woken;
    }

    /// Sleeps until readiness, a notification, or `timeout`. `idle` has
    /// re-armed notifications already (`Shared::arm`); if something was
    /// already waiting then (`may_block` false), only look.
    fn wait_for_world(&self, may_block: bool, timeout: Option<Duration>) {
        let timeout = if may_block {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        if self.shared.parks() {
            if may_block {
                self.shared.park(timeout);
            }
        } else {
            self.poll_io(timeout);
        }
    }

    // ----- what a task waits on -------------------------------------------

    pub(crate) fn note_wait(&self, wait: WaitOn) {
        if let Ok(mut noted) = self.noted.try_borrow_mut() {
            *noted = Some(wait);
        }
    }

    // ----- polling ---------------------------------------------------------

    fn pop_ready(&self) -> Option<(Key, Slot)> {
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
        header.waker_arc.clear_queued();
        header.state.set(TaskState::Running);
        header.polls.set(header.polls.get() + 1);
        let cause = header.cause.get();
        let previous = self.source.replace(Source::Task(key, header.id));
        if want_report {
            *self.step_wakes.borrow_mut() = Some(Vec::new());
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
            Slot::Task(task) => task.poll(),
            Slot::Root(h) => self.poll_root(root, &h.waker),
        };

        let took = start.map(|s| s.elapsed()).unwrap_or_default();
        self.source.set(previous);
        header.busy.set(header.busy.get() + took);
        let mut noted = self.noted.borrow_mut().take();
        let woke = if want_report {
            self.collecting_wakes.set(false);
            self.step_wakes.borrow_mut().take().unwrap_or_default()
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
                self.park_task(header, noted);
            }
            Polled::Ready => self.finish(key, TaskState::Done),
            Polled::Panicked(_) => self.finish(key, TaskState::Panicked),
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

    fn poll_root(
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
    fn park_task(&self, header: &Header, noted: Option<WaitOn>) {
        *header.wait.borrow_mut() = Some(noted.unwrap_or(WaitOn::Other));
        if header.waker_arc.is_queued() {
            header.state.set(TaskState::Ready);
            return;
        }
        header.state.set(TaskState::Waiting);
        if self.debug.get().enabled && header.waker_unreferenced() {
            self.diagnose(Diagnostic::LostWaker {
                task: header.id,
                name: header.name.to_string(),
            });
        }
    }

    fn check_slow_poll(&self, header: &Header, took: Duration) {
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
    fn finish(&self, key: Key, state: TaskState) {
        let slot = self.tasks.borrow_mut().remove(key);
        let Some(slot) = slot else { return };
        self.ready.borrow_mut().forget(key);
        let header = slot.header();
        header.state.set(state);
        *header.wait.borrow_mut() = None;
        if self.keep_finished.get() > 0 {
            let record = Finished::of(header, self.coarse_now());
            let mut finished = self.finished.borrow_mut();
            if finished.len() == self.keep_finished.get() {
                finished.pop_front();
            }
            finished.push_back(record);
        }
        let id = header.id;
        match state {
            TaskState::Done => self.emit(|| EventKind::Completed { task: id }),
            TaskState::Cancelled => self.emit(|| EventKind::Cancelled { task: id }),
            TaskState::Panicked => {
                if let Slot::Task(task) = &slot
                    && header.detached.get()
                    && let Some(message) = task.unretrieved_failure()
                {
                    self.report_unretrieved(header, message.clone());
                }
                let message = match &slot {
                    Slot::Task(task) => task.unretrieved_failure().unwrap_or_default(),
                    Slot::Root(_) => String::from("(block_on's future panicked)"),
                };
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

    // ----- driving ---------------------------------------------------------

    fn goal_reached(&self, goal: &Goal<'_>) -> bool {
        match goal {
            Goal::Idle | Goal::Time(_) => false,
            Goal::Root => self.root_done.get(),
            Goal::Until(done) => done(),
            Goal::AllDone => self.tasks.borrow().len() == 0,
        }
    }

    /// Runs the loop until `goal`, the poll budget, an interrupt or a stall.
    pub(crate) fn drive(
        &self,
        goal: Goal<'_>,
        mut root: Option<Pin<&mut dyn Future<Output = ()>>>,
    ) -> RunReport {
        let mut polls = 0u64;
        let budget = self.poll_budget.get();
        let limit = match goal {
            Goal::Time(t) => Some(t),
            _ => None,
        };
        let stop = loop {
            if self.shared.take_interrupt() {
                break StopReason::Interrupted;
            }
            if self.goal_reached(&goal) {
                break StopReason::Finished;
            }
            self.collect();
            if !self.ready.borrow().is_empty() {
                for _ in 0..BATCH {
                    if !self.poll_one(&mut root, None) {
                        break;
                    }
                    polls += 1;
                    if polls >= budget || self.goal_reached(&goal) {
                        break;
                    }
                }
                if polls >= budget && !self.goal_reached(&goal) {
                    break StopReason::BudgetExhausted;
                }
                continue;
            }
            if matches!(goal, Goal::Idle) {
                break StopReason::Idle;
            }
            match self.idle(limit) {
                Idle::Progress => {}
                Idle::TimeReached => break StopReason::TimeReached,
                Idle::Stalled => break StopReason::Stalled(self.stall_report()),
            }
        };
        RunReport { polls, stop }
    }

    /// Nothing is ready: wait for something that can make a task ready.
    fn idle(&self, limit: Option<Instant>) -> Idle {
        // Before looking at anything that decides the sleep: every wake from
        // now on pokes the poller (see `Shared::arm`).
        let may_block = self.shared.arm();
        let next = self
            .timers
            .borrow_mut()
            .next_deadline()
            .filter(|d| *d != Instant::FAR_FUTURE);
        match self.clock.kind() {
            ClockKind::Virtual => {
                if self.shared.external_pending() || self.reactor.has_waiters() {
                    // The virtual clock rule: a to_thread job or a socket may
                    // still wake a task, and virtual time must not run ahead
                    // of it. Wait for the world for real.
                    self.wait_for_world(may_block, None);
                    return Idle::Progress;
                }
                match (next, limit) {
                    (Some(d), Some(l)) if d > l => {
                        self.jump_to(l);
                        Idle::TimeReached
                    }
                    (Some(d), _) => {
                        self.jump_to(d);
                        Idle::Progress
                    }
                    (None, Some(l)) => {
                        self.jump_to(l);
                        Idle::TimeReached
                    }
                    (None, None) if self.confirm_stall() => Idle::Stalled,
                    (None, None) => Idle::Progress,
                }
            }
            ClockKind::Real => {
                let now = self.now();
                if limit.is_some_and(|l| now >= l) {
                    return Idle::TimeReached;
                }
                let wake_at = match (next, limit) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                if wake_at.is_none()
                    && !self.shared.external_pending()
                    && !self.reactor.has_waiters()
                    && self.nothing_can_wake()
                    && self.confirm_stall()
                {
                    return Idle::Stalled;
                }
                self.wait_for_world(may_block, wake_at.map(|t| t - now));
                Idle::Progress
            }
        }
    }

    /// The last check before reporting a stall: no wake from another thread
    /// is waiting in the remote queue.
    ///
    /// It must come *after* the checks that found no outside work and no
    /// outside waker clone. A worker thread wakes its task (pushing on the
    /// remote queue) and only then drops its `ExternalWork` guard and its
    /// waker. Having seen the guard or the waker gone (an `Acquire` load, or a
    /// relaxed count made visible by the fence below), the loop is sure to see
    /// the push that came before. Looking at the remote queue first, as
    /// `Shared::arm` does, could miss it, and report a deadlock while the
    /// wake sits in the queue.
    fn confirm_stall(&self) -> bool {
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        !self.shared.has_remote()
    }

    /// True when no pending task's waker is held by anyone but evloop: with
    /// no timers and no outside work, nothing can ever wake any of them.
    fn nothing_can_wake(&self) -> bool {
        self.tasks
            .borrow()
            .iter()
            .all(|s| s.header().waker_unreferenced())
    }

    fn stall_report(&self) -> StallReport {
        let tasks = self.tasks.borrow();
        let mut waiting: Vec<_> = tasks
            .iter()
            .map(|s| {
                let h = s.header();
                (h.id, h.name.to_string(), h.wait.borrow().clone())
            })
            .collect();
        waiting.sort_by_key(|(id, _, _)| *id);
        drop(tasks);
        StallReport {
            now: self.now(),
            waiting,
            primitives: self.primitive_infos(),
        }
    }

    pub(crate) fn step(&self) -> Option<StepReport> {
        self.collect();
        let mut report = None;
        self.poll_one(&mut None, Some(&mut report));
        report
    }

    pub(crate) fn take_root_panic(&self) -> Option<Box<dyn std::any::Any + Send>> {
        self.root_panic.borrow_mut().take()
    }

    /// `block_on`: spawn the root, drive until it is done, remove it.
    pub(crate) fn run_root(&self, root: Pin<&mut dyn Future<Output = ()>>) -> RunReport {
        let header = self.insert_root();
        let report = self.drive(Goal::Root, Some(root));
        if !self.root_done.get() {
            // Interrupted or stalled: take the root out of the table.
            let slot = self.tasks.borrow_mut().remove(header.key);
            drop(slot);
        }
        report
    }

    pub(crate) fn set_poll_budget(&self, budget: u64) {
        self.poll_budget.set(budget.max(1));
    }

    pub(crate) fn poll_budget(&self) -> u64 {
        self.poll_budget.get()
    }

    pub(crate) fn policy(&self) -> Policy {
        self.ready.borrow().policy()
    }

    pub(crate) fn set_policy(&self, policy: Policy) {
        self.ready.borrow_mut().set_policy(policy);
    }

    pub(crate) fn set_pct_steps(&self, steps: u32) {
        self.ready.borrow_mut().set_pct_steps(steps);
    }

    pub(crate) fn pct_steps(&self) -> u32 {
        self.ready.borrow().pct_steps()
    }

    pub(crate) fn record_schedule(&self, on: bool) {
        self.ready.borrow_mut().record(on);
    }

    pub(crate) fn schedule(&self) -> Schedule {
        self.ready.borrow().recorded()
    }

    pub(crate) fn replay(&self, schedule: &Schedule) {
        self.ready.borrow_mut().replay(schedule);
    }

    pub(crate) fn divergence(&self) -> Option<Divergence> {
        self.ready.borrow().divergence()
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.borrow().len()
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow_mut().next_deadline()
    }

    // ----- inspection ------------------------------------------------------

    fn info(&self, h: &Header, finished_at: Option<Instant>) -> TaskInfo {
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

    fn primitive_infos(&self) -> Vec<crate::inspect::PrimitiveInfo> {
        let alive: Vec<_> = match self.primitives.try_borrow_mut() {
            Ok(mut list) => {
                list.retain(|p| p.strong_count() > 0);
                list.iter().filter_map(Weak::upgrade).collect()
            }
            Err(_) => Vec::new(),
        };
        alive.iter().map(|p| p.info()).collect()
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

    pub(crate) fn set_keep_finished(&self, n: usize) {
        self.keep_finished.set(n);
        let mut finished = self.finished.borrow_mut();
        while finished.len() > n {
            finished.pop_front();
        }
    }

    // ----- events ----------------------------------------------------------

    fn update_flags(&self) {
        let listening = !self.listeners.borrow().is_empty() || self.log.borrow().is_some();
        self.listening.set(listening);
        self.timing
            .set(listening || self.timing_forced.get() || self.debug.get().enabled);
    }

    /// Emits an event; `make` runs only if someone listens.
    #[inline]
    fn emit(&self, make: impl FnOnce() -> EventKind) {
        if self.listening.get() {
            self.dispatch(Event {
                at: self.now(),
                kind: make(),
            });
        }
    }

    fn dispatch(&self, event: Event) {
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

    // ----- debug -----------------------------------------------------------

    pub(crate) fn diagnose(&self, d: Diagnostic) {
        if let Ok(mut sink) = self.sink.try_borrow_mut() {
            sink(&d);
        }
        self.emit(|| EventKind::Diagnostic(d));
    }

    pub(crate) fn set_sink(&self, sink: Sink) {
        *self.sink.borrow_mut() = sink;
    }

    pub(crate) fn set_debug(&self, debug: DebugConfig) {
        self.debug.set(debug);
        self.update_flags();
    }

    pub(crate) fn debug_config(&self) -> DebugConfig {
        self.debug.get()
    }

    pub(crate) fn set_poll_timing(&self, on: bool) {
        self.timing_forced.set(on);
        self.update_flags();
    }

    // ----- shutdown --------------------------------------------------------

    /// Drops every task (running their destructors inside the loop's
    /// context), reporting leaked ones in debug mode.
    pub(crate) fn shutdown(&self) {
        let leaked: Vec<_> = {
            let tasks = self.tasks.borrow();
            let mut v: Vec<_> = tasks
                .iter()
                .map(|s| {
                    (
                        s.header().id,
                        s.header().name.to_string(),
                        s.header().state.get(),
                    )
                })
                .collect();
            v.sort_by_key(|t| t.0);
            v
        };
        if !leaked.is_empty() && self.debug.get().enabled {
            self.diagnose(Diagnostic::LeakedTasks { tasks: leaked });
        }
        // Destructors may spawn; give them a few rounds, then stop.
        for _ in 0..16 {
            let keys: Vec<Key> = self.tasks.borrow().iter().map(|s| s.header().key).collect();
            if keys.is_empty() {
                break;
            }
            for key in keys {
                let slot = self.tasks.borrow_mut().remove(key);
                if let Some(Slot::Task(task)) = &slot {
                    let _ = task.cancel();
                }
                drop(slot);
            }
        }
        self.ready.borrow_mut().clear();
        let wakers = self.timers.borrow_mut().drain_wakers();
        drop(wakers);
        self.reactor.clear_waiters();
        self.pool.shutdown();
        self.shared.close();
        self.listeners.borrow_mut().clear();
    }

    pub(crate) fn resume_root_panic(&self) {
        if let Some(payload) = self.take_root_panic() {
            resume_unwind(payload);
        }
    }
}

/// A finished task as snapshots keep showing it. Its name stays a cheap
/// `TaskName` until a snapshot asks for a `String`: recording a finish costs
/// no allocation.
struct Finished {
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
    fn of(h: &Header, finished_at: Instant) -> Finished {
        Finished {
            id: h.id,
            name: h.name.clone(),
            state: h.state.get(),
            last_cause: h.cause.get(),
            polls: h.polls.get(),
            wakes: h.wakes.get(),
            busy: h.busy.get(),
            spawned_at: h.spawned_at,
            finished_at,
            parent: h.parent,
        }
    }

    fn info(&self) -> TaskInfo {
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
fn task_info(h: &Header, finished_at: Option<Instant>) -> TaskInfo {
    TaskInfo {
        id: h.id,
        name: h.name.to_string(),
        state: h.state.get(),
        waiting_on: if h.state.get() == TaskState::Waiting {
            h.wait.borrow().clone()
        } else {
            None
        },
        last_cause: h.cause.get(),
        polls: h.polls.get(),
        wakes: h.wakes.get(),
        busy: h.busy.get(),
        spawned_at: h.spawned_at,
        finished_at,
        parent: h.parent,
    }
}

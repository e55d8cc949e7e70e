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
//! The files, in the order of a turn:
//!
//! - `mod.rs` (here): the `Core` struct, the clock, spawning, settings,
//!   debug reports, shutdown;
//! - `wake.rs`: how a task gets back on the ready queue, with its cause
//!   (step 1, and every waker call);
//! - `poll.rs`: polling one task and the bookkeeping after (step 2);
//! - `io.rs`: waiting in the poller and turning readiness into wakes;
//! - `drive.rs`: turns until a goal, idling, stall reports (step 3);
//! - `observe.rs`: snapshots and the event stream.
//!
//! Borrowing discipline: every table lives in its own `RefCell`, and no
//! borrow is held while user code runs (a poll, a waker, a destructor). A
//! task is polled through a `TaskRef` cloned out of the table; a finished task is
//! removed from the table first and dropped after the borrow ends.

use std::cell::{Cell, RefCell};
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
use crate::task::cell::{AnyTask, Polled, TaskCell, panic_message};
use crate::task::header::Header;
use crate::task::task_ref::TaskRef;
use crate::task::{Cancel, JoinHandle, TaskId, TaskName, TaskState, WaitOn, WakeCause};
use crate::time::heap::{TimerHeap, TimerKey};
use crate::time::{Clock, ClockKind, Instant};

mod drive;
mod io;
mod observe;
mod poll;
mod wake;

use observe::FinishedRing;

/// An event listener given to `subscribe`.
type Listener = Box<dyn FnMut(&Event)>;

/// Polls per turn before the loop looks at timers and other threads again
/// (tokio's current-thread scheduler uses the same number for I/O).
const BATCH: usize = 61;

/// Who is calling wakers right now: this is how a wake learns its cause.
#[derive(Clone, Copy)]
enum Source {
    /// Task `TaskId` is being polled: its wakes are "by task X", or
    /// "yielded" when it wakes itself (which depends on who is woken).
    Task(Key, TaskId),
    /// Anyone else calling wakers gives every wake the same cause: the timer
    /// heap firing (`Timer`), the reactor dispatching readiness (`Io`), or
    /// code outside any task (`Outside`).
    Other(WakeCause),
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
    /// The tasks a `step`'s poll made ready, while `collecting_wakes`.
    step_wakes: RefCell<Vec<TaskId>>,
    /// True while a step report collects the wakes of its poll (so wakes
    /// outside `step` pay one `Cell` read, not a `RefCell` borrow).
    collecting_wakes: Cell<bool>,
    /// The real clock as read at the start of this loop turn (see
    /// `coarse_now`).
    turn_now: Cell<Instant>,
    remote_buf: RefCell<Vec<(Key, bool)>>,
    root_panic: RefCell<Option<Box<dyn std::any::Any + Send>>>,
    root_done: Cell<bool>,
    finished: RefCell<FinishedRing>,
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
            source: Cell::new(Source::Other(WakeCause::Outside)),
            noted: RefCell::new(None),
            step_wakes: RefCell::new(Vec::new()),
            collecting_wakes: Cell::new(false),
            turn_now: Cell::new(Instant::START),
            remote_buf: RefCell::new(Vec::new()),
            root_panic: RefCell::new(None),
            root_done: Cell::new(false),
            finished: RefCell::new(FinishedRing::default()),
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

    // ----- the clock ----------------------------------------------------------

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

    /// `coarse_now` for the loop's own bookkeeping between polls of a turn
    /// (a task's end): the turn's reading on the real clock.
    fn turn_stamp(&self) -> Instant {
        match self.clock.kind() {
            ClockKind::Real => self.turn_now.get(),
            ClockKind::Virtual => self.now(),
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

    // ----- spawning -----------------------------------------------------------

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
        let parent = self.current_task().map(|(_, id)| id);
        let name = name.unwrap_or(TaskName::Default(id));
        Header::new(
            id,
            name,
            parent,
            self.coarse_now(),
            key,
            self.shared.clone(),
        )
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
        JoinHandle::new(TaskCell::as_join(cell), Rc::downgrade(self))
    }

    /// Spawns and returns the task's cell (for handles of another shape).
    pub(crate) fn spawn_cell<F>(
        self: &Rc<Self>,
        name: Option<TaskName>,
        future: F,
    ) -> TaskRef<TaskCell<F>>
    where
        F: Future + 'static,
    {
        let header = self.new_header(name);
        let key = header.key();
        let cell = TaskCell::spawn(header, future);
        let slot = Slot::Task(TaskCell::as_any(cell.clone()));
        self.tasks.borrow_mut().fill(key, slot);
        self.ready.borrow_mut().push(key);
        self.emit(|| EventKind::Spawned {
            task: cell.header.id,
            name: cell.header.name.to_string(),
            parent: cell.header.parent,
        });
        cell
    }

    /// Runs `f` on the header of the live task with this id (a scan of the
    /// table: for commands and reports, not the hot path).
    fn with_task<R>(&self, id: TaskId, f: impl FnOnce(&TaskRef<dyn AnyTask>) -> R) -> Option<R> {
        let tasks = self.tasks.borrow();
        tasks
            .iter()
            .find(|s| s.header().id == id)
            .map(|s| f(s.task()))
    }

    /// Puts `block_on`'s root in the table; returns its key.
    fn insert_root(&self) -> Key {
        let header = self.new_header(Some(TaskName::Static("main")));
        let (key, id) = (header.key(), header.id);
        // The root's own future is polled in place by `block_on`; the cell
        // gives it a header and a waker like any task's.
        let cell = TaskCell::spawn(header, std::future::pending::<()>());
        self.tasks
            .borrow_mut()
            .fill(key, Slot::Root(TaskCell::as_any(cell)));
        self.ready.borrow_mut().push(key);
        self.root_done.set(false);
        self.emit(|| EventKind::Spawned {
            task: id,
            name: "main".into(),
            parent: None,
        });
        key
    }

    // ----- what a task waits on -----------------------------------------------

    pub(crate) fn note_wait(&self, wait: WaitOn) {
        if let Ok(mut noted) = self.noted.try_borrow_mut() {
            *noted = Some(wait);
        }
    }

    // ----- debug --------------------------------------------------------------

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

    // ----- shutdown -----------------------------------------------------------

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
            let keys: Vec<Key> = self
                .tasks
                .borrow()
                .iter()
                .map(|s| s.header().key())
                .collect();
            if keys.is_empty() {
                break;
            }
            for key in keys {
                let slot = self.tasks.borrow_mut().remove(key);
                if let Some(slot) = &slot {
                    // Out of the table means finished (see `Core::wake`).
                    slot.header().state.set(TaskState::Cancelled);
                }
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

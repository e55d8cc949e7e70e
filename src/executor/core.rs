//! `Core`: the parts of one loop, put together.
//!
//! Each part owns its state and is testable on its own; the core only holds
//! them and runs the turn that composes them (`turn.rs`):
//!
//! ```text
//!   Core
//!   ├─ tasks:     TaskTable            the live tasks, by key      (tasks.rs)
//!   ├─ hook:      Arc<Hook>            what every task carries:    (hook.rs)
//!   │               ├─ ready queue + wake source  (loop's thread)  (ready.rs, policy.rs)
//!   │               └─ Arc<Remote>     the cross-thread queue      (remote.rs)
//!   ├─ timers:    Rc<TimerDriver>      the clock and the timer heap (time/)
//!   ├─ reactor:   Rc<Reactor>          descriptors and the poller  (io/)
//!   ├─ inspector: Inspector            events, debug mode, finished tasks,
//!   │                                  primitives                  (inspector.rs)
//!   └─ pool:      Pool                 to_thread's workers         (pool.rs)
//! ```
//!
//! Borrowing discipline: every part keeps its own `RefCell`s, and no borrow
//! is held while user code runs (a poll, a waker, a destructor, a listener).
//! A task is polled through a `TaskRef` cloned out of the table; a finished
//! task is removed from the table first and dropped after the borrow ends.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::resume_unwind;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use super::context;
use super::hook::{Here, Hook};
use super::inspector::Inspector;
use super::lateness::Lateness;
use super::policy::Policy;
use super::pool::Pool;
use super::ready::ReadyQueue;
use super::remote::Remote;
use super::spin::SpinGauge;
use super::stall_check::StallCheck;
use super::tasks::{Slot, TaskTable};
use crate::debug::{DebugConfig, Diagnostic, Sink};
use crate::inspect::{LoopEvent, LoopEventKind, Record};
use crate::io::reactor::Reactor;
use crate::task::birth::Birth;
use crate::task::cell::{Spawned, TaskCell};
use crate::task::chunk::Chunks;
use crate::task::owner::OnThread;
use crate::task::schedule::Host;
use crate::task::{
    Cancel, Header, JoinError, JoinHandle, Source, Spawn, TaskId, TaskKey, TaskName, TaskRef,
    WakeCause,
};
use crate::time::{ClockKind, Instant, TimerDriver};

pub(crate) struct Core {
    /// Itself, weakly: what the hook holds for task handles (as their `Host`).
    me: Weak<Core>,
    /// The loop's thread, where the core lives (it is neither `Send` nor
    /// `Sync`): the key to the hook's loop-only part.
    on: OnThread,
    pub(super) tasks: RefCell<TaskTable>,
    /// Where tasks live: slots cut from shared chunks (`task/chunk.rs`), or
    /// a chunk each (`Builder::task_chunks(false)`).
    chunks: Chunks,
    pub(super) hook: Arc<Hook>,
    pub(super) timers: Rc<TimerDriver>,
    pub(super) reactor: Rc<Reactor>,
    pub(crate) inspector: Inspector,
    pub(super) pool: Pool,
    next_id: Cell<u64>,
    /// The birth record the last unnamed task got, for its siblings.
    last_birth: RefCell<Option<Rc<Birth>>>,
    /// The real clock as read at the start of this loop turn (see
    /// `coarse_now`).
    pub(super) turn_now: Cell<Instant>,
    pub(super) poll_budget: Cell<u64>,
    /// Nanoseconds this turn's timed polls took, together (see `turn.rs`'s
    /// `TURN_SPAN`).
    pub(super) turn_spent: Cell<u64>,
    /// `block_on`'s future: done yet, cancelled, and the panic it ended with.
    pub(super) root_done: Cell<bool>,
    /// The root's key, which tells it apart when the ready queue hands it
    /// out (its poll is `block_on`'s future, polled in place).
    pub(super) root_key: Cell<Option<TaskKey>>,
    pub(super) root_cancelled: Cell<bool>,
    pub(super) root_panic: RefCell<Option<Box<dyn Any + Send>>>,
    /// True while a `step` collects the tasks its poll makes ready (in
    /// `step_wakes`).
    pub(super) collecting: Cell<bool>,
    pub(super) step_wakes: RefCell<Vec<TaskId>>,
    /// True while someone watches the wakes (listeners, a step report): the
    /// ready queue's "taken in" mark is kept only then.
    pub(super) watching: Cell<bool>,
    // Buffers kept between turns, so a turn allocates nothing.
    pub(super) remote_buf: RefCell<Vec<TaskKey>>,
    pub(super) io_woken: RefCell<Vec<(Waker, WakeCause)>>,
    /// How the loop sleeps this time: in the poller, or in `thread::park`
    /// (see `Core::choose_sleep`).
    pub(super) sleeps_in_poller: Cell<bool>,
    /// How late timed sleeps end here, learned (see `lateness.rs`).
    pub(super) lateness: Lateness,
    /// Whether its spins before a sleep pay, learned (see `spin.rs`).
    pub(super) spin_gauge: SpinGauge,
    /// When the real clock's deadlock check is next worth its cost (see
    /// `stall_check.rs`).
    pub(super) stall_check: StallCheck,
    /// How long a wait for other threads alone stays awake before it parks
    /// (`Builder::spin_before_sleep`, `Remote::park`).
    pub(super) spin_before_sleep: Duration,
}

pub(crate) struct CoreConfig {
    pub(crate) clock: ClockKind,
    pub(crate) policy: Policy,
    pub(crate) debug: DebugConfig,
    /// `None`: warnings go to standard error.
    pub(crate) sink: Option<Sink>,
    pub(crate) poll_timing: bool,
    pub(crate) keep_finished: usize,
    /// Tasks in shared chunks (`Builder::task_chunks`).
    pub(crate) task_chunks: bool,
    pub(crate) event_log: Option<usize>,
    pub(crate) blocking_threads: usize,
    pub(crate) blocking_keep_alive: Duration,
    /// `None`: [`reactor_by_default`](super::builder::reactor_by_default).
    pub(crate) reactor: Option<bool>,
    pub(crate) spin_before_sleep: Duration,
}

impl Core {
    pub(crate) fn new(config: CoreConfig) -> Rc<Core> {
        let with_reactor = config
            .reactor
            .unwrap_or_else(super::builder::reactor_by_default);
        let reactor = Rc::new(if with_reactor {
            Reactor::new()
        } else {
            Reactor::disabled()
        });
        let timers = Rc::new(TimerDriver::new(config.clock));
        let remote = Arc::new(Remote::new());
        let core = Rc::new_cyclic(|me| Core {
            me: me.clone(),
            on: OnThread::current(),
            tasks: RefCell::new(TaskTable::default()),
            chunks: Chunks::new(config.task_chunks),
            hook: Arc::new(Hook::new(
                ReadyQueue::new(config.policy),
                remote,
                me.clone(),
            )),
            inspector: Inspector::new(
                timers.clone(),
                config.debug,
                config.sink.unwrap_or_else(crate::debug::stderr_sink),
                config.poll_timing,
                config.keep_finished,
            ),
            timers,
            reactor,
            pool: Pool::new(config.blocking_threads, config.blocking_keep_alive),
            next_id: Cell::new(1),
            last_birth: RefCell::new(None),
            turn_now: Cell::new(Instant::START),
            poll_budget: Cell::new(u64::MAX),
            turn_spent: Cell::new(0),
            root_done: Cell::new(false),
            root_key: Cell::new(None),
            root_cancelled: Cell::new(false),
            root_panic: RefCell::new(None),
            collecting: Cell::new(false),
            step_wakes: RefCell::new(Vec::new()),
            watching: Cell::new(false),
            remote_buf: RefCell::new(Vec::new()),
            io_woken: RefCell::new(Vec::new()),
            sleeps_in_poller: Cell::new(false),
            lateness: Lateness::default(),
            spin_gauge: SpinGauge::default(),
            stall_check: StallCheck::default(),
            spin_before_sleep: config.spin_before_sleep,
        });
        if let Some(capacity) = config.event_log {
            core.inspector.record_events(capacity);
        }
        context::register_loop(&core);
        core
    }

    /// The loop's own part of the schedule hook: the ready queue, and who is
    /// calling wakers now.
    #[inline]
    pub(super) fn here(&self) -> &Here {
        self.hook.here(&self.on)
    }

    pub(crate) fn remote(&self) -> &Arc<Remote> {
        &self.hook.remote
    }

    pub(crate) fn timers(&self) -> &Rc<TimerDriver> {
        &self.timers
    }

    pub(crate) fn reactor(&self) -> &Rc<Reactor> {
        &self.reactor
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// This core, counted (for entering its context).
    pub(super) fn me(&self) -> Option<Rc<Core>> {
        self.me.upgrade()
    }

    // ----- the clock ----------------------------------------------------------

    pub(crate) fn now(&self) -> Instant {
        self.timers.now()
    }

    /// The time to stamp on a task's spawn and finish. Inside the loop on
    /// the real clock it is the time read at the start of this turn (at most
    /// a batch of polls ago): a clock read costs as much as a whole poll, and
    /// spawning 100,000 tasks should not read the clock 200,000 times.
    /// Outside the loop, on the virtual clock, and whenever polls are timed
    /// (debug mode, `poll_timing`), it is exact: then events carry exact
    /// times, and a snapshot's spawn and finish times must agree with them.
    /// (Untimed, events carry the turn's time too: see `poll_one`.)
    pub(super) fn coarse_now(&self) -> Instant {
        match (self.timers.clock_kind(), self.here().source.get()) {
            // Clocks switch only between drives, and every drive and step
            // starts with `collect`, which refreshes `turn_now`.
            (ClockKind::Real, Source::Task(..)) if !self.inspector.timing() => self.turn_now.get(),
            _ => self.now(),
        }
    }

    /// `coarse_now` for the loop's own bookkeeping between polls of a turn
    /// (a task's end): the turn's reading on the real clock, unless polls
    /// are timed.
    pub(super) fn turn_stamp(&self) -> Instant {
        match self.timers.clock_kind() {
            ClockKind::Real if !self.inspector.timing() => self.turn_now.get(),
            _ => self.now(),
        }
    }

    /// Which of `n` branches a `select!` polls first (see `ReadyQueue::choose_branch`).
    pub(crate) fn choose_branch(&self, n: usize) -> usize {
        self.here().ready.borrow_mut().choose_branch(n)
    }

    /// A seeded, recorded number below `n` for the code under test (see
    /// `ReadyQueue::choose_value`).
    pub(crate) fn choose_value(&self, n: u32) -> u32 {
        self.here().ready.borrow_mut().choose_value(n)
    }

    /// Moves the virtual clock forward, telling listeners.
    pub(super) fn jump_to(&self, to: Instant) {
        if let Some(from) = self.timers.advance_to(to) {
            self.inspector
                .emit(|| LoopEventKind::ClockAdvanced { from, to });
        }
    }

    // ----- spawning -----------------------------------------------------------

    /// The task being polled now, if any.
    pub(crate) fn polling(&self) -> Option<TaskId> {
        match self.here().source.get() {
            Source::Task(_, id) => Some(id),
            Source::Other(_) => None,
        }
    }

    fn next_spawn(&self, name: Option<TaskName>) -> Spawn {
        let id = TaskId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        Spawn {
            id,
            key: self.tasks.borrow_mut().reserve(id),
            birth: self.birth(name.unwrap_or(TaskName::default_for(id))),
        }
    }

    /// The birth record of a task spawned now under `name`: the last one
    /// made, if the task is its sibling (same parent, same loop time, both
    /// under the default name), else a new one (see `task/birth.rs`).
    #[inline]
    fn birth(&self, name: TaskName) -> Rc<Birth> {
        let (parent, at) = (self.polling(), self.coarse_now());
        let mut last = self.last_birth.borrow_mut();
        let unnamed = name.is_default();
        if unnamed && let Some(birth) = last.as_ref().filter(|b| b.is_sibling(parent, at)) {
            return birth.clone();
        }
        let birth = Rc::new(Birth::new(name, parent, at));
        if unnamed {
            *last = Some(birth.clone());
        }
        birth
    }

    /// Puts a new task, whose `key` its spawner still holds, in the table,
    /// and on the ready queue if `ready` (a root whose first poll is under
    /// way is not). The key comes from the spawner, not the header: the
    /// header was written a moment ago, and reading it back before those
    /// writes have left the store buffer stalls (perf annotate on workload
    /// A). The rest is read only for a watcher: for the log alone, its
    /// record is written at once, from the header (no event is built; see
    /// `Inspector::log_made`); for a listener, what the event says is read
    /// now and the event is built once the task is in the table.
    #[inline(always)]
    fn admit(&self, key: TaskKey, task: TaskRef, ready: bool) {
        let listening = self.inspector.listening();
        let event = if !listening {
            None
        } else if self.inspector.log_alone() {
            // No user code runs: the record can be written before the task
            // is in the table, from the header the task still lends.
            let header = task.header();
            self.inspector.log_made(
                || Record::spawned_from(header),
                || {
                    let (name, parent, at) = header.origin();
                    let kind = LoopEventKind::Spawned {
                        task: header.id,
                        name,
                        parent,
                    };
                    LoopEvent { at, kind }
                },
            );
            None
        } else {
            let header = task.header();
            Some((header.id, header.origin()))
        };
        let queued = ready.then(|| task.clone());
        self.tasks.borrow_mut().fill(key, task);
        if let Some(task) = queued {
            let mut ready = self.here().ready.borrow_mut();
            if listening {
                ready.push_spawned(task);
            } else {
                ready.push(task);
            }
        }
        if let Some((task, (name, parent, at))) = event {
            self.inspector
                .emit_at(at, || LoopEventKind::Spawned { task, name, parent });
        }
    }

    pub(crate) fn spawn<F>(&self, name: Option<TaskName>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let spawn = self.next_spawn(name);
        let key = spawn.key;
        self.queue_new(
            key,
            TaskCell::spawn(spawn, self.hook.clone(), future, Some(&self.chunks)),
        )
    }

    /// Spawns a task whose `Err(JoinError)` output its handle gives as its
    /// own error (a task group's child).
    pub(crate) fn spawn_flattened<F, T>(&self, name: Option<TaskName>, future: F) -> JoinHandle<T>
    where
        F: Future<Output = Result<T, JoinError>> + 'static,
        T: 'static,
    {
        let spawn = self.next_spawn(name);
        let key = spawn.key;
        self.queue_new(
            key,
            TaskCell::spawn_flattened(spawn, self.hook.clone(), future, Some(&self.chunks)),
        )
    }

    /// Admits a task just built for `key` (plain or flattened), queued, and
    /// returns its handle.
    #[inline(always)]
    fn queue_new<T>(&self, key: TaskKey, spawned: Spawned<T>) -> JoinHandle<T> {
        self.admit(key, spawned.task, true);
        JoinHandle::new(spawned.output)
    }

    /// Puts `block_on`'s root in the table: a task whose own future (never
    /// polled) stands in for the caller's, which `block_on` polls in place
    /// with this task's header and waker.
    pub(super) fn insert_root(&self) -> TaskRef {
        self.insert_root_as(true)
    }

    /// Puts `block_on`'s root in the table as if the loop had just popped
    /// it: running, its first poll counted. The poll itself is under way
    /// (or just ended) in `first_poll.rs`, which built this loop for it.
    pub(super) fn insert_running_root(&self) -> TaskRef {
        let root = self.insert_root_as(false);
        let run = root.state.start_poll();
        debug_assert!(matches!(run, crate::task::StartPoll::Run));
        // The first of its polls: nothing to carry.
        let _ = root.count_poll();
        root
    }

    fn insert_root_as(&self, ready: bool) -> TaskRef {
        let spawn = self.next_spawn(Some(TaskName::fixed("main")));
        let key = spawn.key;
        // A chunk of its own: a runtime made for one `block_on` would
        // otherwise make a whole chunk for it (see `task/chunk.rs`).
        let spawned = TaskCell::spawn(spawn, self.hook.clone(), std::future::pending::<()>(), None);
        let root = spawned.task;
        self.root_done.set(false);
        self.root_cancelled.set(false);
        self.root_key.set(Some(key));
        self.admit(key, root.clone(), ready);
        root
    }

    /// How the loop treats `task`: `block_on`'s root (its future is polled
    /// in place) or a spawned task.
    #[inline]
    pub(super) fn slot(&self, task: TaskRef) -> Slot {
        if self.root_key.get() == Some(task.key()) {
            Slot::Root(task)
        } else {
            Slot::Task(task)
        }
    }

    // ----- looking tasks up (commands and reports, not the hot path) ----------

    /// Runs `f` on the live task with this id (a scan of the table).
    pub(crate) fn with_task<R>(&self, id: TaskId, f: impl FnOnce(&TaskRef) -> R) -> Option<R> {
        let task = self
            .tasks
            .borrow()
            .iter()
            .find(|s| s.header().id == id)
            .cloned();
        task.map(|t| f(&t))
    }

    pub(crate) fn key_of(&self, id: TaskId) -> Option<TaskKey> {
        self.with_task(id, |t| t.key())
    }

    /// The name of a live task.
    pub(crate) fn task_name(&self, id: TaskId) -> Option<String> {
        self.with_task(id, |t| t.name().into_string())
    }

    /// Wakes a task from outside the loop (the REPL's `wake`).
    pub(crate) fn wake_by_id(&self, id: TaskId) -> bool {
        // The waker is cloned out: waking runs with the table unborrowed.
        match self.with_task(id, |t| Waker::clone(&t.waker())) {
            Some(waker) => {
                waker.wake();
                self.take_in();
                true
            }
            None => false,
        }
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.borrow().len()
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
                    let h = s.header();
                    (h.id, h.name().into_string(), h.state.get())
                })
                .collect();
            v.sort_by_key(|t| t.0);
            v
        };
        if !leaked.is_empty() && self.inspector.debug().enabled {
            self.inspector
                .diagnose(Diagnostic::LeakedTasks { tasks: leaked });
        }
        // Destructors may spawn; give them a few rounds, then stop.
        for _ in 0..16 {
            let keys: Vec<TaskKey> = self.tasks.borrow().iter().map(|t| t.key()).collect();
            if keys.is_empty() {
                break;
            }
            for key in keys {
                let task = self.tasks.borrow_mut().remove(key);
                if let Some(task) = &task {
                    // Out of the table means finished: a stray wake of its
                    // waker finds it so.
                    if task.state.cancel() == crate::task::CancelStep::DropFuture {
                        let _ = task.drop_future();
                    }
                }
                drop(task);
            }
        }
        let queued = self.here().ready.borrow_mut().clear();
        drop(queued);
        self.timers.clear();
        self.reactor.clear_waiters();
        self.pool.shutdown();
        self.remote().close();
        self.inspector.clear_listeners();
    }

    pub(crate) fn take_root_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.root_panic.borrow_mut().take()
    }

    pub(crate) fn resume_root_panic(&self) {
        if let Some(payload) = self.take_root_panic() {
            resume_unwind(payload);
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        // The hook outlives the loop while a task does (a waker on another
        // thread may hold the last one): it must not keep the loop's `Weak`,
        // which only this thread may drop.
        self.here().forget_host(&self.on);
    }
}

impl Host for Core {
    fn cancel(&self, task: &Header) -> Cancel {
        // Whether there is anything left to cancel depends on the order of
        // this poll and the task's end.
        super::trace::touch_task(task.key());
        Core::cancel(self, task.key())
    }

    fn observed(&self, task: &Header) {
        super::trace::touch_task(task.key());
    }

    fn failure_unread(&self, task: &Header, message: String) {
        self.inspector.failure_unread(task, message);
    }
}

/// Enters `core`'s context for the length of a call (destructors that run
/// during a cancel may spawn, sleep, read the clock).
pub(super) fn entered(core: &Core) -> Option<context::Enter> {
    core.me().map(|me| context::enter(&me))
}

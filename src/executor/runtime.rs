//! `Runtime`: the public face of one event loop.
//!
//! A runtime drives the loop, spawns onto it, owns its clock, steps it and
//! snapshots it. Everything else has one handle of its own:
//! [`scheduler`](Runtime::scheduler) (the order polls run in: policies,
//! recorded and replayed schedules), [`events`](Runtime::events) (the event
//! stream) and [`debug`](Runtime::debug) (debug mode), so this page stays
//! about running a loop.

use std::cell::{Cell, OnceCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::resume_unwind;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::time::Duration;

use super::builder::Builder;
use super::builder::{DEFAULT_DEBUG, Settings};
use super::context::{self, Driving, enter, start_driving};
use super::controls::{DebugMode, Events, Scheduler};
use super::core::Core;
use super::first_poll::{Built, Finished, FirstPoll, Rest, first_poll};
use super::handle::LoopHandle;
use super::lateness::Sleeps;
use super::remote::{ExternalWork, Interrupter};
use super::report::{RunError, RunErrorKind, RunReport, StepReport};
use super::turn::Goal;
use crate::inspect::Snapshot;
use crate::task::{Cancel, JoinHandle, TaskId, TaskName};
use crate::time::{ClockKind, Instant};

/// A single-threaded event loop.
///
/// A runtime owns its tasks, its timers and its clock. It is driven from the
/// thread that built it, either all at once ([`block_on`](Runtime::block_on),
/// [`run_until_done`](Runtime::run_until_done)) or a piece at a time
/// ([`step`](Runtime::step), [`run_until_idle`](Runtime::run_until_idle),
/// [`advance`](Runtime::advance)), and it can be looked at between any two
/// steps ([`snapshot`](Runtime::snapshot)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::Runtime;
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let a = rt.spawn_named("a", async { evloop::sleep(Duration::from_secs(2)).await; 'a' });
/// let b = rt.spawn_named("b", async { evloop::sleep(Duration::from_secs(1)).await; 'b' });
/// let first = rt.step().unwrap();            // polls "a": it sleeps
/// assert_eq!(first.name, "a");
/// rt.run_until_done().unwrap();              // jumps the clock to 2 s, both finish
/// assert_eq!(rt.now().since_start(), Duration::from_secs(2));
/// assert_eq!((rt.block_on(a).unwrap(), rt.block_on(b).unwrap()), ('a', 'b'));
/// ```
#[doc(alias = "EventLoop")]
#[doc(alias = "loop")]
pub struct Runtime {
    /// The loop, once something used it (see `first_poll.rs`).
    core: ManuallyDrop<OnceCell<Rc<Core>>>,
    /// The settings it is built from, until then (a first poll builds from
    /// them in place, through a pointer to this cell: see `first_poll.rs`).
    unbuilt: ManuallyDrop<Cell<Option<Settings>>>,
    // Both `ManuallyDrop`: `Drop` takes each out itself, so that dropping
    // a runtime is a few inlined tests of a word, with the rare work
    // (a loop to shut down, a builder's settings to free) out of line.
}

impl Default for Runtime {
    fn default() -> Runtime {
        Runtime::new()
    }
}

impl Runtime {
    /// A runtime with the default settings (see [`Builder::new`]).
    ///
    /// Building one costs nothing but its settings: the loop (tasks, timers,
    /// the reactor, the inspector) is made at its first use, and the first
    /// [`block_on`](Runtime::block_on) polls its future before making it,
    /// so `Runtime::new().block_on(f)` on a future that is ready at once
    /// allocates nothing and leaves no task behind. (Debug mode, on by
    /// default in debug builds, watches that first poll, so it builds the
    /// loop at once: see [`Builder::build`].)
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().debug(false).build();
    /// assert_eq!(rt.block_on(async { 6 * 7 }), 42);
    /// assert!(rt.snapshot().tasks.is_empty(), "no loop was needed");
    ///
    /// // A future that needs the loop builds it, and is task #1 in it.
    /// rt.block_on(async { evloop::spawn(async {}).await.unwrap() });
    /// assert_eq!(rt.snapshot().task_named("main").unwrap().id.as_u64(), 1);
    /// ```
    #[inline]
    pub fn new() -> Runtime {
        let rt = Runtime::unbuilt(Settings::Default);
        if DEFAULT_DEBUG {
            // Debug mode watches the first poll: the loop must be there (the
            // one default that does; see `Builder::watches_first_poll`).
            rt.core();
        }
        rt
    }

    /// A [`Builder`] to configure a runtime.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A runtime that builds its loop from `settings` at its first use.
    #[inline]
    pub(crate) fn unbuilt(settings: Settings) -> Runtime {
        Runtime {
            core: ManuallyDrop::new(OnceCell::new()),
            unbuilt: ManuallyDrop::new(Cell::new(Some(settings))),
        }
    }

    /// The loop, built now if nothing has used it yet.
    fn core(&self) -> &Rc<Core> {
        self.core.get_or_init(|| {
            // Used from inside its own first poll: what that poll builds.
            super::first_poll::lent_loop(&self.unbuilt).unwrap_or_else(|| {
                let settings = self.unbuilt.take();
                Core::new(
                    settings
                        .expect("an unbuilt runtime has its settings")
                        .resolve(),
                )
            })
        })
    }

    // ----- driving ------------------------------------------------------------

    /// Runs `future` to completion on this loop, running every other task
    /// meanwhile, and returns its output (asyncio's `loop.run_until_complete`).
    ///
    /// Tasks still pending when it returns stay in the runtime: a later call
    /// (or `run_until_done`) continues them.
    ///
    /// # Panics
    ///
    /// - If `future` panics, the panic continues out of `block_on`.
    /// - When called from inside a task or another driving call (nesting would
    ///   block the loop that runs the caller): await the future instead.
    /// - When the loop stops before `future` finishes (see
    ///   [`try_block_on`](Runtime::try_block_on)): on the virtual clock, a
    ///   deadlock (the message lists what each task waits on); an interrupt;
    ///   the poll budget.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    #[doc(alias = "run_until_complete")]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.try_block_on(future) {
            Ok(out) => out,
            Err(e) => panic!("Runtime::block_on stopped before its future finished: {e}"),
        }
    }

    /// Like [`block_on`](Runtime::block_on), but a loop that stops before
    /// `future` finishes returns why instead of panicking.
    ///
    /// # Errors
    ///
    /// A [`RunError`] when the loop stopped first: `Stalled` (a deadlock: the
    /// report names each task, what it waits on and who holds it),
    /// `Interrupted`, or `BudgetExhausted` (see
    /// [`set_poll_budget`](Runtime::set_poll_budget)).
    ///
    /// # Panics
    ///
    /// If `future` panics, the panic continues out; when called from inside a
    /// task or another driving call.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{Runtime, sync::Event};
    ///
    /// let rt = Runtime::builder().virtual_clock().build();
    /// let never = Event::named("never");
    /// let err = rt.try_block_on(async { never.wait().await }).unwrap_err();
    /// let report = err.stall().expect("a deadlock");
    /// assert!(report.to_string().contains("'main' (#1) waits on event never"));
    /// ```
    pub fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, RunError> {
        let driving = start_driving("Runtime::block_on");
        let mut future = pin!(future);
        if self.core.get().is_none() {
            // Nothing has used this runtime yet: poll before building.
            match first_poll(&self.unbuilt, future.as_mut()) {
                FirstPoll::Finished(output) => return Ok(output),
                FirstPoll::More(rest) => return self.after_first_poll(driving, future, rest),
            }
        }
        self.run_block_on(driving, future, None, None)
    }

    /// The rest of a `block_on` whose first poll did not simply finish:
    /// out of line, and the last thing `try_block_on` does (see
    /// `first_poll::Rest`).
    #[cold]
    #[inline(never)]
    fn after_first_poll<F: Future>(
        &self,
        driving: Driving,
        future: Pin<&mut F>,
        rest: Rest<'_, F::Output>,
    ) -> Result<F::Output, RunError> {
        match rest.finish() {
            Finished::Output(output) => Ok(output),
            Finished::Panicked(panic) => resume_unwind(panic),
            Finished::Built(built, output) => {
                self.run_block_on(driving, future, Some(built), output)
            }
        }
    }

    /// `block_on` with a loop: drives it until `future` is done (it is
    /// already if its first poll gave `output`), then stops `driving`.
    /// Out of line, so that a first poll that builds nothing runs in a
    /// small frame.
    #[inline(never)]
    fn run_block_on<F: Future>(
        &self,
        driving: Driving,
        mut future: Pin<&mut F>,
        built: Option<Box<Built>>,
        mut output: Option<F::Output>,
    ) -> Result<F::Output, RunError> {
        let _driving = driving;
        let report = {
            // The caller's future, wrapped to keep its output: pinned on
            // `block_on`'s stack, and polled in place by the loop when the
            // root's turn comes (unless it finished in its first poll).
            let root = pin!(async {
                if output.is_none() {
                    output = Some(future.as_mut().await);
                }
            });
            match built {
                None => {
                    let core = self.core();
                    let _enter = enter(core);
                    let report = core.run_root(root);
                    core.resume_root_panic();
                    report
                }
                Some(built) => {
                    let core = self.core.get_or_init(|| built.core.clone());
                    let report = core.drive_root(&built.root, root);
                    core.resume_root_panic();
                    report
                }
            }
        };
        match (output, report) {
            (Some(out), _) => Ok(out),
            (None, Err(e)) => Err(e),
            (None, Ok(_)) => unreachable!("the root's goal is its future's end"),
        }
    }

    /// Spawns a task from outside the loop; it runs when the loop is driven.
    /// Inside a task, use [`evloop::spawn`](crate::spawn).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.core().spawn(None, future)
    }

    /// Spawns a named task from outside the loop.
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let name: String = name.into();
        self.core().spawn(Some(TaskName::given(name)), future)
    }

    fn drive(&self, what: &str, goal: Goal<'_>) -> Result<RunReport, RunError> {
        let _driving = start_driving(what);
        let _enter = enter(self.core());
        self.core().drive(goal, None)
    }

    /// Polls exactly one ready task (after moving due timers and other
    /// threads' wakes onto the ready queue) and reports what happened.
    /// `None` when no task is ready: time does not move in a step; use
    /// [`advance`](Runtime::advance) or [`run_until_done`](Runtime::run_until_done).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn step(&self) -> Option<StepReport> {
        let _driving = start_driving("Runtime::step");
        let _enter = enter(self.core());
        self.core().step()
    }

    /// Polls ready tasks until none is ready at the current time. Time does
    /// not move.
    ///
    /// # Errors
    ///
    /// `Interrupted`, or `BudgetExhausted` if tasks keep waking each other
    /// for longer than the poll budget.
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_until_idle(&self) -> Result<RunReport, RunError> {
        self.drive("Runtime::run_until_idle", Goal::Idle)
    }

    /// Runs the loop until `handle`'s task finishes (without taking its
    /// result: await the handle, or `block_on` it, afterwards).
    ///
    /// # Errors
    ///
    /// A [`RunError`] if the loop stops first (stall, interrupt, budget).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_until<T>(&self, handle: &JoinHandle<T>) -> Result<RunReport, RunError> {
        let done = || handle.is_finished();
        self.drive("Runtime::run_until", Goal::Until(&done))
    }

    /// Runs the loop until every task has finished, moving the clock as
    /// needed (sleeping on the real clock, jumping on the virtual one).
    ///
    /// ([`evloop::run`](crate::run) is something else: asyncio's
    /// `asyncio.run`, a new runtime for one future.)
    ///
    /// # Errors
    ///
    /// A [`RunError`] if the loop stops first (stall, interrupt, budget).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_until_done(&self) -> Result<RunReport, RunError> {
        self.drive("Runtime::run_until_done", Goal::AllDone)
    }

    /// Runs the loop for `span` of clock time: on the virtual clock this is
    /// [`advance`](Runtime::advance); on the real clock it runs for that long,
    /// even while tasks are always ready (the span ends when the first turn
    /// that finds it over begins; the tasks still ready stay queued).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = evloop::Runtime::new();
    /// let spinner = rt.spawn(async {
    ///     loop {
    ///         evloop::yield_now().await; // always ready
    ///     }
    /// });
    /// let report = rt.run_for(Duration::from_millis(5)).unwrap();
    /// assert_eq!(report.stop, evloop::Stop::TimeReached);
    /// spinner.cancel();
    /// ```
    ///
    /// # Errors
    ///
    /// `Interrupted`, or `BudgetExhausted`.
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_for(&self, span: Duration) -> Result<RunReport, RunError> {
        let until = self.now() + span;
        self.drive("Runtime::run_for", Goal::Time(until))
    }

    /// Moves the virtual clock forward by `span`, firing every timer inside
    /// the span in deadline order and running the tasks each one wakes at
    /// that timer's own instant. The clock ends exactly `span` later.
    ///
    /// # Errors
    ///
    /// `RealClock` on the real clock, which cannot be moved: switch with
    /// [`set_clock`](Runtime::set_clock) or use [`run_for`](Runtime::run_for);
    /// otherwise as [`run_for`](Runtime::run_for).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let h = rt.spawn(evloop::sleep(Duration::from_millis(1500)));
    /// rt.advance(Duration::from_secs(1)).unwrap();
    /// assert!(!h.is_finished());
    /// rt.advance(Duration::from_secs(1)).unwrap();
    /// assert!(h.is_finished());
    /// assert_eq!(rt.now().since_start(), Duration::from_secs(2));
    /// ```
    pub fn advance(&self, span: Duration) -> Result<RunReport, RunError> {
        if self.clock() == ClockKind::Real {
            return Err(RunError::new(0, RunErrorKind::RealClock));
        }
        self.run_for(span)
    }

    /// The most polls one driving call makes before it returns
    /// [`RunErrorKind::BudgetExhausted`] (unlimited by default; 0 is taken as 1).
    pub fn set_poll_budget(&self, polls: u64) {
        self.core().poll_budget.set(polls.max(1));
    }

    /// The current poll budget.
    pub fn poll_budget(&self) -> u64 {
        self.core().poll_budget.get()
    }

    // ----- the clock ----------------------------------------------------------

    /// The current time on the loop's clock.
    pub fn now(&self) -> Instant {
        self.core().now()
    }

    /// Which clock the loop runs on.
    pub fn clock(&self) -> ClockKind {
        self.core().timers().clock_kind()
    }

    /// Switches the clock; the current time carries over.
    pub fn set_clock(&self, clock: ClockKind) {
        self.core().timers().set_clock(clock);
    }

    /// The earliest pending timer deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.core().timers().next_deadline()
    }

    /// How the loop has waited for its deadlines on the real clock: how
    /// many times it slept until one, how late its sleeps have been ending
    /// (the machine's wake-up latency, as the loop has seen it), and how
    /// many times it looked instead of sleeping; and how its waits for
    /// other threads alone ended: by a wake seen while it was still awake,
    /// or after it parked its thread
    /// ([`Builder::spin_before_sleep`](crate::Builder::spin_before_sleep)).
    /// All zero on a loop that has not waited.
    ///
    /// A deadline nearer than the lateness learned is waited for awake
    /// instead of slept for (never more than the last 50 µs before it): a
    /// sleep that short would end later than looking again does. The book's
    /// chapter on the loop says more ("Sleeping, and when not to").
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{Runtime, Sleeps};
    ///
    /// let rt = Runtime::new();
    /// assert_eq!(rt.sleeps(), Sleeps::default());
    /// rt.block_on(evloop::sleep(Duration::from_millis(2)));
    /// assert_eq!(rt.sleeps().slept, 1);
    /// ```
    pub fn sleeps(&self) -> Sleeps {
        // Asking does not build the loop.
        self.core
            .get()
            .map_or(Sleeps::default(), |core| core.lateness.sleeps())
    }

    // ----- looking inside -------------------------------------------------------

    /// The whole loop as plain data. See [`Snapshot`].
    pub fn snapshot(&self) -> Snapshot {
        self.core().snapshot()
    }

    /// The number of tasks not yet finished.
    pub fn live_tasks(&self) -> usize {
        self.core().live_tasks()
    }

    /// The order the loop polls ready tasks in, and schedules to record and
    /// replay: see [`Scheduler`].
    pub fn scheduler(&self) -> Scheduler<'_> {
        Scheduler::new(self.core())
    }

    /// The event stream: listeners and the event log. See [`Events`].
    pub fn events(&self) -> Events<'_> {
        Events::new(self.core())
    }

    /// Debug mode and its reports. See [`DebugMode`].
    pub fn debug(&self) -> DebugMode<'_> {
        DebugMode::new(self.core())
    }

    // ----- tasks by id, and the world outside -----------------------------------

    /// Wakes a task by id, as if its waker were called from outside the loop
    /// (a spurious wake, if it was not waiting for one).
    ///
    /// # Errors
    ///
    /// When no live task has this id.
    pub fn wake(&self, task: TaskId) -> Result<(), UnknownTask> {
        let _enter = enter(self.core());
        if self.core().wake_by_id(task) {
            Ok(())
        } else {
            Err(UnknownTask(task))
        }
    }

    /// Cancels a live task by id (see [`JoinHandle::cancel`]).
    ///
    /// Cancelling `block_on`'s own future (the task named `main`) makes that
    /// `block_on` end: `try_block_on` returns [`RunErrorKind::Cancelled`] and
    /// `block_on` panics saying so, as `asyncio.run` raises
    /// `CancelledError` when its main task is cancelled. The future is
    /// dropped where it was parked when `block_on` returns.
    ///
    /// # Errors
    ///
    /// When no live task has this id.
    pub fn cancel(&self, task: TaskId) -> Result<Cancel, UnknownTask> {
        let _enter = enter(self.core());
        match self.core().key_of(task) {
            Some(key) => Ok(self.core().cancel(key)),
            None => Err(UnknownTask(task)),
        }
    }

    /// A handle to this loop that other threads may hold: run closures on
    /// it, spawn `Send` futures onto it and wait for their results (see
    /// [`LoopHandle`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let handle = rt.handle();
    /// let remote = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
    ///     .join()
    ///     .unwrap();
    /// rt.run_until_done().unwrap(); // the loop takes the job and runs it
    /// assert_eq!(remote.wait().unwrap(), 42);
    /// ```
    pub fn handle(&self) -> LoopHandle {
        LoopHandle::new(self.core().remote().clone())
    }

    /// A handle that interrupts this loop from any thread.
    pub fn interrupter(&self) -> Interrupter {
        Interrupter {
            remote: self.core().remote().clone(),
        }
    }

    /// Clears an interrupt that arrived while no driving call was running
    /// (it would otherwise stop the next one at its first turn); true if
    /// there was one. A REPL calls it before each command, so a Ctrl-C
    /// pressed at the prompt does not cut short the next `run`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{Runtime, Stop};
    /// let rt = Runtime::new();
    /// rt.interrupter().interrupt(); // nobody was running
    /// assert!(rt.take_interrupt());
    /// assert_eq!(rt.run_until_done().unwrap().stop, Stop::Finished); // not interrupted
    /// ```
    pub fn take_interrupt(&self) -> bool {
        self.core().remote().take_interrupt()
    }

    /// A guard promising that a thread of yours may still wake a task; see
    /// [`ExternalWork`].
    pub fn external_work(&self) -> ExternalWork {
        ExternalWork::new(self.core().remote().clone())
    }

    /// Makes this runtime the thread's current loop until the guard drops,
    /// without running anything (tokio's `Runtime::enter`).
    ///
    /// Code that needs "the running loop" but is not a task can then use it:
    /// [`evloop::spawn`](crate::spawn) works, and a primitive built meanwhile
    /// ([`Semaphore`](crate::sync::Semaphore), [`Queue`](crate::sync::Queue),
    /// [`Event`](crate::sync::Event)) registers with this loop at once, so
    /// [`snapshot`](Runtime::snapshot) lists it before any task waits on it.
    /// Guards nest: dropping one restores the loop that was current before.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{Runtime, sync::Semaphore};
    ///
    /// let rt = Runtime::new();
    /// let pool = {
    ///     let _entered = rt.enter();
    ///     Semaphore::named("pool", 2)
    /// };
    /// let snap = rt.snapshot();
    /// assert_eq!(snap.primitive_named("pool").unwrap().state, "2/2 permits free");
    /// # drop(pool);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _enter: enter(self.core()),
            _runtime: std::marker::PhantomData,
        }
    }
}

/// The guard of [`Runtime::enter`]: while it lives, its runtime is the
/// thread's current loop.
#[must_use = "the runtime is current only while the guard lives"]
pub struct EnterGuard<'a> {
    _enter: context::Enter,
    _runtime: std::marker::PhantomData<&'a Runtime>,
}

impl std::fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnterGuard")
    }
}

impl Drop for Runtime {
    #[inline]
    fn drop(&mut self) {
        // A runtime nothing used has nothing to shut down. Taken out, each
        // cell is empty: `ManuallyDrop` leaks nothing.
        if let Some(core) = self.core.take() {
            shut_down(core);
        }
        if let Some(Settings::Given(_)) = self.unbuilt.get_mut() {
            drop_settings(self.unbuilt.take());
        }
    }
}

#[inline(never)]
fn shut_down(core: Rc<Core>) {
    let _enter = enter(&core);
    core.shutdown();
}

/// A builder's settings that no loop was built from.
#[cold]
#[inline(never)]
fn drop_settings(settings: Option<Settings>) {
    drop(settings);
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Looking does not build the loop.
        if self.core.get().is_none() {
            return f
                .debug_struct("Runtime")
                .field("loop", &"not built yet: nothing has used it")
                .finish();
        }
        f.debug_struct("Runtime")
            .field("now", &self.now())
            .field("clock", &self.clock())
            .field("policy", &self.scheduler().policy())
            .field("live_tasks", &self.live_tasks())
            .finish()
    }
}

/// No live task has this id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownTask(pub TaskId);

impl std::fmt::Display for UnknownTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no live task has id {}; it may have finished (see snapshot().tasks for every task)",
            self.0
        )
    }
}

impl std::error::Error for UnknownTask {}

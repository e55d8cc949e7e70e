//! `Runtime`: the public face of one event loop.

use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::builder::Builder;
use super::context::{self, enter, start_driving};
use super::core::Core;
use super::policy::Policy;
use super::ready::Divergence;
use super::remote::{ExternalWork, Interrupter};
use super::report::{RunReport, StepReport, StopReason};
use super::schedule::Schedule;
use super::turn::Goal;
use crate::debug::Diagnostic;
use crate::inspect::{Event, Snapshot};
use crate::task::{Cancel, JoinHandle, TaskId, TaskName};
use crate::time::{ClockKind, Instant};

/// A single-threaded event loop.
///
/// A runtime owns its tasks, its timers and its clock. It is driven from the
/// thread that built it, either all at once ([`block_on`](Runtime::block_on),
/// [`run`](Runtime::run)) or a piece at a time ([`step`](Runtime::step),
/// [`run_until_idle`](Runtime::run_until_idle), [`advance`](Runtime::advance)),
/// and it can be looked at between any two steps ([`snapshot`](Runtime::snapshot)).
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
/// rt.run();                                  // jumps the clock to 2 s, both finish
/// assert_eq!(rt.now().since_start(), Duration::from_secs(2));
/// assert_eq!((rt.block_on(a).unwrap(), rt.block_on(b).unwrap()), ('a', 'b'));
/// ```
pub struct Runtime {
    core: Rc<Core>,
}

impl Default for Runtime {
    fn default() -> Runtime {
        Runtime::new()
    }
}

impl Runtime {
    /// A runtime with the default settings (see [`Builder::new`]).
    pub fn new() -> Runtime {
        Builder::new().build()
    }

    /// A [`Builder`] to configure a runtime.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_core(core: Rc<Core>) -> Runtime {
        Runtime { core }
    }

    /// Runs `future` to completion on this loop, running every other task
    /// meanwhile, and returns its output (asyncio's `loop.run_until_complete`).
    ///
    /// Tasks still pending when it returns stay in the runtime: a later call
    /// (or `run`) continues them.
    ///
    /// # Panics
    ///
    /// - If `future` panics, the panic continues out of `block_on`.
    /// - When called from inside a task or another driving call (nesting would
    ///   block the loop that runs the caller): await the future instead.
    /// - On the virtual clock, when the loop stalls: tasks pending, nothing can
    ///   wake them (a deadlock); the message lists what each task waits on.
    /// - When interrupted by an [`Interrupter`] before `future` finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self.try_block_on(future) {
            Ok(out) => out,
            Err(StopReason::Stalled(stall)) => panic!("Runtime::block_on: deadlock — {stall}"),
            Err(other) => panic!("Runtime::block_on stopped before its future finished: {other}"),
        }
    }

    /// Like [`block_on`](Runtime::block_on), but a loop that stops before
    /// `future` finishes returns why instead of panicking.
    ///
    /// # Errors
    ///
    /// The [`StopReason`] when the loop stopped first: `Stalled` (a deadlock:
    /// the report names each task, what it waits on and who holds it),
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
    /// use evloop::{Runtime, StopReason, sync::Event};
    ///
    /// let rt = Runtime::builder().virtual_clock().build();
    /// let never = Event::named("never");
    /// let stop = rt.try_block_on(async { never.wait().await }).unwrap_err();
    /// let StopReason::Stalled(report) = stop else { panic!("{stop}") };
    /// assert!(report.to_string().contains("'main' (#1) waits on event never"));
    /// ```
    pub fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, StopReason> {
        let _driving = start_driving("Runtime::block_on");
        let _enter = enter(&self.core);
        let mut output = None;
        let report = {
            let mut root = pin!(Root {
                future,
                output: &mut output
            });
            let root: Pin<&mut dyn Future<Output = ()>> = root.as_mut();
            self.core.run_root(root)
        };
        self.core.resume_root_panic();
        output.ok_or(report.stop)
    }

    /// Spawns a task from outside the loop; it runs when the loop is driven.
    /// Inside a task, use [`evloop::spawn`](crate::spawn).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        self.core.spawn(None, future)
    }

    /// Spawns a named task from outside the loop.
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let name: String = name.into();
        self.core.spawn(Some(TaskName::Owned(name.into())), future)
    }

    fn drive(&self, what: &str, goal: Goal<'_>) -> RunReport {
        let _driving = start_driving(what);
        let _enter = enter(&self.core);
        self.core.drive(goal, None)
    }

    /// Polls exactly one ready task (after moving due timers and other
    /// threads' wakes onto the ready queue) and reports what happened.
    /// `None` when no task is ready: time does not move in a step; use
    /// [`advance`](Runtime::advance) or [`run`](Runtime::run).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn step(&self) -> Option<StepReport> {
        let _driving = start_driving("Runtime::step");
        let _enter = enter(&self.core);
        self.core.step()
    }

    /// Polls ready tasks until none is ready at the current time. Time does
    /// not move.
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_until_idle(&self) -> RunReport {
        self.drive("Runtime::run_until_idle", Goal::Idle)
    }

    /// Runs the loop until `handle`'s task finishes (without taking its
    /// result: await the handle, or `block_on` it, afterwards).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_until<T>(&self, handle: &JoinHandle<T>) -> RunReport {
        let done = || handle.is_finished();
        self.drive("Runtime::run_until", Goal::Until(&done))
    }

    /// Runs the loop until every task has finished, moving the clock as
    /// needed (sleeping on the real clock, jumping on the virtual one).
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run(&self) -> RunReport {
        self.drive("Runtime::run", Goal::AllDone)
    }

    /// Runs the loop for `span` of clock time: on the virtual clock this is
    /// [`advance`](Runtime::advance); on the real clock it runs for that long.
    ///
    /// # Panics
    ///
    /// When called from inside a task.
    pub fn run_for(&self, span: Duration) -> RunReport {
        let until = self.now() + span;
        self.drive("Runtime::run_for", Goal::Time(until))
    }

    /// Moves the virtual clock forward by `span`, firing every timer inside
    /// the span in deadline order and running the tasks each one wakes at
    /// that timer's own instant. The clock ends exactly `span` later.
    ///
    /// # Errors
    ///
    /// On the real clock, which cannot be moved: switch with
    /// [`set_clock`](Runtime::set_clock) or use [`run_for`](Runtime::run_for).
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
    pub fn advance(&self, span: Duration) -> Result<RunReport, ClockError> {
        if self.core.timers().clock_kind() == ClockKind::Real {
            return Err(ClockError);
        }
        Ok(self.run_for(span))
    }

    /// The current time on the loop's clock.
    pub fn now(&self) -> Instant {
        self.core.now()
    }

    /// Which clock the loop runs on.
    pub fn clock(&self) -> ClockKind {
        self.core.timers().clock_kind()
    }

    /// Switches the clock; the current time carries over.
    pub fn set_clock(&self, clock: ClockKind) {
        self.core.timers().set_clock(clock);
    }

    /// The scheduling policy.
    pub fn policy(&self) -> Policy {
        self.core.here().ready.borrow().policy()
    }

    /// Changes the scheduling policy (a random policy restarts from its seed).
    pub fn set_policy(&self, policy: Policy) {
        self.core.here().ready.borrow_mut().set_policy(policy);
    }

    /// Starts writing down the loop's choices afresh (`true`), or stops
    /// (`false`). See [`Schedule`].
    pub fn record_schedule(&self, on: bool) {
        self.core.here().ready.borrow_mut().record(on);
    }

    /// The choices written down since recording started (empty when not
    /// recording): the ready-queue position of each task polled, in order.
    /// Given to [`replay`](Runtime::replay) on a fresh runtime running the
    /// same program, it reproduces this run exactly.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::{Policy, Runtime};
    ///
    /// let program = |rt: &Runtime| {
    ///     let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    ///     for name in ["a", "b", "c"] {
    ///         let order = order.clone();
    ///         rt.spawn(async move {
    ///             order.borrow_mut().push(name);
    ///             evloop::yield_now().await;
    ///             order.borrow_mut().push(name);
    ///         });
    ///     }
    ///     rt.run();
    ///     order.take()
    /// };
    /// let rt = Runtime::builder().virtual_clock().policy(Policy::Random { seed: 5 }).build();
    /// rt.record_schedule(true);
    /// let seen = program(&rt);
    /// let schedule = rt.schedule();
    ///
    /// let again = Runtime::builder().virtual_clock().build(); // FIFO, but…
    /// again.replay(schedule.to_string().parse().unwrap());     // …told what to pick
    /// assert_eq!(program(&again), seen);
    /// assert_eq!(again.replay_divergence(), None);
    /// ```
    pub fn schedule(&self) -> Schedule {
        self.core.here().ready.borrow().recorded()
    }

    /// Follows `schedule` for the next polls, then the policy again.
    /// Replaying on a fresh runtime with the same program (same spawns, same
    /// virtual clock, no other threads) reproduces the recorded run exactly.
    pub fn replay(&self, schedule: Schedule) {
        self.core.here().ready.borrow_mut().replay(&schedule);
    }

    /// Where the last replayed schedule stopped fitting the program (a
    /// position past the end of the ready queue), if it did.
    pub fn replay_divergence(&self) -> Option<Divergence> {
        self.core.here().ready.borrow().divergence()
    }

    /// Sets PCT's k, the number of polls its priority changes are spread
    /// over (64 by default; see [`Policy::Pct`]). A PCT policy restarts
    /// from its seed.
    pub fn set_pct_steps(&self, steps: u32) {
        self.core.here().ready.borrow_mut().set_pct_steps(steps);
    }

    /// PCT's k.
    pub fn pct_steps(&self) -> u32 {
        self.core.here().ready.borrow().pct_steps()
    }

    /// The whole loop as plain data. See [`Snapshot`].
    pub fn snapshot(&self) -> Snapshot {
        self.core.snapshot()
    }

    /// The number of tasks not yet finished.
    pub fn live_tasks(&self) -> usize {
        self.core.live_tasks()
    }

    /// The earliest pending timer deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.core.timers().next_deadline()
    }

    /// Calls `listener` with every event from now on; returns an id for
    /// [`unsubscribe`](Runtime::unsubscribe). A listener must not drive the
    /// loop; events it causes while running are not delivered to it.
    pub fn subscribe(&self, listener: impl FnMut(&Event) + 'static) -> Subscription {
        Subscription(self.core.inspector.subscribe(Box::new(listener)))
    }

    /// Stops a listener. False if it was already gone.
    pub fn unsubscribe(&self, subscription: Subscription) -> bool {
        self.core.inspector.unsubscribe(subscription.0)
    }

    /// Starts keeping the last `capacity` events in a log (replacing any log).
    pub fn record_events(&self, capacity: usize) {
        self.core.inspector.record_events(capacity);
    }

    /// Stops the event log and forgets its events.
    pub fn stop_recording(&self) {
        self.core.inspector.stop_recording();
    }

    /// The events in the log, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.core.inspector.events()
    }

    /// Takes the events out of the log.
    pub fn take_events(&self) -> Vec<Event> {
        self.core.inspector.take_events()
    }

    /// Sends debug reports to `sink` instead of stderr.
    pub fn set_diagnostics(&self, sink: impl FnMut(&Diagnostic) + 'static) {
        self.core.inspector.set_sink(Box::new(sink));
    }

    /// Turns debug mode on or off.
    pub fn set_debug(&self, on: bool) {
        let mut debug = self.core.inspector.debug();
        debug.enabled = on;
        self.core.inspector.set_debug(debug);
    }

    /// True if debug mode is on.
    pub fn is_debug(&self) -> bool {
        self.core.inspector.debug().enabled
    }

    /// Sets the slow-poll threshold of debug mode.
    pub fn set_slow_poll_threshold(&self, threshold: Duration) {
        let mut debug = self.core.inspector.debug();
        debug.slow_poll = threshold;
        self.core.inspector.set_debug(debug);
    }

    /// Measure every poll's duration even with debug mode off.
    pub fn set_poll_timing(&self, on: bool) {
        self.core.inspector.set_poll_timing(on);
    }

    /// How many finished tasks snapshots keep showing.
    pub fn set_keep_finished(&self, n: usize) {
        self.core.inspector.set_keep_finished(n);
    }

    /// The most polls one driving call makes before it returns
    /// [`StopReason::BudgetExhausted`] (unlimited by default).
    pub fn set_poll_budget(&self, polls: u64) {
        self.core.poll_budget.set(polls.max(1));
    }

    /// The current poll budget.
    pub fn poll_budget(&self) -> u64 {
        self.core.poll_budget.get()
    }

    /// A handle that interrupts this loop from any thread.
    pub fn interrupter(&self) -> Interrupter {
        Interrupter {
            remote: self.core.remote().clone(),
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
    /// use evloop::{Runtime, StopReason};
    /// let rt = Runtime::new();
    /// rt.interrupter().interrupt(); // nobody was running
    /// assert!(rt.take_interrupt());
    /// assert_eq!(rt.run().stop, StopReason::Finished); // not interrupted
    /// ```
    pub fn take_interrupt(&self) -> bool {
        self.core.remote().take_interrupt()
    }

    /// A guard promising that a thread of yours may still wake a task; see
    /// [`ExternalWork`].
    pub fn external_work(&self) -> ExternalWork {
        ExternalWork::new(self.core.remote().clone())
    }

    /// Wakes a task by id, as if its waker were called from outside the loop
    /// (a spurious wake, if it was not waiting for one).
    ///
    /// # Errors
    ///
    /// When no live task has this id.
    pub fn wake(&self, task: TaskId) -> Result<(), UnknownTask> {
        let _enter = enter(&self.core);
        if self.core.wake_by_id(task) {
            Ok(())
        } else {
            Err(UnknownTask(task))
        }
    }

    /// Cancels a live task by id (see [`JoinHandle::cancel`]).
    ///
    /// # Errors
    ///
    /// When no live task has this id.
    pub fn cancel(&self, task: TaskId) -> Result<Cancel, UnknownTask> {
        let _enter = enter(&self.core);
        match self.core.key_of(task) {
            Some(key) => Ok(self.core.cancel(key)),
            None => Err(UnknownTask(task)),
        }
    }
}

impl Runtime {
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
            _enter: enter(&self.core),
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
    fn drop(&mut self) {
        let _enter = enter(&self.core);
        self.core.shutdown();
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("now", &self.now())
            .field("clock", &self.clock())
            .field("policy", &self.policy())
            .field("live_tasks", &self.live_tasks())
            .finish()
    }
}

/// Names an event listener, for [`Runtime::unsubscribe`].
#[derive(Debug, PartialEq, Eq)]
pub struct Subscription(u64);

/// [`Runtime::advance`] was called on the real clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockError;

impl std::fmt::Display for ClockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "advance() moves the virtual clock, but this loop runs on the real clock; \
             switch with set_clock(ClockKind::Virtual), or use run_for() to run for a span of real time",
        )
    }
}

impl std::error::Error for ClockError {}

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

/// `block_on`'s future: the caller's future plus where to put its output.
struct Root<'a, F: Future> {
    future: F,
    output: &'a mut Option<F::Output>,
}

impl<F: Future> Future for Root<'_, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = project_root(self);
        match this.0.poll(cx) {
            Poll::Ready(v) => {
                *this.1 = Some(v);
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[allow(unsafe_code)]
fn project_root<'s, 'a, F: Future>(
    root: Pin<&'s mut Root<'a, F>>,
) -> (Pin<&'s mut F>, &'s mut Option<F::Output>) {
    // SAFETY: `future` is structurally pinned: `Root` is private, has no
    // `Drop` impl, never moves `future` after pinning, and is itself pinned
    // on `block_on`'s stack for its whole life. `output` is not pinned.
    let this = unsafe { root.get_unchecked_mut() };
    // SAFETY: see above.
    let future = unsafe { Pin::new_unchecked(&mut this.future) };
    (future, &mut *this.output)
}

/// Spawns a task on the running loop (asyncio's `asyncio.create_task`).
///
/// The future need not be `Send`: it runs on the loop's thread.
///
/// # Panics
///
/// When called outside a running loop (there is no loop to spawn on); from
/// outside, use [`Runtime::spawn`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// let out = evloop::run(async {
///     let shared = Rc::new(5); // !Send is fine
///     let s = shared.clone();
///     evloop::spawn(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 10);
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    context::expect_core("evloop::spawn()", |core| core.spawn(None, future))
}

/// Spawns a named task on the running loop. Names show in snapshots, events,
/// errors and the REPL.
///
/// # Panics
///
/// When called outside a running loop.
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    let name: String = name.into();
    context::expect_core("evloop::spawn_named()", |core| {
        core.spawn(Some(TaskName::Owned(name.into())), future)
    })
}

/// Runs `future` on a new runtime with default settings and returns its
/// output (asyncio's `asyncio.run`). Tasks still pending at the end are
/// dropped (and listed, in debug mode).
///
/// # Panics
///
/// As [`Runtime::block_on`].
///
/// # Examples
///
/// ```
/// let answer = evloop::run(async { 42 });
/// assert_eq!(answer, 42);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    Runtime::new().block_on(future)
}

//! Task bodies as futures: the interpreter of the step language.
//!
//! `spawn NAME BODY` turns its [`Body`] into one `async` block that runs the
//! steps in order. Each step is the real library call it names:
//!
//! | step            | what runs                                                   |
//! |-----------------|-------------------------------------------------------------|
//! | `sleep DUR`     | `evloop::sleep(DUR).await`                                  |
//! | `yield`         | `evloop::yield_now().await`                                 |
//! | `spin DUR`      | a busy loop on the loop's thread for DUR of *real* time     |
//! | `thread DUR`    | `evloop::to_thread(|| std::thread::sleep(DUR)).await`       |
//! | `print TEXT`    | a line in the session's output, with task name and clock    |
//! | `return VALUE`  | the task's output is `Ok(Some(VALUE))`                      |
//! | `fail TEXT`     | the task's output is `Err(TEXT)`                            |
//! | `panic TEXT`    | `panic!(TEXT)`: the loop catches it, the task is `panicked` |
//! | `await NAME`    | wait for the task's [`Outcome`]; a failure propagates, and  |
//! |                 | cancelling the awaiter cancels NAME too (as asyncio does)   |
//! | `shield NAME`   | `evloop::shield(await NAME).await`: the await is a task of  |
//! |                 | its own, so cancelling the awaiter leaves NAME running      |
//! | `acquire`, `release`, `put`, `get`, `set`, `wait-event` | the library's `Semaphore`, `Queue`, `Event` (see `primitive.rs`) |
//! | `lose-waker`    | a future that returns `Pending` and drops the waker         |
//! | `repeat N {…}`  | the block N times                                           |
//! | `forever {…}`   | the block until the task is cancelled                       |
//!
//! # `finally`
//!
//! When the steps end by themselves (they ran out, `return` or `fail`), the
//! `finally` steps run next in the same task, as in Python. When the task is
//! *cancelled* or *panics*, its future is dropped where it was parked, and
//! Rust has no async destructors: a drop guard spawns the `finally` steps as
//! a new task named `NAME/finally`. Its output shows up a turn later than
//! Python's would, and the cancelled task is already `cancelled` while its
//! cleanup runs. (Production runtimes have the same limit; tokio users write
//! cleanup in `Drop` or spawn it the same way.)
//!
//! # Bodies that would hang the REPL
//!
//! A poll runs until the task awaits something. `forever { print x }` never
//! does, so no step budget or Ctrl-C could stop it: [`check_body`] refuses
//! it before spawning, and bounds the work (steps and `spin` time) any body
//! can do in one poll.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::Poll;
use std::time::Duration;

use evloop::inspect::LoopEvent;
use evloop::time::Instant;
use evloop::{JoinHandle, TaskId, WaitOn};

use super::body::{Body, Step, Value};
use super::outcome::{Outcome, Slot};
use super::primitive::{Held, Primitive};

/// What a REPL task's `JoinHandle` gives: `return`'s value, or `fail`'s text.
pub type TaskOutput = Result<Option<Value>, String>;

/// Something that happened while the loop ran, in order.
#[derive(Clone, Debug)]
pub enum Feed {
    /// A `print` step.
    Print {
        /// The printing task.
        task: String,
        /// The loop's clock.
        at: Instant,
        /// What it printed.
        text: String,
    },
    /// An event (only while `trace on`).
    Event(LoopEvent),
}

/// One task the session spawned.
pub struct ReplTask {
    /// Its REPL name.
    pub name: String,
    /// Its id.
    pub id: TaskId,
    /// For running until it ends and reading its state. `None` while a
    /// `wait` or `as-completed` command holds it (the library's `wait` and
    /// `as_completed` take handles by value), and after `as-completed` took
    /// its output.
    pub handle: RefCell<Option<JoinHandle<TaskOutput>>>,
    /// The command that took the task's result from its handle, if one did
    /// (`as-completed`, `timeout`): the handle is gone for good then.
    pub taken_by: Cell<Option<&'static str>>,
    /// Its outcome, for everyone.
    pub slot: Rc<Slot>,
}

impl ReplTask {
    /// True once the task has ended, however it ended.
    pub fn is_finished(&self) -> bool {
        match &*self.handle.borrow() {
            Some(h) => h.is_finished(),
            None => self.slot.outcome().is_some(),
        }
    }

    /// Cancels the task, through its handle or, while a command holds the
    /// handle, through the runtime by id.
    pub fn cancel(&self, env: &Env) -> evloop::Cancel {
        if let Some(h) = &*self.handle.borrow() {
            return h.cancel();
        }
        match env.runtime.borrow().upgrade() {
            Some(rt) => rt
                .cancel(self.id)
                .unwrap_or(evloop::Cancel::AlreadyFinished),
            None => evloop::Cancel::AlreadyFinished,
        }
    }

    /// The handle, taken out to give to a library combinator.
    pub fn lend(&self) -> Option<JoinHandle<TaskOutput>> {
        self.handle.borrow_mut().take()
    }

    /// Puts back a handle lent with [`ReplTask::lend`].
    pub fn give_back(&self, handle: JoinHandle<TaskOutput>) {
        *self.handle.borrow_mut() = Some(handle);
    }
}

/// What task bodies share with the session.
#[derive(Default)]
pub struct Env {
    /// Every line a `print` step (or a `get`) made, as shown: what `save
    /// test` asserts; at most `prints_limit`, then only counted.
    pub prints: RefCell<Vec<String>>,
    prints_limit: usize,
    /// Prints not kept in `prints`.
    pub prints_dropped: Cell<u64>,
    /// What the current command may still show: lines and bytes of
    /// prints and steps (see [`Limits`](super::session::Limits)).
    room: Cell<(usize, usize)>,
    /// Lines of prints and steps the current command did not show.
    pub left_out: Cell<u64>,
    limits: super::session::Limits,
    /// The real time the polls of the current command may still take.
    poll_time_left: Cell<Duration>,
    /// Set when the current command ran out of it (and interrupted the loop).
    pub out_of_time: Cell<bool>,
    /// The loop's interrupter: a long `spin` looks at it (Ctrl-C), and the
    /// time budget uses it to stop the loop.
    pub interrupter: RefCell<Option<evloop::Interrupter>>,
    /// The session's tasks, in spawn order.
    pub tasks: RefCell<Vec<Rc<ReplTask>>>,
    /// What happened while the loop ran, not yet shown.
    pub feed: RefCell<Vec<Feed>>,
    /// Set while the runtime is being dropped: guards must not spawn or cancel.
    pub closing: Cell<bool>,
    /// The session's semaphores, queues and events, in creation order.
    pub primitives: RefCell<Vec<Primitive>>,
    /// The runtime, to cancel a task by id while a command holds its handle.
    pub runtime: RefCell<Weak<evloop::Runtime>>,
}

impl Env {
    /// The task called `name`.
    pub fn task(&self, name: &str) -> Option<Rc<ReplTask>> {
        self.tasks.borrow().iter().find(|t| t.name == name).cloned()
    }

    /// The primitive called `name`.
    pub fn primitive(&self, name: &str) -> Option<Primitive> {
        self.primitives
            .borrow()
            .iter()
            .find(|p| p.name() == name)
            .cloned()
    }

    /// An environment within `limits`.
    pub fn with_limits(limits: super::session::Limits) -> Env {
        Env {
            prints_limit: limits.prints,
            room: Cell::new((limits.lines_per_command, limits.bytes_per_command)),
            limits,
            ..Env::default()
        }
    }

    /// Whether the current command may show one more line of `bytes`
    /// bytes; counts it either way. A command shows at most so much of
    /// prints and steps, however much it prints: the rest is counted.
    pub fn take_room(&self, bytes: usize) -> bool {
        let (lines, left) = self.room.get();
        if lines == 0 || bytes > left {
            self.left_out.set(self.left_out.get() + 1);
            return false;
        }
        self.room.set((lines - 1, left - bytes));
        true
    }

    /// Keeps a printed line for `save test`, if there is room.
    pub fn record_print(&self, line: String) {
        let mut prints = self.prints.borrow_mut();
        if prints.len() < self.prints_limit {
            prints.push(line);
        } else {
            self.prints_dropped.set(self.prints_dropped.get() + 1);
        }
    }

    /// A command starts: its polls may take `budget` of real time.
    pub fn start_command(&self, budget: Duration) {
        self.poll_time_left.set(budget);
        self.out_of_time.set(false);
        self.room
            .set((self.limits.lines_per_command, self.limits.bytes_per_command));
        self.left_out.set(0);
    }

    /// A poll took `took`: once the command's time is spent, the loop is
    /// interrupted (after the poll in progress).
    pub fn spend_poll_time(&self, took: Duration) {
        let left = self.poll_time_left.get().saturating_sub(took);
        self.poll_time_left.set(left);
        if left.is_zero() {
            self.time_out();
        }
    }

    /// Stops the loop: the command's time is spent.
    fn time_out(&self) {
        if !self.out_of_time.replace(true)
            && let Some(i) = &*self.interrupter.borrow()
        {
            i.interrupt();
        }
    }

    /// Whether an interrupt is waiting (Ctrl-C): a long `spin` ends early
    /// then, and the loop stops after the poll in progress.
    fn interrupt_pending(&self) -> bool {
        self.interrupter
            .borrow()
            .as_ref()
            .is_some_and(evloop::Interrupter::is_interrupted)
    }

    /// A line in the session's output, as `print` makes, from `who`.
    ///
    /// Within the command's room (see [`Env::take_room`]): a print left
    /// out is not kept for `save test` either, which then refuses.
    pub fn say(&self, who: &str, text: &str) {
        if !self.take_room(text.len() + who.len()) {
            self.prints_dropped.set(self.prints_dropped.get() + 1);
            return;
        }
        self.answer(who, text.to_string());
    }

    /// A line in the session's output from a command's own task (the
    /// answer of `gather`, `wait`…): always shown.
    pub fn answer(&self, who: &str, text: String) {
        self.feed.borrow_mut().push(Feed::Print {
            task: who.to_string(),
            at: Instant::now(),
            text,
        });
    }
}

thread_local! {
    /// The text of the `panic` step being raised, so the panic hook stays quiet
    /// (the REPL shows the panic itself) and the task's guard can record it.
    static PANIC_TEXT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// True while a `panic` step's panic unwinds: the REPL's panic hook uses it
/// to leave the printing to the session.
pub fn panic_step_in_flight() -> bool {
    PANIC_TEXT.with(|p| p.borrow().is_some())
}

/// Forgets a `panic` step's text that no task guard collected (a panic in a
/// `NAME/finally` task), so the panic hook speaks again for real panics.
pub fn forget_panic_text() {
    PANIC_TEXT.with(|p| p.borrow_mut().take());
}

/// How a block of steps ended.
pub(super) enum Flow {
    Next,
    Return(Value),
    Fail(String),
}

/// The future of one task body.
///
/// The guard is made before the first poll, so a task cancelled before it
/// ever ran still records `cancelled` (and, like a Python coroutine that
/// never started, runs no `finally`).
pub fn task_main(
    env: Rc<Env>,
    name: String,
    slot: Rc<Slot>,
    body: Body,
) -> impl Future<Output = TaskOutput> {
    let guard = EndGuard {
        env: env.clone(),
        name: name.clone(),
        slot: slot.clone(),
        finally: Some(body.finally),
        started: false,
        done: false,
    };
    run_body(guard, env, name, slot, body.steps)
}

async fn run_body(
    mut guard: EndGuard,
    env: Rc<Env>,
    name: String,
    slot: Rc<Slot>,
    steps: Vec<Step>,
) -> TaskOutput {
    guard.started = true;
    let me = Rc::new(Me {
        env,
        name,
        held: Held::default(),
    });
    let mut flow = run_block(me.clone(), steps.into()).await;
    if let Some(finally) = guard.finally.take()
        && !finally.is_empty()
    {
        match run_block(me, finally.into()).await {
            Flow::Next => {}
            other => flow = other,
        }
    }
    let outcome = match flow {
        Flow::Next => Outcome::Returned(None),
        Flow::Return(v) => Outcome::Returned(Some(v)),
        Flow::Fail(e) => Outcome::Failed(e),
    };
    guard.done = true;
    slot.finish(outcome.clone());
    match outcome {
        Outcome::Returned(v) => Ok(v),
        Outcome::Failed(e) => Err(e),
        Outcome::Panicked(_) | Outcome::Cancelled => unreachable!("set only by the guard"),
    }
}

/// Records the outcome of a task whose future is dropped before it ended
/// (cancelled, or unwinding from a panic), and spawns its `finally` steps.
struct EndGuard {
    env: Rc<Env>,
    name: String,
    slot: Rc<Slot>,
    finally: Option<Vec<Step>>,
    started: bool,
    done: bool,
}

impl Drop for EndGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if !self.started {
            self.slot.finish(Outcome::Cancelled);
            return;
        }
        let outcome = if std::thread::panicking() {
            let text = PANIC_TEXT.with(|p| p.borrow_mut().take());
            Outcome::Panicked(text.unwrap_or_else(|| "(panic outside a panic step)".into()))
        } else {
            Outcome::Cancelled
        };
        self.slot.finish(outcome);
        if self.env.closing.get() {
            return;
        }
        if let Some(finally) = self.finally.take()
            && !finally.is_empty()
        {
            let me = Rc::new(Me {
                env: self.env.clone(),
                name: format!("{}/finally", self.name),
                held: Held::default(),
            });
            let name = me.name.clone();
            evloop::spawn_named(name, async move {
                run_block(me, finally.into()).await;
            })
            .detach();
        }
    }
}

/// The task running a block.
pub(super) struct Me {
    pub(super) env: Rc<Env>,
    pub(super) name: String,
    /// The semaphore permits it holds (`acquire` without `release` yet).
    pub(super) held: Held,
}

type BoxFlow = Pin<Box<dyn Future<Output = Flow>>>;

fn run_block(me: Rc<Me>, steps: Rc<[Step]>) -> BoxFlow {
    Box::pin(async move {
        for step in steps.iter() {
            match run_step(&me, step).await {
                Flow::Next => {}
                end => return end,
            }
        }
        Flow::Next
    })
}

async fn run_step(me: &Rc<Me>, step: &Step) -> Flow {
    match step {
        Step::Sleep(d) => evloop::sleep(*d).await,
        Step::Yield => evloop::yield_now().await,
        Step::Spin(d) => spin(&me.env, *d),
        Step::Print(text) => me.env.say(&me.name, text),
        Step::Return(v) => return Flow::Return(v.clone()),
        Step::Fail(text) => return Flow::Fail(text.clone()),
        Step::Panic(text) => {
            PANIC_TEXT.with(|p| *p.borrow_mut() = Some(text.clone()));
            panic!("{text}");
        }
        Step::Await(name) => return await_task(me, name, true).await,
        Step::Shield(name) => return shield_task(me, name).await,
        Step::Repeat(n, steps) => {
            let steps: Rc<[Step]> = steps.as_slice().into();
            for _ in 0..*n {
                match run_block(me.clone(), steps.clone()).await {
                    Flow::Next => {}
                    end => return end,
                }
            }
        }
        Step::Forever(steps) => {
            let steps: Rc<[Step]> = steps.as_slice().into();
            loop {
                match run_block(me.clone(), steps.clone()).await {
                    Flow::Next => {}
                    end => return end,
                }
            }
        }
        Step::LoseWaker => lose_waker().await,
        Step::Acquire(_)
        | Step::Release(_)
        | Step::Put(..)
        | Step::Get(_)
        | Step::Set(_)
        | Step::WaitEvent(_) => return super::primitive::run_step(me, step).await,
        Step::Thread(d) => {
            let d = *d;
            // A blocking sleep, on a worker thread: the loop runs other tasks meanwhile.
            if let Err(e) = evloop::to_thread(move || std::thread::sleep(d)).await {
                return Flow::Fail(format!("thread: {e}"));
            }
        }
    }
    Flow::Next
}

/// Burns real CPU time on the loop's thread: every other task waits.
///
/// It ends early when Ctrl-C is pressed or the command's time budget runs
/// out: then the loop stops after this poll, with every task intact.
fn spin(env: &Env, d: Duration) {
    let start = std::time::Instant::now();
    let left = env.poll_time_left.get();
    while start.elapsed() < d {
        if start.elapsed() >= left {
            env.time_out();
            return;
        }
        if env.interrupt_pending() {
            return;
        }
        std::hint::spin_loop();
    }
}

/// Returns `Pending` forever without keeping the waker: the mistake debug
/// mode's lost-waker check catches.
async fn lose_waker() {
    std::future::poll_fn(|_cx| {
        evloop::task::note_wait(WaitOn::Other);
        Poll::<()>::Pending
    })
    .await;
}

/// `await NAME` (`propagate`: cancelling the awaiter cancels NAME).
async fn await_task(me: &Rc<Me>, name: &str, propagate: bool) -> Flow {
    let Some(target) = me.env.task(name) else {
        return Flow::Fail(format!("no task named {name}"));
    };
    let outcome = watch(me.env.clone(), target, propagate).await;
    flow_of(me, name, outcome).await
}

/// `shield NAME`: the library's [`shield`](evloop::combinators::shield)
/// around `await NAME`. The await runs as its own task (named `shield`);
/// cancelling this task drops only the `Shield`, so that inner task, and
/// NAME behind it, go on. Cancelling the inner task itself still reaches
/// NAME, as with asyncio's `shield`.
async fn shield_task(me: &Rc<Me>, name: &str) -> Flow {
    let Some(target) = me.env.task(name) else {
        return Flow::Fail(format!("no task named {name}"));
    };
    let outcome = evloop::combinators::shield(watch(me.env.clone(), target, true))
        .await
        .unwrap_or(Outcome::Cancelled);
    flow_of(me, name, outcome).await
}

/// Waits for `target`'s outcome; with `propagate`, dropping the wait (the
/// awaiting task is cancelled, a timeout ran out, a task group gave up)
/// cancels `target`, as asyncio does for an awaited task.
///
/// The guard exists from the call on, so a wait dropped before it was ever
/// polled (a task group child cancelled before its first turn) still
/// cancels `target`.
pub fn watch(env: Rc<Env>, target: Rc<ReplTask>, propagate: bool) -> impl Future<Output = Outcome> {
    let mut propagation = CancelOnDrop {
        env,
        target,
        armed: propagate,
    };
    async move {
        let target = propagation.target.clone();
        let outcome = target.slot.wait(target.id).await;
        propagation.disarm();
        outcome
    }
}

/// What the awaiting task does with the awaited one's outcome.
async fn flow_of(me: &Rc<Me>, name: &str, outcome: Outcome) -> Flow {
    match outcome {
        Outcome::Returned(_) => Flow::Next,
        Outcome::Failed(e) => Flow::Fail(e),
        Outcome::Panicked(m) => Flow::Fail(format!("{name} panicked: {m}")),
        Outcome::Cancelled => match me.env.task(&me.name) {
            // asyncio raises CancelledError in the awaiter: it is cancelled too.
            Some(myself) => {
                let _ = myself.cancel(&me.env);
                std::future::pending::<()>().await;
                unreachable!("a cancelled task is never polled again")
            }
            None => Flow::Fail(format!("{name} was cancelled")),
        },
    }
}

/// Cancels the awaited task when the awaiting one is cancelled.
struct CancelOnDrop {
    env: Rc<Env>,
    target: Rc<ReplTask>,
    armed: bool,
}

impl CancelOnDrop {
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed && !self.env.closing.get() && !std::thread::panicking() {
            let _ = self.target.cancel(&self.env);
        }
    }
}

/// The longest `spin` time one poll may burn.
pub const MAX_SPIN_PER_POLL: Duration = Duration::from_secs(10);
/// The most steps one poll may run.
pub const MAX_STEPS_PER_POLL: u128 = 1_000_000;

/// Why a body can't be spawned in this session (`None`: it can).
///
/// `known` says whether a task name exists.
pub fn check_body(body: &Body, env: &Env) -> Result<(), String> {
    let known = |n: &str| env.task(n).is_some();
    for steps in [&body.steps, &body.finally] {
        check_steps(steps, &known, env)?;
        let cost = cost(steps);
        if cost.steps > MAX_STEPS_PER_POLL || cost.spin > MAX_SPIN_PER_POLL {
            return Err(format!(
                "this body could run {} steps and spin {} without awaiting anything, blocking the REPL; \
                 one poll may run at most {MAX_STEPS_PER_POLL} steps and spin at most {}s — add a yield or sleep",
                cost.steps,
                super::duration::format_duration(cost.spin.min(Duration::from_secs(u64::MAX / 2))),
                MAX_SPIN_PER_POLL.as_secs()
            ));
        }
    }
    Ok(())
}

fn check_steps(steps: &[Step], known: &dyn Fn(&str) -> bool, env: &Env) -> Result<(), String> {
    for step in steps {
        match step {
            Step::Await(n) | Step::Shield(n) if !known(n) => {
                return Err(format!(
                    "no task named {n} — spawn it before a task that awaits it"
                ));
            }
            Step::Forever(inner) => {
                if !inner.iter().any(always_suspends) {
                    return Err(
                        "forever { … } must contain yield, sleep or lose-waker at its top level, \
                         or it never gives the loop back: forever { print tick; sleep 1s }"
                            .into(),
                    );
                }
                check_steps(inner, known, env)?;
            }
            Step::Repeat(_, inner) => check_steps(inner, known, env)?,
            Step::Acquire(_)
            | Step::Release(_)
            | Step::Put(..)
            | Step::Get(_)
            | Step::Set(_)
            | Step::WaitEvent(_) => super::primitive::check_step(step, env)?,
            _ => {}
        }
    }
    Ok(())
}

/// A step that returns `Pending` at least once every time it runs.
fn always_suspends(step: &Step) -> bool {
    match step {
        Step::Yield | Step::LoseWaker => true,
        Step::Sleep(d) => !d.is_zero(),
        _ => false,
    }
}

/// The most work a stretch of steps can do without suspending.
#[derive(Clone, Copy, Default)]
struct Cost {
    steps: u128,
    spin: Duration,
}

impl Cost {
    fn add(self, other: Cost) -> Cost {
        Cost {
            steps: self.steps.saturating_add(other.steps),
            spin: self.spin.saturating_add(other.spin),
        }
    }
    fn max(self, other: Cost) -> Cost {
        Cost {
            steps: self.steps.max(other.steps),
            spin: self.spin.max(other.spin),
        }
    }
}

/// A conservative bound of the longest stretch without a suspension.
fn cost(steps: &[Step]) -> Cost {
    let mut worst = Cost::default();
    let mut run = Cost::default();
    for step in steps {
        if always_suspends(step) {
            worst = worst.max(run);
            run = Cost::default();
            continue;
        }
        let here = match step {
            Step::Spin(d) => Cost { steps: 1, spin: *d },
            Step::Repeat(n, inner) => {
                let inner_cost = cost(inner);
                if inner.iter().any(always_suspends) {
                    // A suspension every round: at most two rounds' stretch joins up.
                    inner_cost.add(inner_cost)
                } else {
                    // Each round is a step of its own, even of an empty block:
                    // `repeat 18446744073709551615 { }` is 2^64 rounds in one poll.
                    Cost {
                        steps: (inner_cost.steps + 1).saturating_mul(u128::from(*n)),
                        spin: inner_cost
                            .spin
                            .saturating_mul(u32::try_from(*n).unwrap_or(u32::MAX)),
                    }
                }
            }
            Step::Forever(inner) => cost(inner).add(cost(inner)),
            _ => Cost {
                steps: 1,
                spin: Duration::ZERO,
            },
        };
        run = run.add(here);
    }
    worst.max(run)
}

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
//! | `wait-for`, `notify`, `barrier-wait`, `notified`, `changed`, `recv`, `read {…}`, … | the other primitives (see `coordination.rs`) |
//! | `join-next`, `cancel-all` | a task set (see `task_set.rs`)                     |
//! | `lose-waker`    | a future that returns `Pending` and drops the waker         |
//! | `breakpoint`    | `evloop::debug::breakpoint().await`: the session stops here |
//! | `FUNCTION ARG…` | a function the console's program registered: its future,    |
//! |                 | awaited; its value is the task's when it is the last step   |
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
//! # What a body may do
//!
//! [`check_body`](super::check::check_body) bounds what one poll of a body may do,
//! before it is spawned.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::WaitOn;

use super::body::{Body, Step, Value};
use super::env::Env;
use super::outcome::{Cleanup, Outcome, Slot};
use super::primitive::{Held, Primitive};
use super::record::{Wait, clear_note, noting};
use super::task::{ReplTask, TaskOutput, tracked, watch};

thread_local! {
    /// The text of the `panic` step being raised, so the panic hook stays quiet
    /// (the REPL shows the panic itself) and the task's guard can record it.
    static PANIC_TEXT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The message of the last other panic on this thread (real code's: a
    /// console's registered function, an assertion in a test's body), for
    /// the guard of the task it unwinds.
    static OTHER_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// True while a `panic` step's panic unwinds: the REPL's panic hook uses it
/// to leave the printing to the session.
pub fn panic_step_in_flight() -> bool {
    PANIC_TEXT.with(|p| p.borrow().is_some())
}

/// Makes the panic hook quiet for `panic` steps: a task failing on purpose,
/// which the session shows, so the default hook's message (and backtrace,
/// which can take tens of megabytes to print) would only be noise. Other
/// panics still reach the hook there was. Once per process.
pub fn quiet_panic_steps() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !panic_step_in_flight() {
                let payload = info.payload();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic with a payload that is not text".into());
                let text = match info.location() {
                    Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
                    None => message,
                };
                let _ = OTHER_PANIC.try_with(|p| p.replace(Some(text)));
                default_hook(info);
            }
        }));
    });
}

/// Forgets a `panic` step's text that no task guard collected (a panic in a
/// `NAME/finally` task), so the panic hook speaks again for real panics.
pub fn forget_panic_text() {
    PANIC_TEXT.with(|p| p.borrow_mut().take());
    OTHER_PANIC.with(|p| p.borrow_mut().take());
}

/// How a block of steps ended.
pub(super) enum Flow {
    Next,
    /// `break-on` matched: leave the innermost loop.
    Break,
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
    let me = Rc::new(Me::new(env.clone(), name.clone()));
    // A body that ends with a registered function returns its value.
    let ends_in_call = matches!(steps.last(), Some(Step::Run { .. }));
    let mut flow = run_block(me.clone(), steps.into()).await;
    if ends_in_call
        && let Flow::Next = flow
        && let Some(value) = me.last.borrow().clone()
    {
        flow = Flow::Return(value);
    }
    if let Some(finally) = guard.finally.take()
        && !finally.is_empty()
    {
        match run_block(me, finally.into()).await {
            Flow::Next => {}
            other => flow = other,
        }
    }
    let outcome = match flow {
        // `break-on` outside a loop is refused before spawning.
        Flow::Next | Flow::Break => Outcome::Returned(None),
        Flow::Return(v) => Outcome::Returned(Some(v)),
        Flow::Fail(e) => Outcome::Failed(e),
    };
    guard.done = true;
    finish(&env, &name, &slot, outcome.clone());
    match outcome {
        Outcome::Returned(v) => Ok(v),
        Outcome::Failed(e) => Err(e),
        Outcome::Panicked(_) | Outcome::Cancelled => unreachable!("set only by the guard"),
    }
}

/// Records how a user's task ended; a failure that nothing awaits may go
/// unseen (asyncio's "Task exception was never retrieved"): the session
/// reports it unless something reads it before the clock moves on.
fn finish(env: &Env, name: &str, slot: &Rc<Slot>, outcome: Outcome) {
    let watched = slot.is_watched();
    slot.finish(outcome.clone());
    if !watched && matches!(outcome, Outcome::Failed(_) | Outcome::Panicked(_)) {
        env.may_go_unseen(name, slot.clone(), outcome);
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
            self.slot.set_cleanup(Cleanup::NeverStarted);
            return;
        }
        let outcome = if std::thread::panicking() {
            let text = PANIC_TEXT
                .with(|p| p.borrow_mut().take())
                .or_else(|| OTHER_PANIC.with(|p| p.borrow_mut().take()));
            Outcome::Panicked(text.unwrap_or_else(|| "(panic outside a panic step)".into()))
        } else {
            Outcome::Cancelled
        };
        finish(&self.env, &self.name, &self.slot, outcome);
        if self.env.closing.get() {
            return;
        }
        match self.finally.take() {
            Some(finally) if !finally.is_empty() => {
                let name = spawn_cleanup(&self.env, &self.name, finally);
                self.slot.set_cleanup(Cleanup::Queued(name));
            }
            _ => self.slot.set_cleanup(Cleanup::Nothing),
        }
    }
}

/// Spawns `finally`, the cleanup of `owner` whose future was dropped, as a
/// task of its own (`OWNER/finally`), registered with the session; returns
/// its name. Rust has no async destructors: this is how a dropped future's
/// cleanup can still await (see the module doc).
pub(super) fn spawn_cleanup(env: &Rc<Env>, owner: &str, finally: Vec<Step>) -> String {
    let name = env.unique_name(&format!("{owner}/finally"));
    let me = Rc::new(Me::new(env.clone(), name.clone()));
    let (slot, cleanup) = tracked(async move {
        match run_block(me, finally.into()).await {
            Flow::Next | Flow::Break => Ok(None),
            Flow::Return(v) => Ok(Some(v)),
            Flow::Fail(e) => Err(e),
        }
    });
    let handle = evloop::spawn_named(name.clone(), cleanup);
    env.register(ReplTask::new(name.clone(), handle, slot, Some("finally")));
    name
}

/// The task running a block.
pub(super) struct Me {
    pub(super) env: Rc<Env>,
    pub(super) name: String,
    /// The semaphore permits it holds (`acquire` without `release` yet).
    pub(super) held: Held,
    /// The last value it received (`get`, `for`, `await`): what `break-on`
    /// compares with.
    pub(super) last: RefCell<Option<Value>>,
    /// In a generator's body: where `emit` hands its values.
    pub(super) emit: Option<super::generator::Emitter>,
    /// Its watch and broadcast receivers (`changed`, `subscribe`, `recv`).
    pub(super) receivers: super::coordination::Receivers,
}

impl Me {
    pub(super) fn new(env: Rc<Env>, name: String) -> Me {
        Me {
            env,
            name,
            held: Held::default(),
            last: RefCell::new(None),
            emit: None,
            receivers: Default::default(),
        }
    }

    /// Remembers a value received, for `break-on`.
    pub(super) fn received(&self, value: Value) {
        *self.last.borrow_mut() = Some(value);
    }
}

type BoxFlow = Pin<Box<dyn Future<Output = Flow>>>;

pub(super) fn run_block(me: Rc<Me>, steps: Rc<[Step]>) -> BoxFlow {
    Box::pin(async move {
        for step in steps.iter() {
            // However a body is written, one poll runs a bounded number of
            // steps: past it, the task gives the loop back (the budget then
            // sees it), as if it had yielded.
            if me.env.count_step() {
                clear_note();
                evloop::yield_now().await;
            }
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
        Step::Sleep(d) => noting(Wait::Timer, evloop::sleep(*d)).await,
        Step::Yield => {
            clear_note();
            evloop::yield_now().await;
        }
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
        Step::Gather(names, return_exceptions) => {
            let tasks = match me.env.expand(names) {
                Ok(tasks) => tasks,
                Err(missing) => return Flow::Fail(format!("no task named {missing}")),
            };
            return match super::toolkit::gather(me.env.clone(), tasks, *return_exceptions).await {
                Ok(text) => {
                    me.env.say(&me.name, &format!("gathered {text}"));
                    Flow::Next
                }
                Err(raised) => Flow::Fail(raised),
            };
        }
        Step::Repeat(n, steps) => {
            let steps: Rc<[Step]> = steps.as_slice().into();
            for _ in 0..*n {
                match run_block(me.clone(), steps.clone()).await {
                    Flow::Next => {}
                    Flow::Break => break,
                    end => return end,
                }
            }
        }
        Step::Forever(steps) => {
            let steps: Rc<[Step]> = steps.as_slice().into();
            loop {
                match run_block(me.clone(), steps.clone()).await {
                    Flow::Next => {}
                    Flow::Break => break,
                    end => return end,
                }
            }
        }
        Step::Emit(v) => return super::generator::emit(me, v.clone()).await,
        Step::For(generator, block) => {
            return super::generator::for_each(me, generator, block).await;
        }
        Step::BreakOn(v) => {
            if me.last.borrow().as_ref() == Some(v) {
                return Flow::Break;
            }
        }
        Step::LoseWaker => noting(Wait::Nothing, lose_waker()).await,
        Step::Breakpoint => {
            clear_note();
            evloop::debug::breakpoint().await;
        }
        Step::Acquire(_)
        | Step::Release(_)
        | Step::Put(..)
        | Step::Get(_)
        | Step::TaskDone(_)
        | Step::Join(_)
        | Step::Set(_)
        | Step::WaitEvent(_)
        | Step::SetResult(..)
        | Step::SetException(..)
        | Step::Call(_)
        | Step::AcquireMany(..)
        | Step::WaitCond(_)
        | Step::WaitFor(..)
        | Step::CondSet(..)
        | Step::Notify(..)
        | Step::NotifyAll(_)
        | Step::BarrierWait(_)
        | Step::NotifyOne(_)
        | Step::NotifyWaiters(_)
        | Step::Notified(_)
        | Step::WatchSet(..)
        | Step::Changed(_)
        | Step::Send(..)
        | Step::Subscribe(_)
        | Step::Recv(_)
        | Step::Read(..)
        | Step::Write(..)
        | Step::JoinNext(_)
        | Step::CancelAll(_)
        | Step::CancelToken(_)
        | Step::WaitCancelled(_) => return super::primitive::run_step(me, step).await,
        Step::Run { function, args } => {
            let state = me.env.state.borrow().clone();
            let call = match super::functions::call(state.as_ref(), function, args) {
                Ok(call) => call,
                Err(e) => return Flow::Fail(e),
            };
            // The function's own futures note what they wait on (a timer,
            // a socket, a semaphore); the REPL notes nothing of its own.
            clear_note();
            match call.await {
                Ok(value) => me.received(Value::Str(value)),
                Err(e) => return Flow::Fail(e),
            }
        }
        Step::Thread(d) => {
            let d = *d;
            // A blocking sleep, on a worker thread: the loop runs other tasks meanwhile.
            let worker = evloop::to_thread(move || std::thread::sleep(d));
            if let Err(e) = noting(Wait::Thread, worker).await {
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
    // `d` of the thread's own CPU time (as `evloop::debug::spin_for`), so
    // a busy machine stretches the spin but never hides it from debug mode.
    let start = std::time::Instant::now();
    let cpu_start = evloop::debug::thread_cpu_time();
    let left = env.poll_time_left.get();
    loop {
        let wall = start.elapsed();
        let spent = match (cpu_start, evloop::debug::thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a).min(wall),
            _ => wall,
        };
        if spent >= d {
            return;
        }
        if wall >= left {
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

/// `await NAME` (`propagate`: cancelling the awaiter cancels NAME). NAME
/// may be a bare future, whose result is awaited as a task's.
async fn await_task(me: &Rc<Me>, name: &str, propagate: bool) -> Flow {
    let Some(target) = me.env.task(name) else {
        if let Some(Primitive::Future(future)) = me.env.primitive(name) {
            let outcome = future.slot.wait_future(&future.name).await;
            return flow_of(me, name, outcome).await;
        }
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

/// What the awaiting task does with the awaited one's outcome.
async fn flow_of(me: &Rc<Me>, name: &str, outcome: Outcome) -> Flow {
    match outcome {
        Outcome::Returned(v) => {
            if let Some(v) = v {
                me.received(v);
            }
            Flow::Next
        }
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

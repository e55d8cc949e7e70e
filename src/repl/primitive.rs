//! The session's semaphores, queues and events, and the steps that use them.
//!
//! `new semaphore NAME N`, `new queue NAME CAPACITY` and `new event NAME`
//! make the library's [`Semaphore`], [`Queue`] and [`Event`], named, inside
//! the runtime's context ([`Runtime::enter`](evloop::Runtime::enter)) so the
//! loop's snapshot lists them, with their waiters and holders, from the
//! start. The steps are the library calls:
//!
//! | step              | library call                    | asyncio                    |
//! |-------------------|---------------------------------|----------------------------|
//! | `acquire SEM`     | `sem.acquire().await` (a permit)| `await sem.acquire()`      |
//! | `release SEM`     | drops a permit this task holds  | `sem.release()`            |
//! | `put QUEUE VALUE` | `queue.put(value).await`        | `await q.put(value)`       |
//! | `get QUEUE`       | `queue.get().await`, printed    | `item = await q.get()`     |
//! | `set EVENT`       | `event.set()`                   | `ev.set()`                 |
//! | `wait-event EVENT`| `event.wait().await`            | `await ev.wait()`          |
//!
//! # Where the REPL differs from asyncio
//!
//! A permit is a value in Rust ([`SemaphorePermit`]): the task keeps the ones
//! it acquired, `release` drops one, and a task that ends (or is cancelled)
//! still holding permits gives them back as its future is dropped, which
//! is what `async with sem:` does in Python. A bare `sem.release()` with no
//! permit held, which asyncio allows (it silently raises the count), is an
//! error here.

use std::cell::RefCell;
use std::rc::Rc;

use evloop::sync::{Event, Queue, Semaphore, SemaphorePermit};

use super::body::{Step, Value};
use super::env::Env;
use super::outcome::{Outcome, Slot};
use super::program::{Flow, Me};
use super::record::{Wait, noting};
use super::service::Service;

/// One named primitive of the session.
#[derive(Clone)]
pub enum Primitive {
    Semaphore(Semaphore),
    Queue(Queue<Value>),
    Event(Event),
    /// A bare future (`new future`): see [`BareFuture`].
    Future(Rc<BareFuture>),
    /// A pretend remote service (`new service`): see [`Service`].
    Service(Rc<Service>),
}

/// A future that no coroutine fills in: asyncio's `loop.create_future()`.
/// A step or a callback sets its result (`set-result`), and every task
/// that awaits it wakes. It is the same cell a task's outcome lands in (a
/// [`Slot`]): a task *is* a future that its own body fills in, which is
/// the chapter's point (`Task` is a subclass of `Future`). In Rust,
/// `evloop::create_future()` splits it into a `Promise` and a
/// `PromiseFuture`.
pub struct BareFuture {
    /// Its name.
    pub name: String,
    /// Its result, once set.
    pub slot: Slot,
}

impl BareFuture {
    /// Its state in words: `pending`, `result done`, `exception: …`, `cancelled`.
    pub fn state(&self) -> String {
        match self.slot.outcome() {
            None => "pending".into(),
            Some(o) => future_outcome(&o),
        }
    }
}

/// A future's outcome in words: `result done`, `exception: boom`, `cancelled`.
pub fn future_outcome(o: &Outcome) -> String {
    match o {
        Outcome::Returned(Some(v)) => format!("result {v}"),
        Outcome::Returned(None) => "result None".into(),
        Outcome::Failed(e) | Outcome::Panicked(e) => format!("exception: {e}"),
        Outcome::Cancelled => "cancelled".into(),
    }
}

impl Primitive {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Primitive::Semaphore(s) => s.name(),
            Primitive::Queue(q) => q.name(),
            Primitive::Event(e) => e.name(),
            Primitive::Future(f) => &f.name,
            Primitive::Service(s) => &s.name,
        }
    }

    /// `"semaphore"`, `"queue"`, `"event"` or `"future"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Primitive::Semaphore(_) => "semaphore",
            Primitive::Queue(_) => "queue",
            Primitive::Event(_) => "event",
            Primitive::Future(_) => "future",
            Primitive::Service(_) => "service",
        }
    }
}

/// The permits a task holds, by semaphore name, oldest first.
#[derive(Default)]
pub struct Held(RefCell<Vec<(String, SemaphorePermit)>>);

/// The kind of primitive a step needs, and an example of making one.
fn needs(step: &Step) -> Option<(&str, &'static str, &'static str)> {
    match step {
        Step::Acquire(n) | Step::Release(n) => Some((n, "semaphore", "new semaphore NAME 2")),
        Step::Put(n, _) | Step::Get(n) | Step::TaskDone(n) | Step::Join(n) => {
            Some((n, "queue", "new queue NAME 3"))
        }
        Step::Set(n) | Step::WaitEvent(n) => Some((n, "event", "new event NAME")),
        Step::SetResult(n, _) | Step::SetException(n, _) => Some((n, "future", "new future NAME")),
        Step::Call(n) => Some((n, "service", "new service NAME 100ms 10")),
        _ => None,
    }
}

/// Why `step` can't run in this session: its primitive is missing or of
/// another kind.
pub fn check_step(step: &Step, env: &Env) -> Result<(), String> {
    let Some((name, kind, example)) = needs(step) else {
        return Ok(());
    };
    match env.primitive(name) {
        Some(p) if p.kind() == kind => Ok(()),
        Some(p) => Err(format!(
            "{name} is a {}, and {} needs a {kind}",
            p.kind(),
            step_word(step)
        )),
        None => Err(format!(
            "no {kind} named {name} — make one first: {}",
            example.replace("NAME", name)
        )),
    }
}

fn step_word(step: &Step) -> String {
    step.to_string()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Runs one primitive step in the task `me`.
pub(super) async fn run_step(me: &Rc<Me>, step: &Step) -> Flow {
    let Some((name, ..)) = needs(step) else {
        unreachable!("run_step gets primitive steps only")
    };
    // The primitive may be gone after a reset; check_body saw it at spawn.
    let Some(primitive) = me.env.primitive(name) else {
        return Flow::Fail(format!("no primitive named {name}"));
    };
    match (step, primitive) {
        (Step::Acquire(_), Primitive::Semaphore(sem)) => {
            let permit = noting(Wait::Primitive, sem.acquire()).await;
            me.held.0.borrow_mut().push((name.to_string(), permit));
        }
        (Step::Release(_), Primitive::Semaphore(_)) => {
            let mut held = me.held.0.borrow_mut();
            let Some(i) = held.iter().position(|(n, _)| n == name) else {
                return Flow::Fail(format!(
                    "release {name}: this task holds no permit of {name} (acquire {name} first)"
                ));
            };
            let (_, permit) = held.remove(i);
            drop(held);
            drop(permit);
        }
        (Step::Put(_, value), Primitive::Queue(queue)) => {
            if let Err(closed) = noting(Wait::Primitive, queue.put(value.clone())).await {
                return Flow::Fail(format!("put {name}: {closed}"));
            }
        }
        (Step::Get(_), Primitive::Queue(queue)) => {
            match noting(Wait::Primitive, queue.get()).await {
                Ok(value) => {
                    me.env.say(&me.name, &format!("got {value} from {name}"));
                    me.received(value);
                }
                Err(closed) => return Flow::Fail(format!("get {name}: {closed}")),
            }
        }
        (Step::TaskDone(_), Primitive::Queue(queue)) => {
            if let Err(e) = queue.task_done() {
                return Flow::Fail(format!("task-done {name}: {e}"));
            }
        }
        (Step::Join(_), Primitive::Queue(queue)) => {
            noting(Wait::Primitive, queue.join()).await;
        }
        (Step::Set(_), Primitive::Event(event)) => event.set(),
        (Step::Call(_), Primitive::Service(service)) => service.call().await,
        (Step::SetResult(..) | Step::SetException(..), Primitive::Future(future)) => {
            if let Err(e) = settle(&future, step) {
                return Flow::Fail(e);
            }
        }
        (Step::WaitEvent(_), Primitive::Event(event)) => {
            noting(Wait::Primitive, event.wait()).await;
        }
        (step, p) => {
            return Flow::Fail(format!(
                "{name} is a {}, and {} needs another kind",
                p.kind(),
                step_word(step)
            ));
        }
    }
    Flow::Next
}

/// Sets a bare future's result or exception.
///
/// # Errors
///
/// When it is done already (asyncio raises `InvalidStateError`).
fn settle(future: &BareFuture, step: &Step) -> Result<(), String> {
    if let Some(o) = future.slot.outcome() {
        return Err(format!(
            "{}: {} already has {} (asyncio: InvalidStateError)",
            step_word(step),
            future.name,
            future_outcome(&o)
        ));
    }
    future.slot.finish(match step {
        Step::SetResult(_, v) => Outcome::Returned(Some(v.clone())),
        Step::SetException(_, text) => Outcome::Failed(text.clone()),
        _ => unreachable!("settle gets set-result and set-exception"),
    });
    Ok(())
}

/// The steps a callback (`call-soon`, `call-later`) may run: plain
/// functions, which don't await.
pub fn is_callback_step(step: &Step) -> bool {
    matches!(
        step,
        Step::SetResult(..) | Step::SetException(..) | Step::Set(_) | Step::Print(_)
    )
}

/// Runs a callback's step, on the loop, in the callback's task (`who`).
/// What goes wrong is said in the output: a callback has no awaiter.
pub fn run_callback(env: &Env, who: &str, step: &Step) {
    let primitive = needs(step).and_then(|(name, ..)| env.primitive(name));
    match (step, primitive) {
        (Step::Print(text), _) => env.say(who, text),
        (Step::Set(_), Some(Primitive::Event(event))) => event.set(),
        (Step::SetResult(..) | Step::SetException(..), Some(Primitive::Future(future))) => {
            if let Err(e) = settle(&future, step) {
                env.answer(who, format!("error: {e}"));
            }
        }
        (step, _) => env.answer(
            who,
            format!("error: {step} has nothing to act on (after a reset?)"),
        ),
    }
}

/// Makes a primitive for `new …`, inside the runtime's context so the
/// snapshot lists it at once.
///
/// # Errors
///
/// When the name is taken by another primitive.
pub fn create(env: &Env, rt: &evloop::Runtime, make: NewPrimitive) -> Result<Primitive, String> {
    let name = match &make {
        NewPrimitive::Semaphore(n, _)
        | NewPrimitive::Queue(n, _)
        | NewPrimitive::Event(n)
        | NewPrimitive::Future(n)
        | NewPrimitive::Service(n, ..) => n,
    };
    if let Some(p) = env.primitive(name) {
        return Err(format!(
            "a {} named {name} already exists — pick another name, or reset to start over",
            p.kind()
        ));
    }
    let _entered = rt.enter();
    let p = match make {
        NewPrimitive::Semaphore(n, permits) => Primitive::Semaphore(Semaphore::named(n, permits)),
        NewPrimitive::Queue(n, capacity) => Primitive::Queue(Queue::named(n, capacity)),
        NewPrimitive::Event(n) => Primitive::Event(Event::named(n)),
        NewPrimitive::Future(name) => Primitive::Future(Rc::new(BareFuture {
            name,
            slot: Slot::default(),
        })),
        NewPrimitive::Service(name, latency, capacity, seed) => {
            Primitive::Service(Rc::new(Service::new(name, latency, capacity, seed)))
        }
    };
    env.primitives.borrow_mut().push(p.clone());
    Ok(p)
}

/// What `new …` asked for.
pub enum NewPrimitive {
    /// Name and permits.
    Semaphore(String, usize),
    /// Name and capacity (0: unbounded).
    Queue(String, usize),
    /// Name.
    Event(String),
    /// Name.
    Future(String),
    /// Name, latency, capacity, seed.
    Service(String, std::time::Duration, u32, u64),
}

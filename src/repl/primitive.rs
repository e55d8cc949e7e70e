//! The session's semaphores, queues and events, and the steps that use them.
//! The other kinds `new` makes (condition, barrier, bounded semaphore, LIFO
//! and priority queues, notify, watch, broadcast, rwlock, cancel token, task
//! set) are made by `coordination.rs`, where their steps live (a task
//! set's in `task_set.rs`).
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

use evloop::sync::{
    Barrier, BoundedSemaphore, CancelToken, Condition, Event, Notify, Queue, RwLock, Semaphore,
    SemaphorePermit,
};

pub use super::coordination::{Argument, Broadcast, OtherKind, Watch, value_line};

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
    /// `new bounded-semaphore`: releasing more often than acquiring is an error.
    BoundedSemaphore(BoundedSemaphore),
    /// `new lifo-queue`: a [`Queue`] underneath (`LifoQueue::into_queue`).
    LifoQueue(Queue<Value>),
    /// `new priority-queue`: a [`Queue`] underneath, smallest value first.
    PriorityQueue(Queue<Value>),
    /// `new condition NAME [VALUE]`: a condition about one value.
    Condition(Condition<Value>),
    /// `new barrier NAME PARTIES`.
    Barrier(Barrier),
    /// `new notify NAME`: tokio's `Notify`.
    Notify(Notify),
    /// `new watch NAME VALUE`: see [`Watch`].
    Watch(Rc<Watch>),
    /// `new broadcast NAME CAPACITY`: see [`Broadcast`].
    Broadcast(Rc<Broadcast>),
    /// `new rwlock NAME`: `read` and `write` blocks lock it.
    RwLock(RwLock<()>),
    /// `new cancel-token NAME`.
    CancelToken(CancelToken),
    /// `new task-set NAME`: see [`task_set`](super::task_set).
    TaskSet(Rc<super::task_set::ReplTaskSet>),
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
            Primitive::BoundedSemaphore(s) => s.name(),
            Primitive::LifoQueue(q) | Primitive::PriorityQueue(q) => q.name(),
            Primitive::Condition(c) => c.name(),
            Primitive::Barrier(b) => b.name(),
            Primitive::Notify(n) => n.name(),
            Primitive::Watch(w) => w.rx.name(),
            Primitive::Broadcast(b) => &b.name,
            Primitive::RwLock(l) => l.name(),
            Primitive::CancelToken(t) => t.name(),
            Primitive::TaskSet(s) => s.set.name(),
        }
    }

    /// The word `new` makes it with: `"semaphore"`, `"lifo-queue"`, `"task-set"`…
    pub fn kind(&self) -> &'static str {
        match self {
            Primitive::Semaphore(_) => "semaphore",
            Primitive::Queue(_) => "queue",
            Primitive::Event(_) => "event",
            Primitive::Future(_) => "future",
            Primitive::Service(_) => "service",
            Primitive::BoundedSemaphore(_) => "bounded-semaphore",
            Primitive::LifoQueue(_) => "lifo-queue",
            Primitive::PriorityQueue(_) => "priority-queue",
            Primitive::Condition(_) => "condition",
            Primitive::Barrier(_) => "barrier",
            Primitive::Notify(_) => "notify",
            Primitive::Watch(_) => "watch",
            Primitive::Broadcast(_) => "broadcast",
            Primitive::RwLock(_) => "rwlock",
            Primitive::CancelToken(_) => "cancel-token",
            Primitive::TaskSet(_) => "task-set",
        }
    }

    /// The queue underneath a queue of any order.
    fn as_queue(&self) -> Option<&Queue<Value>> {
        match self {
            Primitive::Queue(q) | Primitive::LifoQueue(q) | Primitive::PriorityQueue(q) => Some(q),
            _ => None,
        }
    }
}

/// The permits a task holds, by semaphore name, oldest first.
#[derive(Default)]
pub struct Held(RefCell<Vec<(String, SemaphorePermit)>>);

/// The kinds of primitive a step works on, the first being the usual one.
type Kinds = &'static [&'static str];

const SEMAPHORES: Kinds = &["semaphore", "bounded-semaphore"];
const QUEUES: Kinds = &["queue", "lifo-queue", "priority-queue"];

/// The primitive a step names, the kinds it works on, and an example of
/// making one.
fn needs(step: &Step) -> Option<(&str, Kinds, &'static str)> {
    Some(match step {
        Step::Acquire(n) | Step::Release(n) => (n, SEMAPHORES, "new semaphore NAME 2"),
        Step::AcquireMany(n, _) => (n, &["semaphore"], "new semaphore NAME 3"),
        Step::Put(n, _) | Step::Get(n) | Step::TaskDone(n) | Step::Join(n) => {
            (n, QUEUES, "new queue NAME 3")
        }
        Step::Set(n) | Step::WaitEvent(n) => (n, &["event"], "new event NAME"),
        Step::SetResult(n, _) | Step::SetException(n, _) => (n, &["future"], "new future NAME"),
        Step::Call(n) => (n, &["service"], "new service NAME 100ms 10"),
        Step::WaitCond(n)
        | Step::WaitFor(n, _)
        | Step::CondSet(n, _)
        | Step::Notify(n, _)
        | Step::NotifyAll(n) => (n, &["condition"], "new condition NAME 0"),
        Step::BarrierWait(n) => (n, &["barrier"], "new barrier NAME 2"),
        Step::NotifyOne(n) | Step::NotifyWaiters(n) | Step::Notified(n) => {
            (n, &["notify"], "new notify NAME")
        }
        Step::WatchSet(n, _) | Step::Changed(n) => (n, &["watch"], "new watch NAME v1"),
        Step::Send(n, _) | Step::Subscribe(n) | Step::Recv(n) => {
            (n, &["broadcast"], "new broadcast NAME 4")
        }
        Step::Read(n, _) | Step::Write(n, _) => (n, &["rwlock"], "new rwlock NAME"),
        Step::CancelToken(n) | Step::WaitCancelled(n) => {
            (n, &["cancel-token"], "new cancel-token NAME")
        }
        Step::JoinNext(n) | Step::CancelAll(n) => (n, &["task-set"], "new task-set NAME"),
        _ => return None,
    })
}

/// Whether a step acts on a named primitive of the session.
pub fn is_primitive_step(step: &Step) -> bool {
    needs(step).is_some()
}

/// Why `step` can't run in this session: its primitive is missing or of
/// another kind.
pub fn check_step(step: &Step, env: &Env) -> Result<(), String> {
    let Some((name, kinds, example)) = needs(step) else {
        return Ok(());
    };
    let kind = kinds[0];
    match env.primitive(name) {
        Some(p) if kinds.contains(&p.kind()) => Ok(()),
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

pub(super) fn step_word(step: &Step) -> String {
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
    if let Some(queue) = primitive.as_queue() {
        return queue_step(me, step, name, queue).await;
    }
    match (step, primitive) {
        (Step::Acquire(_), Primitive::Semaphore(sem)) => {
            let permit = noting(Wait::Primitive, sem.acquire()).await;
            me.held.0.borrow_mut().push((name.to_string(), permit));
        }
        (Step::Acquire(_), Primitive::BoundedSemaphore(sem)) => {
            let permit = noting(Wait::Primitive, sem.acquire()).await;
            me.held.0.borrow_mut().push((name.to_string(), permit));
        }
        (Step::AcquireMany(_, k), Primitive::Semaphore(sem)) => {
            let Ok(k) = usize::try_from(*k) else {
                return Flow::Fail(format!("acquire-many {name}: {k} permits is too many"));
            };
            let permit = noting(Wait::Primitive, sem.acquire_many(k)).await;
            me.held.0.borrow_mut().push((name.to_string(), permit));
        }
        (Step::Release(_), p) => {
            let mut held = me.held.0.borrow_mut();
            let Some(i) = held.iter().position(|(n, _)| n == name) else {
                drop(held);
                if let Primitive::BoundedSemaphore(sem) = p {
                    // asyncio's BoundedSemaphore.release() with nothing
                    // taken: the library's error (asyncio's ValueError).
                    if sem.release().is_err() {
                        return Flow::Fail(format!(
                            "release {name}: released more often than acquired — {name} would go \
                             past its {} permits, and this task holds none \
                             (asyncio: ValueError: BoundedSemaphore released too many times)",
                            sem.bound()
                        ));
                    }
                    return Flow::Next;
                }
                return Flow::Fail(format!(
                    "release {name}: this task holds no permit of {name} (acquire {name} first)"
                ));
            };
            let (_, permit) = held.remove(i);
            drop(held);
            drop(permit);
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
        (Step::JoinNext(_) | Step::CancelAll(_), Primitive::TaskSet(set)) => {
            return super::task_set::run_step(me, step, &set).await;
        }
        (step, p @ (Primitive::Semaphore(_) | Primitive::BoundedSemaphore(_)))
        | (step, p @ (Primitive::Event(_) | Primitive::Future(_) | Primitive::Service(_))) => {
            return Flow::Fail(format!(
                "{name} is a {}, and {} needs another kind",
                p.kind(),
                step_word(step)
            ));
        }
        (step, p) => return super::coordination::run_step(me, step, name, p).await,
    }
    Flow::Next
}

/// `put`, `get`, `task-done`, `join`: the same calls whatever order the queue keeps.
async fn queue_step(me: &Rc<Me>, step: &Step, name: &str, queue: &Queue<Value>) -> Flow {
    match step {
        Step::Put(_, value) => {
            if let Err(closed) = noting(Wait::Primitive, queue.put(value.clone())).await {
                return Flow::Fail(format!("put {name}: {closed}"));
            }
        }
        Step::Get(_) => match noting(Wait::Primitive, queue.get()).await {
            Ok(value) => {
                me.env.say(&me.name, &format!("got {value} from {name}"));
                me.received(value);
            }
            Err(closed) => return Flow::Fail(format!("get {name}: {closed}")),
        },
        Step::TaskDone(_) => {
            if let Err(e) = queue.task_done() {
                return Flow::Fail(format!("task-done {name}: {e}"));
            }
        }
        Step::Join(_) => noting(Wait::Primitive, queue.join()).await,
        step => {
            return Flow::Fail(format!(
                "{name} is a queue, and {} needs another kind",
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
        | NewPrimitive::Service(n, ..)
        | NewPrimitive::Other(_, n, _) => n,
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
        NewPrimitive::Other(kind, n, arg) => super::coordination::make(kind, n, arg)?,
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
    /// One of the other kinds, its name and its argument.
    Other(OtherKind, String, Option<Value>),
}

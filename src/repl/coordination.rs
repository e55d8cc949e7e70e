//! The steps of asyncio's and tokio's other primitives: condition, barrier,
//! notify, watch and broadcast channels, rwlock and cancel token.
//!
//! `new condition`, `new barrier`, … make the library's primitives, named
//! ([`make`], which `primitive::create` calls inside the runtime's
//! context), so the loop's snapshot lists each with its waiters and
//! holders. The steps are the library calls:
//!
//! | step                   | library call                                  | asyncio / tokio                          |
//! |------------------------|-----------------------------------------------|------------------------------------------|
//! | `wait-cond COND`       | `cond.lock().await.wait().await`              | `async with c: await c.wait()`           |
//! | `wait-for COND VALUE`  | `cond.lock().await.wait_for(\|v\| v == VALUE)`| `async with c: await c.wait_for(pred)`   |
//! | `cond-set COND VALUE`  | `*cond.lock().await = VALUE`                  | `async with c: value = VALUE`            |
//! | `notify COND [N]`      | `cond.notify(N)`                              | `c.notify(n)`                            |
//! | `notify-all COND`      | `cond.notify_all()`                           | `c.notify_all()`                         |
//! | `barrier-wait B`       | `barrier.wait().await`                        | `await barrier.wait()`                   |
//! | `notify-one N`         | `notify.notify_one()`                         | tokio `notify_one()`                     |
//! | `notify-waiters N`     | `notify.notify_waiters()`                     | tokio `notify_waiters()`                 |
//! | `notified N`           | `notify.notified().await`                     | tokio `notified().await`                 |
//! | `watch-set W VALUE`    | `tx.send_replace(VALUE)`                      | tokio `watch` `send`                     |
//! | `changed W`            | `rx.changed().await; rx.borrow_and_update()`  | tokio `changed().await`                  |
//! | `send CH VALUE`        | `tx.send(VALUE)`                              | tokio `broadcast` `send`                 |
//! | `subscribe CH`         | `tx.subscribe()`                              | tokio `subscribe()`                      |
//! | `recv CH`              | `rx.recv().await`                             | tokio `recv().await`                     |
//! | `read RW { … }`        | `let _g = rw.read().await; …`                 | tokio `rwlock.read().await`              |
//! | `write RW { … }`       | `let _g = rw.write().await; …`                | tokio `rwlock.write().await`             |
//! | `cancel-token T`       | `token.cancel()`                              | tokio-util `cancel()`                    |
//! | `wait-cancelled T`     | `token.cancelled().await`                     | tokio-util `cancelled().await`           |
//!
//! # Where the REPL differs
//!
//! A step takes a condition's lock and gives it back within itself (each is
//! an `async with cond:` block of its own), so no task holds the lock
//! between steps. A lock guard borrows its lock, so `read` and `write` are
//! blocks (tokio's guard, Python's `async with`): the lock is held while the
//! block runs, given back however it ends. A watch or broadcast receiver
//! belongs to one task: each task gets its own on first use (a watch
//! receiver starts having seen the channel's first value; a broadcast
//! receiver gets what is sent from then on, so `subscribe` early).

use std::cell::RefCell;
use std::rc::Rc;

use evloop::sync::broadcast::{self, RecvError};
use evloop::sync::{
    Barrier, BoundedSemaphore, CancelToken, Condition, LifoQueue, Notify, PriorityQueue, RwLock,
    watch,
};

use super::body::{Step, Value};
use super::primitive::{Primitive, step_word};
use super::program::{Flow, Me, run_block};
use super::record::{Wait, noting};

/// A broadcast channel of the session: its name and sender; each task
/// subscribes a receiver of its own.
pub struct Broadcast {
    /// Its name.
    pub name: String,
    /// The sender (`send`).
    pub tx: evloop::sync::broadcast::Sender<Value>,
}

/// A watch channel of the session: its sender, and the receiver that
/// every task's own receiver is cloned from (so each starts having seen
/// the value the channel was made with).
pub struct Watch {
    /// The sender (`watch-set`).
    pub tx: evloop::sync::watch::Sender<Value>,
    /// The first receiver, never waited on: tasks clone it.
    pub rx: evloop::sync::watch::Receiver<Value>,
}

/// Makes one of the primitives `new KIND NAME [ARG]` names by its kind.
pub(super) fn make(kind: OtherKind, name: String, arg: Option<Value>) -> Result<Primitive, String> {
    let count = |what: &str| match &arg {
        Some(Value::Int(n)) => {
            usize::try_from(*n).map_err(|_| format!("{n} {what} is not a count: give 0 or more"))
        }
        _ => Ok(0),
    };
    Ok(match kind {
        OtherKind::BoundedSemaphore => {
            Primitive::BoundedSemaphore(BoundedSemaphore::named(name, count("permits")?))
        }
        OtherKind::LifoQueue => {
            Primitive::LifoQueue(LifoQueue::named(name, count("capacity")?).into_queue())
        }
        OtherKind::PriorityQueue => {
            Primitive::PriorityQueue(PriorityQueue::named(name, count("capacity")?).into_queue())
        }
        OtherKind::Condition => {
            Primitive::Condition(Condition::named(name, arg.unwrap_or(Value::Int(0))))
        }
        OtherKind::Barrier => Primitive::Barrier(Barrier::named(name, count("parties")?)),
        OtherKind::Notify => Primitive::Notify(Notify::named(name)),
        OtherKind::Watch => {
            let (tx, rx) = evloop::sync::watch::channel_named(name, arg.unwrap_or(Value::Int(0)));
            Primitive::Watch(Rc::new(Watch { tx, rx }))
        }
        OtherKind::Broadcast => {
            let (tx, rx) = evloop::sync::broadcast::channel_named(name.clone(), count("capacity")?);
            // Each task subscribes its own receiver; the first one is not needed.
            drop(rx);
            Primitive::Broadcast(Rc::new(Broadcast { name, tx }))
        }
        OtherKind::RwLock => Primitive::RwLock(RwLock::named(name, ())),
        OtherKind::CancelToken => Primitive::CancelToken(CancelToken::named(name)),
        OtherKind::TaskSet => {
            Primitive::TaskSet(Rc::new(super::task_set::ReplTaskSet::named(name)))
        }
    })
}

/// What a kind's argument is called and whether it must be given (`None`:
/// the kind takes no argument).
pub type Argument = Option<(&'static str, bool)>;

/// The kinds `new` makes from a name and at most one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherKind {
    BoundedSemaphore,
    LifoQueue,
    PriorityQueue,
    Condition,
    Barrier,
    Notify,
    Watch,
    Broadcast,
    RwLock,
    CancelToken,
    TaskSet,
}

impl OtherKind {
    /// Every kind, with the word `new` takes for it and what its argument is
    /// (`None`: it takes none; optional arguments are said so).
    pub const ALL: [(OtherKind, &'static str, Argument); 11] = [
        (
            OtherKind::BoundedSemaphore,
            "bounded-semaphore",
            Some(("permit count", true)),
        ),
        (
            OtherKind::LifoQueue,
            "lifo-queue",
            Some(("queue capacity", false)),
        ),
        (
            OtherKind::PriorityQueue,
            "priority-queue",
            Some(("queue capacity", false)),
        ),
        (OtherKind::Condition, "condition", Some(("value", false))),
        (OtherKind::Barrier, "barrier", Some(("party count", true))),
        (OtherKind::Notify, "notify", None),
        (OtherKind::Watch, "watch", Some(("value", true))),
        (OtherKind::Broadcast, "broadcast", Some(("capacity", true))),
        (OtherKind::RwLock, "rwlock", None),
        (OtherKind::CancelToken, "cancel-token", None),
        (OtherKind::TaskSet, "task-set", None),
    ];

    /// The word `new` takes for it.
    pub fn word(self) -> &'static str {
        OtherKind::ALL
            .iter()
            .find(|(k, ..)| *k == self)
            .map(|(_, w, _)| *w)
            .expect("every kind is listed")
    }

    /// Whether its argument is a count (a whole number), not any value.
    pub fn counts(self) -> bool {
        !matches!(self, OtherKind::Condition | OtherKind::Watch)
    }
}

/// The value a condition or a watch channel holds, for `show`.
pub fn value_line(p: &Primitive) -> Option<super::styled::Line> {
    let text = match p {
        Primitive::Condition(c) => match c.as_lock().try_lock() {
            Ok(value) => format!("  value       {}", *value),
            Err(_) => "  value       (its lock is held: a task is changing or reading it)".into(),
        },
        Primitive::Watch(w) => format!("  value       {}", *w.rx.borrow()),
        _ => return None,
    };
    Some(super::styled::Line::plain(text))
}

/// The channel receivers a task holds, by channel name.
#[derive(Default)]
pub struct Receivers {
    watches: RefCell<Vec<(String, watch::Receiver<Value>)>>,
    broadcasts: RefCell<Vec<(String, broadcast::Receiver<Value>)>>,
}

/// Takes this task's receiver of `name` out of `list` (to await on it
/// without holding a borrow), or makes one with `make`.
fn take_receiver<R>(list: &RefCell<Vec<(String, R)>>, name: &str, make: impl FnOnce() -> R) -> R {
    let mut list = list.borrow_mut();
    match list.iter().position(|(n, _)| n == name) {
        Some(i) => list.remove(i).1,
        None => make(),
    }
}

/// Runs a step on a condition, barrier, notify, watch, broadcast, rwlock or
/// cancel token named `name` in the task `me`.
pub(super) async fn run_step(me: &Rc<Me>, step: &Step, name: &str, p: Primitive) -> Flow {
    match (step, p) {
        (Step::WaitCond(_), Primitive::Condition(cond)) => {
            let guard = noting(Wait::Primitive, cond.lock()).await;
            drop(noting(Wait::Primitive, guard.wait()).await);
        }
        (Step::WaitFor(_, want), Primitive::Condition(cond)) => {
            let guard = noting(Wait::Primitive, cond.lock()).await;
            drop(noting(Wait::Primitive, guard.wait_for(|v| v == want)).await);
            me.received(want.clone());
        }
        (Step::CondSet(_, value), Primitive::Condition(cond)) => {
            *noting(Wait::Primitive, cond.lock()).await = value.clone();
        }
        (Step::Notify(_, n), Primitive::Condition(cond)) => {
            let woken = cond.notify(usize::try_from(*n).unwrap_or(usize::MAX));
            me.env
                .say(&me.name, &format!("notify {name}: woke {woken}"));
        }
        (Step::NotifyAll(_), Primitive::Condition(cond)) => {
            let woken = cond.notify_all();
            me.env
                .say(&me.name, &format!("notify-all {name}: woke {woken}"));
        }
        (Step::BarrierWait(_), Primitive::Barrier(barrier)) => {
            match noting(Wait::Primitive, barrier.wait()).await {
                Ok(index) => me.env.say(
                    &me.name,
                    &format!("passed barrier {name} (arrived {})", index + 1),
                ),
                Err(broken) => return Flow::Fail(format!("barrier-wait {name}: {broken}")),
            }
        }
        (Step::NotifyOne(_), Primitive::Notify(notify)) => notify.notify_one(),
        (Step::NotifyWaiters(_), Primitive::Notify(notify)) => {
            let woken = notify.notify_waiters();
            me.env
                .say(&me.name, &format!("notify-waiters {name}: woke {woken}"));
        }
        (Step::Notified(_), Primitive::Notify(notify)) => {
            noting(Wait::Primitive, notify.notified()).await;
        }
        (Step::WatchSet(_, value), Primitive::Watch(w)) => {
            // The session keeps a receiver, so the value is always stored.
            w.tx.send_replace(value.clone());
        }
        (Step::Changed(_), Primitive::Watch(w)) => {
            let mut rx = take_receiver(&me.receivers.watches, name, || w.rx.clone());
            let changed = noting(Wait::Primitive, rx.changed()).await;
            let value = (*rx.borrow_and_update()).clone();
            me.receivers
                .watches
                .borrow_mut()
                .push((name.to_string(), rx));
            if let Err(e) = changed {
                return Flow::Fail(format!("changed {name}: {e}"));
            }
            me.env.say(&me.name, &format!("{name} is now {value}"));
            me.received(value);
        }
        (Step::Send(_, value), Primitive::Broadcast(b)) => {
            if b.tx.send(value.clone()).is_err() {
                return Flow::Fail(format!(
                    "send {name}: no task has subscribed, so nobody would get {value} \
                     (tokio: SendError) — subscribe {name} in the receiving tasks first"
                ));
            }
        }
        (Step::Subscribe(_), Primitive::Broadcast(b)) => {
            let mut list = me.receivers.broadcasts.borrow_mut();
            if !list.iter().any(|(n, _)| n == name) {
                list.push((name.to_string(), b.tx.subscribe()));
            }
        }
        (Step::Recv(_), Primitive::Broadcast(b)) => {
            let mut rx = take_receiver(&me.receivers.broadcasts, name, || b.tx.subscribe());
            let got = noting(Wait::Primitive, rx.recv()).await;
            me.receivers
                .broadcasts
                .borrow_mut()
                .push((name.to_string(), rx));
            match got {
                Ok(value) => {
                    me.env.say(&me.name, &format!("got {value} from {name}"));
                    me.received(value);
                }
                Err(RecvError::Lagged(n)) => me.env.say(
                    &me.name,
                    &format!(
                        "recv {name}: lagged, {n} value(s) were overwritten before this task took them \
                         (it goes on from the oldest kept)"
                    ),
                ),
                Err(RecvError::Closed) => return Flow::Fail(format!("recv {name}: {}", RecvError::Closed)),
            }
        }
        (Step::Read(_, block), Primitive::RwLock(lock)) => {
            let _guard = noting(Wait::Primitive, lock.read()).await;
            return run_block(me.clone(), block.as_slice().into()).await;
        }
        (Step::Write(_, block), Primitive::RwLock(lock)) => {
            let _guard = noting(Wait::Primitive, lock.write()).await;
            return run_block(me.clone(), block.as_slice().into()).await;
        }
        (Step::CancelToken(_), Primitive::CancelToken(token)) => token.cancel(),
        (Step::WaitCancelled(_), Primitive::CancelToken(token)) => {
            noting(Wait::Primitive, token.cancelled()).await;
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

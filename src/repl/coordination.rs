//! The steps of asyncio's and tokio's other primitives: condition, barrier,
//! notify, watch and broadcast channels, rwlock and cancel token.
//!
//! `new condition`, `new barrier`, … make the library's primitives, named,
//! inside the runtime's context (see `primitive.rs`), so the loop's
//! snapshot lists each with its waiters and holders. The steps are the
//! library calls:
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
use evloop::sync::watch;

use super::body::{Step, Value};
use super::primitive::{Primitive, step_word};
use super::program::{Flow, Me, run_block};
use super::record::{Wait, noting};

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

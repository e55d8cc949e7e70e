//! The bug zoo: classic async bugs that FIFO scheduling hides and schedule
//! exploration finds, each next to its fix.
//!
//! For every bug (see `util::find_and_replay`): FIFO passes the buggy
//! program; exploration finds the failure within its budget of runs; the
//! printed schedule (and seed, for seeded policies) replays exactly that
//! failure; and the fixed program passes the same exploration. The chapter
//! docs/testing.md tells each story.
mod util;

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use evloop::sync::{Condition, Event, Lock, Queue};
use evloop::testing::{FailureKind, Harness};
use evloop::{Policy, select, yield_now};
use util::{find_and_replay, passes};

fn harness() -> Harness {
    Harness::new().runs(200)
}

// ----- 1. lost update: check-then-act across an await ---------------------

/// Withdraws 80 if the balance allows. `audit` stands for any await (a
/// database call, a log write) between the check and the act.
async fn withdraw(balance: Rc<Cell<i32>>, audit_first: bool) {
    if audit_first {
        yield_now().await;
    }
    if balance.get() >= 80 {
        yield_now().await; // the await between check and act
        balance.set(balance.get() - 80);
    }
}

async fn lost_update() {
    let balance = Rc::new(Cell::new(100));
    let a = evloop::spawn_named("a", withdraw(balance.clone(), true));
    let b = evloop::spawn_named("b", withdraw_now(balance.clone()));
    a.await.unwrap();
    b.await.unwrap();
    assert!(balance.get() >= 0, "overdrawn: balance {}", balance.get());
}

/// Checks and acts in one poll: no await in between.
async fn withdraw_now(balance: Rc<Cell<i32>>) {
    if balance.get() >= 80 {
        balance.set(balance.get() - 80);
    }
}

async fn lost_update_fixed() {
    let balance = Lock::named("balance", 100);
    let withdraw = |balance: Lock<i32>, audit_first: bool| async move {
        if audit_first {
            yield_now().await;
        }
        let mut b = balance.lock().await; // check and act under one lock
        if *b >= 80 {
            yield_now().await;
            *b -= 80;
        }
    };
    let a = evloop::spawn_named("a", withdraw(balance.clone(), true));
    let b = evloop::spawn_named("b", withdraw(balance.clone(), false));
    a.await.unwrap();
    b.await.unwrap();
    assert!(*balance.lock().await >= 0);
}

#[test]
fn lost_update_across_an_await() {
    let failure = find_and_replay(&harness(), lost_update);
    assert_eq!(
        failure.kind,
        FailureKind::Panicked("overdrawn: balance -60".into())
    );
    passes(&harness(), lost_update_fixed);
}

// ----- 2. lock-order deadlock ----------------------------------------------

async fn lock_order(fixed: bool) {
    let first = Lock::named("A", ());
    let second = Lock::named("B", ());
    let (a1, a2) = (first.clone(), second.clone());
    let a = evloop::spawn_named("a", async move {
        let _a = a1.lock().await;
        yield_now().await;
        let _b = a2.lock().await;
    });
    let (b1, b2) = if fixed {
        (first.clone(), second.clone()) // the same order as 'a': A then B
    } else {
        (second.clone(), first.clone()) // B then A: the deadlock
    };
    let b = evloop::spawn_named("b", async move {
        yield_now().await;
        let _x = b1.lock().await;
        yield_now().await;
        let _y = b2.lock().await;
    });
    a.await.unwrap();
    b.await.unwrap();
}

#[test]
fn lock_order_deadlock_is_reported_with_holders() {
    let failure = find_and_replay(&harness(), || lock_order(false));
    let FailureKind::Deadlock(report) = &failure.kind else {
        panic!("expected a deadlock, got {failure}");
    };
    let text = report.to_string();
    assert!(
        text.contains("'a' (#2) waits on lock B held by 'b' (#3)"),
        "{text}"
    );
    assert!(
        text.contains("'b' (#3) waits on lock A held by 'a' (#2)"),
        "{text}"
    );
    assert!(text.contains("'main' (#1) waits on 'a' (#2)"), "{text}");
    let a = report.waiting[1].0;
    let b = report.waiting[2].0;
    assert_eq!(report.cycle(), Some(vec![a, b]));
    passes(&harness(), || lock_order(true));
}

// ----- 3. missed notification ---------------------------------------------

/// A hand-written one-shot signal: the waiter leaves its waker in `slot`,
/// the notifier wakes whatever waker is there.
#[derive(Clone, Default)]
struct Signal {
    slot: Rc<RefCell<Option<Waker>>>,
    /// The fix: remember that the signal was sent.
    sent: Rc<Cell<bool>>,
}

impl Signal {
    async fn wait(&self, fixed: bool) {
        let mut parked = false;
        poll_fn(|cx| {
            if (fixed && self.sent.get()) || parked {
                return Poll::Ready(());
            }
            *self.slot.borrow_mut() = Some(cx.waker().clone());
            parked = true;
            Poll::Pending
        })
        .await;
    }

    fn notify(&self) {
        self.sent.set(true);
        if let Some(w) = self.slot.borrow_mut().take() {
            w.wake();
        }
        // Bug: with nobody registered yet, the notification just vanishes.
    }
}

async fn missed_notification(fixed: bool) {
    let signal = Signal::default();
    let s = signal.clone();
    let waiter = evloop::spawn_named("waiter", async move { s.wait(fixed).await });
    let s = signal.clone();
    let notifier = evloop::spawn_named("notifier", async move {
        yield_now().await; // some work before notifying
        s.notify();
    });
    notifier.await.unwrap();
    waiter.await.unwrap();
}

#[test]
fn missed_notification_deadlocks() {
    let failure = find_and_replay(&harness(), || missed_notification(false));
    let FailureKind::Deadlock(report) = &failure.kind else {
        panic!("expected a deadlock, got {failure}");
    };
    assert!(
        report
            .to_string()
            .contains("'waiter' (#2) waits on something else"),
        "{report}"
    );
    passes(&harness(), || missed_notification(true));
}

// ----- 4. producer/consumer: an item lost on cancellation ------------------

async fn shutdown_loses_item(fixed: bool) {
    let queue: Queue<u32> = Queue::named("jobs", 10);
    for job in 1..=2 {
        queue.try_put(job).unwrap();
    }
    let done = Rc::new(RefCell::new(Vec::new()));
    let (q, d) = (queue.clone(), done.clone());
    let worker = evloop::spawn_named("worker", async move {
        loop {
            let job = q.get().await.unwrap();
            yield_now().await; // processing
            d.borrow_mut().push(job);
            q.task_done().unwrap();
        }
    });
    let q = queue.clone();
    let stopper = evloop::spawn_named("stopper", async move {
        if fixed {
            q.join().await; // every job processed (task_done), not just taken
        } else {
            // "Give the worker a moment": enough under FIFO, not always.
            for _ in 0..3 {
                yield_now().await;
            }
        }
        worker.cancel();
    });
    stopper.await.unwrap();
    assert_eq!(*done.borrow(), [1, 2], "not every job was processed");
}

#[test]
fn cancelling_a_consumer_mid_item_loses_it() {
    let failure = find_and_replay(&harness(), || shutdown_loses_item(false));
    assert!(
        failure.message().contains("not every job was processed"),
        "{failure}"
    );
    passes(&harness(), || shutdown_loses_item(true));
}

// ----- 5. starvation: a task that never really yields ------------------------

async fn spin_wait(fixed: bool) {
    let ready = Rc::new(Cell::new(false));
    let event = evloop::sync::Event::named("ready");
    let (r, e) = (ready.clone(), event.clone());
    let setter = evloop::spawn_named("setter", async move {
        yield_now().await;
        r.set(true);
        e.set();
    });
    let (r, e) = (ready.clone(), event.clone());
    let spinner = evloop::spawn_named("spinner", async move {
        if fixed {
            e.wait().await; // parks until set: the setter gets the loop
        } else {
            while !r.get() {
                yield_now().await; // "gives way", but is first in line again
            }
        }
    });
    spinner.await.unwrap();
    setter.await.unwrap();
}

#[test]
fn a_spinning_task_starves_the_one_it_waits_for() {
    // Liveness bugs need no priority change: PCT at depth 1 (fixed
    // priorities) starves whichever task ranks lower, and LIFO reruns the
    // task that just yielded.
    let h = harness().depth(1).poll_budget(10_000);
    let failure = find_and_replay(&h, || spin_wait(false));
    assert_eq!(failure.kind, FailureKind::NoProgress { polls: 10_000 });
    assert_eq!(failure.policy, Policy::Lifo);
    // The seeded runs find it too: half the PCT seeds rank the spinner first.
    let by_pct = h
        .clone()
        .use_env(false)
        .runs(6)
        .seed(1)
        .try_explore(|| spin_wait(false))
        .unwrap_err();
    assert_eq!(by_pct.kind, FailureKind::NoProgress { polls: 10_000 });
    passes(&h, || spin_wait(true));
}

// ----- 6. a missed notification on a Condition --------------------------------

/// A consumer checks a flag, then waits on the condition for it to change.
/// The bug: the check and the wait are two steps (the lock is given up in
/// between, and there is an await), so a producer that sets the flag and
/// notifies in that gap notifies nobody.
async fn condition_missed_notify(fixed: bool) {
    let ready = Condition::named("ready", false);
    let r = ready.clone();
    let consumer = evloop::spawn_named("consumer", async move {
        if fixed {
            // Check and wait in one step, under the lock.
            drop(r.lock().await.wait_for(|ready| *ready).await);
        } else {
            let ready_now = *r.lock().await; // check, then unlock
            if !ready_now {
                yield_now().await; // "log that we are waiting"
                drop(r.lock().await.wait().await); // waits for a notify that may be gone
            }
        }
    });
    let r = ready.clone();
    let producer = evloop::spawn_named("producer", async move {
        yield_now().await; // some work first
        *r.lock().await = true;
        r.notify_all();
    });
    producer.await.unwrap();
    consumer.await.unwrap();
}

#[test]
fn a_condition_notified_between_check_and_wait_is_missed() {
    let failure = find_and_replay(&harness(), || condition_missed_notify(false));
    let FailureKind::Deadlock(report) = &failure.kind else {
        panic!("expected a deadlock, got {failure}");
    };
    let text = report.to_string();
    assert!(
        text.contains("waits on condition ready, which nobody holds (nothing will signal it)"),
        "{text}"
    );
    passes(&harness(), || condition_missed_notify(true));
}

// ----- 7. a select! that is not cancel-safe -----------------------------------

/// A message on the wire is two items: a header, then a body. `None` for
/// a body means the wire closed after the header.
async fn read_message(wire: &Queue<u32>) -> (u32, Option<u32>) {
    let Ok(header) = wire.get().await else {
        return (0, None);
    };
    let body = wire.get().await.ok(); // an await with the header in hand
    (header, body)
}

/// A reader takes two messages while also answering one status ping. The
/// bug: `read_message` is not cancel-safe (it holds a header across an
/// await), and `select!` drops it whenever the ping wins: a ping that comes
/// between a header and its body loses the header.
async fn message_reader(fixed: bool) {
    let wire: Queue<u32> = Queue::named("wire", 0);
    let ping = Event::named("ping");
    let w = wire.clone();
    evloop::spawn_named("sender", async move {
        for header in [1, 11] {
            yield_now().await;
            yield_now().await;
            w.put(header).await.unwrap();
            yield_now().await;
            w.put(header + 1).await.unwrap(); // the body
        }
        w.close();
    })
    .detach();
    let p = ping.clone();
    evloop::spawn_named("pinger", async move { p.set() }).detach();

    let mut got = Vec::new();
    let mut pings = 0;
    if fixed {
        // One read_message lives across the loop's turns: a ping only
        // borrows it, and it is replaced only once it has finished.
        let mut reading = Box::pin(read_message(&wire));
        while got.len() < 2 {
            select! {
                msg = &mut reading => {
                    got.push(check(msg));
                    reading.set(read_message(&wire));
                }
                _ = ping.wait(), if pings == 0 => pings += 1,
            }
        }
    } else {
        while got.len() < 2 {
            select! {
                msg = read_message(&wire) => got.push(check(msg)), // dropped when the ping wins
                _ = ping.wait(), if pings == 0 => pings += 1,
            }
        }
    }
}

/// A message whose body is not its header's: a header was lost.
fn check((header, body): (u32, Option<u32>)) -> (u32, u32) {
    assert_eq!(
        body,
        Some(header + 1),
        "a message came apart (header {header}, body {body:?}): select! dropped read_message \
         holding a header"
    );
    (header, header + 1)
}

#[test]
fn a_select_that_drops_a_half_read_message_loses_its_header() {
    let failure = find_and_replay(&harness(), || message_reader(false));
    assert!(
        failure.message().contains("a message came apart"),
        "{failure}"
    );
    passes(&harness(), || message_reader(true));
}

// ----- 8. torn writes: two tasks write_all on one stream ----------------------

/// Two tasks send a 40-byte message each over one connection whose pipe
/// holds 16 bytes (an in-memory one, `testing::mem`, so the test stays on
/// the virtual clock and replays). `write_all` writes in pieces as room
/// frees up, and between two pieces the other task may write: the
/// messages interleave on the wire. The fix holds a `Lock` around the
/// whole `write_all` (asyncio: `async with lock: writer.write(m); await
/// writer.drain()`).
async fn torn_writes(fixed: bool) {
    use evloop::io::{AsyncReadExt, AsyncWriteExt};
    let (client, mut server) = evloop::testing::mem::duplex(16);
    let client = Rc::new(client);
    let turn = Lock::named("writer", ());
    let senders: Vec<_> = [b'a', b'b']
        .into_iter()
        .map(|tag| {
            let (client, turn) = (client.clone(), turn.clone());
            evloop::spawn_named(format!("sender {}", tag as char), async move {
                let message = [tag; 40];
                let guard = if fixed { Some(turn.lock().await) } else { None };
                // `&MemStream` writes, as `&TcpStream` does.
                let mut stream = &*client;
                stream.write_all(&message).await.unwrap();
                drop(guard);
            })
        })
        .collect();
    let mut wire = [0u8; 80];
    server.read_exact(&mut wire).await.unwrap();
    for s in senders {
        s.await.unwrap();
    }
    let runs = wire.chunk_by(|x, y| x == y).count();
    assert!(
        runs == 2,
        "the messages interleaved on the wire: {}",
        String::from_utf8_lossy(&wire)
    );
}

#[test]
fn two_writers_without_a_lock_tear_each_others_messages() {
    let failure = find_and_replay(&harness(), || torn_writes(false));
    assert!(
        failure.message().contains("interleaved on the wire"),
        "{failure}"
    );
    passes(&harness(), || torn_writes(true));
}

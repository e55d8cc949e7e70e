//! The bug zoo's programs: classic async bugs that FIFO scheduling hides,
//! each next to its fix. `tests/bug_zoo.rs` tests them; `benches/exhaustive.rs`
//! times exhaustive search over them.
//!
//! State shared between tasks lives in `testing::Shared` cells (a
//! `Rc<RefCell<_>>` the explorer can see), so exhaustive exploration with
//! reduction finds every bug.
#![allow(dead_code)]

use std::future::poll_fn;
use std::task::{Poll, Waker};

use evloop::sync::{Condition, Event, Lock, Queue};
use evloop::testing::Shared;
use evloop::{select, yield_now};

// ----- 1. lost update: check-then-act across an await ---------------------

/// Withdraws 80 if the balance allows. `audit` stands for any await (a
/// database call, a log write) between the check and the act.
pub async fn withdraw(balance: Shared<i32>, audit_first: bool) {
    if audit_first {
        yield_now().await;
    }
    if balance.get() >= 80 {
        yield_now().await; // the await between check and act
        balance.set(balance.get() - 80);
    }
}

pub async fn lost_update() {
    let balance = Shared::new(100);
    let a = evloop::spawn_named("a", withdraw(balance.clone(), true));
    let b = evloop::spawn_named("b", withdraw_now(balance.clone()));
    a.await.unwrap();
    b.await.unwrap();
    assert!(balance.get() >= 0, "overdrawn: balance {}", balance.get());
}

/// Checks and acts in one poll: no await in between.
pub async fn withdraw_now(balance: Shared<i32>) {
    if balance.get() >= 80 {
        balance.set(balance.get() - 80);
    }
}

pub async fn lost_update_fixed() {
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

// ----- 2. lock-order deadlock ----------------------------------------------

pub async fn lock_order(fixed: bool) {
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

// ----- 3. missed notification ---------------------------------------------

/// A hand-written one-shot signal: the waiter leaves its waker in `slot`,
/// the notifier wakes whatever waker is there.
#[derive(Clone, Default)]
pub struct Signal {
    slot: Shared<Option<Waker>>,
    /// The fix: remember that the signal was sent.
    sent: Shared<bool>,
}

impl Signal {
    pub async fn wait(&self, fixed: bool) {
        let mut parked = false;
        poll_fn(|cx| {
            if (fixed && self.sent.get()) || parked {
                return Poll::Ready(());
            }
            self.slot.set(Some(cx.waker().clone()));
            parked = true;
            Poll::Pending
        })
        .await;
    }

    pub fn notify(&self) {
        self.sent.set(true);
        if let Some(w) = self.slot.take() {
            w.wake();
        }
        // Bug: with nobody registered yet, the notification just vanishes.
    }
}

pub async fn missed_notification(fixed: bool) {
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

// ----- 4. producer/consumer: an item lost on cancellation ------------------

pub async fn shutdown_loses_item(fixed: bool) {
    let queue: Queue<u32> = Queue::named("jobs", 10);
    for job in 1..=2 {
        queue.try_put(job).unwrap();
    }
    let done = Shared::new(Vec::new());
    let (q, d) = (queue.clone(), done.clone());
    let worker = evloop::spawn_named("worker", async move {
        loop {
            let job = q.get().await.unwrap();
            yield_now().await; // processing
            d.with(|d| d.push(job));
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
    assert_eq!(done.get(), [1, 2], "not every job was processed");
}

// ----- 5. starvation: a task that never really yields ------------------------

pub async fn spin_wait(fixed: bool) {
    let ready = Shared::new(false);
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

// ----- 6. a missed notification on a Condition --------------------------------

/// A consumer checks a flag, then waits on the condition for it to change.
/// The bug: the check and the wait are two steps (the lock is given up in
/// between, and there is an await), so a producer that sets the flag and
/// notifies in that gap notifies nobody.
pub async fn condition_missed_notify(fixed: bool) {
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

// ----- 7. a select! that is not cancel-safe -----------------------------------

/// A message on the wire is two items: a header, then a body. `None` for
/// a body means the wire closed after the header.
pub async fn read_message(wire: &Queue<u32>) -> (u32, Option<u32>) {
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
pub async fn message_reader(fixed: bool) {
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
pub fn check((header, body): (u32, Option<u32>)) -> (u32, u32) {
    assert_eq!(
        body,
        Some(header + 1),
        "a message came apart (header {header}, body {body:?}): select! dropped read_message \
         holding a header"
    );
    (header, header + 1)
}

// ----- 8. torn writes: two tasks write_all on one stream ----------------------

/// Two tasks send a 40-byte message each over one connection whose pipe
/// holds 16 bytes (an in-memory one, `testing::mem`, so the test stays on
/// the virtual clock and replays). `write_all` writes in pieces as room
/// frees up, and between two pieces the other task may write: the
/// messages interleave on the wire. The fix holds a `Lock` around the
/// whole `write_all` (asyncio: `async with lock: writer.write(m); await
/// writer.drain()`).
pub async fn torn_writes(fixed: bool) {
    use evloop::io::{AsyncReadExt, AsyncWriteExt};
    use std::rc::Rc;
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

// ----- every exhibit under exhaustive exploration ------------------------------

/// The zoo, buggy and fixed, by name.
pub type Exhibit = fn(bool) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

pub fn exhibits() -> Vec<(&'static str, Exhibit)> {
    vec![
        ("lost update", |fixed| {
            if fixed {
                Box::pin(lost_update_fixed())
            } else {
                Box::pin(lost_update())
            }
        }),
        ("lock order", |fixed| Box::pin(lock_order(fixed))),
        ("missed notification", |fixed| {
            Box::pin(missed_notification(fixed))
        }),
        ("job lost on cancellation", |fixed| {
            Box::pin(shutdown_loses_item(fixed))
        }),
        ("starvation", |fixed| Box::pin(spin_wait(fixed))),
        ("condition", |fixed| {
            Box::pin(condition_missed_notify(fixed))
        }),
        ("select", |fixed| Box::pin(message_reader(fixed))),
        ("torn writes", |fixed| Box::pin(torn_writes(fixed))),
    ]
}

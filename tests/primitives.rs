//! asyncio's remaining primitives, and tokio's: semantics against the
//! documented promise, and cancellation in every wait (no permit, item or
//! wake lost when a waiter is cancelled).
mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::stream::StreamExt;
use evloop::sync::{
    Barrier, BoundedSemaphore, Condition, LifoQueue, Notify, PriorityQueue, Queue, RwLock,
    Semaphore, TryPutError, broadcast, watch,
};
use evloop::{Runtime, WaitOn, time::Instant};
use util::{Trace, virtual_rt};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn at() -> u64 {
    Instant::now().since_start().as_secs()
}

// ----- Semaphore::acquire_many, BoundedSemaphore -----------------------------

#[test]
fn acquire_many_waits_in_line_and_nobody_overtakes_it() {
    let (rt, _) = virtual_rt();
    let sem = Semaphore::named("bytes", 4);
    let trace = Trace::default();
    let held = sem.try_acquire_many(3).unwrap();
    let (s, t) = (sem.clone(), trace.clone());
    let big = rt.spawn_named("big", async move {
        let p = s.acquire_many(3).await;
        t.push(format!("big got {} @{}", p.permits(), at()));
    });
    let (s, t) = (sem.clone(), trace.clone());
    let small = rt.spawn_named("small", async move {
        let _p = s.acquire().await;
        t.push(format!("small @{}", at()));
    });
    rt.run_until_idle().unwrap();
    // One permit is free, but 'small' waits behind 'big', who wants 3.
    assert!(trace.take().is_empty());
    let info = rt.snapshot().primitive_named("bytes").unwrap().clone();
    assert_eq!(info.state, "1/4 permits free, the first in line wants 3");
    assert_eq!(info.waiters, [big.id(), small.id()]);
    drop(held);
    rt.run_until_done().unwrap();
    assert_eq!(trace.take(), ["big got 3 @0", "small @0"]);
    assert_eq!(sem.available_permits(), 4);
}

#[test]
fn a_cancelled_big_waiter_lets_the_ones_behind_it_in() {
    let (rt, _) = virtual_rt();
    let sem = Semaphore::new(2);
    let held = sem.try_acquire().unwrap();
    let s = sem.clone();
    let big = rt.spawn(async move { s.acquire_many(2).await.permits() });
    let s = sem.clone();
    let small = rt.spawn(async move { s.acquire().await.permits() });
    rt.run_until_idle().unwrap();
    assert!(!small.is_finished());
    big.cancel(); // leaves the front: the free permit now fits 'small'
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(small).unwrap(), 1);
    drop(held);
    assert_eq!(sem.available_permits(), 2, "no permit lost");
}

#[test]
fn a_granted_but_cancelled_acquire_many_gives_every_permit_back() {
    let (rt, _) = virtual_rt();
    let sem = Semaphore::new(3);
    let held = sem.try_acquire_many(3).unwrap();
    let s = sem.clone();
    let first = rt.spawn(async move { s.acquire_many(2).await.permits() });
    let s = sem.clone();
    let second = rt.spawn(async move { s.acquire_many(3).await.permits() });
    rt.run_until_idle().unwrap();
    drop(held); // 'first' granted 2; 'second' waits for 3
    first.cancel();
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(second).unwrap(), 3);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn acquire_many_of_zero_and_try_acquire_many_explain_themselves() {
    let sem = Semaphore::named("pool", 2);
    let rt = Runtime::builder().virtual_clock().build();
    let none = rt.block_on(sem.acquire_many(0));
    assert_eq!(none.permits(), 0);
    let err = sem.try_acquire_many(3).unwrap_err();
    assert_eq!(
        err.to_string(),
        "semaphore 'pool' cannot give 3 permits now (2 of 2 free, 0 task(s) in line); \
         use acquire_many(3).await to wait for them"
    );
    // Huge counts cost nothing: the work follows the waiters, not the count.
    sem.add_permits(usize::MAX);
    assert_eq!(sem.available_permits(), usize::MAX);
    let all = sem.try_acquire_many(usize::MAX).unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop(all);
    assert_eq!(sem.available_permits(), usize::MAX);
}

#[test]
fn a_bounded_semaphore_refuses_a_release_too_many() {
    let (rt, _) = virtual_rt();
    let sem = BoundedSemaphore::named("conns", 2);
    let err = sem.release().unwrap_err();
    assert!(
        err.to_string().starts_with(
            "bounded semaphore 'conns' was released more often than acquired: of its 2 permits"
        ),
        "{err}"
    );
    let s = sem.clone();
    rt.block_on(async move {
        s.acquire().await.forget();
        s.acquire().await.forget();
        assert_eq!(s.available_permits(), 0);
        let waiter = {
            let s = s.clone();
            evloop::spawn(async move { s.acquire().await.permits() })
        };
        evloop::yield_now().await;
        s.release().unwrap(); // straight to the waiter
        assert_eq!(waiter.await.unwrap(), 1);
        s.release().unwrap();
        assert!(s.release().is_err());
    });
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(sem.bound(), 2);
    assert_eq!(
        rt.snapshot().primitive_named("conns").unwrap().kind,
        "bounded semaphore"
    );
}

// ----- Condition ---------------------------------------------------------------

#[test]
fn condition_notify_wakes_in_arrival_order_and_wait_relocks() {
    let (rt, _) = virtual_rt();
    let cond = Condition::named("items", 0u32);
    let trace = Trace::default();
    for name in ["a", "b", "c"] {
        let (c, t) = (cond.clone(), trace.clone());
        rt.spawn_named(name, async move {
            let guard = c.lock().await;
            let mut guard = guard.wait().await;
            *guard += 1;
            t.push(format!("{name} saw {}", *guard));
            evloop::yield_now().await; // still holding the lock
        })
        .detach();
    }
    rt.run_until_idle().unwrap();
    let info = rt.snapshot().primitive_named("items").unwrap().clone();
    assert_eq!(info.waiters.len(), 3);
    assert_eq!(info.state, "lock items.lock unlocked, 3 waiting");
    assert_eq!(cond.notify(2), 2);
    rt.run_until_idle().unwrap();
    assert_eq!(trace.take(), ["a saw 1", "b saw 2"]);
    assert_eq!(cond.notify_all(), 1);
    rt.run_until_done().unwrap();
    assert_eq!(trace.take(), ["c saw 3"]);
    assert!(!cond.notify_one(), "a notification is not stored");
}

#[test]
fn condition_wait_for_checks_under_the_lock_before_waiting() {
    let (rt, _) = virtual_rt();
    let cond = Condition::new(Vec::<u32>::new());
    let c = cond.clone();
    let consumer = rt.spawn(async move {
        let mut items = c.lock().await.wait_for(|v| v.len() >= 2).await;
        items.drain(..).sum::<u32>()
    });
    let c = cond.clone();
    rt.spawn(async move {
        for i in [3, 4] {
            evloop::sleep(secs(1)).await;
            c.lock().await.push(i);
            c.notify_all();
        }
    })
    .detach();
    rt.run_until_done().unwrap();
    assert_eq!(rt.block_on(consumer).unwrap(), 7);
    // Already true: no wait at all.
    rt.block_on(async {
        cond.lock().await.push(1);
        let guard = cond.lock().await.wait_for(|v| !v.is_empty()).await;
        assert_eq!(*guard, [1]);
    });
}

#[test]
fn a_notified_but_cancelled_waiter_passes_the_notification_on() {
    let (rt, _) = virtual_rt();
    let cond = Condition::new(());
    let c = cond.clone();
    let first = rt.spawn(async move { drop(c.lock().await.wait().await) });
    let c = cond.clone();
    let second = rt.spawn(async move { drop(c.lock().await.wait().await) });
    rt.run_until_idle().unwrap();
    assert_eq!(cond.notify(1), 1); // to 'first', which has not run yet
    first.cancel();
    rt.run_until_idle().unwrap();
    assert!(second.is_finished(), "the notification went on to 'second'");
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn a_waiter_cancelled_while_relocking_leaves_the_lock_free() {
    let (rt, _) = virtual_rt();
    let cond = Condition::new(0);
    let c = cond.clone();
    let waiter = rt.spawn(async move { *c.lock().await.wait().await });
    rt.run_until_idle().unwrap();
    let c = cond.clone();
    rt.block_on(async move {
        let mut guard = c.lock().await;
        *guard = 5;
        c.notify_all();
        evloop::yield_now().await; // the waiter runs, and waits for the lock
        waiter.cancel();
        drop(guard);
    });
    assert!(!cond.as_lock().is_locked());
    assert_eq!(rt.block_on(async { *cond.lock().await }), 5);
}

#[test]
fn a_deadlock_on_a_condition_says_nobody_will_signal_it() {
    let rt = Runtime::builder().virtual_clock().build();
    let cond = Condition::named("ready", false);
    let err = rt
        .try_block_on(async { drop(cond.lock().await.wait_for(|r| *r).await) })
        .unwrap_err();
    let report = err.stall().unwrap().to_string();
    assert!(
        report.contains(
            "'main' (#1) waits on condition ready, which nobody holds (nothing will signal it)"
        ),
        "{report}"
    );
}

// ----- Barrier -----------------------------------------------------------------

#[test]
fn a_barrier_releases_everyone_with_arrival_indices_and_resets() {
    let (rt, _) = virtual_rt();
    let barrier = Barrier::named("round", 3);
    let trace = Trace::default();
    for (name, delay) in [("a", 2), ("b", 1), ("c", 3), ("d", 4), ("e", 4), ("f", 4)] {
        let (b, t) = (barrier.clone(), trace.clone());
        rt.spawn_named(name, async move {
            evloop::sleep(secs(delay)).await;
            let index = b.wait().await.unwrap();
            t.push(format!("{name} #{index} @{}", at()));
        })
        .detach();
    }
    rt.run_for(secs(3)).unwrap();
    rt.run_until_done().unwrap();
    let mut seen = trace.take();
    seen.sort();
    assert_eq!(
        seen,
        [
            "a #1 @3", "b #0 @3", "c #2 @3", "d #0 @4", "e #1 @4", "f #2 @4"
        ]
    );
    assert_eq!(barrier.n_waiting(), 0);
}

#[test]
fn a_cancelled_barrier_waiter_no_longer_counts_as_arrived() {
    let (rt, _) = virtual_rt();
    let barrier = Barrier::named("b", 2);
    let b = barrier.clone();
    let quitter = rt.spawn(async move { b.wait().await });
    rt.run_until_idle().unwrap();
    assert_eq!(barrier.n_waiting(), 1);
    assert_eq!(
        rt.snapshot().primitive_named("b").unwrap().state,
        "1/2 arrived"
    );
    quitter.cancel();
    assert_eq!(barrier.n_waiting(), 0);
    let b = barrier.clone();
    let one = rt.spawn(async move { b.wait().await });
    rt.run_until_idle().unwrap();
    assert!(
        !one.is_finished(),
        "one arrival does not trip a barrier of 2"
    );
    let b = barrier.clone();
    let two = rt.spawn(async move { b.wait().await });
    rt.run_until_done().unwrap();
    assert_eq!(rt.block_on(one).unwrap(), Ok(0));
    assert_eq!(rt.block_on(two).unwrap(), Ok(1));
}

#[test]
fn abort_breaks_a_barrier_until_reset() {
    let (rt, _) = virtual_rt();
    let barrier = Barrier::named("gate", 2);
    let b = barrier.clone();
    let waiting = rt.spawn(async move { b.wait().await });
    rt.run_until_idle().unwrap();
    barrier.abort();
    rt.run_until_idle().unwrap();
    let err = rt.block_on(waiting).unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "barrier 'gate' is broken (aborted, or reset while this task waited); call reset() to use it again"
    );
    assert!(rt.block_on(barrier.wait()).is_err(), "still broken");
    assert_eq!(
        rt.snapshot().primitive_named("gate").unwrap().state,
        "broken"
    );
    barrier.reset();
    let b = barrier.clone();
    let again = rt.spawn(async move { b.wait().await });
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(barrier.wait()), Ok(1));
    assert_eq!(rt.block_on(again).unwrap(), Ok(0));
    // A barrier of 0 parties is one of 1.
    assert_eq!(rt.block_on(Barrier::new(0).wait()), Ok(0));
}

// ----- Notify ------------------------------------------------------------------

#[test]
fn notify_one_stores_one_permit_and_notify_waiters_stores_none() {
    let (rt, _) = virtual_rt();
    let notify = Notify::named("n");
    notify.notify_one();
    notify.notify_one();
    assert!(notify.has_permit());
    rt.block_on(notify.notified()); // takes the one permit
    assert!(!notify.has_permit());
    let n = notify.clone();
    let waiter = rt.spawn(async move { n.notified().await });
    rt.run_until_idle().unwrap();
    assert!(
        !waiter.is_finished(),
        "two notify_one calls stored one permit"
    );
    assert_eq!(notify.notify_waiters(), 1);
    rt.run_until_idle().unwrap();
    assert!(waiter.is_finished());
    assert_eq!(notify.notify_waiters(), 0);
    assert!(!notify.has_permit(), "notify_waiters stores nothing");
}

#[test]
fn a_notified_but_cancelled_waiter_passes_notify_one_on() {
    let (rt, _) = virtual_rt();
    let notify = Notify::new();
    let n = notify.clone();
    let first = rt.spawn(async move { n.notified().await });
    rt.run_until_idle().unwrap();
    notify.notify_one(); // granted to 'first'
    first.cancel();
    assert!(notify.has_permit(), "nobody else waited: back to a permit");
    let n = notify.clone();
    let (a, b) = (
        rt.spawn({
            let n = n.clone();
            async move { n.notified().await }
        }),
        rt.spawn(async move { n.notified().await }),
    );
    rt.run_until_idle().unwrap();
    assert!(a.is_finished(), "took the permit");
    notify.notify_one();
    a.cancel();
    rt.run_until_idle().unwrap();
    assert!(b.is_finished());
}

// ----- RwLock ------------------------------------------------------------------

#[test]
fn readers_share_a_writer_excludes_and_a_waiting_writer_holds_back_readers() {
    let (rt, _) = virtual_rt();
    let lock = RwLock::named("cfg", 0);
    let trace = Trace::default();
    let spawn_reader = |name: &'static str, start: u64| {
        let (l, t) = (lock.clone(), trace.clone());
        rt.spawn_named(name, async move {
            evloop::sleep(secs(start)).await;
            let v = l.read().await;
            t.push(format!("{name} read {} @{}", *v, at()));
            evloop::sleep(secs(2)).await;
        })
    };
    let r1 = spawn_reader("r1", 0);
    let r2 = spawn_reader("r2", 0);
    let (l, t) = (lock.clone(), trace.clone());
    let w = rt.spawn_named("w", async move {
        evloop::sleep(secs(1)).await;
        let mut v = l.write().await;
        *v += 1;
        t.push(format!("w wrote @{}", at()));
        evloop::sleep(secs(1)).await;
    });
    let r3 = spawn_reader("r3", 1);
    rt.run_for(secs(1)).unwrap();
    let info = rt.snapshot().primitive_named("cfg").unwrap().clone();
    assert_eq!(info.state, "read by 2");
    assert_eq!(info.holders, [r1.id(), r2.id()]);
    assert_eq!(info.waiters, [w.id(), r3.id()]);
    rt.run_until_done().unwrap();
    assert_eq!(
        trace.take(),
        ["r1 read 0 @0", "r2 read 0 @0", "w wrote @2", "r3 read 1 @3"]
    );
    assert_eq!((lock.readers(), lock.is_write_locked()), (0, false));
}

#[test]
fn a_cancelled_writer_at_the_front_lets_the_readers_in() {
    let (rt, _) = virtual_rt();
    let lock = RwLock::new(());
    let reading = lock.try_read().unwrap();
    let l = lock.clone();
    let writer = rt.spawn(async move { drop(l.write().await) });
    let l = lock.clone();
    let reader = rt.spawn(async move { drop(l.read().await) });
    rt.run_until_idle().unwrap();
    assert!(!reader.is_finished(), "behind the writer");
    assert!(lock.try_read().is_err());
    writer.cancel();
    rt.run_until_idle().unwrap();
    assert!(reader.is_finished());
    drop(reading);
    assert!(lock.try_write().is_ok());
}

#[test]
fn a_granted_but_cancelled_writer_unlocks() {
    let (rt, _) = virtual_rt();
    let lock = RwLock::new(1);
    let reading = lock.try_read().unwrap();
    let l = lock.clone();
    let writer = rt.spawn(async move { *l.write().await = 2 });
    let l = lock.clone();
    let reader = rt.spawn(async move { *l.read().await });
    rt.run_until_idle().unwrap();
    drop(reading); // grants the writer, which has not run
    writer.cancel();
    rt.run_until_done().unwrap();
    assert_eq!(rt.block_on(reader).unwrap(), 1);
    assert!(!lock.is_write_locked());
}

#[test]
fn an_rwlock_deadlock_names_the_holder() {
    let rt = Runtime::builder().virtual_clock().build();
    let lock = RwLock::named("table", ());
    let err = rt
        .try_block_on(async {
            let _r = lock.read().await;
            let _w = lock.write().await; // upgrading in place: never
        })
        .unwrap_err();
    let report = err.stall().unwrap().to_string();
    assert!(
        report.contains("'main' (#1) waits on rwlock table held by 'main' (#1)"),
        "{report}"
    );
}

// ----- LifoQueue, PriorityQueue ----------------------------------------------------

#[test]
fn lifo_and_priority_queues_keep_task_done_and_join() {
    let (rt, _) = virtual_rt();
    // Made inside the loop's context: registered at once (a primitive made
    // outside registers when a task first waits on it).
    let (stack, pq) = {
        let _enter = rt.enter();
        (LifoQueue::named("stack", 3), PriorityQueue::named("pq", 0))
    };
    rt.block_on(async {
        for i in 1..=3 {
            stack.put(i).await.unwrap();
        }
        assert!(matches!(stack.try_put(4), Err(TryPutError::Full(4))));
        assert_eq!(stack.get().await.unwrap(), 3);
        assert_eq!(stack.get().await.unwrap(), 2);
        for item in [(5, "e"), (1, "a"), (3, "c"), (1, "b")] {
            pq.put(item).await.unwrap();
        }
        let mut order = Vec::new();
        while let Ok(item) = pq.try_get() {
            order.push(item.1);
        }
        assert_eq!(
            order,
            ["a", "b", "c", "e"],
            "smallest first, ties in put order"
        );
        // join waits for every task_done.
        let joined = Rc::new(Cell::new(false));
        let (q, j) = (stack.clone(), joined.clone());
        let joiner = evloop::spawn(async move {
            q.join().await;
            j.set(true);
        });
        stack.task_done().unwrap();
        stack.task_done().unwrap();
        evloop::yield_now().await;
        assert!(!joined.get(), "one item left unfinished");
        assert_eq!(stack.get().await.unwrap(), 1);
        stack.task_done().unwrap();
        joiner.await.unwrap();
        assert!(stack.task_done().is_err());
    });
    let kinds: Vec<_> = rt
        .snapshot()
        .primitives
        .iter()
        .map(|p| (p.kind, p.name.clone()))
        .collect();
    assert!(kinds.contains(&("lifo queue", "stack".into())), "{kinds:?}");
    assert!(
        kinds.contains(&("priority queue", "pq".into())),
        "{kinds:?}"
    );
}

#[test]
fn a_cancelled_getter_of_a_priority_queue_loses_no_item() {
    let (rt, _) = virtual_rt();
    let pq = PriorityQueue::bounded(0);
    let q = pq.clone();
    let first = rt.spawn(async move { q.get().await.unwrap() });
    let q = pq.clone();
    let second = rt.spawn(async move { q.get().await.unwrap() });
    rt.run_until_idle().unwrap();
    pq.try_put(7).unwrap(); // granted to 'first'
    first.cancel();
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(second).unwrap(), 7);
}

// ----- Queue halves and streams ---------------------------------------------------

#[test]
fn the_last_sender_closes_the_queue_and_receivers_drain_it() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = Queue::named("jobs", 2).split();
    let tx2 = tx.clone();
    let rx2 = rx.clone();
    rt.block_on(async move {
        tx.put(1).await.unwrap();
        tx2.put(2).await.unwrap();
        drop(tx);
        assert!(!rx.is_closed(), "one sender left");
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.get().await, Ok(1));
        assert_eq!(rx2.get().await, Ok(2));
        assert!(rx.get().await.is_err(), "the end");
    });
}

#[test]
fn the_last_receiver_closes_the_queue_and_puts_fail_with_their_value() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = Queue::bounded(1).split();
    tx.try_put("kept").unwrap();
    let t = tx.clone();
    let blocked = rt.spawn(async move { t.put("blocked").await });
    rt.run_until_idle().unwrap();
    drop(rx);
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(blocked).unwrap().unwrap_err().0, "blocked");
    assert!(matches!(
        tx.try_put("late"),
        Err(TryPutError::Closed("late"))
    ));
    assert!(tx.is_closed() && tx.queue().is_closed());
}

#[test]
fn a_receiver_is_a_stream_and_a_waiting_one_loses_nothing_when_dropped() {
    let (rt, _) = virtual_rt();
    let (tx, mut rx) = Queue::unbounded().split();
    rt.block_on(async move {
        // A `next()` dropped while waiting: the item that comes later is
        // still there for the next call.
        let first = evloop::time::timeout(secs(1), rx.next()).await;
        assert!(first.is_err());
        tx.try_put(10).unwrap();
        tx.try_put(11).unwrap();
        drop(tx);
        let all: Vec<u32> = rx.collect().await;
        assert_eq!(all, [10, 11]);
    });
}

// ----- watch ------------------------------------------------------------------------

#[test]
fn watch_receivers_see_the_latest_value_and_the_end() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = watch::channel_named("state", 0);
    let mut slow = rx.clone();
    let mut rx2 = tx.subscribe();
    rt.block_on(async {
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        slow.changed().await.unwrap();
        assert_eq!(*slow.borrow_and_update(), 2, "skips to the latest");
        assert_eq!(slow.has_changed(), Ok(false));
        tx.send_modify(|v| *v += 40);
        assert_eq!(*rx2.wait_for(|v| *v > 10).await.unwrap(), 42);
    });
    let mut r = rx.clone();
    r.borrow_and_update();
    let waiting = rt.spawn(async move { r.changed().await });
    rt.run_until_idle().unwrap();
    let info = rt.snapshot().primitive_named("state").unwrap().clone();
    assert_eq!(info.waiters, [waiting.id()]);
    assert_eq!(info.state, "version 3, 4 receiver(s)");
    drop(tx);
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(waiting).unwrap(), Err(watch::RecvError));
    // One that had not seen 42 yet sees the change, then the end.
    let mut r = rx.clone();
    assert_eq!(rt.block_on(r.changed()), Ok(()));
    assert_eq!(rt.block_on(r.changed()), Err(watch::RecvError));
}

#[test]
fn watch_send_without_receivers_comes_back_and_closed_completes() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = watch::channel("a");
    let t = tx.clone();
    let closed = rt.spawn(async move { t.closed().await });
    rt.run_until_idle().unwrap();
    assert!(!closed.is_finished());
    drop(rx);
    rt.run_until_idle().unwrap();
    assert!(closed.is_finished());
    let err = tx.send("b").unwrap_err();
    assert_eq!(err.0, "b");
    assert!(err.to_string().contains("send_replace()"), "{err}");
    assert_eq!(*tx.send_replace("c"), "a");
    assert_eq!(*tx.borrow(), "c");
}

#[test]
fn a_watch_receiver_is_a_stream_of_changes() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = watch::channel(0);
    let reader = rt.spawn(rx.take(2).collect::<Vec<u32>>());
    rt.block_on(async move {
        for v in [1, 2, 3] {
            evloop::sleep(secs(1)).await;
            // After the second, the reader is done and gone: no receiver.
            let _ = tx.send(v);
        }
    });
    assert_eq!(rt.block_on(reader).unwrap(), [1, 2]);
}

// ----- broadcast --------------------------------------------------------------------

#[test]
fn every_broadcast_receiver_gets_every_value_and_laggards_learn_how_many() {
    let (rt, _) = virtual_rt();
    let (tx, mut a) = broadcast::channel_named("news", 2);
    let mut b = tx.subscribe();
    rt.block_on(async {
        assert_eq!(tx.send(1), Ok(2));
        assert_eq!(a.recv().await, Ok(1));
        tx.send(2).unwrap();
        tx.send(3).unwrap();
        tx.send(4).unwrap(); // b has taken nothing: 1 and 2 are gone
        assert_eq!(b.recv().await, Err(broadcast::RecvError::Lagged(2)));
        assert_eq!(b.recv().await, Ok(3));
        assert_eq!(b.try_recv(), Ok(4));
        assert_eq!(b.try_recv(), Err(broadcast::TryRecvError::Empty));
        assert_eq!(a.recv().await, Err(broadcast::RecvError::Lagged(1)));
        assert_eq!(a.len(), 2);
    });
    drop(tx);
    let rest: Vec<_> = rt.block_on(a.collect());
    assert_eq!(rest, [Ok(3), Ok(4)], "then the end");
    assert_eq!(rt.block_on(b.recv()), Err(broadcast::RecvError::Closed));
}

#[test]
fn a_cancelled_broadcast_recv_takes_nothing() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = broadcast::channel(4);
    let mut r = rx;
    let lost = rt.spawn(async move {
        let _ = evloop::time::timeout(secs(1), r.recv()).await;
        r
    });
    rt.run_until_done().unwrap();
    let mut r = rt.block_on(lost).unwrap();
    tx.send("x").unwrap();
    assert_eq!(rt.block_on(r.recv()), Ok("x"));
    let none = broadcast::channel::<u8>(0).0;
    assert!(none.send(1).is_err(), "no receiver left");
}

// ----- seeing them ------------------------------------------------------------------

#[test]
fn a_task_parked_on_each_new_primitive_says_so() {
    let (rt, _) = virtual_rt();
    let notify = Notify::named("bell");
    let n = notify.clone();
    let t = rt.spawn_named("t", async move { n.notified().await });
    rt.run_until_idle().unwrap();
    assert_eq!(
        rt.snapshot().task(t.id()).unwrap().waiting_on,
        Some(WaitOn::Primitive {
            kind: "notify",
            name: "bell".into()
        })
    );
    let info = rt.snapshot().primitive_named("bell").unwrap().to_string();
    assert_eq!(
        info,
        format!("notify bell: no permit, waited on by {}", t.id())
    );
}

#[test]
fn a_dropped_watch_changed_marks_nothing_seen() {
    let (rt, _) = virtual_rt();
    let (tx, mut rx) = watch::channel(0);
    rt.block_on(async {
        // Gives up before the change comes…
        assert!(evloop::time::timeout(secs(1), rx.changed()).await.is_err());
        tx.send(1).unwrap();
        // …and the change is still there for the next call.
        assert_eq!(rx.changed().await, Ok(()));
        assert_eq!(*rx.borrow_and_update(), 1);
    });
    let info = rt.snapshot();
    assert!(
        info.primitives.iter().all(|p| p.waiters.is_empty()),
        "the dropped wait left the line"
    );
}

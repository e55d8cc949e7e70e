//! Semaphore, Queue, Event, Lock, oneshot: semantics and cancel-safety.
mod util;

use std::time::Duration;

use evloop::sync::{Event, Lock, Queue, Semaphore, TryGetError, TryPutError, oneshot};
use evloop::{WaitOn, time::Instant};
use util::{Trace, virtual_rt};

#[test]
fn semaphore_is_fifo_and_limits_concurrency() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let sem = Semaphore::named("db", 2);
    for i in 0..5 {
        let (sem, t) = (sem.clone(), trace.clone());
        rt.spawn(async move {
            let _p = sem.acquire().await;
            t.push(format!(
                "in {i} @{}",
                Instant::now().since_start().as_secs()
            ));
            evloop::sleep(Duration::from_secs(1)).await;
        })
        .detach();
    }
    rt.run_until_done().unwrap();
    assert_eq!(
        trace.take(),
        ["in 0 @0", "in 1 @0", "in 2 @1", "in 3 @1", "in 4 @2"]
    );
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_granted_but_cancelled_acquire_passes_the_permit_on() {
    let (rt, _) = virtual_rt();
    let sem = Semaphore::new(1);
    let holder = sem.try_acquire().unwrap();
    let (s1, s2) = (sem.clone(), sem.clone());
    let first = rt.spawn_named("first", async move { s1.acquire().await.holder() });
    let second = rt.spawn_named("second", async move { s2.acquire().await.holder() });
    rt.run_until_idle().unwrap();
    drop(holder); // grants the permit to "first", which has not run yet
    first.cancel(); // dropped while granted
    rt.run_until_done().unwrap();
    let second_id = second.id();
    assert_eq!(
        rt.block_on(second).unwrap(),
        Some(second_id),
        "second got the permit"
    );
    assert_eq!(sem.available_permits(), 1, "no permit lost");
}

#[test]
fn semaphore_try_acquire_and_add_permits_explain_themselves() {
    let sem = Semaphore::named("pool", 0);
    let err = sem.try_acquire().unwrap_err();
    assert!(
        err.to_string()
            .contains("semaphore 'pool' has no free permit"),
        "{err}"
    );
    sem.add_permits(2);
    assert_eq!(sem.available_permits(), 2);
    let _a = sem.try_acquire().unwrap();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn snapshot_shows_primitives_with_waiters_and_holders() {
    let (rt, _) = virtual_rt();
    let (sem, lock) = rt.block_on(async { (Semaphore::named("db", 1), Lock::named("config", 0)) });
    let s = sem.clone();
    let holder = rt.spawn_named("holder", async move {
        let _p = s.acquire().await;
        evloop::sleep(Duration::from_secs(5)).await;
    });
    let s = sem.clone();
    let waiter = rt.spawn_named("waiter", async move {
        let _p = s.acquire().await;
    });
    rt.run_until_idle().unwrap();
    let snap = rt.snapshot();
    let db = snap
        .primitive_named("db")
        .expect("the semaphore is registered");
    assert_eq!(db.kind, "semaphore");
    assert_eq!(db.state, "0/1 permits free");
    assert_eq!(db.holders, [holder.id()]);
    assert_eq!(db.waiters, [waiter.id()]);
    assert_eq!(
        snap.task(waiter.id()).unwrap().waiting_on,
        Some(WaitOn::Primitive {
            kind: "semaphore",
            name: "db".into()
        })
    );
    assert_eq!(snap.primitive_named("config").unwrap().state, "unlocked");
    assert!(db.to_string().contains("held by"), "{db}");
    drop(lock);
    rt.run_until_done().unwrap();
    assert!(
        rt.snapshot().primitive_named("config").is_none(),
        "dropped primitives leave the snapshot"
    );
}

#[test]
fn queue_backpressure_fifo_and_close() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let q: Queue<u32> = Queue::bounded(2);
    let (pq, t) = (q.clone(), trace.clone());
    let producer = rt.spawn(async move {
        for i in 0..5 {
            pq.put(i).await.unwrap();
            t.push(format!("put {i}"));
        }
        pq.close();
    });
    rt.run_until_idle().unwrap();
    assert_eq!(
        trace.take(),
        ["put 0", "put 1"],
        "the third put waits: the queue is full"
    );
    assert!(q.is_full());
    let got = rt.block_on(async {
        let mut got = Vec::new();
        while let Ok(v) = q.get().await {
            got.push(v);
        }
        got
    });
    assert_eq!(got, [0, 1, 2, 3, 4]);
    rt.block_on(producer).unwrap();
    assert!(matches!(q.try_put(9), Err(TryPutError::Closed(9))));
    assert_eq!(q.try_get(), Err(TryGetError::Closed));
}

#[test]
fn queue_task_done_and_join() {
    let (rt, _) = virtual_rt();
    let q: Queue<&str> = Queue::unbounded();
    q.try_put("a").unwrap();
    q.try_put("b").unwrap();
    let worker = {
        let q = q.clone();
        rt.spawn(async move {
            while let Ok(_item) = q.try_get() {
                evloop::sleep(Duration::from_secs(1)).await;
                q.task_done().unwrap();
            }
        })
    };
    let joined_at = rt.block_on(async {
        q.join().await;
        Instant::now().since_start()
    });
    assert_eq!(joined_at, Duration::from_secs(2));
    rt.block_on(worker).unwrap();
    let err = q.task_done().unwrap_err();
    assert!(
        err.to_string().contains("more times than there were items"),
        "{err}"
    );
}

#[test]
fn queue_zero_capacity_means_unbounded_as_in_asyncio() {
    let q: Queue<u8> = Queue::bounded(0);
    assert_eq!(q.capacity(), None);
    for i in 0..100 {
        q.try_put(i).unwrap();
    }
}

#[test]
fn a_granted_but_cancelled_get_leaves_the_item_for_the_next_getter() {
    let (rt, _) = virtual_rt();
    let q: Queue<u32> = Queue::unbounded();
    let (q1, q2) = (q.clone(), q.clone());
    let first = rt.spawn(async move { q1.get().await });
    let second = rt.spawn(async move { q2.get().await });
    rt.run_until_idle().unwrap();
    q.try_put(7).unwrap(); // granted to `first`
    first.cancel();
    rt.run_until_done().unwrap();
    assert_eq!(rt.block_on(second).unwrap(), Ok(7));
}

#[test]
fn a_granted_but_cancelled_put_frees_its_slot_for_the_next_putter() {
    let (rt, _) = virtual_rt();
    let q: Queue<u32> = Queue::bounded(1);
    q.try_put(0).unwrap();
    let (q1, q2) = (q.clone(), q.clone());
    let first = rt.spawn(async move { q1.put(1).await });
    let second = rt.spawn(async move { q2.put(2).await });
    rt.run_until_idle().unwrap();
    assert_eq!(q.try_get(), Ok(0)); // the slot goes to `first`
    first.cancel();
    rt.run_until_done().unwrap();
    assert!(rt.block_on(second).unwrap().is_ok());
    assert_eq!(
        q.try_get(),
        Ok(2),
        "the cancelled put's value was never queued"
    );
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

#[test]
fn event_wakes_every_waiter_even_if_cleared() {
    let (rt, _) = virtual_rt();
    let ev = Event::named("go");
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let ev = ev.clone();
            rt.spawn(async move { ev.wait().await })
        })
        .collect();
    rt.run_until_idle().unwrap();
    assert_eq!(
        rt.snapshot().primitive_named("go").unwrap().waiters.len(),
        3
    );
    ev.set();
    ev.clear();
    rt.run_until_done().unwrap();
    assert!(waiters.iter().all(|w| w.is_finished()));
    assert!(!ev.is_set());
}

#[test]
fn lock_serialises_and_try_lock_explains() {
    let (rt, _) = virtual_rt();
    let lock = Lock::named("counter", 0u32);
    for _ in 0..10 {
        let lock = lock.clone();
        rt.spawn(async move {
            let mut n = lock.lock().await;
            let seen = *n;
            evloop::yield_now().await;
            *n = seen + 1;
        })
        .detach();
    }
    rt.run_until_done().unwrap();
    let g = lock.try_lock().unwrap();
    assert_eq!(*g, 10);
    let err = lock.try_lock().unwrap_err();
    assert!(err.to_string().contains("lock 'counter' is held"), "{err}");
}

#[test]
fn oneshot_send_receive_and_dropped_sender() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = oneshot::channel();
    rt.spawn(async move { tx.send(5).unwrap() }).detach();
    assert_eq!(rt.block_on(rx), Ok(5));
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(rt.block_on(rx), Err(oneshot::RecvError));
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert_eq!(tx.send(1), Err(1));
}

/// Item 28 of issue 17: count-taking APIs cost O(waiters), not O(count).
#[test]
fn adding_a_huge_number_of_permits_returns_at_once() {
    let (rt, _) = virtual_rt();
    let sem = Semaphore::new(0);
    let waiter = {
        let sem = sem.clone();
        rt.spawn(async move {
            let _permit = sem.acquire().await;
        })
    };
    rt.run_until_idle().unwrap();
    sem.add_permits(usize::MAX); // one for the waiter, the rest to the pool
    assert_eq!(sem.available_permits(), usize::MAX - 1);
    rt.run_until_done().unwrap();
    assert!(waiter.is_finished());
    assert_eq!(sem.available_permits(), usize::MAX, "its permit came back");
    sem.add_permits(usize::MAX);
    assert_eq!(sem.available_permits(), usize::MAX, "saturates");
}

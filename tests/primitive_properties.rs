//! Properties of the newer primitives and of the task set under seeded
//! random schedules (Policy::Random { seed }), with tasks cancelled at
//! random moments: whatever the order, no permit, item or wake is lost,
//! and each primitive keeps its promise (like tests/toolkit_properties.rs).
mod util;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::TaskSet;
use evloop::sync::{
    Barrier, BoundedSemaphore, CancelToken, Condition, Notify, PriorityQueue, Queue, RwLock,
    Semaphore, broadcast, watch,
};
use evloop::{Builder, Policy, Runtime};
use proptest::prelude::*;

fn rt(seed: u64) -> Runtime {
    Builder::new()
        .virtual_clock()
        .policy(Policy::Random { seed })
        .debug(false)
        .build()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Spawns `job`, and if `cancel`, a task that cancels it at `at` ms.
fn spawn_maybe_cancelled(
    rt: &Runtime,
    job: impl std::future::Future<Output = ()> + 'static,
    cancel: bool,
    at: u64,
) {
    let h = rt.spawn(job);
    if cancel {
        rt.spawn(async move {
            evloop::sleep(ms(at)).await;
            h.cancel();
        })
        .detach();
    } else {
        h.detach();
    }
}

/// The order tasks started waiting in, with what each wants: a model of
/// a primitive's line, kept by the tasks themselves.
#[derive(Clone, Default)]
struct Line(Rc<RefCell<Vec<(u64, usize)>>>, Rc<Cell<u64>>);

/// A place in a [`Line`], left when dropped (granted or cancelled).
struct Place(Line, u64);

impl Line {
    fn join(&self, want: usize) -> Place {
        let id = self.1.get();
        self.1.set(id + 1);
        self.0.borrow_mut().push((id, want));
        Place(self.clone(), id)
    }

    fn front(&self) -> Option<usize> {
        self.0.borrow().first().map(|(_, want)| *want)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.0.0.borrow_mut().retain(|(id, _)| *id != self.1);
    }
}

/// Decrements a counter when dropped (a holder leaving, however it leaves).
struct Leave(Rc<Cell<usize>>, usize);
impl Drop for Leave {
    fn drop(&mut self) {
        self.0.set(self.0.get() - self.1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        // Failures are reported, never written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn acquire_many_never_over_admits_and_leaves_no_one_waiting_for_free_permits(
        seed in any::<u64>(),
        permits in 1usize..6,
        jobs in prop::collection::vec((0u64..5, 0usize..7, 1u64..4, any::<bool>(), 0u64..8), 1..10),
    ) {
        let rt = rt(seed);
        let sem = Semaphore::new(permits);
        let held = Rc::new(Cell::new(0usize));
        let worst = Rc::new(Cell::new(0usize));
        let line = Line::default();
        for (start, want, hold, cancel, at) in jobs {
            let want = want.min(permits); // more than there are would wait forever
            let (sem, held, worst, line) = (sem.clone(), held.clone(), worst.clone(), line.clone());
            spawn_maybe_cancelled(&rt, async move {
                evloop::sleep(ms(start)).await;
                let place = line.join(want);
                let _p = sem.acquire_many(want).await;
                drop(place);
                held.set(held.get() + want);
                worst.set(worst.get().max(held.get()));
                let _leave = Leave(held, want);
                evloop::sleep(ms(hold)).await;
            }, cancel, at);
        }
        for _ in 0..20 {
            rt.advance(ms(1)).unwrap();
            // Quiet: every granted task has run. The first in line must be
            // waiting for permits that are not free.
            if let Some(want) = line.front() {
                prop_assert!(want > sem.available_permits(),
                    "the first in line wants {} while {} are free", want, sem.available_permits());
            }
        }
        rt.run_until_done().unwrap();
        prop_assert!(worst.get() <= permits, "{} held of {}", worst.get(), permits);
        prop_assert_eq!(sem.available_permits(), permits, "a permit was lost");
        prop_assert_eq!(sem.waiters(), 0);
    }

    #[test]
    fn a_bounded_semaphore_takes_back_exactly_what_was_forgotten(
        ops in prop::collection::vec(0u8..3, 1..30),
        bound in 1usize..4,
    ) {
        let sem = BoundedSemaphore::new(bound);
        let mut forgotten = 0usize;
        for op in ops {
            match op {
                0 => if let Ok(p) = sem.try_acquire() { p.forget(); forgotten += 1; },
                1 => {
                    let ok = sem.release().is_ok();
                    prop_assert_eq!(ok, forgotten > 0, "release refused only with nothing to give back");
                    forgotten = forgotten.saturating_sub(1);
                }
                _ => drop(sem.try_acquire()),
            }
            prop_assert!(sem.available_permits() + forgotten == bound);
        }
    }

    #[test]
    fn an_rwlock_never_lets_a_writer_in_with_anyone_and_keeps_no_one_waiting_for_nothing(
        seed in any::<u64>(),
        jobs in prop::collection::vec((0u64..3, any::<bool>(), 2u64..6, any::<bool>(), 0u64..6), 2..12),
    ) {
        let rt = rt(seed);
        let lock = RwLock::new(());
        let readers = Rc::new(Cell::new(0usize));
        let writers = Rc::new(Cell::new(0usize));
        let broken = Rc::new(Cell::new(false));
        let line = Line::default();
        const WRITE: usize = 1;
        for (start, write, hold, cancel, at) in jobs {
            let (lock, readers, writers, broken, line) =
                (lock.clone(), readers.clone(), writers.clone(), broken.clone(), line.clone());
            spawn_maybe_cancelled(&rt, async move {
                evloop::sleep(ms(start)).await;
                if write {
                    let place = line.join(WRITE);
                    let _w = lock.write().await;
                    drop(place);
                    writers.set(writers.get() + 1);
                    let _leave = Leave(writers.clone(), 1);
                    broken.set(broken.get() || writers.get() > 1 || readers.get() > 0);
                    evloop::sleep(ms(hold)).await;
                } else {
                    let place = line.join(0);
                    let _r = lock.read().await;
                    drop(place);
                    readers.set(readers.get() + 1);
                    let _leave = Leave(readers.clone(), 1);
                    broken.set(broken.get() || writers.get() > 0);
                    evloop::sleep(ms(hold)).await;
                }
            }, cancel, at);
        }
        for _ in 0..20 {
            rt.advance(ms(1)).unwrap();
            // Quiet: the first in line must be blocked by a holder.
            match line.front() {
                Some(WRITE) => prop_assert!(lock.readers() > 0 || lock.is_write_locked(),
                    "a writer waits on a free lock"),
                Some(_) => prop_assert!(lock.is_write_locked(), "a reader waits with no writer in"),
                None => {}
            }
        }
        rt.run_until_done().unwrap();
        prop_assert!(!broken.get(), "a writer shared the lock");
        prop_assert!(lock.try_write().is_ok(), "an unlock was lost");
    }

    #[test]
    fn no_consumer_sleeps_on_a_condition_while_an_item_waits(
        seed in any::<u64>(),
        items in prop::collection::vec(0u64..4, 0..8),
        consumers in prop::collection::vec((any::<bool>(), 0u64..4), 1..6),
    ) {
        let rt = rt(seed);
        let cond = Condition::new(Vec::<u64>::new());
        for (cancel, at) in consumers {
            let cond = cond.clone();
            // Cancelled at the instants items arrive: sometimes just after a
            // notification chose it, before it ran.
            spawn_maybe_cancelled(&rt, async move {
                loop {
                    let mut q = cond.lock().await.wait_for(|q| !q.is_empty()).await;
                    q.pop();
                }
            }, cancel, at);
        }
        for at in items {
            let cond = cond.clone();
            rt.spawn(async move {
                evloop::sleep(ms(at)).await;
                cond.lock().await.push(at);
                cond.notify_one(); // one item, one consumer
            }).detach();
        }
        rt.run_for(ms(50)).unwrap();
        let left = rt.block_on(async { cond.lock().await.len() });
        prop_assert!(left == 0 || cond.waiters() == 0,
            "{} item(s) left while {} consumer(s) sleep: a notification was lost", left, cond.waiters());
    }

    #[test]
    fn a_barrier_strands_no_one_and_gives_indices_below_parties(
        seed in any::<u64>(),
        parties in 1usize..4,
        arrivals in prop::collection::vec((0u64..6, any::<bool>(), 0u64..8), 0..10),
    ) {
        let rt = rt(seed);
        let barrier = Barrier::new(parties);
        let bad = Rc::new(Cell::new(false));
        for (start, cancel, at) in arrivals {
            let (b, bad) = (barrier.clone(), bad.clone());
            spawn_maybe_cancelled(&rt, async move {
                evloop::sleep(ms(start)).await;
                let i = b.wait().await.unwrap();
                bad.set(bad.get() || i >= b.parties());
            }, cancel, at);
        }
        rt.run_for(ms(20)).unwrap();
        prop_assert!(!bad.get());
        prop_assert!(barrier.n_waiting() < parties, "{} wait on a barrier of {}", barrier.n_waiting(), parties);
    }

    #[test]
    fn notify_one_is_never_lost_to_a_cancelled_waiter(
        seed in any::<u64>(),
        calls in prop::collection::vec(1u64..5, 0..6),
        waiters in prop::collection::vec((any::<bool>(), 1u64..5), 1..6),
    ) {
        // Every waiter is in line from the start, and notifications and
        // cancellations come at the same few instants.
        let rt = rt(seed);
        let notify = Notify::new();
        let woken = Rc::new(Cell::new(0usize));
        for (cancel, at) in waiters {
            let (n, woken) = (notify.clone(), woken.clone());
            spawn_maybe_cancelled(&rt, async move {
                n.notified().await;
                woken.set(woken.get() + 1);
            }, cancel, at);
        }
        let sent = calls.len();
        for at in calls {
            let n = notify.clone();
            rt.spawn(async move {
                evloop::sleep(ms(at)).await;
                n.notify_one();
            }).detach();
        }
        rt.run_for(ms(20)).unwrap();
        prop_assert!(!(notify.has_permit() && notify.waiters() > 0), "a stored permit beside a waiter");
        if notify.waiters() > 0 {
            // Someone was always in line: each notify_one woke someone.
            prop_assert_eq!(woken.get(), sent, "a notification went to a cancelled waiter and was lost");
        }
    }

    #[test]
    fn broadcast_receivers_see_every_value_in_order_or_learn_how_many_they_missed(
        seed in any::<u64>(),
        capacity in 1usize..4,
        sends in prop::collection::vec(0u64..6, 1..10),
        readers in prop::collection::vec(0u64..4, 1..4),
    ) {
        let rt = rt(seed);
        let (tx, rx) = broadcast::channel::<u32>(capacity);
        let n = sends.len() as u32;
        let results = Rc::new(RefCell::new(Vec::new()));
        for pace in readers {
            let mut rx = rx.resubscribe();
            let results = results.clone();
            rt.spawn(async move {
                let mut seen: Vec<u32> = Vec::new();
                let mut expected = 0u32;
                let mut ok = true;
                loop {
                    evloop::sleep(ms(pace)).await;
                    match rx.recv().await {
                        Ok(v) => { ok &= v == expected; expected = v + 1; seen.push(v); }
                        Err(broadcast::RecvError::Lagged(k)) => expected += k as u32,
                        Err(broadcast::RecvError::Closed) => break,
                    }
                }
                results.borrow_mut().push((ok, expected));
            }).detach();
        }
        drop(rx);
        rt.spawn(async move {
            for (i, at) in sends.into_iter().enumerate() {
                evloop::sleep(ms(at)).await;
                let _ = tx.send(i as u32);
            }
        }).detach();
        rt.run_until_done().unwrap();
        for (ok, expected) in results.borrow().iter() {
            prop_assert!(*ok, "values out of order, or a gap not reported as Lagged");
            prop_assert_eq!(*expected, n, "every value seen or counted as missed");
        }
    }

    #[test]
    fn a_watch_receiver_always_ends_on_the_latest_value(
        seed in any::<u64>(),
        sends in prop::collection::vec(0u64..5, 1..10),
    ) {
        let rt = rt(seed);
        let (tx, mut rx) = watch::channel(0usize);
        let last = sends.len();
        let seen = rt.spawn(async move {
            let mut seen = 0;
            while rx.changed().await.is_ok() {
                let v = *rx.borrow_and_update();
                assert!(v >= seen, "went back from {seen} to {v}");
                seen = v;
            }
            seen
        });
        rt.spawn(async move {
            for (i, at) in sends.into_iter().enumerate() {
                evloop::sleep(ms(at)).await;
                let _ = tx.send(i + 1);
            }
        }).detach();
        rt.run_until_done().unwrap();
        prop_assert_eq!(rt.block_on(seen).unwrap(), last);
    }

    #[test]
    fn a_task_set_yields_each_member_once_in_finishing_order(
        seed in any::<u64>(),
        members in prop::collection::vec((0u64..10, any::<bool>(), 0u64..10), 0..10),
    ) {
        let rt = rt(seed);
        let out = rt.block_on(async move {
            let set = TaskSet::new();
            let mut ids = HashSet::new();
            for (delay, cancel, at) in members {
                let h = set.spawn(async move {
                    evloop::sleep(ms(delay)).await;
                    evloop::time::Instant::now()
                });
                ids.insert(h.id());
                if cancel {
                    evloop::spawn(async move { evloop::sleep(ms(at)).await; h.cancel(); }).detach();
                }
            }
            let mut seen = Vec::new();
            while let Some((id, r)) = set.join_next_with_id().await {
                seen.push((id, r.ok()));
            }
            (ids, seen, set.len())
        });
        let (ids, seen, left) = out;
        prop_assert_eq!(left, 0);
        let seen_ids: HashSet<_> = seen.iter().map(|(id, _)| *id).collect();
        prop_assert_eq!(seen_ids.len(), seen.len(), "a member came out twice");
        prop_assert_eq!(seen_ids, ids, "a member never came out");
        let times: Vec<_> = seen.iter().filter_map(|(_, t)| *t).collect();
        prop_assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in finishing order: {:?}", times);
    }

    #[test]
    fn queue_halves_deliver_every_item_once_then_end(
        seed in any::<u64>(),
        bound in 0usize..4,
        senders in prop::collection::vec(prop::collection::vec(0u64..4, 0..5), 1..4),
        receivers in 1usize..4,
    ) {
        let rt = rt(seed);
        let (tx, rx) = Queue::bounded(bound).split();
        let mut expected = Vec::new();
        for (s, delays) in senders.into_iter().enumerate() {
            let tx = tx.clone();
            let items: Vec<u32> = (0..delays.len() as u32).map(|i| s as u32 * 100 + i).collect();
            expected.extend(items.iter().copied());
            rt.spawn(async move {
                for (item, d) in items.into_iter().zip(delays) {
                    evloop::sleep(ms(d)).await;
                    tx.put(item).await.unwrap();
                }
            }).detach();
        }
        drop(tx);
        let got = Rc::new(RefCell::new(Vec::new()));
        let ends = Rc::new(Cell::new(0));
        for _ in 0..receivers {
            let (rx, got, ends) = (rx.clone(), got.clone(), ends.clone());
            rt.spawn(async move {
                while let Ok(v) = rx.get().await {
                    got.borrow_mut().push(v);
                    evloop::yield_now().await;
                }
                ends.set(ends.get() + 1);
            }).detach();
        }
        drop(rx);
        rt.run_until_done().unwrap();
        let mut got = got.borrow().clone();
        got.sort();
        expected.sort();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(ends.get(), receivers, "every receiver saw the end");
    }

    #[test]
    fn a_priority_queue_gives_the_smallest_first(
        items in prop::collection::vec(0u32..20, 0..20),
    ) {
        let pq = PriorityQueue::bounded(0);
        for i in &items {
            pq.try_put(*i).unwrap();
        }
        let mut out = Vec::new();
        while let Ok(v) = pq.try_get() {
            out.push(v);
        }
        let mut sorted = items.clone();
        sorted.sort();
        prop_assert_eq!(out, sorted);
    }

    #[test]
    fn a_token_is_cancelled_exactly_when_it_or_an_ancestor_was(
        parents in prop::collection::vec(0usize..8, 1..12),
        cancel in prop::collection::vec(0usize..12, 0..3),
    ) {
        let root = CancelToken::new();
        let mut tokens = vec![root.clone()];
        let mut parent_of = vec![None];
        for p in parents {
            let p = p % tokens.len();
            tokens.push(tokens[p].child());
            parent_of.push(Some(p));
        }
        let cancelled: HashSet<usize> = cancel.into_iter().map(|c| c % tokens.len()).collect();
        for c in &cancelled {
            tokens[*c].cancel();
        }
        for (i, t) in tokens.iter().enumerate() {
            let mut at = Some(i);
            let mut expect = false;
            while let Some(n) = at {
                expect |= cancelled.contains(&n);
                at = parent_of[n];
            }
            prop_assert_eq!(t.is_cancelled(), expect, "token {}", i);
        }
    }
}

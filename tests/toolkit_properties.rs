//! Properties of the toolkit under seeded random schedules: whatever order
//! the loop picks (Policy::Random { seed }) and whatever tasks are cancelled,
//! the invariants hold.
mod util;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::{ReturnWhen, TaskGroup, gather, wait};
use evloop::sync::{Queue, Semaphore};
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn semaphore_never_over_admits_and_never_loses_a_permit(
        seed in any::<u64>(),
        permits in 1usize..4,
        jobs in prop::collection::vec((0u64..5, 1u64..5, any::<bool>(), 0u64..8), 1..12),
    ) {
        let rt = rt(seed);
        let sem = Semaphore::new(permits);
        let inside = Rc::new(Cell::new(0usize));
        let worst = Rc::new(Cell::new(0usize));
        for (start, hold, cancel, cancel_at) in jobs {
            let (sem, inside, worst) = (sem.clone(), inside.clone(), worst.clone());
            let h = rt.spawn(async move {
                evloop::sleep(ms(start)).await;
                let _p = sem.acquire().await;
                inside.set(inside.get() + 1);
                worst.set(worst.get().max(inside.get()));
                struct Out(Rc<Cell<usize>>);
                impl Drop for Out { fn drop(&mut self) { self.0.set(self.0.get() - 1); } }
                let _out = Out(inside);
                evloop::sleep(ms(hold)).await;
            });
            if cancel {
                rt.spawn(async move { evloop::sleep(ms(cancel_at)).await; h.cancel(); }).detach();
            } else {
                h.detach();
            }
        }
        rt.run_until_done().unwrap();
        prop_assert!(worst.get() <= permits, "{} holders for {} permits", worst.get(), permits);
        prop_assert_eq!(sem.available_permits(), permits, "a permit was lost");
        prop_assert_eq!(sem.waiters(), 0);
    }

    #[test]
    fn queue_keeps_its_bound_and_fifo_and_loses_nothing(
        seed in any::<u64>(),
        bound in 1usize..4,
        putters in prop::collection::vec((0u64..6, any::<bool>(), 0u64..8), 1..10),
        getters in prop::collection::vec((0u64..6, any::<bool>(), 0u64..8), 1..10),
    ) {
        let rt = rt(seed);
        let q: Queue<u32> = Queue::bounded(bound);
        let put_order = Rc::new(RefCell::new(Vec::new()));
        let got_order = Rc::new(RefCell::new(Vec::new()));
        let over = Rc::new(Cell::new(false));
        for (i, (start, cancel, at)) in putters.into_iter().enumerate() {
            let (q, put_order, over) = (q.clone(), put_order.clone(), over.clone());
            let h = rt.spawn(async move {
                evloop::sleep(ms(start)).await;
                q.put(i as u32).await.unwrap();
                put_order.borrow_mut().push(i as u32);
                over.set(over.get() || q.len() > bound);
            });
            if cancel { rt.spawn(async move { evloop::sleep(ms(at)).await; h.cancel(); }).detach(); } else { h.detach(); }
        }
        for (start, cancel, at) in getters {
            let (q, got_order) = (q.clone(), got_order.clone());
            let h = rt.spawn(async move {
                evloop::sleep(ms(start)).await;
                let v = q.get().await.unwrap();
                got_order.borrow_mut().push(v);
            });
            if cancel { rt.spawn(async move { evloop::sleep(ms(at)).await; h.cancel(); }).detach(); } else { h.detach(); }
        }
        // Getters with nothing to get wait forever: run until idle at each
        // millisecond, then stop.
        for _ in 0..20 {
            rt.advance(ms(1)).unwrap();
        }
        prop_assert!(!over.get(), "the queue went over its bound");
        let mut left = Vec::new();
        while let Ok(v) = q.try_get() { left.push(v); }
        let got = got_order.borrow().clone();
        let mut out = got.clone();
        out.extend(left);
        prop_assert_eq!(out, put_order.borrow().clone(), "items came out in put order, none lost");
    }

    #[test]
    fn gather_order_is_input_order(seed in any::<u64>(), delays in prop::collection::vec(0u64..20, 0..12)) {
        let rt = rt(seed);
        let expected: Vec<usize> = (0..delays.len()).collect();
        let out = rt.block_on(async move {
            let tasks: Vec<_> = delays.into_iter().enumerate().map(|(i, d)| evloop::spawn(async move {
                evloop::sleep(ms(d)).await;
                evloop::yield_now().await;
                i
            })).collect();
            gather(tasks).await.unwrap()
        });
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn no_child_runs_after_a_task_group_join(
        seed in any::<u64>(),
        children in prop::collection::vec((0u64..10, any::<bool>()), 1..8),
    ) {
        let rt = rt(seed);
        let joined = Rc::new(Cell::new(false));
        let late = Rc::new(Cell::new(false));
        let (j, l) = (joined.clone(), late.clone());
        let ids = rt.block_on(async move {
            let g = TaskGroup::new();
            let mut ids = Vec::new();
            for (d, fail) in children {
                let (j, l) = (j.clone(), l.clone());
                ids.push(g.spawn(async move {
                    for _ in 0..3 {
                        evloop::sleep(ms(d)).await;
                        l.set(l.get() || j.get());
                    }
                    if fail { Err("failed") } else { Ok(()) }
                }).id());
            }
            let _ = g.join().await;
            j.set(true);
            ids
        });
        rt.run_until_done().unwrap();
        prop_assert!(!late.get(), "a child ran after join returned");
        let snap = rt.snapshot();
        for id in ids {
            prop_assert!(snap.task(id).unwrap().state.is_finished());
        }
    }

    #[test]
    fn wait_partitions_its_input(
        seed in any::<u64>(),
        delays in prop::collection::vec(0u64..20, 0..10),
        when in 0usize..3,
        limit in prop::option::of(0u64..20),
    ) {
        let rt = rt(seed);
        let when = [ReturnWhen::FirstCompleted, ReturnWhen::FirstException, ReturnWhen::AllCompleted][when];
        rt.block_on(async move {
            let tasks: Vec<_> = delays.iter().map(|d| {
                let d = *d;
                evloop::spawn(async move { evloop::sleep(ms(d)).await; if d % 7 == 3 { panic!("fails") } })
            }).collect();
            let mut input: Vec<_> = tasks.iter().map(|t| t.id()).collect();
            let w = wait(tasks, when, limit.map(ms)).await;
            let mut seen: Vec<_> = w.done.iter().chain(&w.pending).map(|t| t.id()).collect();
            seen.sort();
            input.sort();
            assert_eq!(seen, input, "done and pending partition the input");
            assert!(w.done.iter().all(|t| t.is_finished()));
            assert!(w.pending.iter().all(|t| !t.is_finished()));
            if when == ReturnWhen::AllCompleted && limit.is_none() {
                assert!(w.pending.is_empty());
            }
            for t in &w.pending { t.cancel(); }
        });
    }
}

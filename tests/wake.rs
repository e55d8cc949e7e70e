//! Wakers: deduplication, causes, other threads, outliving the runtime.
mod util;

use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::inspect::LoopEventKind;
use evloop::{Runtime, WakeCause};
use util::virtual_rt;

#[test]
fn many_wakes_before_a_poll_give_one_poll() {
    let (rt, _) = virtual_rt();
    let stash: Arc<Mutex<Option<Waker>>> = Default::default();
    let s = stash.clone();
    let mut polls = 0;
    let h = rt.spawn(poll_fn(move |cx| {
        polls += 1;
        if polls == 2 {
            return Poll::Ready(polls);
        }
        *s.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }));
    rt.run_until_idle().unwrap();
    let w = stash.lock().unwrap().take().unwrap();
    for _ in 0..100 {
        w.wake_by_ref();
    }
    rt.run_until_idle().unwrap();
    assert_eq!(rt.block_on(h).unwrap(), 2);
    let info = rt
        .snapshot()
        .tasks
        .into_iter()
        .find(|t| t.polls == 2)
        .unwrap();
    assert_eq!(info.wakes, 1, "the remote queue got the task once");
}

#[test]
fn wake_causes_are_reported() {
    let (rt, _) = virtual_rt();
    rt.events().record(1000);
    rt.block_on(async {
        let sleeper = evloop::spawn_named("sleeper", evloop::sleep(Duration::from_secs(1)));
        evloop::yield_now().await;
        sleeper.await.unwrap();
    });
    let causes: Vec<_> = rt
        .events()
        .recorded()
        .into_iter()
        .filter_map(|e| match e.kind {
            LoopEventKind::Woken { cause, .. } => Some(cause),
            _ => None,
        })
        .collect();
    assert!(causes.contains(&WakeCause::Yield), "{causes:?}");
    assert!(causes.contains(&WakeCause::Timer), "{causes:?}");
    assert!(
        causes.iter().any(|c| matches!(c, WakeCause::Task(_))),
        "main is woken by the sleeper finishing: {causes:?}"
    );
}

#[test]
fn a_wake_from_another_thread_reaches_a_sleeping_loop() {
    let rt = Runtime::builder().debug(false).build(); // real clock: the loop really sleeps
    let out = rt.block_on(async {
        let stash: Arc<Mutex<(bool, Option<Waker>)>> = Default::default();
        let s = stash.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            let mut g = s.lock().unwrap();
            g.0 = true;
            if let Some(w) = g.1.take() {
                w.wake();
            }
        });
        poll_fn(|cx| {
            let mut g = stash.lock().unwrap();
            if g.0 {
                Poll::Ready(())
            } else {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
        t.join().unwrap();
        "woken"
    });
    assert_eq!(out, "woken");
}

#[test]
fn eight_threads_ten_thousand_wakes_each_lose_none() {
    let rt = Runtime::builder().debug(false).build();
    const THREADS: usize = 8;
    // Under Miri (which runs this about 10,000 times slower) a few hundred
    // wakes each still interleave eight threads with the loop.
    const WAKES: usize = if cfg!(miri) { 300 } else { 10_000 };
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = rt.block_on(async {
        let stash: Arc<Mutex<Option<Waker>>> = Default::default();
        // Park once so the waker exists.
        poll_fn(|cx| {
            let mut s = stash.lock().unwrap();
            if s.is_some() {
                Poll::Ready(())
            } else {
                *s = Some(cx.waker().clone());
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
        let waker = stash.lock().unwrap().clone().unwrap();
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let w = waker.clone();
                let c = counter.clone();
                std::thread::spawn(move || {
                    for _ in 0..WAKES {
                        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        w.wake_by_ref();
                    }
                })
            })
            .collect();
        // Wait until every increment is seen: each wake after the last poll
        // guarantees one more poll, so this cannot hang if no wake is lost.
        poll_fn(|cx| {
            *stash.lock().unwrap() = Some(cx.waker().clone());
            if counter.load(std::sync::atomic::Ordering::SeqCst) == THREADS * WAKES {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        for t in threads {
            t.join().unwrap();
        }
        true
    });
    assert!(done);
}

#[test]
fn a_waker_that_outlives_its_runtime_is_harmless() {
    let stash: Arc<Mutex<Option<Waker>>> = Default::default();
    {
        let rt = Runtime::builder().debug(false).build();
        let s = stash.clone();
        let _h = rt.spawn(poll_fn(move |cx| {
            *s.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        }));
        rt.run_until_idle().unwrap();
    }
    let w = stash.lock().unwrap().take().unwrap();
    w.wake_by_ref();
    std::thread::spawn(move || w.wake()).join().unwrap();
}

#[test]
fn runtime_wake_is_a_spurious_wake_from_outside() {
    let (rt, _) = virtual_rt();
    let h = rt.spawn_named("s", evloop::sleep(Duration::from_secs(5)));
    rt.run_until_idle().unwrap();
    rt.wake(h.id()).unwrap();
    let report = rt.step().unwrap();
    assert_eq!(report.cause, WakeCause::Outside);
    assert_eq!(report.result, evloop::inspect::PollResult::Pending);
    assert!(
        !h.is_finished(),
        "a spurious wake does not end a sleep early"
    );
}

/// The events about `waiter` that a run of one poll (spawn, wake, spawn)
/// gives each kind of watcher: a listener alone, the log alone, both.
#[test]
fn wakes_made_around_spawns_in_one_poll_are_each_told_once() {
    use std::cell::RefCell;
    use std::rc::Rc;

    for (listen, log) in [(true, false), (false, true), (true, true)] {
        let (rt, _) = virtual_rt();
        let heard = Rc::new(RefCell::new(Vec::new()));
        if listen {
            let heard = heard.clone();
            rt.events()
                .subscribe(move |e| heard.borrow_mut().push(e.clone()));
        }
        if log {
            rt.events().record(1000);
        }
        let ready = evloop::sync::Event::new();
        let waiter = rt.block_on(async {
            let r = ready.clone();
            let waiter = evloop::spawn_named("waiter", async move { r.wait().await });
            evloop::yield_now().await; // the waiter parks
            // One poll: a spawn with nothing waiting before it, a wake, a
            // spawn after the wake, and one more wake.
            let a = evloop::spawn(async {});
            ready.set();
            let b = evloop::spawn(async {});
            let id = waiter.id();
            waiter.await.unwrap();
            a.await.unwrap();
            b.await.unwrap();
            id
        });
        let events = if listen {
            heard.borrow().clone()
        } else {
            rt.events().recorded()
        };
        let woken: Vec<_> = events
            .iter()
            .filter(|e| matches!(e.kind, LoopEventKind::Woken { task, .. } if task == waiter))
            .collect();
        assert_eq!(woken.len(), 1, "listen {listen}, log {log}: {events:#?}");
        // A spawn is no wake: no "ready" for a task before its first poll.
        let spawned: Vec<_> = events
            .iter()
            .filter_map(|e| match e.kind {
                LoopEventKind::Spawned { task, .. } => Some(task),
                _ => None,
            })
            .collect();
        for task in spawned {
            let first = events
                .iter()
                .position(|e| e.involves(task) && !matches!(e.kind, LoopEventKind::Spawned { .. }))
                .unwrap();
            assert!(
                matches!(events[first].kind, LoopEventKind::Polled { .. }),
                "listen {listen}, log {log}: {task}'s first event after its spawn is {}",
                events[first]
            );
        }
    }
}

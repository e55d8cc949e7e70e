//! Snapshots, step reports and the event stream.
mod util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::inspect::{LoopEventKind, PollResult};
use evloop::{TaskState, WaitOn, WakeCause};
use util::{lines, virtual_rt};

#[test]
fn snapshot_shows_tasks_ready_queue_and_timers() {
    let (rt, _) = virtual_rt();
    let a = rt.spawn_named("a", evloop::sleep(Duration::from_secs(2)));
    let b = rt.spawn_named("b", evloop::sleep(Duration::from_secs(1)));
    let c = rt.spawn_named("c", async {});
    let snap = rt.snapshot();
    assert_eq!(snap.ready, [a.id(), b.id(), c.id()]);
    assert!(snap.timers.is_empty());
    rt.step();
    rt.step();
    let snap = rt.snapshot();
    assert_eq!(snap.ready, [c.id()]);
    let owners: Vec<_> = snap.timers.iter().map(|t| t.owner).collect();
    assert_eq!(
        owners,
        [Some(b.id()), Some(a.id())],
        "timers in deadline order"
    );
    let info = snap.task_named("a").unwrap();
    assert_eq!(info.state, TaskState::Waiting);
    assert_eq!(
        info.waiting_on,
        Some(WaitOn::Timer(evloop::time::Instant::from_start(
            Duration::from_secs(2)
        )))
    );
    assert_eq!(info.polls, 1);
}

#[test]
fn waiting_on_another_task_is_visible() {
    let (rt, _) = virtual_rt();
    let child = rt.spawn_named("child", evloop::sleep(Duration::from_secs(1)));
    let child_id = child.id();
    let parent = rt.spawn_named("parent", async move { child.await.unwrap() });
    rt.run_until_idle().unwrap();
    let snap = rt.snapshot();
    assert_eq!(
        snap.task(parent.id()).unwrap().waiting_on,
        Some(WaitOn::Task(child_id))
    );
}

#[test]
fn step_reports_cause_result_and_wakes() {
    let (rt, _) = virtual_rt();
    let waiter = rt.spawn_named("waiter", async { evloop::yield_now().await });
    let r = rt.step().unwrap();
    assert_eq!(
        (r.name.as_str(), r.cause, r.result.clone()),
        ("waiter", WakeCause::Spawned, PollResult::Pending)
    );
    assert_eq!(r.woke, [waiter.id()], "yield_now wakes itself");
    let r = rt.step().unwrap();
    assert_eq!(
        (r.cause, r.result.clone()),
        (WakeCause::Yield, PollResult::Ready)
    );
    assert!(rt.step().is_none(), "nothing is ready");
    assert!(r.to_string().contains("polled 'waiter'"), "{r}");
}

#[test]
fn step_report_names_the_tasks_a_poll_woke() {
    let (rt, _) = virtual_rt();
    let child = rt.spawn_named("child", async {});
    let child_id = child.id();
    let parent = rt.spawn_named("parent", async move { child.await.unwrap() });
    rt.step(); // child: Ready, wakes nobody yet (parent not waiting)
    let r = rt.step().unwrap(); // parent: child already done → Ready
    assert_eq!(r.task, parent.id());
    assert_eq!(r.result, PollResult::Ready);
    let _ = child_id;
}

#[test]
fn events_tell_the_whole_story_in_order() {
    let (rt, _) = virtual_rt();
    rt.events().record(100);
    rt.block_on(async {
        let h = evloop::spawn_named("nap", evloop::sleep(Duration::from_secs(1)));
        h.await.unwrap();
    });
    let story = lines(&rt.events().recorded());
    assert_eq!(
        story,
        [
            "[0.000000s] spawned #1 'main'",
            "[0.000000s] spawned #2 'nap' (by #1)",
            "[0.000000s] polled #1 → Pending",
            "[0.000000s] polled #2 → Pending",
            "[1.000000s] clock 0.000000s → 1.000000s",
            "[1.000000s] timer @1.000000s of #2 fired",
            "[1.000000s] #2 ready: woken by timer",
            "[1.000000s] polled #2 → Ready",
            "[1.000000s] #2 done",
            "[1.000000s] #1 ready: woken by task #2",
            "[1.000000s] polled #1 → Ready",
            "[1.000000s] #1 done",
        ]
    );
}

#[test]
fn subscribers_see_events_and_can_leave() {
    let (rt, _) = virtual_rt();
    let seen = Rc::new(RefCell::new(0));
    let s = seen.clone();
    let sub = rt.events().subscribe(move |_| *s.borrow_mut() += 1);
    rt.block_on(async {});
    let n = *seen.borrow();
    assert!(n >= 3);
    assert!(rt.events().unsubscribe(sub));
    rt.block_on(async {});
    assert_eq!(*seen.borrow(), n);
}

#[test]
fn the_event_log_is_bounded() {
    let (rt, _) = virtual_rt();
    rt.events().record(10);
    rt.block_on(async {
        for _ in 0..100 {
            evloop::yield_now().await;
        }
    });
    assert_eq!(rt.events().recorded().len(), 10);
}

#[test]
fn a_deadlock_on_the_virtual_clock_is_reported_not_hung() {
    let (rt, _) = virtual_rt();
    let (a, b) = (Rc::new(RefCell::new(None)), Rc::new(RefCell::new(None)));
    let (a2, b2) = (a.clone(), b.clone());
    let ha = rt.spawn_named("a", async move {
        evloop::yield_now().await;
        let other: evloop::JoinHandle<()> = b2.borrow_mut().take().unwrap();
        other.await.unwrap();
    });
    let hb = rt.spawn_named("b", async move {
        evloop::yield_now().await;
        let other: evloop::JoinHandle<()> = a2.borrow_mut().take().unwrap();
        other.await.unwrap();
    });
    let (ida, idb) = (ha.id(), hb.id());
    *a.borrow_mut() = Some(ha);
    *b.borrow_mut() = Some(hb);
    let stopped = rt.run_until_done().unwrap_err();
    let Some(stall) = stopped.stall() else {
        panic!("{stopped}")
    };
    assert_eq!(
        stall.waiting,
        [
            (ida, "a".to_string(), Some(WaitOn::Task(idb))),
            (idb, "b".to_string(), Some(WaitOn::Task(ida)))
        ]
    );
    assert!(
        stall.to_string().contains("'a' (#1) waits on 'b' (#2)"),
        "{stall}"
    );
}

#[test]
#[should_panic(expected = "deadlock")]
fn block_on_a_deadlock_panics_with_the_report() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let mut kept = None;
        std::future::poll_fn(|cx| {
            kept = Some(cx.waker().clone()); // held only by the task itself
            std::task::Poll::<()>::Pending
        })
        .await
    });
}

#[test]
fn the_same_seed_replays_the_same_event_stream() {
    let run = |seed| {
        let (rt, _) = util::virtual_builder();
        rt.scheduler().set_policy(evloop::Policy::Random { seed });
        rt.events().record(100_000);
        for i in 0..8u64 {
            drop(rt.spawn_named(format!("t{i}"), async move {
                for j in 0..(i % 3 + 1) {
                    evloop::yield_now().await;
                    evloop::sleep(Duration::from_millis(j * 10)).await;
                }
            }));
        }
        rt.run_until_done().unwrap();
        lines(&rt.events().recorded())
    };
    assert_eq!(run(3), run(3));
    assert_ne!(
        run(3),
        run(4),
        "a different seed gives a different interleaving"
    );
    let polled = |seed| {
        let l = run(seed);
        l.into_iter().filter(|l| l.contains("polled")).count()
    };
    assert_eq!(polled(3), polled(4), "the same work, in another order");
}

#[test]
fn a_primitive_built_inside_enter_is_in_the_snapshot_before_anyone_waits() {
    let (rt, _) = virtual_rt();
    let outside = evloop::sync::Event::named("outside");
    assert!(rt.snapshot().primitive_named("outside").is_none());
    let inside = {
        let _entered = rt.enter();
        evloop::sync::Queue::<u8>::named("jobs", 2)
    };
    let snap = rt.snapshot();
    let jobs = snap.primitive_named("jobs").expect("registered at once");
    assert_eq!((jobs.kind, jobs.state.as_str()), ("queue", "0/2 items"));
    assert!(jobs.waiters.is_empty() && jobs.holders.is_empty());
    drop((outside, inside));
}

#[test]
fn spawn_works_inside_enter_and_the_guard_restores_the_previous_loop() {
    let (rt, _) = virtual_rt();
    let handle = {
        let _entered = rt.enter();
        evloop::spawn(async { 7 })
    };
    assert_eq!(rt.block_on(handle).unwrap(), 7);
    let caught = std::panic::catch_unwind(|| evloop::spawn(async {}).detach());
    assert!(caught.is_err(), "no loop is current once the guard is gone");
}

#[test]
fn snapshot_lists_live_and_finished_tasks_by_id() {
    let (rt, _) = virtual_rt();
    let quick = rt.spawn_named("quick", async {});
    let slow = rt.spawn_named("slow", evloop::sleep(Duration::from_secs(5)));
    rt.run_until_idle().unwrap(); // "quick" (#1) finishes while "slow" (#2) still sleeps
    let ids: Vec<_> = rt.snapshot().tasks.iter().map(|t| t.id).collect();
    assert_eq!(ids, [quick.id(), slow.id()], "finished #1 before live #2");
    assert_eq!(rt.snapshot().tasks[0].state, TaskState::Done);
}

#[test]
fn snapshots_keep_the_newest_finished_tasks_oldest_first() {
    let rt = evloop::Builder::new()
        .virtual_clock()
        .keep_finished(3)
        .build();
    for i in 0..7u64 {
        rt.spawn(async move { i }).detach();
        rt.run_until_idle().unwrap();
    }
    let ids = |rt: &evloop::Runtime| -> Vec<u64> {
        rt.snapshot().tasks.iter().map(|t| t.id.as_u64()).collect()
    };
    assert_eq!(
        ids(&rt),
        [5, 6, 7],
        "the ring wrapped twice; the newest three stay"
    );
    rt.debug().set_keep_finished(2);
    assert_eq!(ids(&rt), [6, 7]);
    rt.spawn(async {}).detach();
    rt.run_until_idle().unwrap();
    assert_eq!(ids(&rt), [7, 8]);
    rt.debug().set_keep_finished(4);
    for _ in 0..3 {
        rt.spawn(async {}).detach();
        rt.run_until_idle().unwrap();
    }
    assert_eq!(ids(&rt), [8, 9, 10, 11]);
}

/// Item 9 of issue 17: on the real clock, a snapshot and the event stream
/// agree on when a task finished (and was spawned).
#[test]
fn snapshot_and_events_agree_on_spawn_and_finish_times_on_the_real_clock() {
    let rt = evloop::Runtime::new();
    rt.events().record(1000);
    let h = rt.spawn_named("t", async {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(3) {
            std::hint::spin_loop();
        }
    });
    let id = h.id();
    rt.run_until_done().unwrap();
    let events = rt.events().recorded();
    let at =
        |pred: &dyn Fn(&LoopEventKind) -> bool| events.iter().find(|e| pred(&e.kind)).unwrap().at;
    let spawned = at(&|k| matches!(k, LoopEventKind::Spawned { task, .. } if *task == id));
    let done = at(&|k| matches!(k, LoopEventKind::Completed { task } if *task == id));
    let info = rt.snapshot().task(id).cloned().unwrap();
    assert_eq!(info.spawned_at, spawned);
    assert_eq!(info.finished_at, Some(done));
}

/// asyncio's `current_task()` / `all_tasks()` and a snapshot, from inside
/// a task (issue 12 item 2): the task sees itself running, the others as
/// the loop holds them, and no finished task among `all_tasks`.
#[test]
fn a_task_sees_itself_and_its_loop() {
    let (rt, _) = virtual_rt();
    rt.spawn_named("done-early", async {}).detach();
    let nap = rt.spawn_named("nap", evloop::sleep(Duration::from_secs(1)));
    rt.run_until_idle().unwrap();
    let seen = rt.spawn_named("looker", async {
        let me = evloop::current_task().expect("inside a task");
        let all: Vec<(String, TaskState)> = evloop::all_tasks()
            .into_iter()
            .map(|t| (t.name, t.state))
            .collect();
        let snapshot = evloop::inspect::snapshot().expect("inside a loop");
        (me, all, snapshot)
    });
    rt.run_until(&seen).unwrap();
    let (me, all, snapshot) = rt.block_on(seen).unwrap();
    assert_eq!(me.name, "looker");
    assert_eq!(me.state, TaskState::Running);
    assert_eq!(me.polls, 1);
    assert_eq!(
        all,
        [
            ("nap".to_string(), TaskState::Waiting),
            ("looker".to_string(), TaskState::Running)
        ]
    );
    assert_eq!(snapshot.task(me.id).unwrap().state, TaskState::Running);
    assert_eq!(snapshot.task(nap.id()).unwrap().state, TaskState::Waiting);
    assert!(evloop::current_task().is_none(), "outside, no task");
}

/// A task waiting in a semaphore's line under a timeout waits on the
/// semaphore: the deadline's own timer does not hide it (found with the
/// console, issue 12). The deadline is still among the timers.
#[test]
fn a_timeout_does_not_hide_what_the_task_waits_on() {
    let (rt, _) = virtual_rt();
    let pool = evloop::sync::Semaphore::named("pool", 0);
    let p = pool.clone();
    let waiter = rt.spawn_named("waiter", async move {
        evloop::timeout(Duration::from_secs(1), p.acquire())
            .await
            .is_err()
    });
    let report = rt.step().unwrap();
    let on_pool = Some(WaitOn::Primitive {
        kind: "semaphore",
        name: "pool".into(),
    });
    assert_eq!(report.waiting_on, on_pool);
    assert_eq!(
        rt.snapshot().task_named("waiter").unwrap().waiting_on,
        on_pool
    );
    assert_eq!(rt.snapshot().timers.len(), 1);
    // A timeout around a future that notes nothing still says its timer.
    let bare = rt.spawn_named("bare", async {
        let never = std::future::pending::<()>();
        evloop::timeout(Duration::from_secs(2), never)
            .await
            .is_err()
    });
    let report = rt.step().unwrap();
    assert!(matches!(report.waiting_on, Some(WaitOn::Timer(_))));
    rt.run_until_done().unwrap();
    assert!(rt.block_on(waiter).unwrap());
    assert!(rt.block_on(bare).unwrap());
}

/// Spins on the CPU for `d` in one poll, then yields once.
async fn spin_then_yield(d: Duration) {
    let start = std::time::Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
    evloop::yield_now().await;
}

/// The time a task's polls took is counted while polls are timed, for that
/// task alone: while it lives, once it has finished, and not for the next
/// task in its slot of the task table (the totals are kept beside the
/// table, by slot and generation).
#[test]
fn the_time_a_tasks_polls_took_is_its_own_live_and_finished() {
    let spin = Duration::from_millis(20);
    let rt = evloop::Builder::new().poll_timing(true).build();
    let busy = |id| {
        rt.snapshot()
            .tasks
            .iter()
            .find(|t| t.id == id)
            .map(|t| (t.busy, t.finished_at.is_some()))
    };
    let a = rt.spawn_named("a", spin_then_yield(spin));
    let other = rt.spawn_named("other", async {});
    rt.step();
    let (live, finished) = busy(a.id()).expect("a is in the snapshot");
    assert!(!finished && live >= spin, "a, live, spent {live:?}");
    rt.run_until_idle().expect("both end");
    let (done, finished) = busy(a.id()).expect("a is kept as finished");
    assert!(finished && done >= live, "a, finished, spent {done:?}");
    let (other_busy, _) = busy(other.id()).expect("other is kept");
    assert!(other_busy < spin, "other spent {other_busy:?}");
    // Its slot's next task starts from zero.
    let b = rt.spawn_named("b", async {});
    rt.run_until_idle().expect("b ends");
    let (b_busy, _) = busy(b.id()).expect("b is kept");
    assert!(b_busy < spin, "b spent {b_busy:?}, a's slot's old total");
}

/// Untimed polls count nothing.
#[test]
fn untimed_polls_take_no_time_in_a_snapshot() {
    let rt = evloop::Builder::new()
        .debug(false)
        .poll_timing(false)
        .build();
    let a = rt.spawn_named("a", spin_then_yield(Duration::from_millis(5)));
    rt.run_until_idle().expect("a ends");
    let info = rt.snapshot().tasks.into_iter().find(|t| t.id == a.id());
    assert_eq!(info.map(|t| t.busy), Some(Duration::ZERO));
}

/// One program with every kind of event that can be a compact record, and
/// some that cannot (a named task, a wait on a semaphore, a panic).
fn a_program_of_every_event(rt: &evloop::Runtime) {
    let a = rt.spawn(async {
        evloop::sleep(Duration::from_millis(5)).await;
        evloop::yield_now().await;
        // Spawned by a task: a parent, under its default name and a given one.
        evloop::spawn(evloop::yield_now()).await.unwrap();
        evloop::spawn_named("child", async {}).await.unwrap();
        7
    });
    // Handles dropped: the tasks run detached.
    drop(rt.spawn(async move { a.await.unwrap() }));
    let pool = Rc::new(evloop::sync::Semaphore::named("pool", 1));
    for name in ["holder", "waiter"] {
        let pool = pool.clone();
        drop(rt.spawn_named(name, async move {
            let _permit = pool.acquire().await;
            evloop::sleep(Duration::from_millis(3)).await;
        }));
    }
    drop(rt.spawn(async { panic!("on purpose") }));
    let forever = rt.spawn(evloop::sleep(Duration::MAX));
    let doomed = rt.spawn(evloop::sleep(Duration::from_secs(9)));
    drop(rt.spawn(async move {
        evloop::sleep(Duration::from_millis(1)).await;
        doomed.cancel();
        forever.cancel();
    }));
    let _ = rt.run_until_done();
}

#[test]
fn the_log_keeps_what_a_listener_hears() {
    // Debug mode off: no poll is timed, so two runs are the same, to the
    // nanosecond (its "never retrieved" report is still an event).
    let runtime = || {
        evloop::Runtime::builder()
            .virtual_clock()
            .debug(false)
            .build()
    };
    // What a listener hears…
    let rt = runtime();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let into = heard.clone();
    rt.events()
        .subscribe(move |e| into.borrow_mut().push(e.clone()));
    a_program_of_every_event(&rt);
    let heard = heard.take();
    let full = |kind: &LoopEventKind| {
        matches!(
            kind,
            LoopEventKind::Panicked { .. }
                | LoopEventKind::Polled {
                    waiting_on: Some(WaitOn::Primitive { .. }),
                    ..
                }
        )
    };
    assert!(heard.iter().any(|e| full(&e.kind)), "{heard:#?}");
    assert!(heard.iter().any(|e| matches!(
        e.kind,
        LoopEventKind::Polled {
            waiting_on: Some(WaitOn::Timer(t)),
            ..
        } if t == evloop::time::Instant::FAR_FUTURE
    )));
    // Spawns by a task, under a default name (a record) and a given one
    // (kept whole).
    for default in [true, false] {
        assert!(heard.iter().any(|e| matches!(
            &e.kind,
            LoopEventKind::Spawned { name, parent: Some(_), .. } if name.is_default() == default
        )));
    }
    // …the log keeps, record by record, on its own way (no listener), and
    // the last few when it is small.
    for capacity in [usize::MAX, heard.len(), 7, 1] {
        let rt = runtime();
        rt.events().record(capacity);
        a_program_of_every_event(&rt);
        let kept = heard.len().min(capacity);
        assert_eq!(
            rt.events().recorded(),
            heard[heard.len() - kept..],
            "capacity {capacity}"
        );
    }
}

//! Debug mode: slow polls, lost wakers, unretrieved failures, leaked tasks.
mod util;

use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

use evloop::Builder;
use evloop::debug::Diagnostic;
use util::virtual_rt;

#[test]
fn a_slow_poll_is_reported_with_the_task_name() {
    let (rt, found) = virtual_rt();
    rt.debug().set_slow_poll_threshold(Duration::from_millis(5));
    drop(rt.spawn_named("hog", async {
        // 50 ms of the thread's own CPU time, however busy the machine (a
        // poll that was only preempted is not reported).
        evloop::debug::spin_for(Duration::from_millis(50));
    }));
    rt.run_until_done().unwrap();
    let found = found.borrow();
    assert!(
        matches!(&found[..], [Diagnostic::SlowPoll { name, took, .. }] if name == "hog" && *took >= Duration::from_millis(50)),
        "{found:?}"
    );
    assert!(found[0].to_string().contains("blocked the loop"));
}

#[test]
fn a_lost_waker_is_reported_at_once() {
    let (rt, found) = virtual_rt();
    let h = rt.spawn_named("forgetful", poll_fn(|_cx| Poll::<()>::Pending));
    rt.run_until_idle().unwrap();
    assert_eq!(
        *found.borrow(),
        [Diagnostic::LostWaker {
            task: h.id(),
            name: "forgetful".into()
        }]
    );
}

#[test]
fn a_stored_waker_is_not_lost() {
    let (rt, found) = virtual_rt();
    let keep = std::rc::Rc::new(std::cell::RefCell::new(None));
    let k = keep.clone();
    let _h = rt.spawn(poll_fn(move |cx| {
        *k.borrow_mut() = Some(cx.waker().clone());
        Poll::<()>::Pending
    }));
    let _s = rt.spawn(evloop::sleep(Duration::from_secs(1)));
    let _y = rt.spawn(async {
        evloop::yield_now().await;
    });
    rt.run_until_idle().unwrap();
    assert!(found.borrow().is_empty(), "{:?}", found.borrow());
}

#[test]
fn a_failure_nobody_awaits_is_reported() {
    let (rt, found) = virtual_rt();
    drop(rt.spawn_named("doomed", async { panic!("disk on fire") }));
    let h = rt.spawn_named("dropped-later", async { panic!("late") });
    rt.run_until_done().unwrap();
    drop(h);
    let found = found.borrow();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].to_string().contains("'doomed'")
            && found[0].to_string().contains("nobody awaited it")
    );
    assert!(
        matches!(&found[1], Diagnostic::UnretrievedFailure { name, message, .. } if name == "dropped-later" && message == "late")
    );
}

#[test]
fn tasks_pending_at_drop_are_listed() {
    let (rt, found) = virtual_rt();
    let _a = rt.spawn_named("a", evloop::sleep(Duration::from_secs(1)));
    let _b = rt.spawn_named("b", async {});
    rt.run_until_idle().unwrap();
    let _c = rt.spawn_named("c", async {});
    drop(rt);
    let found = found.borrow();
    match &found[..] {
        [Diagnostic::LeakedTasks { tasks }] => {
            let names: Vec<_> = tasks.iter().map(|t| t.1.as_str()).collect();
            assert_eq!(names, ["a", "c"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_off_reports_nothing() {
    let found = std::rc::Rc::new(std::cell::RefCell::new(vec![]));
    let f = found.clone();
    let rt = Builder::new()
        .virtual_clock()
        .debug(false)
        .diagnostics(move |d| f.borrow_mut().push(d.clone()))
        .build();
    drop(rt.spawn(poll_fn(|_| Poll::<()>::Pending)));
    drop(rt.spawn(async { panic!("x") }));
    rt.run_until_idle().unwrap();
    drop(rt);
    assert!(found.borrow().is_empty());
}

/// Item 15 of issue 17: a task group child that panics, whose handle was
/// dropped (the chapter's `tg.create_task(...)`), is retrieved: the group's
/// `join` returns it.
#[test]
fn a_task_group_childs_panic_returned_by_join_is_not_unretrieved() {
    let (rt, found) = virtual_rt();
    let err = rt.block_on(async {
        let group = evloop::combinators::TaskGroup::new();
        drop(group.spawn_named("boom", async {
            evloop::sleep(Duration::from_secs(1)).await;
            if true {
                panic!("child failed");
            }
            Ok::<(), String>(())
        }));
        group.join().await.unwrap_err()
    });
    assert_eq!(err.failures().len(), 1);
    drop(rt);
    assert!(found.borrow().is_empty(), "{:?}", found.borrow());
}

/// Item 15 of issue 17: the tasks of a gather that fail after the gather
/// already returned its first failure are retrieved (as asyncio marks them).
#[test]
fn gathered_tasks_failing_after_the_gather_returned_are_retrieved() {
    let (rt, found) = virtual_rt();
    rt.block_on(async {
        let first = evloop::spawn(async {
            evloop::sleep(Duration::from_secs(1)).await;
            panic!("first");
        });
        let later = evloop::spawn(async {
            evloop::sleep(Duration::from_secs(2)).await;
            panic!("later");
        });
        let out = evloop::gather([first, later]).await;
        assert_eq!(out.unwrap_err().panic_message(), Some("first"));
        evloop::sleep(Duration::from_secs(5)).await; // "later" fails meanwhile
    });
    drop(rt);
    assert!(found.borrow().is_empty(), "{:?}", found.borrow());
}

/// Item 19c of issue 17: a poll that blocks in a system call is slow, and
/// the report says how little of it was on the CPU.
#[test]
fn a_poll_that_sleeps_the_thread_is_slow_and_says_it_waited() {
    let (rt, found) = virtual_rt();
    rt.debug()
        .set_slow_poll_threshold(Duration::from_millis(20));
    drop(rt.spawn_named("sleeper", async {
        std::thread::sleep(Duration::from_millis(40)); // blocks the loop
    }));
    rt.run_until_done().unwrap();
    let found = found.borrow();
    let [Diagnostic::SlowPoll { cpu, .. }] = &found[..] else {
        panic!("{found:?}");
    };
    if let Some(cpu) = cpu {
        assert!(*cpu < Duration::from_millis(20), "{cpu:?}");
        assert!(
            found[0].to_string().contains("waited in a blocking call"),
            "{}",
            found[0]
        );
    }
}

/// Item 19c of issue 17: "kept no waker" is never said of a task that
/// another thread has woken: the loop reads the waker count before the
/// queued flag, the order a remote wake writes them in reverse.
#[test]
fn a_task_woken_from_another_thread_is_never_reported_lost() {
    use std::sync::{Arc, Mutex};
    use std::task::Waker;
    let (rt, found) = virtual_rt();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let rounds = if cfg!(miri) { 20 } else { 20_000 };
    let guard = rt.external_work();
    let waker_side = slot.clone();
    let thread = std::thread::spawn(move || {
        let _guard = guard;
        for _ in 0..rounds {
            let waker = loop {
                if let Some(w) = waker_side.lock().unwrap().take() {
                    break w;
                }
                std::hint::spin_loop();
            };
            waker.wake(); // wake, then let the waker go: the racy order
        }
    });
    rt.block_on(async {
        for _ in 0..rounds {
            let mut stored = false;
            poll_fn(|cx| {
                if std::mem::replace(&mut stored, true) {
                    return Poll::Ready(());
                }
                *slot.lock().unwrap() = Some(cx.waker().clone());
                Poll::Pending
            })
            .await;
        }
    });
    thread.join().unwrap();
    let lost: Vec<_> = found
        .borrow()
        .iter()
        .filter(|d| matches!(d, Diagnostic::LostWaker { .. }))
        .cloned()
        .collect();
    assert!(lost.is_empty(), "false reports: {lost:?}");
}

#[test]
fn a_sink_that_panics_is_replaced_and_the_loop_stays_whole() {
    // A lost waker is reported between the task's poll and its next state:
    // a sink's panic let out of there would leave the task half-way.
    let (rt, _) = virtual_rt();
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = calls.clone();
    rt.debug().set_sink(move |_| {
        counted.set(counted.get() + 1);
        panic!("a sink's own bug");
    });
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = events.clone();
    rt.events().subscribe(move |e| {
        if let evloop::inspect::LoopEventKind::Diagnostic(d) = &e.kind {
            seen.borrow_mut().push(d.clone());
        }
    });
    let h = rt.spawn_named("forgetful", poll_fn(|_cx| Poll::<()>::Pending));
    let idle = rt.run_until_idle();
    assert!(idle.is_ok(), "the run ends as it would: {idle:?}");
    assert_eq!(
        *events.borrow(),
        [Diagnostic::LostWaker {
            task: h.id(),
            name: "forgetful".into()
        }],
        "the finding still reaches the event stream"
    );
    let snap = rt.snapshot();
    let task = snap.task_named("forgetful").unwrap();
    assert_eq!(task.state, evloop::TaskState::Waiting, "{snap}");
    // A second finding goes to stderr, which replaced the broken sink.
    let _again = rt.spawn_named("forgetful-too", poll_fn(|_cx| Poll::<()>::Pending));
    rt.run_until_idle().unwrap();
    assert_eq!(calls.get(), 1, "the sink that panicked is not called again");
    assert_eq!(events.borrow().len(), 2);
}

//! A runtime costs nothing until it is used: the first `block_on` of a
//! runtime nothing has used polls its future before the loop exists, and
//! builds the loop only when the future needs it (`executor/first_poll.rs`).
//! Every test here takes that path: debug mode, which watches the first
//! poll, is off (it is on by default in debug builds).

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use evloop::inspect::LoopEventKind;
use evloop::sync::Event;
use evloop::{Runtime, TaskState};

/// A runtime whose loop waits for its first use.
fn lazy() -> Runtime {
    Runtime::builder().debug(false).build()
}

fn lazy_virtual() -> Runtime {
    Runtime::builder().debug(false).virtual_clock().build()
}

#[test]
fn asking_how_the_loop_slept_does_not_build_it() {
    let rt = lazy();
    assert_eq!(rt.sleeps(), evloop::Sleeps::default());
    assert!(format!("{rt:?}").contains("not built yet"), "{rt:?}");
}

#[test]
fn a_future_ready_at_once_leaves_no_task_behind() {
    let rt = lazy();
    assert!(format!("{rt:?}").contains("not built yet"), "{rt:?}");
    assert_eq!(rt.block_on(async { 7 }), 7);
    assert_eq!(rt.block_on(async { 8 }), 8);
    assert!(
        format!("{rt:?}").contains("not built yet"),
        "no loop was needed"
    );
    let snap = rt.snapshot();
    assert!(snap.tasks.is_empty(), "{:?}", snap.tasks);
    assert!(
        format!("{rt:?}").contains("live_tasks"),
        "a snapshot builds it: {rt:?}"
    );
    let h = rt.spawn(async { 1 });
    assert_eq!(
        h.id().as_u64(),
        1,
        "the loop, built now, starts from task #1"
    );
}

#[test]
fn spawning_in_the_first_poll_builds_the_loop_with_the_root_as_task_1() {
    let rt = lazy();
    let out = rt.block_on(async {
        let child = evloop::spawn_named("child", async { 2 });
        child.await.unwrap() * 10
    });
    assert_eq!(out, 20);
    let snap = rt.snapshot();
    let main = snap.task_named("main").expect("the root is a task");
    assert_eq!(main.id.as_u64(), 1);
    assert_eq!(main.state, TaskState::Done);
    assert_eq!(main.polls, 2, "its first poll counts");
    let child = snap.task_named("child").unwrap();
    assert_eq!(child.id.as_u64(), 2);
    assert_eq!(child.parent, Some(main.id));
}

#[test]
fn the_root_knows_itself_in_its_first_poll() {
    let rt = lazy();
    let me =
        rt.block_on(async { evloop::current_task().map(|t| (t.id.as_u64(), t.name, t.state)) });
    assert_eq!(me, Some((1, "main".to_string(), TaskState::Running)));
}

#[test]
fn a_timer_set_in_the_first_poll_wakes_the_root() {
    let rt = lazy_virtual();
    rt.block_on(evloop::sleep(Duration::from_secs(3)));
    assert_eq!(rt.now().since_start(), Duration::from_secs(3));
    let main = rt.snapshot().task_named("main").cloned().unwrap();
    assert_eq!(main.polls, 2);
}

#[test]
fn a_yield_in_the_first_poll_polls_the_root_again() {
    let rt = lazy();
    rt.block_on(evloop::yield_now());
    let main = rt.snapshot().task_named("main").cloned().unwrap();
    assert_eq!((main.state, main.polls), (TaskState::Done, 2));
}

/// Blocks on a future whose first poll keeps a waker (made by `keep` from
/// the one it is lent) that another thread wakes 20 ms later.
fn woken_from_another_thread(keep: fn(&Waker) -> Waker) {
    let rt = lazy();
    let done = Arc::new(AtomicBool::new(false));
    let mut started = false;
    rt.block_on(poll_fn(|cx| {
        if done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        if !started {
            started = true;
            let (done, waker) = (done.clone(), keep(cx.waker()));
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                done.store(true, Ordering::Release);
                waker.wake();
            });
        }
        Poll::Pending
    }));
    assert!(done.load(Ordering::Acquire));
}

#[test]
fn a_waker_kept_in_the_first_poll_wakes_the_root_from_another_thread() {
    woken_from_another_thread(Waker::clone);
}

#[test]
fn a_waker_cloned_on_another_thread_during_the_first_poll_reaches_the_root() {
    // The clone is made on a scoped thread, inside the poll, before the
    // loop exists; it is used after the poll, from a third one.
    woken_from_another_thread(|lent| {
        std::thread::scope(|s| s.spawn(move || lent.clone()).join().unwrap())
    });
}

#[test]
fn the_runtime_can_be_used_from_inside_its_first_poll() {
    let rt = lazy_virtual();
    let out = rt.block_on(async {
        let h = rt.spawn_named("from-outside-api", async { 5 });
        assert_eq!(rt.snapshot().task_named("main").unwrap().id.as_u64(), 1);
        h.await.unwrap()
    });
    assert_eq!(out, 5);
}

#[test]
fn a_panic_in_the_first_poll_leaves_the_runtime_whole() {
    let rt = lazy();
    let caught = catch_unwind(AssertUnwindSafe(|| rt.block_on(async { panic!("boom") })));
    assert!(caught.is_err());
    assert_eq!(rt.block_on(async { 3 }), 3);
    assert!(rt.snapshot().tasks.is_empty());
    // And after the loop exists, a panic in a later first poll is the root's.
    let h = rt.spawn(async { 4 });
    let caught = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            evloop::yield_now().await;
            panic!("later")
        })
    }));
    assert!(caught.is_err());
    assert_eq!(rt.block_on(h).unwrap(), 4);
}

#[test]
fn a_panic_after_the_loop_was_built_in_the_first_poll_is_the_roots() {
    let rt = lazy();
    let caught = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            let _h = evloop::spawn_named("left", std::future::pending::<()>());
            panic!("after building")
        })
    }));
    assert!(caught.is_err());
    let snap = rt.snapshot();
    assert_eq!(snap.task_named("main").unwrap().state, TaskState::Panicked);
    assert_eq!(snap.task_named("left").unwrap().state, TaskState::Ready);
}

#[test]
fn a_deadlock_in_the_first_poll_is_reported_with_the_root_as_task_1() {
    let rt = lazy_virtual();
    let never = Event::named("never");
    let err = rt.try_block_on(async { never.wait().await }).unwrap_err();
    let report = err.stall().expect("a deadlock").to_string();
    assert!(
        report.contains("'main' (#1) waits on event never"),
        "{report}"
    );
}

#[test]
fn a_root_nothing_can_wake_after_its_first_poll_is_a_stall() {
    let rt = lazy_virtual();
    let err = rt.try_block_on(std::future::pending::<()>()).unwrap_err();
    assert!(err.stall().is_some(), "{err}");
    // The runtime goes on.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn a_runtime_that_watches_its_first_poll_is_built_at_once() {
    let rt = Runtime::builder().debug(false).event_log(64).build();
    rt.block_on(async {});
    let kinds: Vec<_> = rt.events().recorded().into_iter().map(|e| e.kind).collect();
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, LoopEventKind::Polled { task, .. } if task.as_u64() == 1)),
        "{kinds:?}"
    );
}

/// A future that counts its polls and is ready at the `n`th.
struct ReadyAt {
    polls: Rc<Cell<u32>>,
    n: u32,
}

impl Future for ReadyAt {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.polls.get() >= self.n {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn the_future_is_polled_as_often_as_on_a_built_loop() {
    for n in 1..4 {
        let (on_lazy, on_built) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        lazy().block_on(ReadyAt {
            polls: on_lazy.clone(),
            n,
        });
        let built = lazy();
        built.snapshot(); // builds the loop
        built.block_on(ReadyAt {
            polls: on_built.clone(),
            n,
        });
        assert_eq!(on_lazy.get(), on_built.get());
        assert_eq!(on_lazy.get(), n);
    }
}

#[test]
fn dropping_a_runtime_built_in_its_first_poll_cancels_what_is_left() {
    let dropped = Rc::new(Cell::new(false));
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let rt = lazy();
    let flag = Flag(dropped.clone());
    rt.block_on(async move {
        drop(evloop::spawn(async move {
            let _flag = flag;
            std::future::pending::<()>().await
        }));
    });
    assert!(!dropped.get());
    drop(rt);
    assert!(
        dropped.get(),
        "the loop built in the first poll was shut down"
    );
}

#[test]
fn a_future_that_built_the_loop_and_finished_in_its_first_poll_is_not_polled_again() {
    let rt = lazy();
    // An `async` block panics if it is polled after it finished: the output
    // of its first poll must be the one `block_on` returns.
    let out = rt.block_on(async {
        drop(evloop::spawn_named("left", async {}));
        3
    });
    assert_eq!(out, 3);
    let snap = rt.snapshot();
    let main = snap.task_named("main").expect("the spawn built the loop");
    assert_eq!(main.state, TaskState::Done);
    assert_eq!(main.polls, 1);
}

#[test]
fn a_note_left_by_a_first_poll_that_finished_is_not_kept() {
    let name: Rc<str> = "front".into();
    let rt = lazy();
    let out = rt.block_on(poll_fn(|_| {
        evloop::task::note_wait(evloop::WaitOn::Primitive {
            kind: "door",
            name: name.clone(),
        });
        Poll::Ready(4)
    }));
    assert_eq!(out, 4);
    assert!(format!("{rt:?}").contains("not built yet"));
    assert_eq!(
        Rc::strong_count(&name),
        1,
        "nobody will read the note: this thread does not keep it"
    );
}

#[test]
fn a_future_that_lent_its_waker_to_another_thread_and_finished_lets_it_go() {
    // The clone on another thread makes a forwarding waker, which the first
    // poll owns: finishing at once must not skip letting it go (the poll's
    // quick way out forgets the stand-in waker only when it owns nothing;
    // under Miri, which CI runs on this file, one forgotten here leaks).
    let rt = lazy();
    let mut kept = None;
    let out = rt.block_on(poll_fn(|cx| {
        let lent = cx.waker();
        kept = Some(std::thread::scope(|s| {
            s.spawn(move || lent.clone()).join().unwrap()
        }));
        Poll::Ready(5)
    }));
    assert_eq!(out, 5);
    assert!(format!("{rt:?}").contains("not built yet"));
    let kept = kept.unwrap();
    // Nobody is left to wake: the wake goes nowhere, on any thread.
    std::thread::spawn(move || kept.wake()).join().unwrap();
    assert_eq!(rt.block_on(async { 6 }), 6);
}

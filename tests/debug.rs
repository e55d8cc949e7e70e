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
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(10) {
            std::hint::spin_loop();
        }
    }));
    rt.run_until_done().unwrap();
    let found = found.borrow();
    assert!(
        matches!(&found[..], [Diagnostic::SlowPoll { name, took, .. }] if name == "hog" && *took >= Duration::from_millis(10)),
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

//! Listeners may do anything but drive the loop, at any moment: subscribe,
//! unsubscribe, start or stop the log, cancel and wake tasks, even while
//! handling an event that a wake or a spawn inside a task raised.

mod util;

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use evloop::inspect::{LoopEvent, LoopEventKind, PollResult};
use evloop::{Runtime, TaskId};
use util::virtual_rt;

/// A runtime behind an `Rc`, and a weak handle a listener can hold.
fn shared_rt() -> (Rc<Runtime>, Weak<Runtime>) {
    let (rt, _) = virtual_rt();
    let rt = Rc::new(rt);
    let weak = Rc::downgrade(&rt);
    (rt, weak)
}

#[test]
fn a_listener_can_unsubscribe_itself() {
    let (rt, weak) = shared_rt();
    let me = Rc::new(RefCell::new(None));
    let seen = Rc::new(RefCell::new(0));
    let (me2, seen2) = (me.clone(), seen.clone());
    let sub = rt.events().subscribe(move |_: &LoopEvent| {
        *seen2.borrow_mut() += 1;
        if let (Some(rt), Some(sub)) = (weak.upgrade(), me2.borrow_mut().take()) {
            assert!(rt.events().unsubscribe(sub), "the listener was subscribed");
        }
    });
    *me.borrow_mut() = Some(sub);
    let _t = rt.spawn(async { evloop::yield_now().await });
    rt.run_until_done().unwrap();
    assert_eq!(*seen.borrow(), 1, "it saw the first event, then left");
}

#[test]
fn a_listener_can_subscribe_another() {
    let (rt, weak) = shared_rt();
    let second = Rc::new(RefCell::new(Vec::new()));
    let done = Rc::new(RefCell::new(false));
    let (second2, done2) = (second.clone(), done.clone());
    rt.events().subscribe(move |_: &LoopEvent| {
        if !done2.replace(true)
            && let Some(rt) = weak.upgrade()
        {
            let second3 = second2.clone();
            rt.events()
                .subscribe(move |e: &LoopEvent| second3.borrow_mut().push(e.clone()));
        }
    });
    let _t = rt.spawn(async { evloop::yield_now().await });
    rt.run_until_done().unwrap();
    assert!(
        !second.borrow().is_empty(),
        "the listener subscribed from inside a listener hears later events"
    );
}

#[test]
fn a_listener_can_start_and_stop_the_event_log() {
    let (rt, weak) = shared_rt();
    let count = Rc::new(RefCell::new(0));
    let count2 = count.clone();
    rt.events().subscribe(move |_: &LoopEvent| {
        let n = {
            let mut c = count2.borrow_mut();
            *c += 1;
            *c
        };
        if let Some(rt) = weak.upgrade() {
            match n {
                1 => rt.events().record(100),
                4 => rt.events().stop_recording(),
                6 => rt.events().record(100),
                _ => {}
            }
        }
    });
    let _t = rt.spawn(async {
        for _ in 0..5 {
            evloop::yield_now().await;
        }
    });
    rt.run_until_done().unwrap();
    assert!(*count.borrow() > 6);
    assert!(
        !rt.events().recorded().is_empty(),
        "the log restarted by the listener records"
    );
}

#[test]
fn a_listener_can_cancel_a_task_while_handling_a_wake_raised_inside_a_task() {
    let (rt, weak) = shared_rt();
    let victim: Rc<RefCell<Option<TaskId>>> = Rc::default();
    let victim2 = victim.clone();
    let cancelled = Rc::new(RefCell::new(None));
    let cancelled2 = cancelled.clone();
    rt.events().subscribe(move |e: &LoopEvent| {
        // A wake made inside the waker task's poll: cancel the woken task.
        if let LoopEventKind::Woken { task, .. } = e.kind
            && Some(task) == *victim2.borrow()
            && cancelled2.borrow().is_none()
            && let Some(rt) = weak.upgrade()
        {
            *cancelled2.borrow_mut() = Some(rt.cancel(task));
        }
    });
    let gate = evloop::sync::Event::new();
    let gate2 = gate.clone();
    let sleeper = rt.spawn_named("sleeper", async move { gate2.wait().await });
    *victim.borrow_mut() = Some(sleeper.id());
    let _t = rt.spawn_named("waker", async move { gate.set() });
    rt.run_until_done().unwrap();
    assert!(cancelled.borrow().is_some(), "the listener ran");
    assert!(rt.block_on(sleeper).unwrap_err().is_cancelled());
}

#[test]
fn a_listener_can_wake_a_task_while_handling_a_spawn_inside_a_task() {
    let (rt, weak) = shared_rt();
    let parked: Rc<RefCell<Option<TaskId>>> = Rc::default();
    let parked2 = parked.clone();
    rt.events().subscribe(move |e: &LoopEvent| {
        if let LoopEventKind::Spawned { name, .. } = &e.kind
            && name == "child"
            && let (Some(rt), Some(id)) = (weak.upgrade(), *parked2.borrow())
        {
            rt.wake(id).expect("the parked task is live");
        }
    });
    let kept: Rc<RefCell<Option<std::task::Waker>>> = Rc::default();
    let keep = kept.clone();
    let h = rt.spawn_named("parked", async move {
        // Pending once (its waker kept where nobody calls it), then done at
        // the next poll, whoever wakes it.
        let mut first = true;
        std::future::poll_fn(move |cx| {
            if std::mem::take(&mut first) {
                *keep.borrow_mut() = Some(cx.waker().clone());
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await
    });
    *parked.borrow_mut() = Some(h.id());
    rt.run_until_idle().unwrap();
    let _t = rt.spawn_named("parent", async {
        evloop::spawn_named("child", async {}).await.unwrap();
    });
    rt.run_until_done().unwrap();
    assert!(
        h.is_finished(),
        "the listener's wake reached the parked task"
    );
}

#[test]
fn a_timer_fires_before_the_task_it_wakes_is_reported_ready() {
    let (rt, _) = virtual_rt();
    rt.events().record(1000);
    let h = rt.spawn_named("sleeper", evloop::sleep(Duration::from_secs(1)));
    rt.run_until_done().unwrap();
    let id = h.id();
    let events = rt.events().recorded();
    let fired = events
        .iter()
        .position(|e| matches!(e.kind, LoopEventKind::TimerFired { owner: Some(o), .. } if o == id))
        .expect("the timer fired");
    let woken = events
        .iter()
        .position(
            |e| matches!(e.kind, LoopEventKind::Woken { task, cause: evloop::WakeCause::Timer } if task == id),
        )
        .expect("the task was woken by its timer");
    assert!(
        fired < woken,
        "the cause comes before its effect: {:?}",
        util::lines(&events)
    );
}

#[test]
fn wakes_are_counted_the_same_from_the_loop_and_from_other_threads() {
    let count = |remote: bool| {
        let (rt, _) = virtual_rt();
        let slot: Rc<RefCell<Option<std::task::Waker>>> = Rc::default();
        let slot2 = slot.clone();
        let h = rt.spawn_named("t", async move {
            std::future::poll_fn(|cx| {
                if slot2.borrow().is_some() {
                    return std::task::Poll::Ready(());
                }
                *slot2.borrow_mut() = Some(cx.waker().clone());
                std::task::Poll::Pending
            })
            .await
        });
        rt.run_until_idle().unwrap();
        let waker = slot.borrow().clone().unwrap();
        let guard = rt.external_work();
        if remote {
            std::thread::spawn(move || {
                waker.wake_by_ref();
                waker.wake_by_ref(); // a duplicate: the task is queued already
                drop(guard);
            })
            .join()
            .unwrap();
        } else {
            // From another task of the loop, inside its poll.
            let _t = rt.spawn(async move {
                waker.wake_by_ref();
                waker.wake_by_ref(); // a duplicate: the task is queued already
                drop(guard);
            });
        }
        rt.run_until_done().unwrap();
        assert!(h.is_finished());
        rt.snapshot().task(h.id()).unwrap().wakes
    };
    assert_eq!(count(false), count(true));
}

/// Subscribes a listener that panics at each event `kind` matches, and one
/// that counts every event; returns the count and the panicking one's calls.
fn a_panicking_and_a_counting_listener(
    rt: &Runtime,
    kind: fn(&LoopEventKind) -> bool,
) -> (Rc<RefCell<u32>>, Rc<RefCell<u32>>) {
    let seen = Rc::new(RefCell::new(0));
    let counter = seen.clone();
    rt.events()
        .subscribe(move |_: &LoopEvent| *counter.borrow_mut() += 1);
    let calls = Rc::new(RefCell::new(0));
    let its = calls.clone();
    rt.events().subscribe(move |e: &LoopEvent| {
        *its.borrow_mut() += 1;
        if kind(&e.kind) {
            panic!("a listener's own bug");
        }
    });
    (seen, calls)
}

#[test]
fn a_listener_that_panics_is_unsubscribed_and_takes_no_other_listener_with_it() {
    let (rt, _) = virtual_rt();
    let (seen, calls) =
        a_panicking_and_a_counting_listener(&rt, |k| matches!(k, LoopEventKind::Completed { .. }));
    let first = rt.spawn(async {});
    rt.run_until_done().unwrap();
    let heard_by_the_broken_one = *calls.borrow();
    let before = *seen.borrow();
    let second = rt.spawn(async {});
    rt.run_until_done().unwrap();
    assert!(
        *seen.borrow() > before,
        "the counting listener still hears the loop ({before} events before, {} after)",
        seen.borrow()
    );
    assert_eq!(
        *calls.borrow(),
        heard_by_the_broken_one,
        "the listener that panicked hears nothing more"
    );
    assert!(first.is_finished() && second.is_finished());
}

#[test]
fn a_listener_that_panics_while_a_poll_ends_leaves_the_task_whole() {
    // The "polled" event comes between the poll and the task's next state:
    // a panic let out of there left the task running forever.
    let (rt, _) = virtual_rt();
    let (_, calls) =
        a_panicking_and_a_counting_listener(&rt, |k| matches!(k, LoopEventKind::Polled { .. }));
    let h = rt.spawn(async { 5 });
    rt.run_until_done().unwrap();
    assert_eq!(*calls.borrow(), 2, "spawned, then polled: its last event");
    let snap = rt.snapshot();
    assert!(
        snap.tasks
            .iter()
            .all(|t| t.state == evloop::TaskState::Done),
        "the task finished: {snap}"
    );
    assert_eq!(rt.block_on(h).unwrap(), 5);
}

#[test]
fn a_listener_subscribed_by_a_listener_hears_from_the_next_event_on() {
    let (rt, weak) = shared_rt();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let once = Rc::new(RefCell::new(true));
    let (heard2, once2) = (heard.clone(), once.clone());
    rt.events().subscribe(move |e: &LoopEvent| {
        if once2.replace(false) {
            let first = e.clone();
            let heard3 = heard2.clone();
            weak.upgrade()
                .unwrap()
                .events()
                .subscribe(move |e: &LoopEvent| heard3.borrow_mut().push(e.clone()));
            // The new listener is not called with the event that made it.
            heard2.borrow_mut().push(first);
        }
    });
    let _t = rt.spawn_named("t", async {});
    rt.run_until_done().unwrap();
    let heard = heard.borrow();
    assert!(heard.len() > 2, "{heard:?}");
    assert_ne!(
        heard[0], heard[1],
        "the first event is heard once: {heard:?}"
    );
}

#[test]
fn a_delivered_event_lets_go_of_what_it_shares() {
    // A "polled" event whose task noted a primitive's wait shares the
    // primitive's name; most events own nothing and are not even dropped,
    // but this one must be.
    let (rt, _) = virtual_rt();
    let heard = Rc::new(RefCell::new(0));
    let counter = heard.clone();
    rt.events().subscribe(move |e: &LoopEvent| {
        if let LoopEventKind::Polled {
            waiting_on: Some(evloop::WaitOn::Primitive { .. }),
            ..
        } = e.kind
        {
            *counter.borrow_mut() += 1;
        }
    });
    let name: Rc<str> = "front".into();
    let shared = name.clone();
    let mut first = true;
    let _door = rt.spawn(std::future::poll_fn(move |cx| {
        if std::mem::take(&mut first) {
            evloop::task::note_wait(evloop::WaitOn::Primitive {
                kind: "door",
                name: shared.clone(),
            });
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    }));
    rt.run_until_done().unwrap();
    assert_eq!(*heard.borrow(), 1, "the listener heard the wait");
    drop(_door);
    assert_eq!(Rc::strong_count(&name), 1, "nothing kept the name");
}

#[test]
fn a_wake_a_listener_makes_is_reported_right_after_the_event_that_caused_it() {
    let (rt, _) = virtual_rt();
    // A task parked with its waker kept where nobody calls it.
    let kept: Rc<RefCell<Option<std::task::Waker>>> = Rc::default();
    let keep = kept.clone();
    let mut first = true;
    let parked = rt.spawn_named(
        "parked",
        std::future::poll_fn(move |cx| {
            if std::mem::take(&mut first) {
                *keep.borrow_mut() = Some(cx.waker().clone());
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        }),
    );
    rt.run_until_idle().unwrap();
    let story = Rc::new(RefCell::new(Vec::new()));
    let heard = story.clone();
    rt.events()
        .subscribe(move |e: &LoopEvent| heard.borrow_mut().push(e.kind.clone()));
    let parked_id = parked.id();
    let yielder = rt.spawn_named("yielder", evloop::yield_now());
    let yielder_id = yielder.id();
    let once = Rc::new(RefCell::new(true));
    rt.events().subscribe(move |e: &LoopEvent| {
        if let LoopEventKind::Woken { task, .. } = e.kind
            && task == yielder_id
            && once.replace(false)
        {
            // A plain waker, as a listener holding one would call it (not
            // `Runtime::wake`, which takes the wake in itself).
            kept.borrow().as_ref().unwrap().wake_by_ref();
        }
    });
    rt.run_until_done().unwrap();
    let story = story.borrow();
    let at = story
        .iter()
        .position(|k| matches!(k, LoopEventKind::Woken { task, .. } if *task == yielder_id))
        .expect("the yielder is woken by its yield");
    assert!(
        matches!(story[at + 1], LoopEventKind::Woken { task, .. } if task == parked_id),
        "the listener's wake comes next, before any poll: {story:#?}"
    );
}

/// A task that computes for `d` in one poll, then ends.
async fn compute_for(d: Duration) {
    let start = std::time::Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// The durations of every poll a listener heard, on the real clock with
/// debug mode off and poll timing as given.
fn heard_poll_times(timing: bool) -> Vec<Duration> {
    let rt = Runtime::builder().debug(false).poll_timing(timing).build();
    let took = Rc::new(RefCell::new(Vec::new()));
    let sink = took.clone();
    rt.events().subscribe(move |e| {
        if let LoopEventKind::Polled { took, .. } = e.kind {
            sink.borrow_mut().push(took);
        }
    });
    let _t = rt.spawn(compute_for(Duration::from_millis(3)));
    rt.run_until_done().unwrap();
    took.take()
}

#[test]
fn a_listener_alone_does_not_turn_poll_timing_on() {
    // Two clock reads per poll would double the price of being watched; a
    // listener that wants durations asks for them.
    assert_eq!(heard_poll_times(false), [Duration::ZERO]);
    let timed = heard_poll_times(true);
    assert_eq!(timed.len(), 1);
    assert!(timed[0] >= Duration::from_millis(3), "{timed:?}");
}

#[test]
fn untimed_events_carry_the_time_of_their_turn() {
    let rt = Runtime::builder().debug(false).build();
    let log = Rc::new(RefCell::new(Vec::new()));
    let sink = log.clone();
    rt.events()
        .subscribe(move |e| sink.borrow_mut().push((e.at, e.kind.clone())));
    let before = rt.now();
    let _a = rt.spawn(compute_for(Duration::from_millis(2)));
    let _b = rt.spawn(async {
        evloop::sleep(Duration::from_millis(5)).await;
    });
    rt.run_until_done().unwrap();
    let after = rt.now();
    let log = log.take();
    let times: Vec<_> = log.iter().map(|(at, _)| *at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order: {log:?}");
    assert!(
        times.iter().all(|t| (before..=after).contains(t)),
        "{log:?}"
    );
    // The timer's events come from the turn that found it due: at or after
    // its deadline, though no clock was read for the event itself.
    let fired = log
        .iter()
        .find(|(_, k)| matches!(k, LoopEventKind::TimerFired { .. }))
        .expect("the timer fired");
    assert!(fired.0 >= before + Duration::from_millis(5), "{log:?}");
    // One reading per turn: the wake the timer made shares its time, and the
    // first polls of `a` and `b`, one turn, share theirs, though `a`
    // computed for 2 ms between them.
    let woken = log
        .iter()
        .find(|(_, k)| matches!(k, LoopEventKind::Woken { .. }))
        .expect("the timer woke b");
    assert_eq!(woken.0, fired.0, "{log:?}");
    let polled: Vec<_> = log
        .iter()
        .filter(|(_, k)| matches!(k, LoopEventKind::Polled { .. }))
        .map(|(at, _)| *at)
        .collect();
    assert_eq!(polled[0], polled[1], "{log:?}");
}

#[test]
fn a_polled_event_tells_its_duration_only_when_it_was_timed() {
    let shown = |timing: bool| {
        let rt = Runtime::builder().debug(false).poll_timing(timing).build();
        rt.events().record(16);
        let _t = rt.spawn(compute_for(Duration::from_millis(1)));
        rt.run_until_done().unwrap();
        let polled: Vec<String> = rt
            .events()
            .recorded()
            .iter()
            .filter(|e| matches!(e.kind, LoopEventKind::Polled { .. }))
            .map(|e| e.to_string())
            .collect();
        assert_eq!(polled.len(), 1, "{polled:?}");
        polled[0].clone()
    };
    let untimed = shown(false);
    assert!(untimed.ends_with("polled #1 → Ready"), "{untimed}");
    let timed = shown(true);
    assert!(timed.contains("polled #1 → Ready in "), "{timed}");
}

#[test]
fn a_task_cancelled_between_its_wake_and_the_take_in_is_not_reported_woken() {
    // The waker task wakes the sleeper, then cancels it, in one poll: the
    // sleeper sits in the ready queue, finished, when the poll's wakes are
    // taken in. Listeners hear that it was cancelled, not that it is ready.
    let (rt, _) = virtual_rt();
    rt.events().record(100);
    let gate = evloop::sync::Event::new();
    let gate2 = gate.clone();
    let sleeper = rt.spawn_named("sleeper", async move { gate2.wait().await });
    let stop = sleeper.cancel_handle();
    let _t = rt.spawn_named("waker", async move {
        evloop::yield_now().await; // the sleeper is parked by now
        gate.set();
        stop.cancel();
    });
    // Sleeper parks; waker yields; waker wakes and cancels the sleeper.
    for _ in 0..3 {
        rt.step().expect("a task was ready");
    }
    let id = sleeper.id();
    assert!(
        !rt.snapshot().ready.contains(&id),
        "a finished task left in the queue is not shown as ready"
    );
    rt.run_until_done().unwrap();
    let about_it: Vec<String> = rt
        .events()
        .recorded()
        .iter()
        .filter(|e| match e.kind {
            LoopEventKind::Woken { task, .. } | LoopEventKind::Cancelled { task, .. } => task == id,
            _ => false,
        })
        .map(|e| e.without_timing().to_string())
        .collect();
    assert_eq!(about_it.len(), 1, "{about_it:#?}");
    assert!(about_it[0].contains("cancelled"), "{about_it:#?}");
    assert!(rt.block_on(sleeper).unwrap_err().is_cancelled());
    assert!(rt.snapshot().ready.is_empty(), "nothing left queued");
}

// ----- a listener alone ------------------------------------------------------
//
// With exactly one listener and no log, an event goes to it the short way
// (no loop over the list, no call). The first event after a subscribe still
// takes the general way, which brings the list up to date, so each test
// below acts at a later event: on the short way.

/// Subscribes one listener that counts events and, at the `at`-th, does
/// `act`; returns the count.
fn alone_acting_at(
    rt: &Rc<Runtime>,
    at: u32,
    act: impl Fn(&Runtime) + 'static,
) -> Rc<RefCell<u32>> {
    let weak = Rc::downgrade(rt);
    let count = Rc::new(RefCell::new(0));
    let counter = count.clone();
    rt.events().subscribe(move |_: &LoopEvent| {
        let n = {
            let mut c = counter.borrow_mut();
            *c += 1;
            *c
        };
        if n == at
            && let Some(rt) = weak.upgrade()
        {
            act(&rt);
        }
    });
    count
}

/// A task that yields `n` times: two events a yield.
fn yielder(rt: &Runtime, n: usize) {
    let _t = rt.spawn(async move {
        for _ in 0..n {
            evloop::yield_now().await;
        }
    });
}

#[test]
fn a_listener_alone_that_panics_hears_nothing_more_and_the_loop_goes_on() {
    let (rt, _) = shared_rt();
    let count = alone_acting_at(&rt, 4, |_| panic!("a listener's own bug"));
    yielder(&rt, 5);
    rt.run_until_done().unwrap();
    assert_eq!(*count.borrow(), 4, "it heard up to its panic, then nothing");
    assert!(
        rt.snapshot()
            .tasks
            .iter()
            .all(|t| t.state == evloop::TaskState::Done)
    );
}

/// What a listener alone hears while three yields run, when at its fourth
/// event it spawns a task named `caused` and then does `then`. Asserts
/// that the spawn is the fifth event heard, right after its cause.
fn heard_when_a_listener_alone_spawns(then: impl Fn(&Runtime) + 'static) -> Vec<LoopEventKind> {
    let (rt, weak) = shared_rt();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let heard2 = heard.clone();
    let spawned = Rc::new(RefCell::new(false));
    rt.events().subscribe(move |e: &LoopEvent| {
        heard2.borrow_mut().push(e.kind.clone());
        if heard2.borrow().len() == 4
            && !spawned.replace(true)
            && let Some(rt) = weak.upgrade()
        {
            rt.spawn_named("caused", async {}).detach();
            then(&rt);
        }
    });
    yielder(&rt, 3);
    rt.run_until_done().unwrap();
    let heard = heard.take();
    assert!(
        matches!(&heard[4], LoopEventKind::Spawned { name, .. } if *name == "caused"),
        "the spawn the fourth event caused is the fifth: {heard:#?}"
    );
    heard
}

#[test]
fn the_events_a_listener_alone_causes_are_heard_right_after() {
    let heard = heard_when_a_listener_alone_spawns(|_| {});
    let caused = heard[4].task().unwrap();
    assert!(
        heard.contains(&LoopEventKind::Completed { task: caused }),
        "and the task it spawned is heard to the end: {heard:#?}"
    );
}

/// As above, but the listener then starts the log and stops it again
/// before it returns: it is alone once more, and the event it caused must
/// still be heard right after its own, not left waiting.
#[test]
fn the_events_a_listener_alone_causes_are_heard_right_after_a_log_it_started_and_stopped() {
    heard_when_a_listener_alone_spawns(|rt| {
        rt.events().record(8);
        rt.events().stop_recording();
    });
}

#[test]
fn a_listener_alone_that_unsubscribes_itself_is_dropped_before_the_next_event() {
    // Acting at the last event of the run: no later dispatch could drop it.
    struct Dropped(Rc<RefCell<bool>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            *self.0.borrow_mut() = true;
        }
    }
    let (rt, weak) = shared_rt();
    let dropped = Rc::new(RefCell::new(false));
    let guard = Dropped(dropped.clone());
    let me = Rc::new(RefCell::new(None));
    let me2 = me.clone();
    let sub = rt.events().subscribe(move |e: &LoopEvent| {
        let _keep = &guard;
        if matches!(e.kind, LoopEventKind::Completed { .. })
            && let (Some(rt), Some(id)) = (weak.upgrade(), me2.borrow_mut().take())
        {
            assert!(rt.events().unsubscribe(id));
        }
    });
    *me.borrow_mut() = Some(sub);
    yielder(&rt, 2);
    rt.run_until_done().unwrap();
    assert!(
        *dropped.borrow(),
        "the listener let go of what it held when its dispatch ended"
    );
}

#[test]
fn a_listener_whose_drop_spawns_as_it_leaves_the_log_alone_is_heard_in_order() {
    // The listener unsubscribes itself; the dispatch drops it, which leaves
    // the log alone, while that dispatch is still under way; its drop spawns.
    struct SpawnsOnDrop(Weak<Runtime>);
    impl Drop for SpawnsOnDrop {
        fn drop(&mut self) {
            if let Some(rt) = self.0.upgrade() {
                drop(rt.spawn_named("from-drop", async {}));
            }
        }
    }
    let (rt, weak) = shared_rt();
    rt.events().record(100);
    let guard = SpawnsOnDrop(weak.clone());
    let me = Rc::new(RefCell::new(None));
    let me2 = me.clone();
    let sub = rt.events().subscribe(move |_: &LoopEvent| {
        let _keep = &guard;
        if let (Some(rt), Some(id)) = (weak.upgrade(), me2.borrow_mut().take()) {
            assert!(rt.events().unsubscribe(id));
        }
    });
    *me.borrow_mut() = Some(sub);
    drop(rt.spawn(async {}));
    rt.run_until_done().unwrap();
    let spawned: Vec<String> = rt
        .events()
        .recorded()
        .into_iter()
        .filter_map(|e| match e.kind {
            LoopEventKind::Spawned { name, .. } => Some(name.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        spawned,
        ["task-1", "from-drop"],
        "after the event it was handling"
    );
}

#[test]
fn a_listener_alone_can_hand_over_to_the_log_and_back() {
    let (rt, _) = shared_rt();
    let count = alone_acting_at(&rt, 3, |rt| rt.events().record(1000));
    yielder(&rt, 3);
    rt.run_until_done().unwrap();
    let logged = rt.events().recorded().len() as u32;
    assert_eq!(
        logged + 3,
        *count.borrow(),
        "the log has every event from the one after it started"
    );
    rt.events().stop_recording();
    let before = *count.borrow();
    yielder(&rt, 2);
    rt.run_until_done().unwrap();
    // Spawned, three polls, two wakes, done.
    assert_eq!(
        *count.borrow() - before,
        7,
        "and the listener still hears all"
    );
}

#[test]
fn a_listener_alone_that_starts_the_log_at_a_poll_leaves_the_wakes_of_that_poll_to_both() {
    // The loop hands a poll's events to a listener alone as one run: its
    // "polled", then the "ready"s the poll caused. A listener that starts
    // the log at the "polled" is alone no more, and the "ready" that follows
    // in the same run must reach the log too.
    let (rt, _) = shared_rt();
    let count = alone_acting_at(&rt, 2, |rt| rt.events().record(1000));
    yielder(&rt, 1);
    rt.run_until_done().unwrap();
    let logged: Vec<LoopEventKind> = rt.events().recorded().into_iter().map(|e| e.kind).collect();
    assert!(
        matches!(logged.first(), Some(LoopEventKind::Woken { .. })),
        "the first event logged is the wake of the poll that started the log: {logged:#?}"
    );
    assert_eq!(
        logged.len() as u32 + 2,
        *count.borrow(),
        "the log has every event after the second: {logged:#?}"
    );
}

#[test]
fn a_listener_subscribed_at_a_poll_by_a_listener_alone_hears_the_wakes_of_that_poll() {
    // As above, for the other change to who watches: a second listener,
    // subscribed at the "polled" of a run, hears the "ready" that follows.
    let (rt, _) = shared_rt();
    let second = Rc::new(RefCell::new(Vec::new()));
    let heard = second.clone();
    alone_acting_at(&rt, 2, move |rt| {
        let heard = heard.clone();
        rt.events()
            .subscribe(move |e: &LoopEvent| heard.borrow_mut().push(e.kind.clone()));
    });
    yielder(&rt, 1);
    rt.run_until_done().unwrap();
    let second = second.borrow();
    assert!(
        matches!(second.first(), Some(LoopEventKind::Woken { .. })),
        "the second listener's first event is the wake of the poll it was subscribed at: {second:#?}"
    );
}

#[test]
fn a_wake_a_listener_alone_makes_at_a_poll_is_heard_after_the_wakes_of_that_poll() {
    // The poll's own wakes were made first; the listener's comes after them.
    let (rt, _) = shared_rt();
    let ready = evloop::sync::Event::named("ready");
    let set = ready.clone();
    let waiter = rt.spawn_named("waiter", async move { ready.wait().await });
    let id = waiter.id();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let heard2 = heard.clone();
    rt.events().subscribe(move |e: &LoopEvent| {
        heard2.borrow_mut().push(e.kind.clone());
        if let LoopEventKind::Polled { task, .. } = e.kind
            && task != id
        {
            set.set();
        }
    });
    yielder(&rt, 1);
    rt.run_until_done().unwrap();
    drop(waiter);
    let heard = heard.borrow();
    let polled = heard
        .iter()
        .position(|k| matches!(k, LoopEventKind::Polled { task, .. } if *task != id))
        .expect("the yielder was polled");
    assert!(
        matches!(&heard[polled + 1], LoopEventKind::Woken { task, .. } if *task != id),
        "first the yielder's own wake: {heard:#?}"
    );
    assert!(
        matches!(&heard[polled + 2], LoopEventKind::Woken { task, .. } if *task == id),
        "then the wake the listener made: {heard:#?}"
    );
}

#[test]
fn a_poll_that_panics_is_heard_with_its_message() {
    // Its "polled" event is built apart from every other poll's: it copies
    // the message.
    let (rt, _) = shared_rt();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let heard2 = heard.clone();
    rt.events()
        .subscribe(move |e: &LoopEvent| heard2.borrow_mut().push(e.kind.clone()));
    let task = rt.spawn(async {
        evloop::yield_now().await;
        panic!("broken on purpose");
    });
    let id = task.id();
    rt.run_until_done().unwrap();
    let heard = heard.borrow();
    let polls: Vec<_> = heard
        .iter()
        .filter_map(|k| match k {
            LoopEventKind::Polled { task, result, .. } if *task == id => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        polls,
        [
            PollResult::Pending,
            PollResult::Panicked("broken on purpose".into())
        ],
        "{heard:#?}"
    );
}

#[test]
fn a_listener_subscribed_by_a_task_hears_nothing_of_the_wakes_made_before() {
    // Watching begins in the middle of a poll: the wakes already queued,
    // the poll's own among them, are not news; its "polled" event is.
    let (rt, weak) = shared_rt();
    let heard = Rc::new(RefCell::new(Vec::new()));
    let heard2 = heard.clone();
    let other = rt.spawn_named("other", async {
        evloop::yield_now().await;
        evloop::yield_now().await;
    });
    let t = rt.spawn_named("t", async move {
        evloop::yield_now().await; // the other task wakes itself meanwhile
        let rt = weak.upgrade().unwrap();
        rt.events()
            .subscribe(move |e: &LoopEvent| heard2.borrow_mut().push(e.kind.clone()));
        evloop::yield_now().await; // and this one wakes itself in the poll
    });
    let (t, other) = (t.id(), other.id());
    rt.run_until_done().unwrap();
    let heard = heard.borrow();
    assert!(
        !heard
            .iter()
            .any(|k| matches!(k, LoopEventKind::Woken { .. })),
        "no wake made before watching began is reported: {heard:#?}"
    );
    let polled: Vec<_> = heard
        .iter()
        .filter_map(|k| match k {
            LoopEventKind::Polled { task, .. } => Some(*task),
            _ => None,
        })
        .collect();
    assert_eq!(polled, [t, other, t], "{heard:#?}");
}

//! Timers and clocks: the heap, the virtual clock, advance, interval, timeout.
mod util;

use std::time::Duration;

use evloop::inspect::LoopEventKind;
use evloop::time::{Instant, MissedTickBehavior, interval, interval_at, sleep_until, timeout};
use evloop::{Runtime, Stop};
use util::{Trace, virtual_rt};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn an_hour_of_virtual_sleep_finishes_at_once_and_reads_one_hour() {
    let (rt, _) = virtual_rt();
    let wall = std::time::Instant::now();
    let elapsed = rt.block_on(async {
        let start = Instant::now();
        evloop::sleep(secs(3600)).await;
        start.elapsed()
    });
    assert_eq!(elapsed, secs(3600));
    assert_eq!(rt.now().since_start(), secs(3600));
    assert!(wall.elapsed() < secs(60), "virtual time took real time");
}

#[test]
fn advance_wakes_each_task_at_its_own_instant_in_order() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    for (name, ms) in [("c", 300), ("a", 100), ("b", 200), ("a2", 100)] {
        let t = trace.clone();
        drop(rt.spawn_named(name, async move {
            evloop::sleep(Duration::from_millis(ms)).await;
            t.push(format!("{name}@{}", Instant::now()));
        }));
    }
    rt.advance(Duration::from_millis(250)).unwrap();
    assert_eq!(trace.take(), ["a@0.100000s", "a2@0.100000s", "b@0.200000s"]);
    assert_eq!(rt.now(), Instant::from_start(Duration::from_millis(250)));
    rt.advance(Duration::from_millis(50)).unwrap();
    assert_eq!(
        trace.take(),
        ["c@0.300000s"],
        "a deadline at the span's end fires"
    );
}

#[test]
fn advance_on_the_real_clock_is_an_error_that_says_what_to_do() {
    let rt = Runtime::new();
    let err = rt.advance(secs(1)).unwrap_err();
    assert!(err.to_string().contains("run_for()"), "{err}");
}

#[test]
fn timers_fire_in_deadline_order_never_early() {
    let (rt, _) = virtual_rt();
    rt.events().record(10_000);
    let deadlines = [5u64, 1, 4, 1, 3, 2, 5, 0];
    for (i, d) in deadlines.into_iter().enumerate() {
        drop(rt.spawn_named(format!("t{i}"), async move {
            let at = Instant::from_start(secs(d));
            sleep_until(at).await;
            assert!(Instant::now() >= at, "woke early");
        }));
    }
    rt.run_until_done().unwrap();
    let fired: Vec<Instant> = rt
        .events()
        .recorded()
        .iter()
        .filter_map(|e| match e.kind {
            LoopEventKind::TimerFired { deadline, .. } => {
                assert!(e.at >= deadline);
                Some(deadline)
            }
            _ => None,
        })
        .collect();
    let mut sorted = fired.clone();
    sorted.sort();
    assert_eq!(fired, sorted);
    assert_eq!(
        fired.len(),
        7,
        "the zero-second sleep completes without a timer"
    );
}

#[test]
fn zero_past_and_huge_deadlines_do_not_panic() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        evloop::sleep(Duration::ZERO).await;
        evloop::sleep(secs(2)).await;
        sleep_until(Instant::START).await; // in the past
        assert!(timeout(Duration::MAX, async { 1 }).await.is_ok());
    });
    let forever = rt.spawn_named("forever", evloop::sleep(Duration::MAX));
    let report = rt.run_until_done();
    assert!(
        report.as_ref().is_err_and(|e| e.stall().is_some()),
        "a Duration::MAX sleep never fires, and the virtual clock does not jump to the end of time: {report:?}"
    );
    assert!(!forever.is_finished());
    assert_eq!(rt.now().since_start(), secs(2));
}

/// How many polls `future` takes to finish.
async fn polls_to_finish(future: impl std::future::Future) -> u32 {
    let mut future = std::pin::pin!(future);
    let mut polls = 0;
    std::future::poll_fn(|cx| {
        polls += 1;
        future.as_mut().poll(cx).map(|_| polls)
    })
    .await
}

/// On the real clock a sleep's first poll does not read the clock again.
/// A deadline at or before the clock's last reading completes at once: a
/// zero sleep, a deadline just read from `Instant::now`, one before the
/// turn began. One that passed only since (the task blocked past it) is
/// set as a timer, which the next turn fires: never early, a turn late.
#[test]
fn on_the_real_clock_a_sleep_knows_a_past_deadline_by_the_last_reading() {
    let rt = Runtime::builder().debug(false).build();
    rt.block_on(async {
        assert_eq!(polls_to_finish(evloop::sleep(Duration::ZERO)).await, 1);
        assert_eq!(polls_to_finish(sleep_until(Instant::now())).await, 1);
        assert_eq!(polls_to_finish(sleep_until(Instant::START)).await, 1);

        let deadline = Instant::now() + Duration::from_millis(1);
        std::thread::sleep(Duration::from_millis(3)); // past it, unread
        assert_eq!(polls_to_finish(sleep_until(deadline)).await, 2);
        assert!(Instant::now() >= deadline, "never early");
    });
    assert_eq!(rt.sleeps().slept, 0, "the timer fired at the next turn");
}

#[test]
fn a_dropped_sleep_does_not_keep_the_loop_awake() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let s = evloop::sleep(secs(100));
        drop(s);
        // Register a timer, then drop it.
        assert!(timeout(secs(1), async {}).await.is_ok());
        let _ = timeout(secs(50), evloop::sleep(secs(10))).await;
    });
    assert_eq!(rt.now().since_start(), secs(10));
    assert_eq!(rt.next_deadline(), None, "the timeout's timer was removed");
    assert!(rt.snapshot().timers.is_empty());
}

#[test]
fn timeout_elapses_and_drops_the_inner_future() {
    struct Flag(std::rc::Rc<std::cell::Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let (rt, _) = virtual_rt();
    let dropped = std::rc::Rc::new(std::cell::Cell::new(false));
    let d = dropped.clone();
    let out = rt.block_on(async move {
        timeout(secs(1), async move {
            let _f = Flag(d);
            evloop::sleep(secs(5)).await;
        })
        .await
    });
    let err = out.unwrap_err();
    assert_eq!(err.deadline(), Instant::from_start(secs(1)));
    assert!(err.to_string().contains("deadline has elapsed"));
    assert!(dropped.get());
    assert_eq!(rt.now().since_start(), secs(1));
}

#[test]
fn interval_skips_missed_ticks_instead_of_bursting() {
    let (rt, _) = virtual_rt();
    let ticks = rt.block_on(async {
        let mut every = interval(secs(1));
        let mut out = vec![every.tick().await];
        out.push(every.tick().await);
        evloop::sleep(Duration::from_millis(3500)).await; // now 4.5 s: ticks 2, 3, 4 missed
        out.push(every.tick().await); // the overdue tick 2 fires once, at once
        let late_at = Instant::now();
        out.push(every.tick().await); // 3 and 4 are skipped
        out.push(every.tick().await);
        assert_eq!(late_at.since_start(), Duration::from_millis(4500));
        out.into_iter().map(|i| i.since_start()).collect::<Vec<_>>()
    });
    assert_eq!(ticks, [secs(0), secs(1), secs(2), secs(5), secs(6)]);
}

#[test]
fn an_interval_of_zero_ticks_at_every_turn_and_lets_others_run_between() {
    let (rt, _) = virtual_rt();
    let other_ran = std::rc::Rc::new(std::cell::Cell::new(0));
    let o = other_ran.clone();
    rt.spawn(async move {
        for _ in 0..3 {
            o.set(o.get() + 1);
            evloop::yield_now().await;
        }
    })
    .detach();
    let seen = rt.block_on(async {
        let mut every = interval(Duration::ZERO);
        let mut seen = Vec::new();
        for _ in 0..3 {
            every.tick().await;
            seen.push(other_ran.get());
        }
        seen
    });
    // The other task was first in line; then it runs between every two ticks.
    assert_eq!(seen, [1, 2, 3], "the other task ran between two ticks");
    assert_eq!(rt.now().since_start(), Duration::ZERO);
}

#[test]
fn the_real_clock_sleeps_at_least_the_duration() {
    let rt = Runtime::builder().debug(false).build();
    let wall = std::time::Instant::now();
    rt.block_on(evloop::sleep(Duration::from_millis(30)));
    assert!(wall.elapsed() >= Duration::from_millis(30));
    assert!(rt.now().since_start() >= Duration::from_millis(30));
}

/// A loop learns how late its sleeps end, and waits for a deadline nearer
/// than that awake (it looks, and goes round): every timer still fires in
/// order and never early.
#[test]
fn deadlines_nearer_than_a_sleep_can_end_are_waited_for_awake_never_early() {
    let rt = Runtime::builder().debug(false).build();
    // Sixteen sleeps of 1 ms teach the loop how late a sleep ends here (a
    // parked thread may also wake early, which counts as a sleep).
    rt.block_on(async {
        for _ in 0..16 {
            evloop::sleep(Duration::from_millis(1)).await;
        }
    });
    let learned = rt.sleeps();
    assert!(learned.slept >= 16, "{learned:?}");
    assert!(learned.lateness > Duration::ZERO, "{learned:?}");
    // Deadlines half the lateness apart (a loop waits awake for the last
    // 50 µs at most): once the task catches up with them, each next one
    // is nearer than a sleep could end.
    let step = learned.lateness.min(Duration::from_micros(50)) / 2;
    let woke = rt.block_on(async move {
        let start = Instant::now();
        let mut woke = Vec::new();
        for i in 1..=400 {
            let at = start + step * i;
            sleep_until(at).await;
            woke.push((at, Instant::now()));
        }
        woke
    });
    for (at, woke) in &woke {
        assert!(woke >= at, "woke at {woke}, before its deadline {at}");
    }
    let after = rt.sleeps();
    if step >= Duration::from_micros(5) {
        assert!(after.looked > 0, "{after:?}");
    } else {
        // A machine that wakes within 10 µs leaves no room between the
        // deadlines for this loop (in a debug build) to catch up.
        eprintln!(
            "sleeps end {:?} late here: too punctual to test waiting awake",
            learned.lateness
        );
    }
}

#[test]
fn switching_clocks_keeps_time_monotonic() {
    let rt = Runtime::builder().virtual_clock().debug(false).build();
    rt.block_on(evloop::sleep(secs(10)));
    rt.set_clock(evloop::time::ClockKind::Real);
    assert!(rt.now().since_start() >= secs(10));
    rt.set_clock(evloop::time::ClockKind::Virtual);
    let t = rt.now();
    rt.block_on(evloop::sleep(secs(1)));
    assert_eq!(rt.now(), t + secs(1));
}

#[test]
fn run_for_on_the_virtual_clock_stops_at_the_end_of_the_span() {
    let (rt, _) = virtual_rt();
    let h = rt.spawn(evloop::sleep(secs(10)));
    let r = rt.run_for(secs(4)).unwrap();
    assert_eq!(r.stop, Stop::TimeReached);
    assert_eq!(rt.now().since_start(), secs(4));
    assert!(!h.is_finished());
}

#[test]
fn a_sleep_made_outside_the_loop_counts_from_its_first_poll() {
    let (rt, _) = virtual_rt();
    let nap = evloop::sleep(secs(1)); // no loop running: no clock to count from yet
    rt.block_on(evloop::sleep(secs(10)));
    let h = rt.spawn(nap); // first polled at 10 s
    rt.run_until_done().unwrap();
    assert!(h.is_finished());
    assert_eq!(
        rt.now().since_start(),
        secs(11),
        "1 s after its first poll, not at 1 s"
    );
}

/// Item 18 of issue 17: `Instant::FAR_FUTURE` is the deadline that never
/// comes, even after `advance(Duration::MAX)`.
#[test]
fn advancing_by_duration_max_never_reaches_the_deadline_that_never_comes() {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    let never = rt.spawn(evloop::sleep(Duration::MAX));
    let report = rt.advance(Duration::MAX).unwrap();
    assert_eq!(report.stop, evloop::Stop::TimeReached);
    assert!(!never.is_finished(), "sleep(Duration::MAX) fired");
    assert!(rt.now() < evloop::time::Instant::FAR_FUTURE);
    let again = rt.advance(Duration::from_secs(1)).unwrap();
    assert_eq!(again.stop, evloop::Stop::TimeReached);
    assert!(!never.is_finished());
}

/// Ticks of an interval whose loop blocks (a busy poll, simulated by
/// advancing the virtual clock past several ticks) under `behavior`.
fn ticks_after_a_stall(behavior: MissedTickBehavior) -> Vec<Duration> {
    let (rt, _) = virtual_rt();
    rt.block_on(async move {
        let mut every = interval(secs(1));
        every.set_missed_tick_behavior(behavior);
        assert_eq!(every.missed_tick_behavior(), behavior);
        let mut out = vec![every.tick().await, every.tick().await];
        // Blocked from 1 s to 4.5 s: ticks 2, 3 and 4 are missed.
        evloop::sleep(Duration::from_millis(3500)).await;
        for _ in 0..5 {
            every.tick().await;
            out.push(Instant::now());
        }
        out.into_iter().map(|i| i.since_start()).collect()
    })
}

#[test]
fn missed_ticks_burst_delay_or_skip() {
    let ms = Duration::from_millis;
    assert_eq!(
        ticks_after_a_stall(MissedTickBehavior::Skip),
        [
            ms(0),
            ms(1000),
            ms(4500),
            ms(5000),
            ms(6000),
            ms(7000),
            ms(8000)
        ]
    );
    assert_eq!(
        ticks_after_a_stall(MissedTickBehavior::Burst),
        [
            ms(0),
            ms(1000),
            ms(4500),
            ms(4500),
            ms(4500),
            ms(5000),
            ms(6000)
        ]
    );
    assert_eq!(
        ticks_after_a_stall(MissedTickBehavior::Delay),
        [
            ms(0),
            ms(1000),
            ms(4500),
            ms(5500),
            ms(6500),
            ms(7500),
            ms(8500)
        ]
    );
    assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Skip);
}

#[test]
fn interval_at_and_reset_move_the_schedule() {
    let (rt, _) = virtual_rt();
    let ticks = rt.block_on(async {
        let mut every = interval_at(Instant::now() + secs(2), secs(1));
        let mut at = vec![every.tick().await, every.tick().await];
        evloop::sleep(Duration::from_millis(500)).await; // now 3.5 s
        every.reset(); // next: 4.5 s
        at.push(every.tick().await);
        every.reset_at(Instant::now() + secs(10));
        at.push(every.tick().await);
        every.reset_immediately();
        at.push(every.tick().await);
        at.push(every.tick().await);
        at.into_iter().map(|i| i.since_start()).collect::<Vec<_>>()
    });
    let ms = Duration::from_millis;
    assert_eq!(
        ticks,
        [
            ms(2000),
            ms(3000),
            ms(4500),
            ms(14500),
            ms(14500),
            ms(15500)
        ]
    );
    // Made outside the loop, reset there too: counted from the first poll.
    rt.advance(secs(1)).unwrap();
    let mut late = interval(secs(3));
    late.reset();
    let before = rt.now();
    let first = rt.block_on(late.tick());
    assert_eq!(first - before, secs(3));
}

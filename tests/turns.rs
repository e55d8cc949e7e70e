//! How long a turn of the loop lasts: 61 polls, fewer on the real clock
//! once timed polls have taken 10 ms together, and `run_for` on the real
//! clock ends at its span even while tasks are always ready.
//!
//! These tests block the loop on purpose (`std::thread::sleep` inside a
//! poll: the thing under test is a task that blocks). They count polls;
//! they assert nothing about how long anything took.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use evloop::{Runtime, Stop};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A task that blocks the loop for 12 ms at each poll, then yields,
/// counting its polls in `polls`.
fn spawn_hog(rt: &Runtime, polls: &Rc<Cell<u32>>) -> evloop::JoinHandle<()> {
    let polls = polls.clone();
    rt.spawn_named("hog", async move {
        loop {
            polls.set(polls.get() + 1);
            std::thread::sleep(ms(12));
            evloop::yield_now().await;
        }
    })
}

/// The hog's poll count at each of `ticks` ticks of a task sleeping 1 ms
/// between them.
fn hog_polls_at_each_tick(rt: &Runtime, ticks: usize) -> Vec<u32> {
    let hog = Rc::new(Cell::new(0));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let hog_task = spawn_hog(rt, &hog);
    let (h, s) = (hog.clone(), seen.clone());
    let ticker = rt.spawn_named("ticker", async move {
        for _ in 0..ticks {
            evloop::sleep(ms(1)).await;
            s.borrow_mut().push(h.get());
        }
    });
    rt.block_on(ticker).unwrap();
    hog_task.cancel();
    seen.take()
}

#[test]
fn on_the_real_clock_a_slow_timed_poll_ends_its_turn_so_a_due_timer_waits_for_it_alone() {
    let rt = Runtime::builder().poll_timing(true).build();
    let at_ticks = hog_polls_at_each_tick(&rt, 4);
    assert_eq!(at_ticks.len(), 4);
    // Each hog poll takes 12 ms, past the turn's 10 ms: the timer due
    // meanwhile fires at the next turn, and its task runs within two hog
    // polls (the hog, requeued first, may go before it once). A turn of 61
    // polls would put 61 hog polls between two ticks.
    let mut last = 0;
    for polls in at_ticks {
        assert!(
            polls - last <= 3,
            "hog polls between ticks: {}",
            polls - last
        );
        last = polls;
    }
}

#[test]
fn untimed_polls_make_turns_of_61_polls() {
    // The loop does not read the clock around an untimed poll, so it cannot
    // know the hog is slow: a due timer waits for the turn's 61 polls.
    let rt = Runtime::builder().debug(false).poll_timing(false).build();
    let at_ticks = hog_polls_at_each_tick(&rt, 1);
    assert!(
        at_ticks[0] >= 50,
        "hog polls before the tick: {}",
        at_ticks[0]
    );
}

/// The order of polls, as names, of a hog and a task on an interval of
/// zero (it ticks at each turn).
fn poll_order_on_the_virtual_clock(timing: bool) -> Vec<&'static str> {
    let rt = Runtime::builder()
        .virtual_clock()
        .poll_timing(timing)
        .build();
    let order = Rc::new(RefCell::new(Vec::new()));
    let o = order.clone();
    drop(rt.spawn_named("hog", async move {
        for _ in 0..4 {
            o.borrow_mut().push("hog");
            std::thread::sleep(ms(12));
            evloop::yield_now().await;
        }
    }));
    let o = order.clone();
    drop(rt.spawn_named("ticker", async move {
        let mut every_turn = evloop::time::interval(Duration::ZERO);
        for _ in 0..4 {
            every_turn.tick().await;
            o.borrow_mut().push("ticker");
        }
    }));
    rt.run_until_done().unwrap();
    order.take()
}

#[test]
fn on_the_virtual_clock_turns_do_not_depend_on_how_long_polls_take() {
    // A recorded schedule must replay the same on any machine: how long a
    // poll took in real time never changes the order on the virtual clock.
    let timed = poll_order_on_the_virtual_clock(true);
    assert_eq!(timed, poll_order_on_the_virtual_clock(false));
    assert_eq!(
        timed,
        [
            "hog", "ticker", "hog", "ticker", "hog", "ticker", "hog", "ticker"
        ]
    );
}

#[test]
fn run_for_on_the_real_clock_ends_at_its_span_while_a_task_is_always_ready() {
    let rt = Runtime::new();
    let polls = Rc::new(Cell::new(0u32));
    let p = polls.clone();
    let spinner = rt.spawn_named("spinner", async move {
        loop {
            p.set(p.get() + 1);
            evloop::yield_now().await;
        }
    });
    // Without the check at each turn the loop never idles, so the span
    // never ends: the budget stops it instead (an error).
    rt.set_poll_budget(20_000_000);
    let report = rt.run_for(ms(20)).unwrap();
    assert_eq!(report.stop, Stop::TimeReached);
    assert!(rt.now().since_start() >= ms(20));
    assert!(polls.get() > 0);
    spinner.cancel();
}

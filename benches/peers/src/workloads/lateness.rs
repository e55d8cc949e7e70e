//! D2: 10,000 concurrent sleeps of random 1..20 ms, and how late each one
//! wakes (actual wake time − requested wake time). A timer wheel with 1 ms
//! slots (tokio's) is late by up to a slot by design; a heap with the
//! loop's park timeout set to the next deadline is late by the machine's
//! wake-up latency (the OS's timer slack, the timer interrupt; see the
//! timerfd floors) and the time to poll the tasks due before it. evloop
//! waits awake for a deadline nearer than its sleeps have been ending
//! late (`src/executor/lateness.rs`), so here it pays only the polling.
//!
//! All 10,000 tasks are spawned at once, and each counts its sleep from its
//! own first poll. The first polls take a while (about 2 ms for evloop on
//! the 2-core VM), and a sleep of 1 ms whose task was polled early comes due
//! before the last of them has run. Its timer fires, and its task joins the
//! ready queue *behind* the first polls still waiting: every runtime here
//! runs its ready tasks first in, first out, as asyncio does. That wait is
//! queueing, not the timer, so the workload also gives the two apart:
//! `due in the burst` counts the sleeps that came due before the last first
//! poll ran, and `p99 µs after` is the p99 of the others, where only the
//! timer and the polling of what else is due count.

use std::time::{Duration, Instant};

use super::{Better, Rng, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_reactors};
use crate::stats::percentile_sorted;

pub const WORKLOAD: Workload = Workload {
    id: "D2",
    what: "10,000 sleeps, random 1..20 ms: lateness",
    figure: "µs p50 late",
    better: Better::Lower,
    runtimes: &Kind::WITH_REACTOR,
    peers_also_from: &[],
    run,
};

macro_rules! lateness {
    ($rt:ident, ($timers:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let timers: u64 = $timers;
            let mut rng = Rng::new(0xD2);
            let handles: Vec<_> = (0..timers)
                .map(|_| {
                    let d = Duration::from_micros(rng.below(1_000, 20_000));
                    rt::spawn(async move {
                        let first_poll = Instant::now();
                        let due = first_poll + d;
                        rt::sleep(d).await;
                        (
                            first_poll,
                            due,
                            Instant::now().saturating_duration_since(due),
                        )
                    })
                })
                .collect();
            let mut sleeps = Vec::with_capacity(handles.len());
            for handle in handles {
                sleeps.push(handle.await);
            }
            let last_first_poll = sleeps
                .iter()
                .map(|s| s.0)
                .max()
                .expect("at least one sleep");
            let micros = |late: Duration| late.as_secs_f64() * 1e6;
            let sorted = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v
            };
            let late = sorted(sleeps.iter().map(|s| micros(s.2)).collect());
            let after = sorted(
                sleeps
                    .iter()
                    .filter(|s| s.1 > last_first_poll)
                    .map(|s| micros(s.2))
                    .collect(),
            );
            let p = |q| percentile_sorted(&late, q).expect("at least one sleep");
            Sample {
                value: p(50.0),
                extras: Vec::new(),
            }
            .with("p99 µs", p(99.0))
            .with("max µs", p(100.0))
            .with("due in the burst", (late.len() - after.len()) as f64)
            .with(
                "p99 µs after",
                percentile_sorted(&after, 99.0).unwrap_or(0.0),
            )
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_reactors!(kind, lateness(size.scale(10_000)))
}

//! D2: 10,000 concurrent sleeps of random 1..20 ms, and how late each one
//! wakes (actual wake time − requested wake time). A timer wheel with 1 ms
//! slots (tokio's) is late by up to a slot by design; a heap with the
//! loop's park timeout set to the next deadline is late by the machine's
//! wake-up latency (the OS's timer slack, the timer interrupt; see the
//! timerfd floors) and the time to poll the tasks due before it. evloop
//! waits awake for a deadline nearer than its sleeps have been ending
//! late (`src/executor/lateness.rs`), so here it pays only the polling.

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
                        let due = Instant::now() + d;
                        rt::sleep(d).await;
                        Instant::now().saturating_duration_since(due)
                    })
                })
                .collect();
            let mut late = Vec::with_capacity(handles.len());
            for handle in handles {
                late.push(handle.await.as_secs_f64() * 1e6);
            }
            late.sort_by(f64::total_cmp);
            let p = |q| percentile_sorted(&late, q).expect("at least one sleep");
            Sample {
                value: p(50.0),
                extras: Vec::new(),
            }
            .with("p99 µs", p(99.0))
            .with("max µs", p(100.0))
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_reactors!(kind, lateness(size.scale(10_000)))
}

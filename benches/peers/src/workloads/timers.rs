//! D1: 100,000 tasks, each sleeping a random duration in 0..50 ms (fixed
//! seed). The whole run cannot end before the longest sleep (just under
//! 50 ms); what it takes beyond that sleep is the timers' overhead: insert,
//! order, fire, wake. Reported per timer, and as the total overhead.
//!
//! The overhead is measured from the longest sleep asked for, not from
//! 50 ms: with 100,000 timers the two differ by under a microsecond, but the
//! scaling curves run D1 with as few as 1,000, whose longest sleep can end
//! tens of microseconds before 50 ms.

use std::time::{Duration, Instant};

use super::{Better, Rng, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_reactors};

pub const WORKLOAD: Workload = Workload {
    id: "D1",
    what: "100,000 sleeps, random 0..50 ms",
    figure: "ns/timer (overhead)",
    better: Better::Lower,
    runtimes: &Kind::WITH_REACTOR,
    peers_also_from: &[],
    run,
};

const SPAN: Duration = Duration::from_millis(50);

macro_rules! many_timers {
    ($rt:ident, ($timers:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let timers: u64 = $timers;
            let mut rng = Rng::new(0xD1);
            let durations: Vec<Duration> = (0..timers)
                .map(|_| Duration::from_micros(rng.below(0, SPAN.as_micros() as u64)))
                .collect();
            let longest = durations.iter().copied().max().unwrap_or_default();
            let start = Instant::now();
            let handles: Vec<_> = durations
                .into_iter()
                .map(|d| rt::spawn(async move { rt::sleep(d).await }))
                .collect();
            for handle in handles {
                handle.await;
            }
            let overhead = start.elapsed().saturating_sub(longest);
            Sample::per_op(overhead, timers).with("overhead ms", overhead.as_secs_f64() * 1e3)
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_reactors!(kind, many_timers(size.count(100_000)))
}

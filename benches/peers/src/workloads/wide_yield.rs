//! C: 10,000 tasks, each yielding 100 times. Like B1 but with a ready queue
//! 10,000 deep, so each poll touches a task that is cold in the cache: the
//! cost of scheduling at scale.

use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const WORKLOAD: Workload = Workload {
    id: "C",
    what: "10,000 tasks × 100 yields",
    figure: "ns/poll",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run,
};

macro_rules! wide_yield {
    ($rt:ident, ($tasks:expr, $yields:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let (tasks, yields): (u64, u64) = ($tasks, $yields);
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    rt::spawn(async move {
                        for _ in 0..yields {
                            rt::yield_now().await;
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
            // Each task is polled once per yield plus once to finish.
            Sample::per_op(start.elapsed(), tasks * (yields + 1))
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, wide_yield(size.count(10_000), 100))
}

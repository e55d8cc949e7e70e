//! B1: two tasks, each yielding 1,000,000 times: the cost of one trip
//! through the ready queue (wake, enqueue, dequeue, poll).
//!
//! Runtimes' own `yield_now` differ in more than speed: tokio's defers the
//! wake until the loop has looked at its I/O driver (fairness towards I/O),
//! evloop's and smol's wake at once. So B1w runs the same plain yield
//! everywhere (`futures_lite::future::yield_now`: `wake_by_ref` and
//! `Pending` once), which is the fastest yield each runtime can do, and B1's
//! ratio is taken against the fastest of both.

use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const WORKLOAD: Workload = Workload {
    id: "B1",
    what: "2 tasks × yield_now (the runtime's own)",
    figure: "ns/yield",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &["B1w"],
    run: run_own,
};

pub const WAKE_BY_REF: Workload = Workload {
    id: "B1w",
    what: "2 tasks × a wake_by_ref yield (the same future everywhere)",
    figure: "ns/yield",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run: run_wake_by_ref,
};

macro_rules! two_yielders {
    ($rt:ident, ($yields:expr, $yield_now:path)) => {
        async move {
            let yields: u64 = $yields;
            let start = Instant::now();
            let tasks = [(); 2].map(|_| {
                crate::runtimes::$rt::spawn(async move {
                    for _ in 0..yields {
                        $yield_now().await;
                    }
                })
            });
            for task in tasks {
                task.await;
            }
            Sample::per_op(start.elapsed(), 2 * yields)
        }
    };
}

macro_rules! own_yield {
    ($rt:ident, ($yields:expr)) => {
        two_yielders!($rt, ($yields, crate::runtimes::$rt::yield_now))
    };
}

macro_rules! plain_yield {
    ($rt:ident, ($yields:expr)) => {
        two_yielders!($rt, ($yields, futures_lite::future::yield_now))
    };
}

fn run_own(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, own_yield(size.scale(1_000_000)))
}

fn run_wake_by_ref(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, plain_yield(size.scale(1_000_000)))
}

//! A: spawn 100,000 trivial tasks returning an integer, then await every
//! handle. The cost of a task's whole life: allocate, schedule, poll once,
//! store the output, wake the joiner, hand the output over, free.

use std::hint::black_box;
use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const WORKLOAD: Workload = Workload {
    id: "A",
    what: "spawn + join trivial tasks",
    figure: "ns/task",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run,
};

macro_rules! spawn_join {
    ($rt:ident, ($tasks:expr)) => {
        async move {
            let tasks: u64 = $tasks;
            let start = Instant::now();
            let mut handles = Vec::with_capacity(tasks as usize);
            for i in 0..tasks {
                handles.push(crate::runtimes::$rt::spawn(async move { black_box(i) }));
            }
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            let elapsed = start.elapsed();
            assert_eq!(sum, tasks * (tasks - 1) / 2);
            Sample::per_op(elapsed, tasks)
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, spawn_join(size.count(100_000)))
}

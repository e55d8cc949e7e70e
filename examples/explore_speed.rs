//! How many runs per second schedule exploration reaches on a small
//! program: two tasks of ten awaits each, on a fresh loop per run.
//!
//! ```text
//! cargo run --release --example explore_speed
//! ```
//!
//! Not a test: wall-clock speed depends on the machine. docs/testing.md
//! quotes a measurement.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use evloop::testing::Harness;

async fn two_tasks_ten_awaits() {
    let n = Rc::new(Cell::new(0u32));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            evloop::spawn(async move {
                for _ in 0..10 {
                    n.set(n.get() + 1);
                    evloop::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(n.get(), 20);
}

fn main() {
    let runs = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let harness = Harness::new().runs(runs).use_env(false);
    harness.clone().runs(100).explore(two_tasks_ten_awaits); // warm up
    let start = Instant::now();
    let explored = harness.explore(two_tasks_ten_awaits);
    let took = start.elapsed();
    println!(
        "{} runs ({} distinct schedules, {} polls) in {:.3}s: {:.0} runs/s, {:.2} µs per poll",
        explored.runs,
        explored.distinct_schedules,
        explored.polls,
        took.as_secs_f64(),
        explored.runs as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / explored.polls as f64,
    );
}

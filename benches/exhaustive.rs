//! How fast exhaustive exploration runs: distinct schedules per second on a
//! program of two tasks of ten awaits each, and the time to exhaust every
//! fixed program of the bug zoo, with and without reduction.
//!
//! ```text
//! cargo bench --bench exhaustive               5 repetitions, medians
//! cargo bench --bench exhaustive -- --reps 9
//! ```
//!
//! As in `benches/peers` (docs/performance.md), each repetition builds
//! everything afresh, the clock runs only around the search, and the table
//! shows the median and the min–max of the repetitions. Not a test: speed
//! depends on the machine; docs/testing.md quotes a run.

use std::time::{Duration, Instant};

use evloop::testing::{Coverage, Harness, SearchEnd, Shared};

#[path = "../tests/zoo/mod.rs"]
mod zoo;

/// Two tasks, ten awaits each, both adding to one shared cell: every
/// interleaving conflicts, so reduction cannot shrink it much and the
/// figure is the raw speed of the search.
async fn two_tasks_ten_awaits() {
    let n = Shared::new(0u32);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            evloop::spawn(async move {
                for _ in 0..10 {
                    n.with(|n| *n += 1);
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

fn median(mut xs: Vec<Duration>) -> (Duration, Duration, Duration) {
    xs.sort();
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

fn time<F: FnMut() -> Coverage>(
    reps: usize,
    mut search: F,
) -> (Coverage, Duration, Duration, Duration) {
    let mut took = Vec::new();
    let mut coverage = None;
    for _ in 0..reps {
        let start = Instant::now();
        let c = search();
        took.push(start.elapsed());
        coverage = Some(c);
    }
    let (med, min, max) = median(took);
    (coverage.expect("at least one repetition"), med, min, max)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|r| r.parse().ok())
        .unwrap_or(5usize)
        .max(1);
    let all = Harness::new()
        .exhaustive(true)
        .use_env(false)
        .poll_budget(10_000);

    println!("exhaustive exploration, {reps} repetitions, median (min–max)\n");
    println!("two tasks × ten awaits on one Shared cell, bound of 2 deviations:");
    let bounded = all.clone().preemption_bound(2).max_schedules(1_000_000);
    let (c, med, min, max) = time(reps, || {
        bounded
            .explore(two_tasks_ten_awaits)
            .coverage
            .expect("exhaustive")
    });
    println!(
        "  {} schedules in {} ms ({}–{}): {:.0} distinct schedules/s\n",
        c.schedules,
        ms(med),
        ms(min),
        ms(max),
        c.schedules as f64 / med.as_secs_f64()
    );

    println!(
        "{:<26} {:>10} {:>14} {:>10} {:>14} {:>8}",
        "fixed bug-zoo program", "schedules", "ms", "no reduc.", "ms", "factor"
    );
    for (name, program) in zoo::exhibits() {
        let mut row = Vec::new();
        for reduction in [true, false] {
            let h = all.clone().reduction(reduction).max_schedules(1_000_000);
            let (c, med, min, max) = time(reps, || {
                h.explore(|| program(true)).coverage.expect("exhaustive")
            });
            assert_eq!(c.end, SearchEnd::Exhausted, "{name}: {c}");
            row.push((
                c.schedules,
                format!("{} ({}–{})", ms(med), ms(min), ms(max)),
            ));
        }
        println!(
            "{:<26} {:>10} {:>14} {:>10} {:>14} {:>7.1}×",
            name,
            row[0].0,
            row[0].1,
            row[1].0,
            row[1].1,
            row[1].0 as f64 / row[0].0 as f64
        );
    }
}

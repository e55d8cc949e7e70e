//! Exercise 1 of the chapter: 100 fetches behind `Semaphore(N)`, at
//! concurrency 1, 10 and 100 — and why too much concurrency is slower.
//!
//! The fetches call a pretend service that answers in 100 ms while at most
//! 10 calls are in flight; past that it is overloaded, and each call made
//! then takes `100 ms × (users / 10)²` (the model of the REPL's
//! `new service`, without its ±10%). On the virtual clock the timings are
//! exact and instant.
//!
//! `cargo run --example exercise_1_concurrency`; `cargo test` runs its check.
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::gather;
use evloop::sync::Semaphore;
use evloop::time::Instant;

// ANCHOR: solution
/// A service that slows down past `capacity` calls in flight.
struct Service {
    latency: Duration,
    capacity: u32,
    users: Cell<u32>,
}

impl Service {
    async fn call(&self) {
        self.users.set(self.users.get() + 1);
        let overload = f64::from(self.users.get()) / f64::from(self.capacity);
        evloop::sleep(self.latency.mul_f64(overload.max(1.0).powi(2))).await;
        self.users.set(self.users.get() - 1);
    }
}

/// 100 fetches, at most `limit` at a time (`async with sem:`); how long they took.
async fn fetch_all(service: Rc<Service>, limit: usize) -> Duration {
    let sem = Semaphore::named(format!("limit-{limit}"), limit);
    let start = Instant::now();
    let fetches = (0..100).map(|_| {
        let (sem, service) = (sem.clone(), service.clone());
        evloop::spawn(async move {
            let _permit = sem.acquire().await;
            service.call().await;
        })
    });
    gather(fetches).await.expect("no fetch panicked");
    start.elapsed()
}

/// The time of 100 fetches at each concurrency.
fn compare(limits: &[usize]) -> Vec<(usize, Duration)> {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    rt.block_on(async {
        let service = Rc::new(Service {
            latency: Duration::from_millis(100),
            capacity: 10,
            users: Cell::new(0),
        });
        let mut times = Vec::new();
        for &limit in limits {
            times.push((limit, fetch_all(service.clone(), limit).await));
        }
        times
    })
}
// ANCHOR_END: solution

fn main() {
    println!("{:>12} | {:>8}", "concurrency", "took");
    for (limit, took) in compare(&[1, 10, 100]) {
        println!("{limit:>12} | {:>7.2}s", took.as_secs_f64());
    }
    println!("\nTen at a time is ten times faster than one at a time; a hundred at a time");
    println!("overloads the service, and every call pays for it: no faster than one at a time.");
}

#[test]
fn ten_at_a_time_is_fastest() {
    let times = compare(&[1, 10, 100]);
    let secs: Vec<u64> = times.iter().map(|(_, t)| t.as_millis() as u64).collect();
    // One at a time: 100 × 100 ms. Ten: 10 rounds of 100 ms.
    assert_eq!(secs[0], 10_000);
    assert_eq!(secs[1], 1_000);
    // All at once: the 100th call sees 100 users, 100 ms × 10² = 10 s.
    assert_eq!(secs[2], 10_000);
}

//! asyncio.Semaphore: 100 fetches of 0.5 s each, at most N at a time.
//! Concurrency 1, 10 and 100 compared.
//!
//! `cargo run --example limited_fetch [-- --real]`
mod common;

use evloop::combinators::gather;
use evloop::sync::Semaphore;
use evloop::time::Instant;

async fn fetch(url: usize) -> usize {
    evloop::sleep(common::secs(0.5)).await; // the network
    url
}

async fn fetch_all(urls: usize, limit: usize) -> f64 {
    let sem = Semaphore::named(format!("limit-{limit}"), limit);
    let start = Instant::now();
    let tasks: Vec<_> = (0..urls)
        .map(|u| {
            let sem = sem.clone();
            evloop::spawn(async move {
                let _permit = sem.acquire().await; // async with sem:
                fetch(u).await
            })
        })
        .collect();
    let pages = gather(tasks).await.expect("no fetch panicked");
    assert_eq!(pages.len(), urls);
    start.elapsed().as_secs_f64()
}

fn main() {
    let rt = common::runtime();
    let real = std::env::args().any(|a| a == "--real");
    let limits: &[usize] = if real { &[10, 100] } else { &[1, 10, 100] };
    if real {
        println!("(skipping concurrency 1 on the real clock: it takes 50 s)");
    }
    rt.block_on(async {
        println!("{:>12} | {:>8}", "concurrency", "took");
        for &limit in limits {
            let took = fetch_all(100, limit).await;
            println!("{limit:>12} | {took:>7.2}s");
        }
    });
    println!("\n100 fetches of 0.5 s: 1 at a time is 50 s, 10 at a time 5 s, 100 at a time 0.5 s.");
}

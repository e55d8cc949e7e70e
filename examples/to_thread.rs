//! `to_thread`: blocking work on worker threads while the loop keeps going.
//!
//! ```text
//! cargo run --example to_thread            # virtual clock
//! cargo run --example to_thread -- --real  # real clock
//! ```
//!
//! Three "slow" jobs sleep 300 ms (real time) each on worker threads, while a
//! ticker task on the loop ticks every 100 ms. On the **real** clock the
//! ticks interleave with the jobs: the loop is not blocked. On the
//! **virtual** clock the loop must not jump its clock past real work that
//! may still wake a task (the virtual clock rule), so while the jobs run it
//! waits for them for real, and the ticker's virtual 100 ms ticks all come
//! after the jobs finish, at virtual times 100, 200, 300 ms, instantly.

use std::time::Duration;

use evloop::Runtime;
use evloop::time::Instant;

fn main() {
    let real = std::env::args().any(|a| a == "--real");
    let rt = if real {
        Runtime::new()
    } else {
        Runtime::builder().virtual_clock().build()
    };
    println!("clock: {}", if real { "real" } else { "virtual" });
    let wall = std::time::Instant::now();
    rt.block_on(async {
        let start = Instant::now();
        let jobs: Vec<_> = (1..=3)
            .map(|i| {
                evloop::to_thread(move || {
                    std::thread::sleep(Duration::from_millis(300)); // blocking!
                    i * 10
                })
            })
            .collect();
        let ticker = evloop::spawn_named("ticker", async move {
            let mut every = evloop::time::interval(Duration::from_millis(100));
            every.tick().await; // the first tick is immediate
            for n in 1..=3 {
                every.tick().await;
                println!("  tick {n} at loop time {:?}", start.elapsed());
            }
        });
        for (i, job) in jobs.into_iter().enumerate() {
            let value = job.await.expect("the job does not panic");
            println!(
                "  job {} returned {value} at loop time {:?}",
                i + 1,
                start.elapsed()
            );
        }
        ticker.await.unwrap();
        let err = evloop::to_thread(|| -> u32 { panic!("a job that panics") })
            .await
            .unwrap_err();
        println!("  a panicking job gives an error: {err}");
    });
    println!(
        "wall-clock time: about {} ms",
        wall.elapsed().as_millis() / 10 * 10
    );
}

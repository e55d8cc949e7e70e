//! asyncio.Queue(maxsize=10): a fast producer of 100 items and a slow
//! consumer. Once the queue is full, each put waits for a get: backpressure.
//!
//! `cargo run --example producer_consumer [-- --real]`
mod common;

use evloop::combinators::TaskGroup;
use evloop::sync::{Closed, Queue};
use evloop::time::Instant;

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let queue: Queue<Option<u32>> = Queue::named("jobs", 10);
        let group = TaskGroup::new();
        let q = queue.clone();
        let _producer = group.spawn_named("producer", async move {
            for i in 0..100 {
                let before = Instant::now();
                q.put(Some(i)).await?;
                let waited = before.elapsed().as_secs_f64();
                if i % 10 == 0 || (i < 14 && waited > 0.0) {
                    println!(
                        "{} put {i:>3}: waited {waited:.2}s for room, queue {}/10",
                        common::at(),
                        q.len()
                    );
                }
            }
            q.put(None).await?; // the end signal
            Ok::<_, Closed<Option<u32>>>(())
        });
        let q = queue.clone();
        let _consumer = group.spawn_named("consumer", async move {
            let mut count = 0;
            while let Some(item) = q.get().await? {
                evloop::sleep(common::secs(0.1)).await; // processing
                q.task_done().expect("one task_done per get");
                count += 1;
                if item % 25 == 24 {
                    println!("{} consumed {item:>3}", common::at());
                }
            }
            println!("{} consumer done: {count} items", common::at());
            Ok::<_, Closed<()>>(())
        });
        group.join().await.expect("neither side failed");
        println!("\nThe first 10 puts went straight in; after that the producer ran at the");
        println!("consumer's pace (0.1 s per item): the queue never held more than 10.");
    });
}

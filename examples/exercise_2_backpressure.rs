//! Exercise 2 of the chapter: a `TaskGroup` of a producer and a consumer
//! sharing a `Queue(maxsize=10)`, 100 items through it and `None` at the
//! end: once the queue is full, the producer waits for room on its own
//! (backpressure).
//!
//! `cargo run --example exercise_2_backpressure`; `cargo test` runs its check.
use std::time::Duration;

use evloop::combinators::TaskGroup;
use evloop::sync::{Closed, Queue};
use evloop::time::Instant;

// ANCHOR: solution
/// Streams 100 items through a queue of 10; returns how long the producer
/// waited for room in all, and the most items the queue ever held.
fn stream(items: u32) -> (Duration, usize) {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    rt.block_on(async move {
        let queue: Queue<Option<u32>> = Queue::named("jobs", 10);
        let group = TaskGroup::new();
        let q = queue.clone();
        let producer = group.spawn_named("producer", async move {
            let mut waited = Duration::ZERO;
            for i in 0..items {
                let before = Instant::now();
                q.put(Some(i)).await?; // waits while the queue is full
                waited += before.elapsed();
            }
            q.put(None).await?; // the end: the chapter's sentinel
            Ok::<_, Closed<Option<u32>>>(waited)
        });
        let q = queue.clone();
        let consumer = group.spawn_named("consumer", async move {
            let mut fullest = 0;
            while let Some(_item) = q.get().await? {
                fullest = fullest.max(q.len() + 1);
                evloop::sleep(Duration::from_millis(10)).await; // process(item)
                q.task_done().expect("one task_done per get");
            }
            Ok::<_, Closed<()>>(fullest)
        });
        group.join().await.expect("neither side failed");
        (producer.await.unwrap(), consumer.await.unwrap())
    })
}
// ANCHOR_END: solution

fn main() {
    let (waited, fullest) = stream(100);
    println!(
        "the producer waited {:.2}s for room in all",
        waited.as_secs_f64()
    );
    println!("the queue never held more than {fullest} items");
}

#[test]
fn a_full_queue_holds_the_producer_back() {
    let (waited, fullest) = stream(100);
    assert!(fullest <= 10, "{fullest}");
    // 100 items at the consumer's 10 ms each: the producer waited for
    // nearly all of it, past the first 10 that fit at once.
    assert!(waited >= Duration::from_millis(850), "{waited:?}");
}

//! E: one producer, one consumer, a bounded queue of capacity 64, 1,000,000
//! `u64` messages, over each runtime's own channel (evloop's `Queue`). The
//! producer runs ahead until the queue is full, so most sends and receives
//! complete without waiting: the cost of the channel's fast path, plus one
//! park and wake every few dozen messages.

use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const WORKLOAD: Workload = Workload {
    id: "E",
    what: "producer → bounded(64) → consumer",
    figure: "ns/message",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run,
};

macro_rules! producer_consumer {
    ($rt:ident, ($messages:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let messages: u64 = $messages;
            let start = Instant::now();
            let (mut tx, mut rx) = rt::channel::<u64>(64);
            let producer = rt::spawn(async move {
                for i in 0..messages {
                    rt::send(&mut tx, i).await;
                }
            });
            let consumer = rt::spawn(async move {
                let mut sum = 0;
                for _ in 0..messages {
                    sum += rt::recv(&mut rx)
                        .await
                        .expect("the producer sends them all");
                }
                sum
            });
            producer.await;
            let sum = consumer.await;
            assert_eq!(sum, messages * (messages - 1) / 2);
            Sample::per_op(start.elapsed(), messages)
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, producer_consumer(size.scale(1_000_000)))
}

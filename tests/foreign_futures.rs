//! evloop runs futures it did not write: the `futures` crate's combinators
//! and channels, and `async-channel`, work unchanged on it.
mod util;

use std::time::Duration;

use futures::StreamExt as _;
use futures::future::{Either, join_all, select};
use futures::stream::FuturesUnordered;
use util::virtual_rt;

#[test]
fn futures_join_all_and_select() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let tasks = (1..=3).map(|i| {
            evloop::spawn(async move {
                evloop::sleep(Duration::from_secs(4 - i)).await;
                i
            })
        });
        let out: Vec<_> = join_all(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(out, [1, 2, 3]);
        let fast = Box::pin(evloop::sleep(Duration::from_secs(1)));
        let slow = Box::pin(async {
            evloop::sleep(Duration::from_secs(2)).await;
            "slow"
        });
        assert!(matches!(select(fast, slow).await, Either::Left(_)));
    });
}

#[test]
fn futures_unordered_yields_in_completion_order() {
    let (rt, _) = virtual_rt();
    let order = rt.block_on(async {
        let mut set: FuturesUnordered<_> = [3u64, 1, 2]
            .into_iter()
            .map(|s| async move {
                evloop::sleep(Duration::from_secs(s)).await;
                s
            })
            .collect();
        let mut order = Vec::new();
        while let Some(s) = set.next().await {
            order.push(s);
        }
        order
    });
    assert_eq!(order, [1, 2, 3]);
}

#[test]
fn futures_channels_between_tasks() {
    let (rt, _) = virtual_rt();
    let got = rt.block_on(async {
        let (mut tx, rx) = futures::channel::mpsc::channel::<u32>(2);
        let (done_tx, done_rx) = futures::channel::oneshot::channel();
        evloop::spawn(async move {
            use futures::SinkExt as _;
            for i in 0..5 {
                tx.send(i).await.unwrap();
            }
            done_tx.send("producer done").unwrap();
        })
        .detach();
        let items: Vec<u32> = rx.collect().await;
        (items, done_rx.await.unwrap())
    });
    assert_eq!(got, (vec![0, 1, 2, 3, 4], "producer done"));
}

#[test]
fn async_channel_bounded_with_backpressure() {
    let (rt, _) = virtual_rt();
    let sum = rt.block_on(async {
        let (tx, rx) = async_channel::bounded::<u64>(1);
        let producer = evloop::spawn(async move {
            for i in 1..=10 {
                tx.send(i).await.unwrap();
            }
        });
        let consumer = evloop::spawn(async move {
            let mut sum = 0;
            while let Ok(v) = rx.recv().await {
                evloop::sleep(Duration::from_millis(10)).await;
                sum += v;
            }
            sum
        });
        producer.await.unwrap();
        consumer.await.unwrap()
    });
    assert_eq!(sum, 55);
}

//! Stream adapters (then, filter_map, zip, chain, fold, enumerate,
//! take_while, buffer_unordered, per-value timeout, throttle) on streams
//! that are not `Unpin`, and evloop's queues, channels, as_completed and
//! intervals used as streams.
mod util;

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use evloop::combinators::as_completed;
use evloop::stream::{self, Stream, StreamExt};
use evloop::sync::{Queue, broadcast, mpsc, watch};
use evloop::time::{Instant, interval};
use util::virtual_rt;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn now() -> u64 {
    Instant::now().since_start().as_secs()
}

/// Counts 0..n; `!Unpin`, as a hand-written stream that keeps pointers
/// into itself would be.
struct Pinned {
    next: u32,
    end: u32,
    _pin: PhantomPinned,
}

fn pinned(end: u32) -> Pinned {
    Pinned {
        next: 0,
        end,
        _pin: PhantomPinned,
    }
}

impl Stream for Pinned {
    type Item = u32;
    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<u32>> {
        let (next, end) = (self.next, self.end);
        if next == end {
            return Poll::Ready(None);
        }
        // Safe code cannot reach a `!Unpin` value's fields mutably through
        // its pin, but it can replace the whole value: `Pin::set`.
        let mut this = self;
        this.set(Pinned {
            next: next + 1,
            end,
            _pin: PhantomPinned,
        });
        Poll::Ready(Some(next))
    }
}

#[test]
fn the_adapters_take_streams_that_are_not_unpin() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let evens: Vec<u32> = pinned(10)
            .filter_map(|n| (n % 2 == 0).then_some(n))
            .collect()
            .await;
        assert_eq!(evens, [0, 2, 4, 6, 8]);
        let pairs: Vec<(usize, (u32, u32))> = pinned(5)
            .zip(pinned(3).map(|n| n * 10))
            .enumerate()
            .collect()
            .await;
        assert_eq!(pairs, [(0, (0, 0)), (1, (1, 10)), (2, (2, 20))]);
        let chained: Vec<u32> = pinned(2).chain(pinned(3)).collect().await;
        assert_eq!(chained, [0, 1, 0, 1, 2]);
        let sum = pinned(5).fold(100, |acc, n| acc + n).await;
        assert_eq!(sum, 110);
        let small: Vec<u32> = pinned(10).take_while(|n| *n < 3).collect().await;
        assert_eq!(small, [0, 1, 2]);
        // `next` borrows, so it needs the stream pinned.
        let mut s = pin!(pinned(2));
        assert_eq!(s.next().await, Some(0));
        assert_eq!(s.next().await, Some(1));
        assert_eq!(s.next().await, None);
    });
}

#[test]
fn then_runs_one_future_at_a_time_in_order() {
    let (rt, _) = virtual_rt();
    let got: Vec<(u64, u64)> = rt.block_on(
        stream::iter([3, 1, 2])
            .then(|s| async move {
                evloop::sleep(secs(s)).await;
                (s, now())
            })
            .collect(),
    );
    assert_eq!(got, [(3, 3), (1, 4), (2, 6)]);
}

#[test]
fn buffer_unordered_keeps_at_most_limit_running() {
    let (rt, _) = virtual_rt();
    let running = Rc::new(Cell::new(0));
    let most = Rc::new(Cell::new(0));
    let (r, m) = (running.clone(), most.clone());
    let got: Vec<u64> = rt.block_on(
        stream::iter([4, 1, 1, 1, 1])
            .map(move |s| {
                let (r, m) = (r.clone(), m.clone());
                async move {
                    r.set(r.get() + 1);
                    m.set(m.get().max(r.get()));
                    evloop::sleep(secs(s)).await;
                    r.set(r.get() - 1);
                    s
                }
            })
            .buffer_unordered(2)
            .collect(),
    );
    assert_eq!(got, [1, 1, 1, 4, 1]);
    assert_eq!(most.get(), 2);
    assert_eq!(rt.now().since_start(), secs(4));
    // A limit of 0 is taken as 1: the stream still goes on.
    let one: Vec<u32> = rt.block_on(
        stream::iter([1u32, 2])
            .map(|n| async move { n })
            .buffer_unordered(0)
            .collect(),
    );
    assert_eq!(one, [1, 2]);
}

#[test]
fn a_timeout_per_value_and_a_throttle() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        let got: Vec<Result<u64, u64>> = stream::iter([1, 3, 1])
            .then(|s| async move {
                evloop::sleep(secs(s)).await;
                s
            })
            .timeout(secs(2))
            .map(|r| r.map_err(|e| e.deadline().since_start().as_secs()))
            .collect()
            .await;
        // 1 s: in time; the 3 s gap times out at 3 s, then the value
        // comes at 4 s; 1 s later: in time.
        assert_eq!(got, [Ok(1), Err(3), Ok(3), Ok(1)]);
        let start = now();
        let at: Vec<u64> = stream::iter(0..4)
            .throttle(secs(2))
            .map(|_| now() - start)
            .collect()
            .await;
        assert_eq!(at, [0, 2, 4, 6]);
    });
}

#[test]
fn queues_channels_as_completed_and_intervals_are_streams() {
    let (rt, _) = virtual_rt();
    rt.block_on(async {
        // A queue, until closed.
        let q = Queue::unbounded();
        q.try_put("a").unwrap();
        q.try_put("b").unwrap();
        q.close();
        let items: Vec<&str> = q.clone().into_stream().collect().await;
        assert_eq!(items, ["a", "b"]);

        // as_completed, in finishing order.
        let tasks = [2, 1].map(|s| {
            evloop::spawn(async move {
                evloop::sleep(secs(s)).await;
                s
            })
        });
        let order: Vec<u64> = as_completed(tasks).map(|(_, r)| r.unwrap()).collect().await;
        assert_eq!(order, [1, 2]);

        // A broadcast receiver: every value, then the end.
        let (tx, rx) = broadcast::channel(4);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(tx);
        let got: Vec<u32> = rx.map(Result::unwrap).collect().await;
        assert_eq!(got, [1, 2]);

        // A watch receiver: each change.
        let (tx, rx) = watch::channel(0);
        let reader = evloop::spawn(rx.take(2).collect::<Vec<u32>>());
        evloop::yield_now().await;
        tx.send(5).unwrap();
        evloop::yield_now().await;
        tx.send(6).unwrap();
        assert_eq!(reader.await.unwrap(), [5, 6]);

        // A thread-to-loop channel.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        let got: Vec<u32> = rx.collect().await;
        assert_eq!(got, [0, 1, 2]);

        // An interval: its ticks.
        let start = now();
        let ticks: Vec<u64> = interval(secs(1))
            .take(3)
            .map(|_| now() - start)
            .collect()
            .await;
        assert_eq!(ticks, [0, 1, 2]);
    });
}

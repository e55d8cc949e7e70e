//! Measures the reactor (run it in release mode; it asserts nothing):
//!
//! ```text
//! cargo run --release --example reactor_bench
//! ```
//!
//! 1. TCP echo on loopback, server and clients on the same loop thread:
//!    50 connections × 2,000 round trips of 64 bytes, `TCP_NODELAY`.
//!    Prints round trips per second.
//! 2. Wake latency: another thread wakes a task while the loop sleeps in
//!    the poller (`epoll_wait`/`kevent`); prints p50/p99/max of the time from
//!    just before `wake()` to the task's poll.

use std::future::poll_fn;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use evloop::net::{TcpListener, TcpStream};

const CONNECTIONS: usize = 50;
const ROUND_TRIPS: usize = 2_000;
const WAKES: usize = 5_000;

fn echo() -> f64 {
    let rt = evloop::Runtime::builder().debug(false).build();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn(async move {
            loop {
                let (s, _) = listener.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                drop(evloop::spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => s.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                }));
            }
        });
        let mut streams = Vec::new();
        for _ in 0..CONNECTIONS {
            let s = TcpStream::connect(addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            streams.push(s);
        }
        let start = Instant::now();
        let clients: Vec<_> = streams
            .into_iter()
            .map(|s| {
                evloop::spawn(async move {
                    let msg = [7u8; 64];
                    let mut back = [0u8; 64];
                    for _ in 0..ROUND_TRIPS {
                        s.write_all(&msg).await.unwrap();
                        s.read_exact(&mut back).await.unwrap();
                    }
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
        let took = start.elapsed();
        server.cancel();
        (CONNECTIONS * ROUND_TRIPS) as f64 / took.as_secs_f64()
    })
}

fn wake_latency() -> Vec<Duration> {
    let rt = evloop::Runtime::builder().debug(false).build();
    let (to_thread, wakers) = mpsc::channel::<Waker>();
    let stamp = Arc::new(Mutex::new(Instant::now()));
    let s = stamp.clone();
    let waker_thread = std::thread::spawn(move || {
        for waker in wakers {
            // Let the loop fall asleep in the poller first.
            std::thread::sleep(Duration::from_micros(200));
            *s.lock().unwrap() = Instant::now();
            waker.wake();
        }
    });
    let samples = rt.block_on(async move {
        let mut samples = Vec::with_capacity(WAKES);
        for _ in 0..WAKES {
            let mut sent = false;
            poll_fn(|cx| {
                if sent {
                    return Poll::Ready(());
                }
                sent = true;
                to_thread.send(cx.waker().clone()).unwrap();
                Poll::Pending
            })
            .await;
            samples.push(stamp.lock().unwrap().elapsed());
        }
        samples
    });
    waker_thread.join().unwrap();
    samples
}

fn main() {
    let rps = echo();
    println!(
        "echo: {CONNECTIONS} connections x {ROUND_TRIPS} round trips of 64 bytes on one thread: {:.0} round trips/s",
        rps
    );
    let mut s = wake_latency();
    s.sort();
    let at = |q: f64| s[((s.len() - 1) as f64 * q) as usize];
    println!(
        "wake from another thread to a sleeping loop ({} samples): p50 {:?}, p99 {:?}, max {:?}",
        s.len(),
        at(0.50),
        at(0.99),
        s[s.len() - 1]
    );
}

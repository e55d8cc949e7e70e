//! In-memory I/O (`testing::mem`): pipes inside the loop, on the virtual
//! clock, with seeded faults that replay.

mod util;

use std::time::{Duration, Instant as WallInstant};

use evloop::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use evloop::stream::StreamExt;
use evloop::testing::mem::{self, Faults, MemListener, MemStream};
use evloop::time::Instant;
use evloop::{Builder, Policy};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn end_of_stream_and_broken_pipe_follow_drops_and_shutdowns() {
    evloop::testing::run(async {
        let (mut a, mut b) = mem::duplex(16);
        a.write_all(b"abc").await.unwrap();
        a.shutdown().await.unwrap();
        let err = a.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"abc");
        drop(a);
        let err = b.write_all(b"late").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(err.to_string().contains("dropped"), "{err}");
    });
}

#[test]
fn a_full_pipe_makes_the_writer_wait_for_the_reader() {
    evloop::testing::run(async {
        let (mut a, mut b) = mem::duplex(4);
        let writer = evloop::spawn(async move {
            a.write_all(b"0123456789").await.unwrap();
            a
        });
        evloop::yield_now().await;
        assert!(!writer.is_finished(), "10 bytes do not fit in 4");
        let mut got = [0; 10];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"0123456789");
        drop(writer.await.unwrap());
    });
}

#[test]
fn latency_is_virtual_exact_and_never_reorders() {
    evloop::testing::run(async {
        // Two writes, the second with a shorter draw: it still comes after.
        let (mut a, mut b) = mem::duplex_with(64, Faults::seeded(3).latency(ms(1), ms(50)));
        let start = Instant::now();
        a.write_all(b"first ").await.unwrap();
        a.write_all(b"second").await.unwrap();
        drop(a);
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"first second");
        let took = start.elapsed();
        assert!(took >= ms(1) && took <= ms(50), "{took:?}");
    });
}

fn read_sizes(seed: u64) -> Vec<usize> {
    evloop::testing::run(async move {
        let (mut a, mut b) = mem::duplex_with(1024, Faults::seeded(seed).partial_io());
        a.write_all(&[1; 200]).await.unwrap();
        drop(a);
        let mut sizes = Vec::new();
        let mut buf = [0; 64];
        loop {
            match b.read(&mut buf).await.unwrap() {
                0 => return sizes,
                n => sizes.push(n),
            }
        }
    })
}

#[test]
fn partial_io_breaks_one_read_per_write_and_the_seed_replays_it() {
    let sizes = read_sizes(11);
    assert_eq!(sizes.iter().sum::<usize>(), 200, "nothing lost");
    assert!(
        sizes.iter().any(|&n| n < 64),
        "some reads are short: {sizes:?}"
    );
    assert_eq!(read_sizes(11), sizes, "the same seed, the same reads");
    assert_ne!(read_sizes(12), sizes, "another seed, other reads");
}

#[test]
fn reset_after_n_bytes_delivers_them_then_fails_both_ends() {
    evloop::testing::run(async {
        let (mut a, mut b) = mem::duplex_with(64, Faults::seeded(1).reset_after(5));
        assert_eq!(a.write(b"0123456789").await.unwrap(), 5, "cut at the reset");
        let err = a.write_all(b"more").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
        let mut buf = [0; 5];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"01234");
        let err = b.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
        assert!(err.to_string().contains("reset_after"), "{err}");
        assert_eq!(
            b.write(b"x").await.unwrap_err().kind(),
            std::io::ErrorKind::ConnectionReset
        );
    });
}

#[test]
fn a_listener_accepts_and_a_dropped_one_refuses() {
    evloop::testing::run(async {
        let listener = MemListener::new(64, Faults::none());
        let connector = listener.connector();
        let mut client = connector.connect().await.unwrap();
        let mut server = listener.accept().await.unwrap();
        client.write_all(b"hi").await.unwrap();
        let mut buf = [0; 2];
        server.read_exact(&mut buf).await.unwrap();
        // A connection left in the backlog closes with the listener.
        let mut orphan = connector.connect().await.unwrap();
        drop(listener);
        assert_eq!(orphan.read(&mut buf).await.unwrap(), 0);
        let err = connector.connect().await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

/// A line-based echo server over a listener: what tests of a real server
/// look like with `mem` in place of TCP.
async fn serve(listener: MemListener, clients: usize) {
    let mut handles = Vec::new();
    for _ in 0..clients {
        let conn = listener.accept().await.unwrap();
        handles.push(evloop::spawn(async move {
            let (reader, mut writer) = evloop::io::split(conn);
            let mut lines = BufReader::new(reader).lines();
            while let Some(line) = lines.next().await {
                let line = line.unwrap();
                writer
                    .write_all(format!("{line}\n").as_bytes())
                    .await
                    .unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
}

/// `pairs` request/response round trips over one connection with random
/// latency; returns the virtual time it took.
async fn ping_pong(seed: u64, pairs: usize) -> Duration {
    let faults = Faults::seeded(seed).latency(ms(1), ms(20)).partial_io();
    let listener = MemListener::new(256, faults);
    let connector = listener.connector();
    let server = evloop::spawn(serve(listener, 1));
    let start = Instant::now();
    let client: MemStream = connector.connect().await.unwrap();
    let (reader, mut writer) = evloop::io::split(client);
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    for i in 0..pairs {
        writer
            .write_all(format!("req {i}\n").as_bytes())
            .await
            .unwrap();
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, format!("req {i}\n"));
    }
    drop(writer);
    drop(reader);
    server.await.unwrap();
    start.elapsed()
}

fn events_of_ping_pong(seed: u64, pairs: usize, policy: Policy) -> (Vec<String>, Duration) {
    let rt = Builder::new().virtual_clock().policy(policy).build();
    rt.events().record(usize::MAX >> 8);
    let took = rt.block_on(ping_pong(seed, pairs));
    (util::lines(&rt.events().recorded()), took)
}

#[test]
fn ten_thousand_round_trips_with_random_latency_are_instant_and_replay() {
    let wall = WallInstant::now();
    let (first, took) = events_of_ping_pong(42, 10_000, Policy::Fifo);
    // Each round trip takes two latencies of 1..=20 ms: about 3.5 virtual
    // minutes in all, taken in (much) less than that for real. The real
    // time is printed, not asserted (no wall-clock assertions in tests).
    assert!(
        took >= ms(2 * 10_000) && took <= ms(40 * 10_000),
        "{took:?}"
    );
    eprintln!(
        "10,000 round trips: {took:?} virtual in {:?} real",
        wall.elapsed()
    );
    let (second, took_again) = events_of_ping_pong(42, 10_000, Policy::Fifo);
    assert_eq!(took_again, took);
    assert!(first == second, "the same seed gives the same event stream");
    assert!(first.len() > 40_000, "{} events", first.len());
}

#[test]
fn every_policy_replays_its_run() {
    for policy in [
        Policy::Fifo,
        Policy::Lifo,
        Policy::Random { seed: 9 },
        Policy::Pct { seed: 9, depth: 3 },
    ] {
        let (a, took_a) = events_of_ping_pong(5, 200, policy);
        let (b, took_b) = events_of_ping_pong(5, 200, policy);
        assert_eq!(took_a, took_b, "{policy}");
        assert!(
            a == b,
            "{policy}: the same seed and policy give the same events"
        );
    }
}

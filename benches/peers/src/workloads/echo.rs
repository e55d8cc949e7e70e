//! F50 and F1: TCP echo on loopback, server and client in the same runtime,
//! 64-byte messages, `TCP_NODELAY`. F50 runs 50 connections × 2,000 round
//! trips at once (readiness arrives in batches: how well one reactor turn
//! serves many sockets); F1 runs 1 connection × 20,000 (latency: every
//! round trip is a full trip through the reactor, twice).
//!
//! The headline figure is round trips per second (higher is better); RTT
//! percentiles, measured by the client around each write + read, are in the
//! details.

use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_reactors};
use crate::stats::percentile_sorted;

pub const MANY: Workload = Workload {
    id: "F50",
    what: "TCP echo, 50 connections × 2,000 round trips",
    figure: "round trips/s",
    better: Better::Higher,
    runtimes: &Kind::WITH_REACTOR,
    peers_also_from: &[],
    run: run_many,
};

pub const ONE: Workload = Workload {
    id: "F1",
    what: "TCP echo, 1 connection × 20,000 round trips",
    figure: "round trips/s",
    better: Better::Higher,
    runtimes: &Kind::WITH_REACTOR,
    peers_also_from: &[],
    run: run_one,
};

const MESSAGE: usize = 64;

macro_rules! echo {
    ($rt:ident, ($connections:expr, $trips:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let (connections, trips): (usize, usize) = ($connections, $trips);
            let (listener, addr) = rt::listen().await;
            let server = rt::spawn(async move {
                let mut echoes = Vec::with_capacity(connections);
                for _ in 0..connections {
                    let mut stream = rt::accept(&listener).await;
                    echoes.push(rt::spawn(async move {
                        let mut buf = [0u8; MESSAGE];
                        while rt::read_exact(&mut stream, &mut buf).await {
                            rt::write_all(&mut stream, &buf).await;
                        }
                    }));
                }
                for echo in echoes {
                    echo.await;
                }
            });
            let start = Instant::now();
            let clients: Vec<_> = (0..connections)
                .map(|c| {
                    rt::spawn(async move {
                        let mut stream = rt::connect(addr).await;
                        let mut rtts = Vec::with_capacity(trips);
                        let mut buf = [c as u8; MESSAGE];
                        for _ in 0..trips {
                            let sent = Instant::now();
                            rt::write_all(&mut stream, &buf).await;
                            assert!(rt::read_exact(&mut stream, &mut buf).await, "echoed");
                            rtts.push(sent.elapsed().as_secs_f64() * 1e6);
                        }
                        rtts
                    })
                })
                .collect();
            let mut rtts = Vec::with_capacity(connections * trips);
            for client in clients {
                rtts.extend(client.await);
            }
            let elapsed = start.elapsed();
            server.await;
            rtts.sort_by(f64::total_cmp);
            let p = |q| percentile_sorted(&rtts, q).expect("at least one round trip");
            Sample {
                value: (connections * trips) as f64 / elapsed.as_secs_f64(),
                extras: Vec::new(),
            }
            .with("RTT p50 µs", p(50.0))
            .with("RTT p99 µs", p(99.0))
        }
    };
}

fn run_echo(kind: Kind, connections: usize, trips: usize) -> Option<Sample> {
    run_on_reactors!(kind, echo(connections, trips))
}

fn run_many(kind: Kind, size: Size) -> Option<Sample> {
    run_echo(kind, 50, size.scale(2_000) as usize)
}

fn run_one(kind: Kind, size: Size) -> Option<Sample> {
    run_echo(kind, 1, size.scale(20_000) as usize)
}

//! B2: two tasks ping-ponging a value over two single-slot channels, 200,000
//! round trips. Every step parks one task and wakes the other through the
//! runtime's own channel: the cost of a wake that carries data.

use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const WORKLOAD: Workload = Workload {
    id: "B2",
    what: "ping-pong over two single-slot channels",
    figure: "ns/round trip",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run,
};

macro_rules! ping_pong {
    ($rt:ident, ($trips:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let trips: u64 = $trips;
            let start = Instant::now();
            let (mut ping_tx, mut ping_rx) = rt::channel::<u64>(1);
            let (mut pong_tx, mut pong_rx) = rt::channel::<u64>(1);
            let echo = rt::spawn(async move {
                for _ in 0..trips {
                    let v = rt::recv(&mut ping_rx).await.expect("the server pings");
                    rt::send(&mut pong_tx, v + 1).await;
                }
            });
            let serve = rt::spawn(async move {
                let mut v = 0;
                for _ in 0..trips {
                    rt::send(&mut ping_tx, v).await;
                    v = rt::recv(&mut pong_rx).await.expect("the echo answers");
                    v += 1;
                }
                v
            });
            let last = serve.await;
            echo.await;
            assert_eq!(last, 2 * trips);
            Sample::per_op(start.elapsed(), trips)
        }
    };
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, ping_pong(size.scale(200_000)))
}

//! R: a fresh runtime per `block_on` of a future that is already ready,
//! 20,000 times. What code pays that runs one future per operation, as test
//! suites written for `futures_lite::future::block_on` do: build the runtime,
//! poll the future once, drop the runtime. Unlike every other workload, the
//! clock here includes the construction and the drop; they are the point.
//!
//! ```text
//!   tokio, tokio-local   a current-thread runtime with timers and I/O built,
//!                        block_on (in a LocalSet for tokio-local), dropped
//!   smol                 a LocalExecutor made, async_io::block_on, dropped
//!   futures              futures::executor::block_on (futures' own one-call
//!                        way; it keeps a thread-local notifier, no pool)
//!   futures-lite         futures_lite::future::block_on: no runtime at all,
//!                        a thread-local parker; the floor of this row
//!   evloop               Runtime::new().block_on(f), then the drop
//!   evloop+events        the same with a subscriber counting events
//!   evloop+log           the same with the event log on
//! ```

use std::future::Ready;
use std::hint::black_box;
use std::time::Instant;

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{self, Kind};

pub const WORKLOAD: Workload = Workload {
    id: "R",
    what: "a fresh runtime per block_on(ready)",
    figure: "ns/block_on",
    better: Better::Lower,
    runtimes: &Kind::ALL,
    peers_also_from: &[],
    run,
};

/// One whole life of a runtime around a ready future.
type BlockOn = fn(Ready<u64>) -> u64;

fn block_on_of(kind: Kind) -> BlockOn {
    match kind {
        Kind::Tokio => runtimes::tokio::block_on,
        Kind::TokioLocal => runtimes::tokio_local::block_on,
        Kind::Smol => runtimes::smol::block_on,
        Kind::Futures => futures::executor::block_on,
        Kind::FuturesLite => futures_lite::future::block_on,
        Kind::Evloop => |future| evloop::Runtime::new().block_on(future),
        Kind::EvloopEvents => runtimes::evloop_events::block_on,
        Kind::EvloopLog => runtimes::evloop_log::block_on,
    }
}

fn run(kind: Kind, size: Size) -> Option<Sample> {
    let block_on = block_on_of(kind);
    let times = size.scale(20_000);
    let start = Instant::now();
    let mut sum = 0;
    for i in 0..times {
        sum += block_on(std::future::ready(black_box(i)));
    }
    let elapsed = start.elapsed();
    assert_eq!(sum, times * (times - 1) / 2);
    Some(Sample::per_op(elapsed, times))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_runs_the_ready_future_to_its_output() {
        for kind in Kind::ALL {
            assert_eq!(block_on_of(kind)(std::future::ready(7)), 7, "{kind}");
        }
    }
}

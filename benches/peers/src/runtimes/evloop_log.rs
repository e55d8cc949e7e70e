//! evloop with the event log on and nobody listening: every event is kept in
//! the log's ring, so the difference from the `evloop` column is the price
//! of recording a run (what `rt.events().record(n)` costs a program).

use std::future::Future;

pub use super::evloop::{
    accept, channel, connect, listen, read_exact, recv, send, sleep, spawn, spawn_detached,
    write_all, yield_now,
};

/// The log's capacity: the most recent 4,096 events, as a program that
/// records a run for a trace keeps (once full, every event pushes the
/// oldest out: the steady state of a long run).
const KEPT: usize = 4096;

pub fn block_on<F: Future>(future: F) -> F::Output {
    let runtime = super::evloop::runtime();
    runtime.events().record(KEPT);
    let output = runtime.block_on(future);
    std::hint::black_box(runtime.events().recorded().len());
    output
}

//! evloop with the event stream on: a subscriber counts every event, so the
//! difference from the `evloop` column is the price of being watched.

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;

pub use super::evloop::{
    accept, channel, connect, listen, read_exact, recv, send, sleep, spawn, spawn_detached,
    write_all, yield_now,
};

pub fn block_on<F: Future>(future: F) -> F::Output {
    let runtime = super::evloop::runtime();
    let seen = Rc::new(Cell::new(0u64));
    let counter = seen.clone();
    runtime.events().subscribe(move |event| {
        black_box(event);
        counter.set(counter.get() + 1);
    });
    let output = runtime.block_on(future);
    black_box(seen.get());
    output
}

//! tokio's current-thread runtime with a `LocalSet` and `spawn_local`: the
//! tokio setup closest to evloop's (tasks need not be `Send`).

use std::future::Future;

pub use super::tokio::{
    accept, channel, connect, listen, read_exact, recv, send, sleep, write_all, yield_now,
};

pub fn block_on<F: Future>(future: F) -> F::Output {
    let runtime = super::tokio::runtime();
    tokio::task::LocalSet::new().block_on(&runtime, future)
}

pub fn spawn<F>(future: F) -> impl Future<Output = F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    super::Unwrapped(tokio::task::spawn_local(future))
}

pub fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    drop(tokio::task::spawn_local(future));
}

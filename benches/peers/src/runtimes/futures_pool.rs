//! `futures::executor::LocalPool`: the smallest single-threaded executor in
//! wide use. It has no timers and no I/O, so it runs only the workloads that
//! need neither.

use std::cell::RefCell;
use std::future::Future;

use futures::channel::mpsc;
use futures::executor::{LocalPool, LocalSpawner};
use futures::future::RemoteHandle;
use futures::task::LocalSpawnExt;
use futures::{SinkExt, StreamExt};

pub use futures_lite::future::yield_now;
pub type Tx<T> = mpsc::Sender<T>;
pub type Rx<T> = mpsc::Receiver<T>;

thread_local! {
    /// The pool `block_on` is running, for `spawn` inside it.
    static SPAWNER: RefCell<Option<LocalSpawner>> = const { RefCell::new(None) };
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut pool = LocalPool::new();
    SPAWNER.with(|s| *s.borrow_mut() = Some(pool.spawner()));
    let output = pool.run_until(future);
    SPAWNER.with(|s| s.borrow_mut().take());
    output
}

pub fn spawn<F>(future: F) -> RemoteHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    SPAWNER.with(|s| {
        s.borrow()
            .as_ref()
            .expect("futures_pool::spawn inside futures_pool::block_on")
            .spawn_local_with_handle(future)
            .expect("the pool is running")
    })
}

pub fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    SPAWNER.with(|s| {
        s.borrow()
            .as_ref()
            .expect("futures_pool::spawn_detached inside futures_pool::block_on")
            .spawn_local(future)
            .expect("the pool is running")
    });
}

/// futures' bounded channel holds `buffer + senders` items: with one sender,
/// `capacity - 1` gives `capacity` slots.
pub fn channel<T>(capacity: usize) -> (Tx<T>, Rx<T>) {
    mpsc::channel(capacity - 1)
}

pub async fn send<T>(tx: &mut Tx<T>, value: T) {
    tx.send(value)
        .await
        .expect("the receiver outlives the benchmark");
}

pub async fn recv<T>(rx: &mut Rx<T>) -> Option<T> {
    rx.next().await
}

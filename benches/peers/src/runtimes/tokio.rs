//! tokio's current-thread runtime with plain `tokio::spawn` (futures must be
//! `Send`, as most tokio code is written).

use std::future::Future;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
pub use tokio::net::{TcpListener as Listener, TcpStream as Stream};
pub use tokio::sync::mpsc::{Receiver as Rx, Sender as Tx};

/// A current-thread runtime with timers and I/O, as `#[tokio::main(flavor =
/// "current_thread")]` builds it.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio current-thread runtime builds")
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

pub fn spawn<F>(future: F) -> impl Future<Output = F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send,
{
    super::Unwrapped(tokio::spawn(future))
}

pub fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    drop(tokio::spawn(future));
}

pub use tokio::task::yield_now;
pub use tokio::time::sleep;

pub fn channel<T>(capacity: usize) -> (Tx<T>, Rx<T>) {
    tokio::sync::mpsc::channel(capacity)
}

pub async fn send<T>(tx: &mut Tx<T>, value: T) {
    if tx.send(value).await.is_err() {
        panic!("the receiver outlives the benchmark");
    }
}

pub async fn recv<T>(rx: &mut Rx<T>) -> Option<T> {
    rx.recv().await
}

pub async fn listen() -> (Listener, SocketAddr) {
    let listener = Listener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("a bound address");
    (listener, addr)
}

pub async fn accept(listener: &Listener) -> Stream {
    let (stream, _) = listener.accept().await.expect("accept");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    stream
}

pub async fn connect(addr: SocketAddr) -> Stream {
    let stream = Stream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    stream
}

pub async fn write_all(stream: &mut Stream, buf: &[u8]) {
    stream.write_all(buf).await.expect("write");
}

/// `false` at end of stream.
pub async fn read_exact(stream: &mut Stream, buf: &mut [u8]) -> bool {
    stream.read_exact(buf).await.is_ok()
}

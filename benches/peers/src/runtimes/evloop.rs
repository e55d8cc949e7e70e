//! evloop as the benchmarks run it: the real clock, debug mode off (the
//! release default), nobody listening to events.

use std::future::Future;
use std::net::SocketAddr;

pub use evloop::net::{TcpListener as Listener, TcpStream as Stream};
use evloop::sync::Queue;

pub use evloop::{sleep, yield_now};
pub type Tx<T> = Queue<T>;
pub type Rx<T> = Queue<T>;

/// A runtime as a release build of a user's program gets it, with debug mode
/// off explicitly (it is also the release default).
pub(crate) fn runtime() -> evloop::Runtime {
    evloop::Runtime::builder().debug(false).build()
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

pub fn spawn<F>(future: F) -> impl Future<Output = F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    super::Unwrapped(evloop::spawn(future))
}

pub fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    drop(evloop::spawn(future));
}

/// evloop's `Queue` is one handle for both ends.
pub fn channel<T: 'static>(capacity: usize) -> (Tx<T>, Rx<T>) {
    let queue = Queue::bounded(capacity);
    (queue.clone(), queue)
}

pub async fn send<T: 'static>(tx: &mut Tx<T>, value: T) {
    if tx.put(value).await.is_err() {
        panic!("the queue is not closed during the benchmark");
    }
}

pub async fn recv<T: 'static>(rx: &mut Rx<T>) -> Option<T> {
    rx.get().await.ok()
}

pub async fn listen() -> (Listener, SocketAddr) {
    let listener = Listener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("a bound address");
    (listener, addr)
}

pub async fn accept(listener: &Listener) -> Stream {
    let (stream, _) = listener.accept().await.expect("accept");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    stream
}

/// evloop's `connect` runs std's blocking connect on a worker thread (see
/// `evloop::net`); 50 connects are a negligible part of F50.
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

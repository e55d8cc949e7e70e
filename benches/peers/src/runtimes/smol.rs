//! smol's single-threaded executor: `async_executor::LocalExecutor` driven by
//! `async_io::block_on` (which also turns async-io's reactor and timers).

use std::cell::RefCell;
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use async_executor::{LocalExecutor, Task};
use async_io::{Async, Timer};
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};

pub use async_channel::{Receiver as Rx, Sender as Tx};
pub use futures_lite::future::yield_now;

pub type Listener = Async<TcpListener>;
pub type Stream = Async<TcpStream>;

thread_local! {
    /// The executor `block_on` is running, for `spawn` inside it (smol's
    /// `LocalExecutor` has no ambient "current executor").
    static EXECUTOR: RefCell<Option<Rc<LocalExecutor<'static>>>> = const { RefCell::new(None) };
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    let executor = Rc::new(LocalExecutor::new());
    EXECUTOR.with(|e| *e.borrow_mut() = Some(executor.clone()));
    let output = async_io::block_on(executor.run(future));
    EXECUTOR.with(|e| e.borrow_mut().take());
    output
}

pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    EXECUTOR.with(|e| {
        e.borrow()
            .as_ref()
            .expect("smol::spawn inside smol::block_on")
            .spawn(future)
    })
}

pub fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + 'static,
{
    spawn(future).detach();
}

pub async fn sleep(duration: Duration) {
    Timer::after(duration).await;
}

pub fn channel<T>(capacity: usize) -> (Tx<T>, Rx<T>) {
    async_channel::bounded(capacity)
}

pub async fn send<T>(tx: &mut Tx<T>, value: T) {
    if tx.send(value).await.is_err() {
        panic!("the receiver outlives the benchmark");
    }
}

pub async fn recv<T>(rx: &mut Rx<T>) -> Option<T> {
    rx.recv().await.ok()
}

pub async fn listen() -> (Listener, SocketAddr) {
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind loopback");
    let addr = listener.get_ref().local_addr().expect("a bound address");
    (listener, addr)
}

pub async fn accept(listener: &Listener) -> Stream {
    let (stream, _) = listener.accept().await.expect("accept");
    stream.get_ref().set_nodelay(true).expect("TCP_NODELAY");
    stream
}

pub async fn connect(addr: SocketAddr) -> Stream {
    let stream = Async::<TcpStream>::connect(addr).await.expect("connect");
    stream.get_ref().set_nodelay(true).expect("TCP_NODELAY");
    stream
}

pub async fn write_all(stream: &mut Stream, buf: &[u8]) {
    stream.write_all(buf).await.expect("write");
}

/// `false` at end of stream.
pub async fn read_exact(stream: &mut Stream, buf: &mut [u8]) -> bool {
    stream.read_exact(buf).await.is_ok()
}

//! [`MemListener`] and [`MemConnector`]: accept and connect, in memory.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::rc::Rc;
use std::task::{Poll, Waker};

use super::{Faults, MemStream};

struct Backlog {
    waiting: VecDeque<MemStream>,
    acceptor: Option<Waker>,
    listening: bool,
    capacity: usize,
    faults: Faults,
    connections: u64,
}

/// A listener for in-memory connections: [`accept`](MemListener::accept)
/// gives the server's end of each connection a [`MemConnector`] made.
///
/// # Examples
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncWriteExt};
/// use evloop::testing::mem::{Faults, MemListener};
///
/// evloop::testing::run(async {
///     let listener = MemListener::new(1024, Faults::none());
///     let connector = listener.connector();
///     let server = evloop::spawn(async move {
///         let mut conn = listener.accept().await.unwrap();
///         let mut buf = [0; 4];
///         conn.read_exact(&mut buf).await.unwrap();
///         conn.write_all(&buf).await.unwrap();
///     });
///     let mut client = connector.connect().await.unwrap();
///     client.write_all(b"ping").await.unwrap();
///     let mut back = [0; 4];
///     client.read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"ping");
///     server.await.unwrap();
/// });
/// ```
pub struct MemListener {
    backlog: Rc<RefCell<Backlog>>,
}

/// Connects to a [`MemListener`]; cheap to clone, one per client.
#[derive(Clone)]
pub struct MemConnector {
    backlog: Rc<RefCell<Backlog>>,
}

impl MemListener {
    /// A listener whose connections buffer `capacity` bytes per direction
    /// (see [`duplex`](super::duplex)) and inject `faults`, each
    /// connection with a seed of its own derived from the faults' seed and
    /// its number, so connection *n* behaves the same in every run.
    pub fn new(capacity: usize, faults: Faults) -> MemListener {
        MemListener {
            backlog: Rc::new(RefCell::new(Backlog {
                waiting: VecDeque::new(),
                acceptor: None,
                listening: true,
                capacity,
                faults,
                connections: 0,
            })),
        }
    }

    /// A connector for clients of this listener.
    pub fn connector(&self) -> MemConnector {
        MemConnector {
            backlog: self.backlog.clone(),
        }
    }

    /// Waits for a connection and returns the server's end. Cancel safe: a
    /// connection is either returned or left in the backlog.
    ///
    /// # Errors
    ///
    /// None yet; the `Result` is a socket's, so code written for
    /// [`TcpListener::accept`](crate::net::TcpListener::accept) fits.
    pub fn accept(&self) -> impl Future<Output = io::Result<MemStream>> + '_ {
        poll_fn(|cx| {
            let mut backlog = self.backlog.borrow_mut();
            match backlog.waiting.pop_front() {
                Some(stream) => Poll::Ready(Ok(stream)),
                None => {
                    backlog.acceptor = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

impl MemConnector {
    /// Connects: the server's end goes into the listener's backlog and the
    /// client's end comes back. With a latency fault, the handshake takes
    /// one latency of (virtual) time first.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` if the listener was dropped.
    pub async fn connect(&self) -> io::Result<MemStream> {
        let handshake = {
            let mut backlog = self.backlog.borrow_mut();
            let n = backlog.connections;
            backlog.connections += 1;
            backlog.faults.for_connection(n)
        };
        if handshake.latency.is_some() {
            let mut rng = crate::executor::Rng::new(handshake.seed);
            if let Some(latency) = handshake.draw_latency(&mut rng) {
                crate::sleep(latency).await;
            }
        }
        let (client, server, acceptor) = {
            let mut backlog = self.backlog.borrow_mut();
            if !backlog.listening {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    "the MemListener this connector belongs to was dropped",
                ));
            }
            let (client, server) = super::duplex_with(backlog.capacity, handshake);
            (client, server, backlog.acceptor.take())
        };
        self.backlog.borrow_mut().waiting.push_back(server);
        if let Some(waker) = acceptor {
            waker.wake();
        }
        Ok(client)
    }
}

impl Drop for MemListener {
    fn drop(&mut self) {
        let waiting = {
            let mut backlog = self.backlog.borrow_mut();
            backlog.listening = false;
            std::mem::take(&mut backlog.waiting)
        };
        // Unaccepted connections close: their clients read end of stream.
        drop(waiting);
    }
}

impl fmt::Debug for MemListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backlog = self.backlog.borrow();
        f.debug_struct("MemListener")
            .field("backlog", &backlog.waiting.len())
            .field("faults", &backlog.faults)
            .finish()
    }
}

impl fmt::Debug for MemConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemConnector")
    }
}

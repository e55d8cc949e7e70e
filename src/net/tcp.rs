//! TCP: a listener and a stream.

use crate::io::{AsRawFd, RawFd};
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

use super::{connect_one, listener_methods, resolve, stream_methods};
use crate::io::Async;

/// A TCP socket that accepts connections.
///
/// # Examples
///
/// ```
/// use evloop::net::{TcpListener, TcpStream};
///
/// evloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = evloop::spawn(async move {
///         let stream = TcpStream::connect(addr).await.unwrap();
///         stream.write_all(b"ping").await.unwrap();
///     });
///     let (stream, _peer) = listener.accept().await.unwrap();
///     let mut buf = [0; 4];
///     stream.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
///     client.await.unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: Async<net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens (std's backlog of 128). Port 0 picks a
    /// free port; [`local_addr`](TcpListener::local_addr) tells which.
    ///
    /// # Errors
    ///
    /// The OS's (`AddrInUse`, `PermissionDenied`, …), or those of
    /// [`Async::new`] (outside a running loop, no poller).
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::from_std(net::TcpListener::bind(addr)?)
    }

    listener_methods!(TcpListener, net::TcpListener, TcpStream, SocketAddr);
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// A TCP connection.
///
/// Methods take `&self`, so one task can read while another writes (share
/// the stream with an `Rc`).
#[derive(Debug)]
pub struct TcpStream {
    /// Also waited on by `connect_one` (in `net/mod.rs`).
    pub(super) io: Async<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, without blocking the loop: the socket connects
    /// in the background while the loop runs other tasks, and this task
    /// wakes when the handshake is over. An address given as one (a
    /// `SocketAddr`, an IP and a port, `"127.0.0.1:8080"`) is used as it
    /// is; a host name is looked up as a [`to_thread`](crate::to_thread)
    /// job first. Each address is tried in turn; the last one's error is
    /// the answer if none connects. See the [module docs](crate::net).
    /// Cancel safe: a connection under way when cancelled is closed.
    ///
    /// # Errors
    ///
    /// The OS's: `ConnectionRefused` when nothing listens, `TimedOut`, …;
    /// `InvalidInput` when a name resolves to no address; or, outside a
    /// running evloop loop, `NotFound` (as [`Async::new`]).
    ///
    /// # Panics
    ///
    /// Given a host name outside a running evloop loop, as
    /// [`to_thread`](crate::to_thread).
    pub async fn connect<A>(addr: A) -> io::Result<TcpStream>
    where
        A: ToSocketAddrs + Send + 'static,
    {
        let mut last = None;
        for addr in resolve(addr).await? {
            match connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any addresses",
            )
        }))
    }

    /// Registers a connected std stream.
    ///
    /// # Errors
    ///
    /// Those of [`Async::new`].
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        let io = Async::new(stream)?;
        io.read_with_inq();
        Ok(TcpStream { io })
    }

    stream_methods!(net::TcpStream);

    /// Turns Nagle's algorithm off (`true`: small writes go out at once).
    ///
    /// # Errors
    ///
    /// The OS's (rare).
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(on)
    }

    /// Whether Nagle's algorithm is off.
    ///
    /// # Errors
    ///
    /// The OS's (rare).
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// `NotConnected` after the peer went away.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// This end's address.
    ///
    /// # Errors
    ///
    /// The OS's (rare).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

crate::io::impl_poll_traits!([] TcpStream);
crate::io::impl_poll_traits!(['a] &'a TcpStream);

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

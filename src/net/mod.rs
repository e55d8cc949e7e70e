//! Sockets on the reactor: TCP, UDP and Unix-domain streams.
//!
//! Each type is a std socket in non-blocking mode inside an
//! [`Async`](crate::io::Async): the std type does the syscalls, the reactor
//! does the waiting. Errors are the OS's, as `io::Error`
//! (`ConnectionRefused`, `ConnectionReset`, `EMFILE` from `accept`, …), and
//! end of stream is `Ok(0)`.
//!
//! | asyncio                               | evloop                          |
//! |---------------------------------------|---------------------------------|
//! | `asyncio.start_server` + `accept`     | [`TcpListener::bind`], [`TcpListener::accept`] |
//! | `asyncio.open_connection`             | [`TcpStream::connect`]          |
//! | `reader.read(n)` / `writer.write`     | [`TcpStream::read`] / [`TcpStream::write_all`] |
//! | `writer.write_eof()`                  | [`TcpStream::shutdown`]`(Write)` |
//! | `loop.create_datagram_endpoint`       | [`UdpSocket::bind`]             |
//! | `asyncio.open_unix_connection`        | [`UnixStream::connect`]         |
//!
//! # How `connect` works
//!
//! [`TcpStream::connect`] does not block, as a production runtime's does:
//! `socket()` in non-blocking mode, `connect()` returning `EINPROGRESS`,
//! wait on the reactor until the socket is *writable*, then read `SO_ERROR`
//! to learn whether it worked (`sys/socket.rs` declares `socket` and
//! `connect` and the per-OS `sockaddr` layouts; std does the rest). Each
//! address a name resolves to is tried in turn, as std does.
//!
//! Only name resolution can block (a DNS lookup), and std has no other way
//! to do it: an address given as a `SocketAddr`, an IP and a port, or text
//! that parses as one (`"127.0.0.1:8080"`, `"[::1]:80"`) is used as it is,
//! on the loop's thread; a host name (`"example.com:80"`) is resolved as a
//! [`to_thread`](crate::to_thread) job, and then connected to here.
//! (evloop's first versions ran every connect, std's blocking `connect`, on
//! a worker thread: one thread hand-off a connection, at most
//! [`Builder::blocking_threads`](crate::Builder::blocking_threads)
//! connections under way at once, and a process made multi-threaded, which
//! makes glibc's every later `send` and `recv` a little slower.)
//!
//! Binding (`bind`) resolves addresses on the loop's thread with std's
//! `ToSocketAddrs`: give IP addresses, not host names, or the lookup blocks
//! the loop.

mod tcp;
mod udp;
#[cfg(unix)]
mod unix;

pub use tcp::{TcpListener, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixListener, UnixStream};

use std::io;

/// The addresses `addr` stands for, if it names no host: a `SocketAddr` (or
/// a slice of them), an IP and a port, or text that parses as one. `None`
/// for a host name, which only a lookup (that may block) can resolve.
fn literal_addrs(addr: &dyn std::any::Any) -> Option<Vec<std::net::SocketAddr>> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
    fn text(s: &str) -> Option<Vec<SocketAddr>> {
        s.parse().ok().map(|a| vec![a])
    }
    fn ip_port(ip: &str, port: u16) -> Option<Vec<SocketAddr>> {
        ip.parse::<IpAddr>()
            .ok()
            .map(|ip| vec![SocketAddr::new(ip, port)])
    }
    if let Some(a) = addr.downcast_ref::<SocketAddr>() {
        Some(vec![*a])
    } else if let Some(a) = addr.downcast_ref::<SocketAddrV4>() {
        Some(vec![SocketAddr::V4(*a)])
    } else if let Some(a) = addr.downcast_ref::<SocketAddrV6>() {
        Some(vec![SocketAddr::V6(*a)])
    } else if let Some((ip, port)) = addr.downcast_ref::<(IpAddr, u16)>() {
        Some(vec![SocketAddr::new(*ip, *port)])
    } else if let Some((ip, port)) = addr.downcast_ref::<(Ipv4Addr, u16)>() {
        Some(vec![SocketAddr::new((*ip).into(), *port)])
    } else if let Some((ip, port)) = addr.downcast_ref::<(Ipv6Addr, u16)>() {
        Some(vec![SocketAddr::new((*ip).into(), *port)])
    } else if let Some(s) = addr.downcast_ref::<&'static str>() {
        text(s)
    } else if let Some(s) = addr.downcast_ref::<String>() {
        text(s)
    } else if let Some((ip, port)) = addr.downcast_ref::<(&'static str, u16)>() {
        ip_port(ip, *port)
    } else if let Some((ip, port)) = addr.downcast_ref::<(String, u16)>() {
        ip_port(ip, *port)
    } else {
        addr.downcast_ref::<&'static [SocketAddr]>()
            .map(|list| list.to_vec())
    }
}

/// The addresses `addr` stands for: at once for an address given as one
/// ([`literal_addrs`]), else by a lookup on a worker thread.
async fn resolve<A>(addr: A) -> io::Result<Vec<std::net::SocketAddr>>
where
    A: std::net::ToSocketAddrs + Send + 'static,
{
    match literal_addrs(&addr) {
        Some(addrs) => Ok(addrs),
        None => on_worker(move || addr.to_socket_addrs().map(Iterator::collect)).await,
    }
}

crate::sys::if_posix! {
    /// Connects to one address: the connect is started here and finished
    /// by the reactor (`sys/socket.rs`).
    async fn connect_one(addr: std::net::SocketAddr) -> io::Result<TcpStream> {
        let (stream, connected) = crate::sys::socket::start_connect(&addr)?;
        let stream = TcpStream::from_std(stream)?;
        if !connected {
            let io = &stream.io;
            loop {
                // Writable (or failed: bad news wakes every waiter).
                io.writable().await?;
                if let Some(e) = io.get_ref().take_error()? {
                    return Err(e);
                }
                match io.get_ref().peer_addr() {
                    Ok(_) => break,
                    // An edge with the handshake still under way: wait for
                    // the next one.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => io.clear_writable(),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(stream)
    }
}

crate::sys::if_not_posix! {
    /// Connects to one address: where evloop declares no sockets, std's
    /// blocking connect, on a worker thread.
    async fn connect_one(addr: std::net::SocketAddr) -> io::Result<TcpStream> {
        let stream = on_worker(move || std::net::TcpStream::connect(addr)).await?;
        TcpStream::from_std(stream)
    }
}

/// Runs a blocking call (a connect, a lookup) on a worker thread.
async fn on_worker<S, F>(call: F) -> io::Result<S>
where
    F: FnOnce() -> io::Result<S> + Send + 'static,
    S: Send + 'static,
{
    match crate::to_thread(call).await {
        Ok(result) => result,
        Err(e) => Err(io::Error::other(e.to_string())),
    }
}

/// The stream methods shared by [`TcpStream`] and [`UnixStream`]: each type
/// holds its socket in an `Async` field named `io`.
macro_rules! stream_methods {
    ($std:ty) => {
        /// Reads into `buf`; `Ok(0)` is end of stream (the peer shut down
        /// its write side or closed). Cancel safe.
        ///
        /// # Errors
        ///
        /// The OS's, such as `ConnectionReset`.
        pub fn read<'a>(
            &'a self,
            buf: &'a mut [u8],
        ) -> impl std::future::Future<Output = std::io::Result<usize>> + 'a {
            self.io.read(buf)
        }

        /// Writes some of `buf` and returns how many bytes. Cancel safe.
        ///
        /// # Errors
        ///
        /// The OS's, such as `BrokenPipe` or `ConnectionReset`.
        pub fn write<'a>(
            &'a self,
            buf: &'a [u8],
        ) -> impl std::future::Future<Output = std::io::Result<usize>> + 'a {
            self.io.write(buf)
        }

        /// Fills `buf` completely. Not cancel safe: bytes read before a
        /// cancellation are lost.
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the stream ends first; otherwise the OS's.
        pub fn read_exact<'a>(
            &'a self,
            buf: &'a mut [u8],
        ) -> impl std::future::Future<Output = std::io::Result<()>> + 'a {
            self.io.read_exact(buf)
        }

        /// Writes all of `buf`. Not cancel safe: a cancelled call may have
        /// sent part of it.
        ///
        /// # Errors
        ///
        /// The OS's, such as `BrokenPipe`.
        pub fn write_all<'a>(
            &'a self,
            buf: &'a [u8],
        ) -> impl std::future::Future<Output = std::io::Result<()>> + 'a {
            self.io.write_all(buf)
        }

        /// Shuts down the read side, the write side (the peer then reads
        /// end of stream, `Ok(0)`) or both. The socket stays open until
        /// dropped.
        ///
        /// # Errors
        ///
        /// The OS's, such as `NotConnected`.
        pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
            self.io.get_ref().shutdown(how)
        }

        /// The poll form of [`read`](Self::read), for hand-written futures
        /// and the [`AsyncRead`](crate::io::AsyncRead) impl: reads into
        /// `buf`, or keeps `cx`'s waker until the socket is readable. The
        /// waiter lives in the socket (one per direction), so no borrow is
        /// held between calls; see
        /// [`Async::poll_readable`](crate::io::Async::poll_readable).
        ///
        /// # Errors
        ///
        /// The OS's, such as `ConnectionReset`.
        pub fn poll_read(
            &self,
            cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.io.poll_read(cx, buf)
        }

        /// Like [`poll_read`](Self::poll_read), into several buffers in
        /// one `readv(2)`.
        ///
        /// # Errors
        ///
        /// The OS's.
        pub fn poll_read_vectored(
            &self,
            cx: &mut std::task::Context<'_>,
            bufs: &mut [std::io::IoSliceMut<'_>],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.io.poll_read_vectored(cx, bufs)
        }

        /// The poll form of [`write`](Self::write).
        ///
        /// # Errors
        ///
        /// The OS's, such as `BrokenPipe`.
        pub fn poll_write(
            &self,
            cx: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.io.poll_write(cx, buf)
        }

        /// Like [`poll_write`](Self::poll_write), from several buffers in
        /// one `writev(2)`.
        ///
        /// # Errors
        ///
        /// The OS's.
        pub fn poll_write_vectored(
            &self,
            cx: &mut std::task::Context<'_>,
            bufs: &[std::io::IoSlice<'_>],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.io.poll_write_vectored(cx, bufs)
        }

        /// Always ready: a socket buffers nothing in user space.
        ///
        /// # Errors
        ///
        /// None; the signature is the trait's.
        pub fn poll_flush(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }

        /// Shuts down the write side (the peer reads end of stream): the
        /// poll form of `shutdown(Shutdown::Write)`, which never waits.
        ///
        /// # Errors
        ///
        /// The OS's, such as `NotConnected`.
        pub fn poll_shutdown(
            &self,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(self.shutdown(std::net::Shutdown::Write))
        }

        /// Splits the stream into an owned read half and an owned write
        /// half (see [`io::split`](crate::io::split)).
        pub fn split(self) -> (crate::io::ReadHalf<Self>, crate::io::WriteHalf<Self>) {
            crate::io::split(self)
        }

        /// Waits until the socket is readable (see
        /// [`Async::readable`](crate::io::Async::readable)). Cancel safe.
        ///
        /// # Errors
        ///
        /// Only if the runtime was dropped meanwhile.
        pub fn readable(&self) -> crate::io::Readiness<'_, $std> {
            self.io.readable()
        }

        /// Waits until the socket is writable (see
        /// [`Async::writable`](crate::io::Async::writable)). Cancel safe.
        ///
        /// # Errors
        ///
        /// Only if the runtime was dropped meanwhile.
        pub fn writable(&self) -> crate::io::Readiness<'_, $std> {
            self.io.writable()
        }
    };
}
pub(crate) use stream_methods;

/// The methods every listener has, whatever its address family: take over a
/// std listener, accept, tell the address. (`bind` differs: an address or a
/// path.)
macro_rules! listener_methods {
    ($listener:ident, $std:ty, $stream:ident, $addr:ty) => {
        /// Registers a listener made with std.
        ///
        /// # Errors
        ///
        /// Those of [`Async::new`](crate::io::Async::new).
        pub fn from_std(listener: $std) -> std::io::Result<$listener> {
            Ok($listener {
                io: crate::io::Async::with_interest(listener, crate::sys::Interest::READABLE)?,
            })
        }

        /// Waits for a connection and returns it with the peer's address.
        /// Cancel safe: a connection is either returned or left in the
        /// backlog.
        ///
        /// # Errors
        ///
        /// The OS's. Notably `EMFILE`/`ENFILE` (`raw_os_error()` 24/23)
        /// when the process is out of descriptors: the connection stays in
        /// the backlog, the listener keeps working, and a later `accept`
        /// succeeds once descriptors are free.
        pub async fn accept(&self) -> std::io::Result<($stream, $addr)> {
            let (stream, peer) = self.io.read_with(|l| l.accept()).await?;
            Ok(($stream::from_std(stream)?, peer))
        }

        /// The address it listens on.
        ///
        /// # Errors
        ///
        /// The OS's (rare).
        pub fn local_addr(&self) -> std::io::Result<$addr> {
            self.io.get_ref().local_addr()
        }
    };
}
pub(crate) use listener_methods;

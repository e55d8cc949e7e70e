//! UDP: datagrams.

use crate::io::{AsRawFd, RawFd};
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

use crate::io::Async;

/// A UDP socket.
///
/// Every method is cancel safe: a datagram is sent or received whole, or
/// not at all.
///
/// # Examples
///
/// ```
/// use evloop::net::UdpSocket;
///
/// evloop::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// });
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    io: Async<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// The OS's (`AddrInUse`, …), or those of [`Async::new`].
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(net::UdpSocket::bind(addr)?)?,
        })
    }

    /// Sends one datagram to `target`; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// The OS's (`EMSGSIZE` for a datagram too large, …).
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.write_with(|s| s.send_to(buf, target)).await
    }

    /// Receives one datagram and its sender. A datagram longer than `buf`
    /// is truncated (the rest is discarded by the OS).
    ///
    /// # Errors
    ///
    /// The OS's (`ConnectionRefused` after an ICMP port-unreachable on Linux).
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Sets the default peer for [`send`](UdpSocket::send) and
    /// [`recv`](UdpSocket::recv), and filters what is received to it. It
    /// sends nothing, so it does not block.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.io.get_ref().connect(peer)
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](UdpSocket::connect); otherwise the OS's.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// The OS's (`ConnectionRefused` if the peer's port is closed, on Linux).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// This socket's address.
    ///
    /// # Errors
    ///
    /// The OS's (rare).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](UdpSocket::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

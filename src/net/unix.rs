//! Unix-domain stream sockets: a listener on a path, a connection to a
//! path, or a connected pair.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use super::{listener_methods, on_worker, stream_methods};
use crate::io::Async;

/// A Unix-domain socket that accepts connections, bound to a path in the
/// file system (the local cousin of [`TcpListener`](super::TcpListener)).
///
/// Binding creates the socket file; like std, evloop does not remove it
/// when the listener is dropped, so a server that binds the same path again
/// removes the old file first.
///
/// # Examples
///
/// ```
/// use evloop::net::{UnixListener, UnixStream};
///
/// let dir = std::env::temp_dir().join(format!("evloop-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("echo.sock");
/// let _ = std::fs::remove_file(&path);
/// evloop::run(async {
///     let listener = UnixListener::bind(&path).unwrap();
///     let client = evloop::spawn({
///         let path = path.clone();
///         async move {
///             let stream = UnixStream::connect(&path).await.unwrap();
///             stream.write_all(b"ping").await.unwrap();
///         }
///     });
///     let (stream, _peer) = listener.accept().await.unwrap();
///     let mut buf = [0; 4];
///     stream.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
///     client.await.unwrap();
/// });
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct UnixListener {
    io: Async<net::UnixListener>,
}

impl UnixListener {
    /// Creates the socket file at `path` and listens on it.
    ///
    /// # Errors
    ///
    /// The OS's: `AddrInUse` if a file already exists there (remove it
    /// first), `NotFound` if its directory does not exist,
    /// `PermissionDenied`, …; or those of [`Async::new`] (outside a running
    /// loop, no poller).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(net::UnixListener::bind(path)?)
    }

    listener_methods!(UnixListener, net::UnixListener, UnixStream, SocketAddr);
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

/// A Unix-domain stream socket: like a pipe, but both ends read and write.
///
/// # Examples
///
/// ```
/// use evloop::net::UnixStream;
///
/// evloop::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     a.write_all(b"hi").await.unwrap();
///     a.shutdown(std::net::Shutdown::Write).unwrap();
///     let mut buf = [0; 8];
///     assert_eq!(b.read(&mut buf).await.unwrap(), 2);
///     assert_eq!(b.read(&mut buf).await.unwrap(), 0); // end of stream
/// });
/// ```
#[derive(Debug)]
pub struct UnixStream {
    io: Async<net::UnixStream>,
}

impl UnixStream {
    /// Two connected sockets.
    ///
    /// # Errors
    ///
    /// The OS's (`EMFILE`), or those of [`Async::new`].
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Connects to the socket at `path`: std's blocking connect, on a
    /// worker thread ([`to_thread`](crate::to_thread)). A Unix-domain
    /// connect has no handshake to wait for, but it blocks while the
    /// listener's backlog is full; unlike
    /// [`TcpStream::connect`](super::TcpStream::connect), evloop does not
    /// declare its non-blocking form.
    ///
    /// # Errors
    ///
    /// The OS's: `NotFound`, `ConnectionRefused`, …
    ///
    /// # Panics
    ///
    /// Outside a running evloop loop.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref().to_path_buf();
        let stream = on_worker(move || net::UnixStream::connect(path)).await?;
        UnixStream::from_std(stream)
    }

    /// Registers a connected std socket.
    ///
    /// # Errors
    ///
    /// Those of [`Async::new`].
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    stream_methods!(net::UnixStream);
}

crate::io::impl_poll_traits!([] UnixStream);
crate::io::impl_poll_traits!(['a] &'a UnixStream);

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

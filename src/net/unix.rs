//! Unix-domain stream sockets: a connected pair, or a connection to a path.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net;
use std::path::Path;

use super::{connect_on_worker, stream_methods};
use crate::io::Async;

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

    /// Connects to the socket at `path`, on a worker thread as
    /// [`TcpStream::connect`](super::TcpStream::connect) does.
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
        let stream = connect_on_worker(move || net::UnixStream::connect(path)).await?;
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

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

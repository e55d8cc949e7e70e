//! [`split`]: one stream, two owned halves (a reader and a writer).

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{AsyncRead, AsyncWrite};

/// Splits a stream into an owned read half and an owned write half, to
/// move into two tasks or to hand to code that wants a reader and a writer
/// (a copy loop from a stream to itself, say). asyncio's
/// `open_connection` returns the pair `(reader, writer)` the same way.
///
/// Both halves share the stream through an `Rc` and use it through `&T`,
/// which evloop's streams allow: reading and writing wait in different
/// directions of the reactor, so neither half's waiting disturbs the other.
/// [`ReadHalf::reunite`] gives the stream back.
///
/// # Examples
///
/// ```
/// use evloop::io::{self, AsyncReadExt, AsyncWriteExt};
/// use evloop::net::UnixStream;
///
/// evloop::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (mut reader, mut writer) = io::split(b);
///     let echo = evloop::spawn(async move {
///         let mut buf = [0; 4];
///         reader.read_exact(&mut buf).await.unwrap();
///         writer.write_all(&buf).await.unwrap();
///     });
///     a.write_all(b"ping").await.unwrap();
///     let mut back = [0; 4];
///     a.read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"ping");
///     echo.await.unwrap();
/// });
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    for<'a> &'a T: AsyncRead + AsyncWrite,
{
    let stream = Rc::new(stream);
    (
        ReadHalf {
            stream: stream.clone(),
        },
        WriteHalf { stream },
    )
}

/// The read half of a stream; see [`split`].
pub struct ReadHalf<T> {
    stream: Rc<T>,
}

/// The write half of a stream; see [`split`].
pub struct WriteHalf<T> {
    stream: Rc<T>,
}

impl<T> ReadHalf<T> {
    /// Puts the stream back together.
    ///
    /// # Errors
    ///
    /// If `write` is the half of another stream: both halves come back in
    /// the error.
    pub fn reunite(self, write: WriteHalf<T>) -> Result<T, ReuniteError<T>> {
        if !Rc::ptr_eq(&self.stream, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        drop(write);
        Ok(Rc::into_inner(self.stream).expect("the two halves were the only owners"))
    }
}

/// The halves given to [`ReadHalf::reunite`] came from two different streams.
pub struct ReuniteError<T>(pub ReadHalf<T>, pub WriteHalf<T>);

impl<T> fmt::Debug for ReuniteError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError")
    }
}

impl<T> fmt::Display for ReuniteError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "these halves came from two different streams; reunite the read half with the write \
             half that io::split returned beside it",
        )
    }
}

impl<T> std::error::Error for ReuniteError<T> {}

impl<T> AsyncRead for ReadHalf<T>
where
    for<'a> &'a T: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_read_vectored(cx, bufs)
    }
}

impl<T> AsyncWrite for WriteHalf<T>
where
    for<'a> &'a T: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.stream).poll_shutdown(cx)
    }
}

impl<T: fmt::Debug> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReadHalf").field(&self.stream).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WriteHalf").field(&self.stream).finish()
    }
}

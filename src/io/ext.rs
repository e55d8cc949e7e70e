//! The `async fn` side of the poll traits: [`AsyncReadExt`] and
//! [`AsyncWriteExt`], the loops `read_exact` and `write_all` share with the
//! sockets' inherent methods.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;

use super::{AsyncRead, AsyncWrite};

/// `read(buf).await` and friends for every [`AsyncRead`] (asyncio's
/// `reader.read(n)`, `reader.readexactly(n)`, `reader.read()`).
///
/// # Examples
///
/// ```
/// use evloop::io::{self, AsyncReadExt, AsyncWriteExt};
/// use evloop::net::UnixStream;
///
/// evloop::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (_, mut a) = io::split(a); // an owned writer: AsyncWrite by `&mut`
///     AsyncWriteExt::write_all(&mut a, b"hello").await.unwrap();
///     AsyncWriteExt::shutdown(&mut a).await.unwrap();
///     let mut b = &b; // `&UnixStream` reads too
///     let mut all = Vec::new();
///     b.read_to_end(&mut all).await.unwrap();
///     assert_eq!(all, b"hello");
/// });
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Reads into `buf`; `Ok(0)` is end of stream. Cancel safe.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_read(cx, buf))
    }

    /// Fills `buf` completely. **Not cancel safe**: bytes read before a
    /// cancellation are lost.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first; otherwise the stream's.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Unpin,
    {
        async move {
            let mut filled = 0;
            while filled < buf.len() {
                match poll_fn(|cx| Pin::new(&mut *self).poll_read(cx, &mut buf[filled..])).await? {
                    0 => return Err(eof()),
                    n => filled += n,
                }
            }
            Ok(())
        }
    }

    /// Appends everything up to end of stream to `buf`; returns how many
    /// bytes. **Not cancel safe** as a whole, but what was read is in
    /// `buf`.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn read_to_end<'a>(
        &'a mut self,
        buf: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        async move {
            let start = buf.len();
            let mut chunk = [0u8; 4096];
            loop {
                match poll_fn(|cx| Pin::new(&mut *self).poll_read(cx, &mut chunk)).await? {
                    0 => return Ok(buf.len() - start),
                    n => buf.extend_from_slice(&chunk[..n]),
                }
            }
        }
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// `write_all(buf).await` and friends for every [`AsyncWrite`] (asyncio's
/// `writer.write` + `drain`, `write_eof`).
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `buf`; returns how many bytes. Cancel safe.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_write(cx, buf))
    }

    /// Writes all of `buf`. **Not cancel safe**: a cancelled call may have
    /// written part of it.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the stream accepts nothing; otherwise the stream's.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Unpin,
    {
        async move {
            let mut written = 0;
            while written < buf.len() {
                match poll_fn(|cx| Pin::new(&mut *self).poll_write(cx, &buf[written..])).await? {
                    0 => return Err(write_zero()),
                    n => written += n,
                }
            }
            Ok(())
        }
    }

    /// Flushes what this side buffers.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_flush(cx))
    }

    /// Flushes and closes the write direction: the peer reads end of
    /// stream (asyncio's `write_eof()`).
    ///
    /// # Errors
    ///
    /// The stream's.
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_shutdown(cx))
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

pub(crate) fn eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the stream ended before read_exact filled its buffer",
    )
}

pub(crate) fn write_zero() -> io::Error {
    io::Error::new(
        io::ErrorKind::WriteZero,
        "the stream accepted no bytes in write_all",
    )
}

//! [`pipe`]: a one-way byte channel between two descriptors, async at both
//! ends.
//!
//! A pipe is the oldest byte stream of Unix: what the shell builds for
//! `ls | wc`, what a child process's stdin and stdout are when they are
//! captured (see [`crate::process`]), what the self-pipe trick of signals
//! writes to. Its ends are descriptors like a socket's, so the reactor
//! waits on them the same way: each end here is an [`Async`] of std's
//! [`std::io::PipeReader`] / [`std::io::PipeWriter`], non-blocking and
//! close-on-exec (std makes it with `pipe2(O_CLOEXEC)` where the OS has it,
//! `pipe` then `fcntl` on macOS).
//!
//! Non-blocking belongs to the *open file*, which both ends of a `dup` or a
//! child that inherits the descriptor share. So do not hand these ends to a
//! child process (through `Stdio::from`): it would get a non-blocking
//! stdin, which most programs do not expect. Capture a child's stdio with
//! [`process::spawn`](crate::process::spawn) instead, whose pipes are
//! non-blocking on the parent's side only.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll};

use super::Async;
use crate::sys::Interest;

/// Makes a pipe: bytes written to the [`PipeWriter`] come out of the
/// [`PipeReader`], in order. When every writer is dropped the reader sees
/// end of stream (`Ok(0)`); a write after the reader is dropped fails with
/// `BrokenPipe`.
///
/// # Errors
///
/// The OS's (`EMFILE`: too many open files); outside a running loop
/// `NotFound`; in a loop without a reactor
/// ([`Builder::reactor(false)`](crate::Builder::reactor)) `Unsupported`.
///
/// # Examples
///
/// ```
/// use evloop::io::AsyncReadExt;
///
/// evloop::run(async {
///     let (mut reader, writer) = evloop::io::pipe().unwrap();
///     let sender = evloop::spawn(async move {
///         writer.write_all(b"through the pipe").await.unwrap();
///         // dropping the writer ends the stream
///     });
///     let mut got = Vec::new();
///     reader.read_to_end(&mut got).await.unwrap();
///     assert_eq!(got, b"through the pipe");
///     sender.await.unwrap();
/// });
/// ```
pub fn pipe() -> io::Result<(PipeReader, PipeWriter)> {
    let (reader, writer) = io::pipe()?;
    Ok((PipeReader::from_std(reader)?, PipeWriter::from_std(writer)?))
}

/// The reading end of a pipe (see [`pipe`]), also a child's stdout or
/// stderr (see [`crate::process`]).
#[derive(Debug)]
pub struct PipeReader {
    io: Async<io::PipeReader>,
}

impl PipeReader {
    /// Registers the read end of a std pipe (made non-blocking).
    ///
    /// # Errors
    ///
    /// Those of [`Async::new`].
    pub fn from_std(reader: io::PipeReader) -> io::Result<PipeReader> {
        Ok(PipeReader {
            io: Async::with_interest(reader, Interest::READABLE)?,
        })
    }

    /// Reads into `buf`; `Ok(0)` means every writer is gone (or `buf` is
    /// empty). Cancel safe.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|mut r| r.read(buf)).await
    }

    /// The poll form of [`read`](PipeReader::read).
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |mut r| r.read(buf))
    }
}

/// The writing end of a pipe (see [`pipe`]), also a child's stdin (see
/// [`crate::process`]). Dropping it is the end of stream for the reader.
#[derive(Debug)]
pub struct PipeWriter {
    io: Async<io::PipeWriter>,
}

impl PipeWriter {
    /// Registers the write end of a std pipe (made non-blocking).
    ///
    /// # Errors
    ///
    /// Those of [`Async::new`].
    pub fn from_std(writer: io::PipeWriter) -> io::Result<PipeWriter> {
        Ok(PipeWriter {
            io: Async::with_interest(writer, Interest::WRITABLE)?,
        })
    }

    /// Writes some of `buf` (as much as the pipe's buffer takes); returns
    /// how many bytes. Cancel safe.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` once the reader is gone; otherwise the OS's.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|mut w| w.write(buf)).await
    }

    /// Writes all of `buf`. **Not cancel safe**: a part may have gone.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` once the reader is gone; otherwise the OS's.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(super::ext::write_zero()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// The poll form of [`write`](PipeWriter::write).
    ///
    /// # Errors
    ///
    /// `BrokenPipe` once the reader is gone; otherwise the OS's.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |mut w| w.write(buf))
    }
}

macro_rules! impl_pipe_traits {
    ($($lt:lifetime)?; $reader:ty, $writer:ty) => {
        impl<$($lt)?> super::AsyncRead for $reader {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                (*self).poll_read(cx, buf)
            }
        }

        impl<$($lt)?> super::AsyncWrite for $writer {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                (*self).poll_write(cx, buf)
            }

            /// Nothing to flush: the kernel has the bytes once `write`
            /// returns.
            fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            /// A pipe has no half-close: drop the writer to end the stream.
            fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
    };
}

impl_pipe_traits!(; PipeReader, PipeWriter);
impl_pipe_traits!('a; &'a PipeReader, &'a PipeWriter);

impl AsRawFd for PipeReader {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsRawFd for PipeWriter {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

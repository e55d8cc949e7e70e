//! `tokio::io::{AsyncRead, AsyncWrite}` for evloop's streams. tokio comes
//! with no features: the traits and `ReadBuf` alone, no runtime.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::io::{AsyncRead, AsyncWrite, BufReader, ReadHalf, WriteHalf};

macro_rules! tokio_read {
    () => {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let n = ready!(AsyncRead::poll_read(self, cx, buf.initialize_unfilled()))?;
            buf.advance(n);
            Poll::Ready(Ok(()))
        }
    };
}

macro_rules! tokio_write {
    () => {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            AsyncWrite::poll_write(self, cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            AsyncWrite::poll_flush(self, cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            AsyncWrite::poll_shutdown(self, cx)
        }
    };
}

macro_rules! tokio_io_for {
    ([$($generics:tt)*] $ty:ty $(where $($bounds:tt)*)?) => {
        impl<$($generics)*> tokio::io::AsyncRead for $ty $(where $($bounds)*)? {
            tokio_read!();
        }

        impl<$($generics)*> tokio::io::AsyncWrite for $ty $(where $($bounds)*)? {
            tokio_write!();
        }
    };
}

super::for_each_stream!(tokio_io_for);

// Unused where no reader or writer exists (no pipes, no stdio).
#[cfg_attr(not(unix), allow(unused_macros))]
macro_rules! tokio_read_for {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> tokio::io::AsyncRead for $ty {
            tokio_read!();
        }
    };
}

// Unused where no reader or writer exists (no pipes, no stdio).
#[cfg_attr(not(unix), allow(unused_macros))]
macro_rules! tokio_write_for {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> tokio::io::AsyncWrite for $ty {
            tokio_write!();
        }
    };
}

super::for_each_reader!(tokio_read_for);
super::for_each_writer!(tokio_write_for);

impl<T> tokio::io::AsyncRead for ReadHalf<T>
where
    for<'a> &'a T: AsyncRead,
{
    tokio_read!();
}

impl<T> tokio::io::AsyncWrite for WriteHalf<T>
where
    for<'a> &'a T: AsyncWrite,
{
    tokio_write!();
}

impl<R: AsyncRead + Unpin> tokio::io::AsyncRead for BufReader<R> {
    tokio_read!();
}

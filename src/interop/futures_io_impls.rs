//! `futures-io`'s traits for evloop's streams, and wrappers both ways.

use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, BufReader, ReadHalf, WriteHalf};

macro_rules! read_via_evloop {
    () => {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            AsyncRead::poll_read(self, cx, buf)
        }

        fn poll_read_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &mut [IoSliceMut<'_>],
        ) -> Poll<io::Result<usize>> {
            AsyncRead::poll_read_vectored(self, cx, bufs)
        }
    };
}

macro_rules! write_via_evloop {
    () => {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            AsyncWrite::poll_write(self, cx, buf)
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            AsyncWrite::poll_write_vectored(self, cx, bufs)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            AsyncWrite::poll_flush(self, cx)
        }

        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            AsyncWrite::poll_shutdown(self, cx)
        }
    };
}

macro_rules! futures_io_for {
    ([$($generics:tt)*] $ty:ty $(where $($bounds:tt)*)?) => {
        impl<$($generics)*> futures_io::AsyncRead for $ty $(where $($bounds)*)? {
            read_via_evloop!();
        }

        impl<$($generics)*> futures_io::AsyncWrite for $ty $(where $($bounds)*)? {
            write_via_evloop!();
        }
    };
}

super::for_each_stream!(futures_io_for);

// Unused where no reader or writer exists (no pipes, no stdio).
#[cfg_attr(not(unix), allow(unused_macros))]
macro_rules! futures_read_for {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> futures_io::AsyncRead for $ty {
            read_via_evloop!();
        }
    };
}

// Unused where no reader or writer exists (no pipes, no stdio).
#[cfg_attr(not(unix), allow(unused_macros))]
macro_rules! futures_write_for {
    ([$($generics:tt)*] $ty:ty) => {
        impl<$($generics)*> futures_io::AsyncWrite for $ty {
            write_via_evloop!();
        }
    };
}

super::for_each_reader!(futures_read_for);
super::for_each_writer!(futures_write_for);

impl<T> futures_io::AsyncRead for ReadHalf<T>
where
    for<'a> &'a T: AsyncRead,
{
    read_via_evloop!();
}

impl<T> futures_io::AsyncWrite for WriteHalf<T>
where
    for<'a> &'a T: AsyncWrite,
{
    write_via_evloop!();
}

impl<R: AsyncRead + Unpin> futures_io::AsyncRead for BufReader<R> {
    read_via_evloop!();
}

impl<R: AsyncRead + Unpin> futures_io::AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        AsyncBufRead::poll_fill_buf(self, cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        AsyncBufRead::consume(self, amt);
    }
}

/// Any evloop [`AsyncRead`]/[`AsyncWrite`] (your own type, say) as a
/// `futures-io` one.
///
/// # Examples
///
/// ```
/// use evloop::interop::FuturesIo;
/// use futures::io::AsyncReadExt as _;
///
/// evloop::testing::run(async {
///     let (a, b) = evloop::testing::mem::duplex(64);
///     let (mut a, mut b) = (FuturesIo::new(a), FuturesIo::new(b));
///     futures::io::AsyncWriteExt::write_all(&mut a, b"hi").await.unwrap();
///     drop(a);
///     let mut s = String::new();
///     b.read_to_string(&mut s).await.unwrap();
///     assert_eq!(s, "hi");
/// });
/// ```
#[derive(Debug)]
pub struct FuturesIo<T>(T);

impl<T> FuturesIo<T> {
    /// Wraps `io`.
    pub fn new(io: T) -> FuturesIo<T> {
        FuturesIo(io)
    }

    /// The wrapped object.
    pub fn into_inner(self) -> T {
        self.0
    }

    /// The wrapped object, by reference.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: AsyncRead + Unpin> futures_io::AsyncRead for FuturesIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> futures_io::AsyncWrite for FuturesIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Any `futures-io` reader/writer as an evloop one (to put an evloop
/// [`BufReader`] on it, say).
#[derive(Debug)]
pub struct FromFuturesIo<T>(T);

impl<T> FromFuturesIo<T> {
    /// Wraps `io`.
    pub fn new(io: T) -> FromFuturesIo<T> {
        FromFuturesIo(io)
    }

    /// The wrapped object.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: futures_io::AsyncRead + Unpin> AsyncRead for FromFuturesIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<T: futures_io::AsyncWrite + Unpin> AsyncWrite for FromFuturesIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

//! The poll traits: [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`].
//!
//! A `Future` has one poll method; a byte stream has several (read, write,
//! flush, shut down), each of which can be polled again and again until it
//! is `Ready`, without a future in between. That shape is what lets code
//! written once (a buffered reader, a copy loop, a codec) run over any
//! stream: evloop's sockets, `Async<T>`, the halves of [`split`](super::split).
//!
//! They have the shape of `futures-io`'s traits (`poll_shutdown` is its
//! `poll_close`); evloop has no dependencies, so they are its own. With the
//! `futures-io` feature evloop's streams implement `futures-io`'s traits
//! too, and the ecosystem's code runs over them.
//!
//! The `async fn` side (`read(buf).await`, `write_all`, …) is in
//! [`AsyncReadExt`](super::AsyncReadExt) and
//! [`AsyncWriteExt`](super::AsyncWriteExt).

use std::io::{self, IoSlice, IoSliceMut};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A source of bytes that can be polled: the `read(2)` of async code.
///
/// `poll_read` returns `Ready(Ok(n))` with `n` bytes put at the front of
/// `buf` (`0` is end of stream, or an empty `buf`), or `Pending` with the
/// waker of `cx` kept until more can be read.
pub trait AsyncRead {
    /// Reads into `buf`, or registers the waker and returns `Pending`.
    ///
    /// # Errors
    ///
    /// The stream's (`ConnectionReset`, …).
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;

    /// Reads into several buffers at once. The default reads into the
    /// first non-empty one.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read(cx, first_mut(bufs))
    }
}

/// A sink of bytes that can be polled: `write(2)`, flush and half-close.
pub trait AsyncWrite {
    /// Writes some of `buf` (returns how many bytes), or registers the
    /// waker and returns `Pending`.
    ///
    /// # Errors
    ///
    /// The stream's (`BrokenPipe`, `ConnectionReset`, …).
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// Writes from several buffers at once. The default writes the first
    /// non-empty one.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write(cx, first(bufs))
    }

    /// Pushes out anything buffered on this side.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes and then closes the write direction: the peer reads end of
    /// stream (asyncio's `writer.write_eof()`). The stream can still read.
    ///
    /// # Errors
    ///
    /// The stream's.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A reader with a buffer inside, which lends it out: find a delimiter in
/// what is already buffered without copying it first.
pub trait AsyncBufRead: AsyncRead {
    /// The buffered bytes, reading more first if there are none (an empty
    /// slice means end of stream).
    ///
    /// # Errors
    ///
    /// The stream's.
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks the first `amt` buffered bytes as read.
    fn consume(self: Pin<&mut Self>, amt: usize);
}

/// The first non-empty buffer of `bufs` (or an empty one): what a reader
/// without a vectored syscall reads into.
pub(crate) fn first_mut<'a>(bufs: &'a mut [IoSliceMut<'_>]) -> &'a mut [u8] {
    bufs.iter_mut()
        .find(|b| !b.is_empty())
        .map_or(&mut [][..], |b| &mut **b)
}

/// The first non-empty buffer of `bufs` (or an empty one).
pub(crate) fn first<'a>(bufs: &'a [IoSlice<'_>]) -> &'a [u8] {
    bufs.iter()
        .find(|b| !b.is_empty())
        .map_or(&[][..], |b| &**b)
}

macro_rules! deref_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }

        fn poll_read_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &mut [IoSliceMut<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_read_vectored(cx, bufs)
        }
    };
}

macro_rules! deref_write {
    () => {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
    };
}

impl<R: AsyncRead + Unpin + ?Sized> AsyncRead for &mut R {
    deref_read!();
}

impl<R: AsyncRead + Unpin + ?Sized> AsyncRead for Box<R> {
    deref_read!();
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWrite for &mut W {
    deref_write!();
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWrite for Box<W> {
    deref_write!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut<Target: AsyncRead> + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut<Target: AsyncWrite> + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }
}

impl<B: AsyncBufRead + Unpin + ?Sized> AsyncBufRead for &mut B {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut **self).consume(amt);
    }
}

/// Implements the poll traits for a type (and for a shared reference to
/// it) whose inherent `poll_*` methods take `&self`: the sockets and
/// `Async<T>`. A macro because the traits want `Pin<&mut Self>` and the
/// inherent methods `&self`; the forwarding is the same for each.
macro_rules! impl_poll_traits {
    ([$($generics:tt)*] $ty:ty $(where $($bounds:tt)*)?) => {
        impl<$($generics)*> $crate::io::AsyncRead for $ty $(where $($bounds)*)? {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                (*self).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                (*self).poll_read_vectored(cx, bufs)
            }
        }

        impl<$($generics)*> $crate::io::AsyncWrite for $ty $(where $($bounds)*)? {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                (*self).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                (*self).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                (*self).poll_flush(cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                (*self).poll_shutdown(cx)
            }
        }
    };
}
pub(crate) use impl_poll_traits;

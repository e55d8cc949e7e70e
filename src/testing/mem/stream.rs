//! [`MemStream`]: one end of an in-memory connection.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Faults;
use super::pipe::Conn;

/// One end of an in-memory connection (see the [module docs](super)):
/// what it writes the other end reads, and the other way round.
///
/// It implements [`AsyncRead`](crate::io::AsyncRead) and
/// [`AsyncWrite`](crate::io::AsyncWrite), for itself and for `&MemStream`
/// (one reader and one writer may share it), and has the `async fn`s of
/// [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt). Dropping it closes both
/// directions: the other end reads end of stream, and its writes fail with
/// `BrokenPipe`.
///
/// # Cancel safety
///
/// As a socket's: a dropped `read` or `write` moved no bytes.
pub struct MemStream {
    conn: Rc<RefCell<Conn>>,
    end: usize,
}

impl MemStream {
    pub(super) fn pair(capacity: usize, faults: Faults) -> (MemStream, MemStream) {
        let conn = Rc::new(RefCell::new(Conn::new(capacity, faults)));
        (
            MemStream {
                conn: conn.clone(),
                end: 0,
            },
            MemStream { conn, end: 1 },
        )
    }

    /// Runs `f` on the connection, then wakes whom it woke (after the
    /// borrow ends, so the woken code may use the connection).
    fn with<R>(&self, f: impl FnOnce(&mut Conn) -> R) -> R {
        let mut conn = self.conn.borrow_mut();
        let result = f(&mut conn);
        let wakes = conn.take_wakes();
        drop(conn);
        for waker in wakes {
            waker.wake();
        }
        result
    }

    /// Reads what the other end wrote, or keeps `cx`'s waker until there
    /// is some (or the latency of the next bytes has passed).
    ///
    /// # Errors
    ///
    /// `ConnectionReset` after a [`Faults::reset_after`].
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.with(|conn| conn.poll_read(self.end, cx, buf))
    }

    /// Writes to the other end, or keeps `cx`'s waker while the direction
    /// is full.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` after this end shut down or the other end dropped;
    /// `ConnectionReset` after a [`Faults::reset_after`].
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.with(|conn| conn.poll_write(self.end, cx, buf))
    }

    /// Like [`poll_read`](MemStream::poll_read) into the first non-empty
    /// buffer.
    ///
    /// # Errors
    ///
    /// As [`poll_read`](MemStream::poll_read).
    pub fn poll_read_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read(cx, crate::io::first_mut(bufs))
    }

    /// Like [`poll_write`](MemStream::poll_write) from the first non-empty
    /// buffer.
    ///
    /// # Errors
    ///
    /// As [`poll_write`](MemStream::poll_write).
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write(cx, crate::io::first(bufs))
    }

    /// Always ready: written bytes are already in the pipe.
    ///
    /// # Errors
    ///
    /// None; the signature is the trait's.
    pub fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes this end's write direction: the other end reads end of
    /// stream after the bytes already written. Never waits.
    ///
    /// # Errors
    ///
    /// None; the signature is the trait's.
    pub fn poll_shutdown(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|conn| conn.shutdown(self.end));
        Poll::Ready(Ok(()))
    }
}

crate::io::impl_poll_traits!([] MemStream);
crate::io::impl_poll_traits!(['a] &'a MemStream);

impl Drop for MemStream {
    fn drop(&mut self) {
        self.with(|conn| conn.close(self.end));
    }
}

impl fmt::Debug for MemStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemStream").field("end", &self.end).finish()
    }
}

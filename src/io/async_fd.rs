//! [`Async`]: any non-blocking descriptor, registered with the reactor.

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use super::reactor::{self, Check, Direction, Reactor};
use crate::sys::{self, Interest};
use crate::task::{WaitOn, current};

/// A non-blocking I/O object registered with the running loop's reactor.
///
/// `Async::new` switches the descriptor to non-blocking mode and registers
/// it for both directions (edge-triggered). Then:
///
/// - [`readable`](Async::readable) / [`writable`](Async::writable) wait until
///   the reactor has seen the descriptor become ready;
/// - [`read_with`](Async::read_with) / [`write_with`](Async::write_with) run a
///   non-blocking operation, and on `WouldBlock` forget the cached readiness,
///   wait, and retry: the whole async-read pattern in one call;
/// - [`read`](Async::read), [`write`](Async::write),
///   [`read_exact`](Async::read_exact), [`write_all`](Async::write_all) do
///   that for anything whose `&T` implements `Read`/`Write` (sockets, pipes).
///
/// One reader and one writer may work at the same time (methods take
/// `&self`; share the object with an `Rc`), and several tasks may even wait
/// in the same direction: each is woken.
///
/// Dropping it deregisters the descriptor and then closes it (by dropping
/// the inner object), in that order.
///
/// # Cancel safety
///
/// Dropping a `readable()`/`writable()`/`read`/`write`/`read_with` future
/// before it completes loses nothing: no bytes were moved (a completed
/// syscall always completes the future). `read_exact` and `write_all` are
/// **not** cancel safe: bytes already moved before the drop are gone from the
/// stream (read) or already sent (write), and the caller cannot know how many.
///
/// # Examples
///
/// ```
/// use std::os::unix::net::UnixStream;
/// use evloop::io::Async;
///
/// evloop::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
///     let reader = evloop::spawn(async move {
///         let mut buf = [0; 5];
///         b.read_exact(&mut buf).await.unwrap();
///         buf
///     });
///     a.write_all(b"hello").await.unwrap();
///     assert_eq!(&reader.await.unwrap(), b"hello");
/// });
/// ```
pub struct Async<T: AsRawFd> {
    io: Option<T>,
    fd: RawFd,
    token: usize,
    /// The reactor it is registered with: a weak handle, so an object that
    /// outlives its runtime keeps none of the loop's descriptors open.
    reactor: Weak<Reactor>,
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the evloop runtime this I/O object was registered with has been dropped; \
         create I/O objects inside the loop that uses them",
    )
}

impl<T: AsRawFd> Async<T> {
    /// Makes `io` non-blocking and registers it with the running loop.
    ///
    /// # Errors
    ///
    /// - Called outside a running evloop loop (`NotFound`: an error, not a
    ///   panic, since the object would have no reactor to wait in).
    /// - The loop has no poller (the OS refused one when the runtime was
    ///   built), or the OS refuses the registration (`EPERM` for a regular
    ///   file, which epoll cannot watch).
    /// - `fcntl` fails to set `O_NONBLOCK`.
    pub fn new(io: T) -> io::Result<Async<T>> {
        Async::with_interest(io, Interest::BOTH)
    }

    pub(crate) fn with_interest(io: T, interest: Interest) -> io::Result<Async<T>> {
        let reactor = reactor::current().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no running evloop loop on this thread: evloop I/O objects must be created inside \
                 one (in a future given to evloop::run or Runtime::block_on, or in a spawned task)",
            )
        })?;
        let fd = io.as_raw_fd();
        sys::set_nonblocking(fd, true)?;
        let token = reactor.register(fd, interest)?;
        Ok(Async {
            io: Some(io),
            fd,
            token,
            reactor: Rc::downgrade(&reactor),
        })
    }

    /// The wrapped object.
    pub fn get_ref(&self) -> &T {
        // Only `into_inner` and `drop` take it, and both consume `self`.
        self.io
            .as_ref()
            .expect("Async holds its object until dropped")
    }

    /// Deregisters the descriptor and gives the object back (still in
    /// non-blocking mode).
    pub fn into_inner(mut self) -> T {
        self.deregister();
        self.io
            .take()
            .expect("Async holds its object until dropped")
    }

    fn deregister(&self) {
        if let Some(reactor) = self.reactor.upgrade() {
            reactor.deregister(self.token);
        }
    }

    /// Waits until the reactor has seen the descriptor become readable (or
    /// hit EOF, hang-up or an error: the next read says which). Returns at
    /// once if that readiness is still cached from an earlier event.
    ///
    /// # Errors
    ///
    /// Only if the runtime was dropped meanwhile.
    pub fn readable(&self) -> Readiness<'_, T> {
        Readiness {
            io: self,
            dir: Direction::Read,
            waiter: None,
        }
    }

    /// Waits until the reactor has seen the descriptor become writable (or
    /// fail). See [`readable`](Async::readable).
    ///
    /// # Errors
    ///
    /// Only if the runtime was dropped meanwhile.
    pub fn writable(&self) -> Readiness<'_, T> {
        Readiness {
            io: self,
            dir: Direction::Write,
            waiter: None,
        }
    }

    /// Runs the non-blocking read-side operation `op` until it does not say
    /// `WouldBlock`, waiting for readability in between. Cancel safe if `op`
    /// is (it only runs to completion or not at all).
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock`.
    pub async fn read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.retry(Direction::Read, op).await
    }

    /// Like [`read_with`](Async::read_with), for the write side.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock`.
    pub async fn write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.retry(Direction::Write, op).await
    }

    async fn retry<R>(
        &self,
        dir: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Edge-triggered: the cached edge is used up. No event
                    // can be dispatched between the syscall and this line
                    // (one thread), so no newer edge is lost.
                    if let Some(reactor) = self.reactor.upgrade() {
                        reactor.clear_ready(self.token, dir);
                    }
                    Readiness {
                        io: self,
                        dir,
                        waiter: None,
                    }
                    .await?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return done,
            }
        }
    }
}

impl<T: AsRawFd> Async<T>
where
    for<'a> &'a T: Read + Write,
{
    /// Reads into `buf`; `Ok(0)` means end of stream (or an empty `buf`).
    /// Cancel safe.
    ///
    /// # Errors
    ///
    /// The OS's: `ConnectionReset`, … (see `read(2)`).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_with(|mut io| io.read(buf)).await
    }

    /// Writes some of `buf`; returns how many bytes. Cancel safe.
    ///
    /// # Errors
    ///
    /// The OS's: `BrokenPipe` after the peer closed, `ConnectionReset`, …
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.write_with(|mut io| io.write(buf)).await
    }

    /// Reads exactly `buf.len()` bytes. **Not cancel safe** (see the type's
    /// docs).
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first; otherwise the OS's.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ended before read_exact filled its buffer",
                    ));
                }
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes all of `buf`. **Not cancel safe** (see the type's docs).
    ///
    /// # Errors
    ///
    /// `WriteZero` if the OS accepts nothing; otherwise the OS's.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the stream accepted no bytes in write_all",
                    ));
                }
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

impl<T: AsRawFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl<T: AsRawFd> Drop for Async<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            // Deregister while the descriptor is still open; the inner
            // object closes it when it drops right after.
            self.deregister();
        }
    }
}

impl<T: AsRawFd + std::fmt::Debug> std::fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Async")
            .field("fd", &self.fd)
            .field("io", &self.io)
            .finish()
    }
}

/// The future of [`Async::readable`] and [`Async::writable`]. Cancel safe:
/// dropping it removes its waiter from the reactor.
#[must_use = "futures do nothing unless awaited"]
pub struct Readiness<'a, T: AsRawFd> {
    io: &'a Async<T>,
    dir: Direction,
    waiter: Option<u64>,
}

impl<T: AsRawFd> Future for Readiness<'_, T> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(reactor) = this.io.reactor.upgrade() else {
            return Poll::Ready(Err(gone()));
        };
        match reactor.poll_ready(
            this.io.token,
            this.dir,
            this.waiter,
            cx.waker(),
            current::task(),
        ) {
            Check::Ready => {
                this.waiter = None;
                Poll::Ready(Ok(()))
            }
            Check::Waiting(id) => {
                this.waiter = Some(id);
                current::note(WaitOn::Io {
                    fd: this.io.fd,
                    readable: this.dir == Direction::Read,
                    writable: this.dir == Direction::Write,
                });
                Poll::Pending
            }
            Check::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl<T: AsRawFd> Drop for Readiness<'_, T> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter
            && let Some(reactor) = self.io.reactor.upgrade()
        {
            reactor.cancel_wait(self.io.token, self.dir, waiter);
        }
    }
}

//! [`Async`]: any non-blocking descriptor, registered with the reactor.

use crate::io::{AsRawFd, RawFd};
use std::cell::Cell;
use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, ready};

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
/// A [`TcpStream`](crate::net::TcpStream)'s reads on Linux also learn how
/// much is left to read (`TCP_INQ`): one that leaves nothing forgets the
/// cached edge at once, so the next read waits for a new edge instead of
/// failing with `WouldBlock` first (`docs/reactor.md`, "A read that knows
/// it drained the socket").
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
    /// The waiters of the poll methods (`poll_readable`, `poll_read`, …),
    /// one per direction: they have no future of their own to keep an id in.
    read_waiter: Cell<Option<u64>>,
    write_waiter: Cell<Option<u64>>,
    /// Reads learn from the kernel how much is left to read (a TCP socket
    /// with `TCP_INQ` on: `sys/inq.rs`); see `read_once`.
    inq: Cell<bool>,
    /// The last read left nothing to read, and forgot the cached edge: the
    /// next read waits for a new edge before it tries (`poll_io`).
    drained: Cell<bool>,
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
            read_waiter: Cell::new(None),
            write_waiter: Cell::new(None),
            inq: Cell::new(false),
            drained: Cell::new(false),
        })
    }

    /// Turns on reads that learn how much is left to read, where the OS
    /// can tell: a TCP socket on Linux (`TCP_INQ`). Called by the TCP
    /// stream's constructor.
    pub(crate) fn read_with_inq(&self) {
        self.inq.set(sys::inq::enable(self.fd));
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
            waiter: Cell::new(None),
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
            waiter: Cell::new(None),
        }
    }

    /// The poll form of [`readable`](Async::readable): `Ready` while the
    /// reactor's cached readiness says readable; otherwise `Pending`, with
    /// `cx`'s waker kept until the next edge. Nothing is borrowed between
    /// calls: the waiter lives in this `Async`, one per direction, so a
    /// later call (from any future) replaces the waker of an earlier one.
    ///
    /// After an operation says `WouldBlock`, call
    /// [`clear_readable`](Async::clear_readable) before asking again, or
    /// the cached edge answers `Ready` forever. [`poll_read_with`](Async::poll_read_with)
    /// does that dance for you.
    ///
    /// # Errors
    ///
    /// Only if the runtime was dropped meanwhile.
    ///
    /// # Examples
    ///
    /// A hand-written read future (the chapter `docs/reactor.md` builds
    /// it step by step):
    ///
    /// ```
    /// use std::io::{self, Read};
    /// use std::os::unix::net::UnixStream;
    /// use std::task::{Context, Poll, ready};
    /// use evloop::io::Async;
    ///
    /// fn poll_read(io: &Async<UnixStream>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
    ///     loop {
    ///         ready!(io.poll_readable(cx))?;
    ///         match io.get_ref().read(buf) {
    ///             Err(e) if e.kind() == io::ErrorKind::WouldBlock => io.clear_readable(),
    ///             done => return Poll::Ready(done),
    ///         }
    ///     }
    /// }
    ///
    /// evloop::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
    ///     a.write_all(b"hi").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let n = std::future::poll_fn(|cx| poll_read(&b, cx, &mut buf)).await.unwrap();
    ///     assert_eq!(&buf[..n], b"hi");
    /// });
    /// ```
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Read, &self.read_waiter, cx)
    }

    /// The poll form of [`writable`](Async::writable); see
    /// [`poll_readable`](Async::poll_readable).
    ///
    /// # Errors
    ///
    /// Only if the runtime was dropped meanwhile.
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_ready(Direction::Write, &self.write_waiter, cx)
    }

    /// Forgets the cached readable edge: the read just tried said
    /// `WouldBlock`, so the next [`poll_readable`](Async::poll_readable)
    /// waits for a new one. (One thread: no edge can arrive between the
    /// failed syscall and this call, so none is lost.)
    pub fn clear_readable(&self) {
        self.clear(Direction::Read);
    }

    /// Forgets the cached writable edge; see
    /// [`clear_readable`](Async::clear_readable).
    pub fn clear_writable(&self) {
        self.clear(Direction::Write);
    }

    fn clear(&self, dir: Direction) {
        if let Some(reactor) = self.reactor.upgrade() {
            reactor.clear_ready(self.token, dir);
        }
    }

    /// A read left nothing to read (see `read_once`).
    fn forget_drained(&self) {
        if let Some(reactor) = self.reactor.upgrade() {
            reactor.forget_drained(self.token);
            self.drained.set(true);
        }
    }

    /// Runs the non-blocking read-side operation `op`; on `WouldBlock`
    /// clears the cached readiness and waits for the next edge (`Pending`),
    /// on `Interrupted` retries. The poll form of
    /// [`read_with`](Async::read_with), with its waiter kept in this `Async`
    /// (see [`poll_readable`](Async::poll_readable)).
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock` and `Interrupted`.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Read, &self.read_waiter, cx, op)
    }

    /// Like [`poll_read_with`](Async::poll_read_with), for the write side.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock` and `Interrupted`.
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Write, &self.write_waiter, cx, op)
    }

    /// Runs the non-blocking read-side operation `op` until it does not say
    /// `WouldBlock`, waiting for readability in between. Cancel safe if `op`
    /// is (it only runs to completion or not at all).
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock`.
    pub fn read_with<'a, R>(
        &'a self,
        op: impl FnMut(&T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        Operation::new(self, Direction::Read, op)
    }

    /// Like [`read_with`](Async::read_with), for the write side.
    ///
    /// # Errors
    ///
    /// Whatever `op` returns other than `WouldBlock`.
    pub fn write_with<'a, R>(
        &'a self,
        op: impl FnMut(&T) -> io::Result<R> + 'a,
    ) -> impl Future<Output = io::Result<R>> + 'a {
        Operation::new(self, Direction::Write, op)
    }

    /// The rhythm of every async operation (see the reactor's module doc):
    /// while a wait is on, only the reactor's word ends it; then try `op`,
    /// and on `WouldBlock` clear the cached edge and wait for the next.
    #[inline]
    fn poll_io<R>(
        &self,
        dir: Direction,
        waiter: &Cell<Option<u64>>,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // A read that left the socket drained forgot the cached edge
        // (`read_once`): the next read waits for a new edge before it tries.
        let drained = dir == Direction::Read && self.drained.get();
        if waiter.get().is_some() || drained {
            ready!(self.poll_ready(dir, waiter, cx))?;
            if drained {
                self.drained.set(false);
            }
        }
        loop {
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Edge-triggered: the cached edge is used up. No event
                    // can be dispatched between the syscall and this line
                    // (one thread), so no newer edge is lost.
                    self.clear(dir);
                    ready!(self.poll_ready(dir, waiter, cx))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return Poll::Ready(done),
            }
        }
    }

    /// Asks the reactor for readiness in `dir`; `waiter` keeps the id of
    /// the waiter this caller registered (updated in place, cleared when
    /// ready).
    fn poll_ready(
        &self,
        dir: Direction,
        waiter: &Cell<Option<u64>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let Some(reactor) = self.reactor.upgrade() else {
            return Poll::Ready(Err(gone()));
        };
        match reactor.poll_ready(self.token, dir, waiter.get(), cx.waker(), current::task()) {
            Check::Ready => {
                waiter.set(None);
                Poll::Ready(Ok(()))
            }
            Check::Waiting(id) => {
                waiter.set(Some(id));
                current::note(WaitOn::Io {
                    fd: self.fd,
                    readable: dir == Direction::Read,
                    writable: dir == Direction::Write,
                });
                Poll::Pending
            }
            Check::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn cancel_wait(&self, dir: Direction, waiter: &Cell<Option<u64>>) {
        if let Some(id) = waiter.take()
            && let Some(reactor) = self.reactor.upgrade()
        {
            reactor.cancel_wait(self.token, dir, id);
        }
    }
}

impl<T: AsRawFd> Async<T>
where
    for<'a> &'a T: Read + Write,
{
    /// The poll form of [`read`](Async::read): reads into `buf`, or waits
    /// for readability (the waiter lives in this `Async`; see
    /// [`poll_readable`](Async::poll_readable)).
    ///
    /// # Errors
    ///
    /// The OS's: `ConnectionReset`, … (see `read(2)`).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |_| self.read_once(buf))
    }

    /// One non-blocking read into `buf`, the operation of [`read`](Async::read)
    /// and [`poll_read`](Async::poll_read).
    ///
    /// Edge-triggered, a reader learns that a socket is drained only from
    /// a read that fails with `EAGAIN`; in a request–response protocol,
    /// where each message is read whole, every next read is tried before
    /// the peer answers, and fails (a third of a TCP echo's system calls).
    /// A socket whose reads learn how much is left (`inq`: TCP on Linux)
    /// reads with `recvmsg`, and a read that leaves nothing forgets the
    /// cached edge at once (`Reactor::forget_drained`, which keeps the edge
    /// of a connection that ended); the next read then waits for a new
    /// edge before it tries (`poll_io`). A fresh socket, or one with bytes
    /// left, is read at once.
    fn read_once(&self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.inq.get() {
            let mut io = self.get_ref();
            return io.read(buf);
        }
        let (n, left) = sys::inq::recv(self.fd, buf)?;
        if n > 0 && left == Some(0) {
            self.forget_drained();
        }
        Ok(n)
    }

    /// Like [`poll_read`](Async::poll_read), scattering into several
    /// buffers in one `readv(2)`.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn poll_read_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read_vectored(bufs))
    }

    /// The poll form of [`write`](Async::write).
    ///
    /// # Errors
    ///
    /// The OS's: `BrokenPipe` after the peer closed, `ConnectionReset`, …
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    /// Like [`poll_write`](Async::poll_write), gathering several buffers
    /// in one `writev(2)`.
    ///
    /// # Errors
    ///
    /// The OS's.
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write_vectored(bufs))
    }

    /// Flushes the inner object's `Write::flush` (a no-op for sockets and
    /// pipes: the kernel has the bytes once `write` returns).
    ///
    /// # Errors
    ///
    /// The inner object's.
    pub fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    /// For a generic descriptor, the same as [`poll_flush`](Async::poll_flush):
    /// `Async<T>` does not know how to half-close a `T`, so the descriptor
    /// closes when the `Async` drops. Sockets shut their write side:
    /// [`TcpStream::poll_shutdown`](crate::net::TcpStream::poll_shutdown).
    ///
    /// # Errors
    ///
    /// The inner object's.
    pub fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }

    /// Reads into `buf`; `Ok(0)` means end of stream (or an empty `buf`).
    /// Cancel safe.
    ///
    /// # Errors
    ///
    /// The OS's: `ConnectionReset`, … (see `read(2)`).
    pub fn read<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        Operation::new(self, Direction::Read, move |_: &T| self.read_once(buf))
    }

    /// Writes some of `buf`; returns how many bytes. Cancel safe.
    ///
    /// # Errors
    ///
    /// The OS's: `BrokenPipe` after the peer closed, `ConnectionReset`, …
    pub fn write<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        Operation::new(self, Direction::Write, move |mut io: &T| io.write(buf))
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
                0 => return Err(super::ext::eof()),
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
                0 => return Err(super::ext::write_zero()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

super::impl_poll_traits!([T: AsRawFd] Async<T> where for<'a> &'a T: Read + Write);
super::impl_poll_traits!(['r, T: AsRawFd] &'r Async<T> where for<'a> &'a T: Read + Write);

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
    waiter: Cell<Option<u64>>,
}

impl<T: AsRawFd> Future for Readiness<'_, T> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(self.dir, &self.waiter, cx)
    }
}

impl<T: AsRawFd> Drop for Readiness<'_, T> {
    fn drop(&mut self) {
        self.io.cancel_wait(self.dir, &self.waiter);
    }
}

/// The future of one `async` operation (`read`, `write`, `read_with`, …):
/// [`Async::poll_io`] with a waiter of its own, removed from the reactor
/// when the future drops, completed or cancelled, so a cancelled read
/// leaves no waiter behind to hold the virtual clock.
struct Operation<'a, T: AsRawFd, F> {
    io: &'a Async<T>,
    dir: Direction,
    waiter: Cell<Option<u64>>,
    op: F,
}

impl<'a, T: AsRawFd, F> Operation<'a, T, F> {
    fn new(io: &'a Async<T>, dir: Direction, op: F) -> Self {
        Operation {
            io,
            dir,
            waiter: Cell::new(None),
            op,
        }
    }
}

// Never pinned structurally: `op` is only ever called through `&mut`.
impl<T: AsRawFd, F> Unpin for Operation<'_, T, F> {}

impl<T: AsRawFd, F: FnMut(&T) -> io::Result<R>, R> Future for Operation<'_, T, F> {
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let this = self.get_mut();
        this.io.poll_io(this.dir, &this.waiter, cx, &mut this.op)
    }
}

impl<T: AsRawFd, F> Drop for Operation<'_, T, F> {
    fn drop(&mut self) {
        if self.waiter.get().is_some() {
            self.io.cancel_wait(self.dir, &self.waiter);
        }
    }
}

//! Waiting for the world: the reactor and async I/O.
//!
//! A socket read in blocking code stops the thread until data arrives. On an
//! event loop that would stop every task, so evloop's I/O objects are
//! *non-blocking*: a read that has no data returns `WouldBlock` at once, the
//! task parks, and the loop asks the kernel (epoll on Linux, kqueue on macOS
//! and FreeBSD; see the chapter `docs/reactor.md`) to say when the descriptor
//! becomes ready. That part of the loop is the *reactor*:
//!
//! ```text
//!   task: stream.read(buf).await
//!     │ read() → WouldBlock
//!     ▼
//!   reactor: slab[token].readers += waker        (task is Pending)
//!     ⋮
//!   loop idle: Poller::wait(timeout = next timer deadline)
//!     │ kernel: fd 9 readable
//!     ▼
//!   reactor: wake the readers of fd 9            (cause: "woken by I/O (fd 9 readable)")
//!     ▼
//!   task polled again: read() → Ok(n)
//! ```
//!
//! - [`Async`]: wraps any non-blocking descriptor (`AsRawFd`) and gives the
//!   `readable()`/`writable()` futures and the retry-on-`WouldBlock` helpers
//!   everything else is built on.
//! - [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`]: the poll traits every
//!   byte stream of evloop implements (sockets, `Async<T>`, the halves of
//!   [`split`]), and
//!   their `async fn` side, [`AsyncReadExt`] and [`AsyncWriteExt`].
//! - [`split`]: a stream as an owned reader and an owned writer.
//! - [`pipe`]: a pipe's two ends, [`PipeReader`] and [`PipeWriter`] (also
//!   a child process's stdio, see [`crate::process`]).
//! - [`BufReader`]: asyncio's `StreamReader`: `read_line`, `read_until`,
//!   `lines()`, with a bounded buffer.
//! - `reactor`: the registrations and the dispatch of readiness into wakes.
//! - The sockets themselves live in [`crate::net`].
//!
//! # The virtual clock rule
//!
//! On the virtual clock the loop jumps to the next timer deadline only when
//! nothing in the real world can wake a task first: no task waits on an I/O
//! registration and no [`to_thread`](crate::to_thread) job (or
//! [`ExternalWork`](crate::ExternalWork) guard) is in flight. Otherwise it
//! blocks in the poller, for real, until the world answers. A
//! `timeout(1 s, stream.read(..))` on the virtual clock therefore waits for
//! the read rather than firing instantly.

mod async_fd;
mod buf_reader;
mod ext;
mod raw;
crate::sys::if_posix! {
    mod pipe;
    pub use pipe::{PipeReader, PipeWriter, pipe};
}
pub(crate) mod reactor;
pub use reactor::REACTOR_VAR;
mod split;
mod traits;

pub use async_fd::{Async, Readiness};
pub use buf_reader::{BufReader, DEFAULT_LIMIT, Lines};
pub use ext::{AsyncReadExt, AsyncWriteExt};
pub use raw::{AsRawFd, RawFd};
pub use split::{ReadHalf, ReuniteError, WriteHalf, split};
pub use traits::{AsyncBufRead, AsyncRead, AsyncWrite};
pub(crate) use traits::{first, first_mut, impl_poll_traits};

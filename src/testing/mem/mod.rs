//! In-memory I/O for tests: a duplex pipe and a listener/connector pair
//! that live entirely inside the loop.
//!
//! A test over a real socket makes the virtual clock wait for the kernel
//! (see [`io`](crate::io)'s virtual clock rule): it is neither instant nor
//! guaranteed to replay. A [`MemStream`] is two byte queues in the loop's
//! own memory, woken by evloop's own wakers; with [`Faults`] it is also a
//! network as a test author wants one: latency (on the loop's clock, so
//! virtual time), partial reads and writes, a reset after N bytes, all
//! drawn from a seeded generator so that, under every scheduling policy,
//! the same seed gives the same run.
//!
//! ```text
//!   MemStream A                                       MemStream B
//!   write ──▶ pipe A→B: [ready bytes][in flight: (due 3 ms, "abc")…] ──▶ read
//!   read  ◀── pipe B→A: [ready bytes][in flight …]                  ◀── write
//!                  each pipe: one reader waker, one writer waker,
//!                  a capacity (backpressure), a timer for the next due bytes
//! ```
//!
//! - [`duplex`] / [`duplex_with`]: two connected ends (tokio's
//!   `io::duplex`, a socketpair).
//! - [`MemListener`] / [`MemConnector`]: `accept()` and `connect()`, for a
//!   server written against a listener.
//! - [`Faults`]: what goes wrong, and the seed.
//!
//! Both ends implement [`AsyncRead`](crate::io::AsyncRead) and
//! [`AsyncWrite`](crate::io::AsyncWrite) (also through `&MemStream`, so
//! [`io::split`](crate::io::split) works), so code written against the
//! traits runs over them unchanged, and so does
//! [`BufReader`](crate::io::BufReader).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use evloop::io::{AsyncReadExt, AsyncWriteExt};
//! use evloop::testing::mem::{self, Faults};
//! use evloop::time::Instant;
//!
//! evloop::testing::run(async {
//!     let faults = Faults::seeded(7).latency(Duration::from_millis(5), Duration::from_millis(5));
//!     let (mut client, mut server) = mem::duplex_with(1024, faults);
//!     let start = Instant::now();
//!     client.write_all(b"ping").await.unwrap();
//!     let mut buf = [0; 4];
//!     server.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"ping");
//!     assert_eq!(start.elapsed(), Duration::from_millis(5)); // virtual, exact
//! });
//! ```
//!
//! # Where this simplifies
//!
//! The pipes move bytes, not packets: latency applies to each write as a
//! whole, in order (a later write never overtakes an earlier one, as on one
//! TCP connection); there is no loss, reordering or bandwidth limit. A
//! reset delivers the bytes before it and then fails both directions; a
//! real RST may discard unread data.

mod faults;
mod listener;
mod pipe;
mod stream;

pub use faults::Faults;
pub use listener::{MemConnector, MemListener};
pub use stream::MemStream;

/// Two connected in-memory streams, each direction buffering up to
/// `capacity` bytes (a writer waits while its direction is full), with no
/// faults. A `capacity` of 0 is taken as 1.
///
/// # Examples
///
/// ```
/// use evloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// evloop::testing::run(async {
///     let (mut a, mut b) = evloop::testing::mem::duplex(64);
///     a.write_all(b"hello").await.unwrap();
///     a.shutdown().await.unwrap();
///     let mut got = Vec::new();
///     b.read_to_end(&mut got).await.unwrap();
///     assert_eq!(got, b"hello");
/// });
/// ```
pub fn duplex(capacity: usize) -> (MemStream, MemStream) {
    duplex_with(capacity, Faults::none())
}

/// Like [`duplex`], with `faults` injected in both directions.
pub fn duplex_with(capacity: usize, faults: Faults) -> (MemStream, MemStream) {
    MemStream::pair(capacity, faults)
}

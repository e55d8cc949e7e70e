//! The ecosystem's traits, behind features that are off by default.
//!
//! evloop has no dependencies, so its [`io`](crate::io) traits and its
//! [`Stream`](crate::stream::Stream) are its own. These features make
//! evloop's types speak the ecosystem's traits too, so code written for
//! them (framing, codecs, `futures::io::BufReader`, `futures::io::copy`,
//! HTTP and TLS crates) runs over evloop's sockets unchanged:
//!
//! | feature        | what                                                              |
//! |----------------|-------------------------------------------------------------------|
//! | `futures-io`   | `futures_io::{AsyncRead, AsyncWrite, AsyncBufRead}` for evloop's streams; [`FuturesIo`] and [`FromFuturesIo`] wrap any other |
//! | `futures-core` | `futures_core::Stream` for [`Lines`](crate::io::Lines); [`FuturesStream`] wraps any evloop stream as one, [`FromFuturesStream`] any `futures_core::Stream` as an evloop stream |
//!
//! The streams with the I/O traits: [`TcpStream`](crate::net::TcpStream),
//! [`UnixStream`](crate::net::UnixStream), [`Async<T>`](crate::io::Async)
//! (and a shared reference to each), [`ReadHalf`](crate::io::ReadHalf) /
//! [`WriteHalf`](crate::io::WriteHalf), [`BufReader`](crate::io::BufReader)
//! and [`MemStream`](crate::testing::mem::MemStream); reading only:
//! [`PipeReader`](crate::io::PipeReader) (a child's stdout and stderr too)
//! and [`Stdin`](crate::process::Stdin); writing only:
//! [`PipeWriter`](crate::io::PipeWriter) (a child's stdin too),
//! [`Stdout`](crate::process::Stdout) and [`Stderr`](crate::process::Stderr).
//!
//! tokio's `AsyncRead`/`AsyncWrite` are not implemented here: tokio is a
//! runtime crate, and evloop's library depends on trait crates only. tokio
//! code reaches evloop's streams through tokio-util's `compat` over the
//! `futures-io` traits (`tests/interop_tokio.rs`).
//!
//! The orphan rule is why the wrappers exist: evloop may implement a
//! foreign trait for its own types, but not for every `T` that implements
//! its own trait.

#[cfg(feature = "futures-core")]
mod futures_core_impls;
#[cfg(feature = "futures-io")]
mod futures_io_impls;

#[cfg(feature = "futures-core")]
pub use futures_core_impls::{FromFuturesStream, FuturesStream};
#[cfg(feature = "futures-io")]
pub use futures_io_impls::{FromFuturesIo, FuturesIo};

/// Calls `$mac!([generics] Type)` for every evloop byte stream.
#[cfg(feature = "futures-io")]
macro_rules! for_each_stream {
    ($mac:ident) => {
        $mac!([] crate::net::TcpStream);
        $mac!(['a] &'a crate::net::TcpStream);
        #[cfg(unix)]
        $mac!([] crate::net::UnixStream);
        #[cfg(unix)]
        $mac!(['a] &'a crate::net::UnixStream);
        $mac!([T: crate::io::AsRawFd] crate::io::Async<T> where for<'b> &'b T: std::io::Read + std::io::Write);
        $mac!(['a, T: crate::io::AsRawFd] &'a crate::io::Async<T> where for<'b> &'b T: std::io::Read + std::io::Write);
        $mac!([] crate::testing::mem::MemStream);
        $mac!(['a] &'a crate::testing::mem::MemStream);
    };
}
#[cfg(feature = "futures-io")]
use for_each_stream;

/// Calls `$mac!([generics] Type)` for every evloop byte source that only
/// reads (a pipe's read end, stdin).
#[cfg(feature = "futures-io")]
macro_rules! for_each_reader {
    ($mac:ident) => {
        crate::sys::if_posix! {
            $mac!([] crate::io::PipeReader);
            $mac!(['a] &'a crate::io::PipeReader);
            $mac!([] crate::process::Stdin);
        }
    };
}
#[cfg(feature = "futures-io")]
use for_each_reader;

/// Calls `$mac!([generics] Type)` for every evloop byte sink that only
/// writes (a pipe's write end, stdout, stderr).
#[cfg(feature = "futures-io")]
macro_rules! for_each_writer {
    ($mac:ident) => {
        crate::sys::if_posix! {
            $mac!([] crate::io::PipeWriter);
            $mac!(['a] &'a crate::io::PipeWriter);
            $mac!([] crate::process::Stdout);
            $mac!([] crate::process::Stderr);
        }
    };
}
#[cfg(feature = "futures-io")]
use for_each_writer;

//! What [`Async`](super::Async) wraps: anything with a raw OS handle.
//!
//! On Unix that is std's `AsRawFd`, re-exported here unchanged. Elsewhere
//! (Windows) there are no file descriptors, and evloop has no reactor: a
//! stand-in trait of the same name, implemented for every `AsRawSocket`,
//! lets code that names `Async<T>` compile there, and creating one fails
//! with `ErrorKind::Unsupported` and a message saying why.

#[cfg(unix)]
pub use std::os::fd::{AsRawFd, RawFd};

/// A descriptor number (a stand-in: this OS has none).
#[cfg(not(unix))]
pub type RawFd = i32;

/// A stand-in for Unix's `AsRawFd` on an OS without descriptors: what
/// [`Async`](super::Async) needs of the value it wraps. Implemented for
/// every Windows `AsRawSocket`; the number it gives is never handed to the
/// OS, since no reactor exists to register it with.
#[cfg(not(unix))]
pub trait AsRawFd {
    /// The handle, as the number a reactor would register.
    fn as_raw_fd(&self) -> RawFd;
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsRawSocket> AsRawFd for T {
    fn as_raw_fd(&self) -> RawFd {
        // Truncated on purpose: only an identity for error messages and
        // the (refusing) reactor, never a handle the OS sees.
        self.as_raw_socket() as RawFd
    }
}

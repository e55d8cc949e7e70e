//! Ctrl-C as a byte on a pipe: the self-pipe trick.
//!
//! A signal handler may call only async-signal-safe functions (POSIX lists
//! them in signal-safety(7)); taking a lock or unparking a thread is not on
//! the list, but `write(2)` is. So the handler writes one byte to a pipe,
//! and an ordinary thread blocked reading the other end does the real work
//! (see `executor/ctrl_c.rs`).
//!
//! `signal(2)` is used rather than `sigaction(2)` so that no C struct layout
//! has to be declared: glibc, musl and the BSDs all give `signal` BSD
//! semantics (the handler stays installed, interrupted calls restart).
//! `SIGINT` is 2 on every OS `sys` supports.

use std::ffi::{c_int, c_void};
use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

use super::{cvt, set_nonblocking};

const SIGINT: c_int = 2;
/// `SIG_ERR`, `(sighandler_t) -1`.
const SIG_ERR: usize = usize::MAX;

/// The pipe's write end, for the handler (-1 until installed).
static WRITE_END: AtomicI32 = AtomicI32::new(-1);

unsafe extern "C" {
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn pipe(fds: *mut c_int) -> c_int;
}

extern "C" fn on_sigint(_signum: c_int) {
    let fd = WRITE_END.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `write` is async-signal-safe; `byte` is a valid 1-byte
        // buffer for the call. The write end is non-blocking, so a full pipe
        // (Ctrl-C held down) loses a byte instead of hanging the handler;
        // one byte is enough to say "interrupt".
        let _ = unsafe { write(fd, (&raw const byte).cast(), 1) };
    }
}

/// Installs the SIGINT handler and returns the pipe's read end: every Ctrl-C
/// makes a byte readable there. Call once per process.
///
/// # Errors
///
/// When the pipe can't be made or the handler can't be installed.
///
/// The descriptors are not close-on-exec (std's `io::pipe` would set that,
/// but needs Rust 1.87); a program that execs children inherits them, which
/// is harmless: the child never writes to the pipe.
pub(crate) fn sigint_pipe() -> io::Result<File> {
    let mut fds: [c_int; 2] = [-1, -1];
    // SAFETY: `fds` is a valid array of two ints for `pipe` to fill.
    cvt(unsafe { pipe(fds.as_mut_ptr()) })?;
    let [read_end, write_end] = fds;
    // SAFETY: `pipe` just returned `read_end` as a new descriptor that
    // nothing else owns; the `File` becomes its only owner.
    let reader = unsafe { File::from_raw_fd(read_end) };
    set_nonblocking(write_end, true)?;
    // The write end lives for the rest of the process: the handler may run at any time.
    WRITE_END.store(write_end, Ordering::Relaxed);
    // SAFETY: `on_sigint` is an `extern "C" fn(c_int)` that only does an
    // atomic load and `write`, both async-signal-safe.
    let previous = unsafe { signal(SIGINT, on_sigint) };
    if previous == SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(reader)
}

//! Signals as bytes on a pipe: the self-pipe trick.
//!
//! A signal handler may call only async-signal-safe functions (POSIX lists
//! them in signal-safety(7)); taking a lock, allocating or waking a task is
//! not on the list, but an atomic store and `write(2)` are. So the one
//! handler evloop installs, for every signal anyone listens to, does two
//! things: it marks the signal pending in a table of atomic flags, and it
//! writes one byte to a pipe. An ordinary thread blocked reading the other
//! end (`signal/dispatch.rs`) wakes up, takes the flags, and does the real
//! work: wake the listeners, interrupt a loop, reap children.
//!
//! ```text
//!   kernel ─▶ on_signal(15) ─┬─ PENDING[15] = true
//!                            └─ write(pipe, 1 byte) ─▶ dispatcher thread: take(15) → listeners
//! ```
//!
//! The byte only says "look at the flags"; the flags say which signals came.
//! So a full pipe (a burst of signals) loses nothing that matters: the flag
//! of every signal is still set, and one byte is enough to wake the reader.
//! Several deliveries of one signal before the reader looks become one, as
//! the kernel itself coalesces a signal that is already pending.
//!
//! `signal(2)` is used rather than `sigaction(2)` so that no C struct layout
//! has to be declared: glibc, musl and the BSDs all give `signal` BSD
//! semantics (the handler stays installed, interrupted calls restart).
//!
//! The numbers below are checked against each OS's `<signal.h>`: Linux's
//! (asm-generic; `sys` refuses the architectures that differ, mips, sparc,
//! alpha), and the BSD numbering Darwin and FreeBSD share.

use std::ffi::{c_int, c_void};
use std::fs::File;
use std::io;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use super::{cvt, set_nonblocking};

pub(crate) const SIGHUP: c_int = 1;
pub(crate) const SIGINT: c_int = 2;
pub(crate) const SIGQUIT: c_int = 3;
pub(crate) const SIGILL: c_int = 4;
pub(crate) const SIGFPE: c_int = 8;
pub(crate) const SIGKILL: c_int = 9;
pub(crate) const SIGSEGV: c_int = 11;
pub(crate) const SIGPIPE: c_int = 13;
pub(crate) const SIGALRM: c_int = 14;
pub(crate) const SIGTERM: c_int = 15;
pub(crate) const SIGWINCH: c_int = 28;

#[cfg(any(target_os = "linux", target_os = "android"))]
mod numbers {
    use std::ffi::c_int;
    pub(crate) const SIGBUS: c_int = 7;
    pub(crate) const SIGUSR1: c_int = 10;
    pub(crate) const SIGUSR2: c_int = 12;
    pub(crate) const SIGCHLD: c_int = 17;
    pub(crate) const SIGSTOP: c_int = 19;
    /// The highest signal number (`SIGRTMAX`, `NSIG - 1`).
    pub(crate) const MAX: c_int = 64;
}

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
mod numbers {
    use std::ffi::c_int;
    pub(crate) const SIGBUS: c_int = 10;
    pub(crate) const SIGUSR1: c_int = 30;
    pub(crate) const SIGUSR2: c_int = 31;
    pub(crate) const SIGCHLD: c_int = 20;
    pub(crate) const SIGSTOP: c_int = 17;
    /// The highest signal number: Darwin's `NSIG` is 32; FreeBSD's
    /// `_SIG_MAXSIG` is 128 (its real-time signals).
    #[cfg(not(target_os = "freebsd"))]
    pub(crate) const MAX: c_int = 31;
    #[cfg(target_os = "freebsd")]
    pub(crate) const MAX: c_int = 128;
}

/// NetBSD and OpenBSD number their signals as the other BSDs do.
#[cfg(any(target_os = "netbsd", target_os = "openbsd"))]
mod numbers {
    use std::ffi::c_int;
    pub(crate) const SIGBUS: c_int = 10;
    pub(crate) const SIGUSR1: c_int = 30;
    pub(crate) const SIGUSR2: c_int = 31;
    pub(crate) const SIGCHLD: c_int = 20;
    pub(crate) const SIGSTOP: c_int = 17;
    /// The highest signal number: NetBSD's `NSIG` is 64, OpenBSD's 33.
    #[cfg(target_os = "netbsd")]
    pub(crate) const MAX: c_int = 63;
    #[cfg(target_os = "openbsd")]
    pub(crate) const MAX: c_int = 32;
}

pub(crate) use numbers::{MAX, SIGBUS, SIGCHLD, SIGSTOP, SIGUSR1, SIGUSR2};

/// `SIG_ERR`, `(sighandler_t) -1`.
const SIG_ERR: usize = usize::MAX;

/// One flag per signal number: set by the handler, taken by the reader.
static PENDING: [AtomicBool; 129] = [const { AtomicBool::new(false) }; 129];

/// What each signal did before evloop's handler replaced it (`SIG_DFL` is
/// 0), so that a signal nobody listens to any more can get it back.
static PREVIOUS: [AtomicUsize; 129] = [const { AtomicUsize::new(0) }; 129];

/// The pipe's write end, for the handler (-1 until [`open_pipe`]).
static WRITE_END: AtomicI32 = AtomicI32::new(-1);

unsafe extern "C" {
    /// `sighandler_t signal(int, sighandler_t)`: the handler is a function
    /// pointer or `SIG_DFL` (0) / `SIG_IGN` (1), so it is passed as a `usize`.
    fn signal(signum: c_int, handler: usize) -> usize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn raise(signum: c_int) -> c_int;
    fn kill(pid: c_int, signum: c_int) -> c_int;
}

extern "C" fn on_signal(signum: c_int) {
    // The code this handler interrupted may be between a failed call and
    // its read of `errno`; `write` below may change `errno`, so it is put
    // back before returning (what every careful handler does).
    let errno = errno::location();
    // SAFETY: the C library's thread-local `errno`, valid for this thread.
    let saved = unsafe { *errno };
    if let Some(flag) = usize::try_from(signum).ok().and_then(|i| PENDING.get(i)) {
        flag.store(true, Ordering::SeqCst);
    }
    let fd = WRITE_END.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `write` is async-signal-safe; `byte` is a valid 1-byte
        // buffer for the call. The write end is non-blocking, so a full pipe
        // loses a byte instead of hanging the handler; the flag above is
        // what counts (see the module doc).
        let _ = unsafe { write(fd, (&raw const byte).cast(), 1) };
    }
    // SAFETY: as above.
    unsafe { *errno = saved };
}

/// Where this thread's `errno` lives: each C library names the function
/// differently.
mod errno {
    use std::ffi::c_int;

    #[cfg(target_os = "linux")]
    unsafe extern "C" {
        #[link_name = "__errno_location"]
        fn errno_location() -> *mut c_int;
    }
    #[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
    unsafe extern "C" {
        #[link_name = "__errno"]
        fn errno_location() -> *mut c_int;
    }
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    unsafe extern "C" {
        #[link_name = "__error"]
        fn errno_location() -> *mut c_int;
    }

    /// A pointer to the calling thread's `errno`.
    pub(super) fn location() -> *mut c_int {
        // SAFETY: takes no arguments and returns the address of the calling
        // thread's `errno`; async-signal-safe (it only reads the thread
        // pointer).
        unsafe { errno_location() }
    }
}

/// Makes the signal pipe and returns its read end: every signal caught from
/// now on makes a byte readable there. Call once per process (a second call
/// would leave the first reader unfed).
///
/// # Errors
///
/// When the pipe can't be made (`EMFILE`).
pub(crate) fn open_pipe() -> io::Result<File> {
    // std's pipe is close-on-exec on every OS (`pipe2` where there is one),
    // so children do not inherit it.
    let (reader, writer) = io::pipe()?;
    let write_end = OwnedFd::from(writer).into_raw_fd();
    set_nonblocking(write_end, true)?;
    // The write end lives for the rest of the process: a handler may run at
    // any time.
    WRITE_END.store(write_end, Ordering::SeqCst);
    Ok(File::from(OwnedFd::from(reader)))
}

/// Installs evloop's handler for `signum`, remembering what was there
/// before.
///
/// # Errors
///
/// `InvalidInput` for a number outside `1..=MAX`; otherwise the OS's
/// (`EINVAL` for `SIGKILL`, `SIGSTOP`, or a number the C library keeps for
/// itself).
pub(crate) fn install(signum: c_int) -> io::Result<()> {
    let slot = slot(signum)?;
    // SAFETY: `on_signal` is an `extern "C" fn(c_int)` that only does atomic
    // operations and `write`, all async-signal-safe; `signal` takes it as a
    // `sighandler_t`, which is what the `usize` is.
    let previous = unsafe { signal(signum, on_signal as extern "C" fn(c_int) as usize) };
    if previous == SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    if previous != on_signal as extern "C" fn(c_int) as usize {
        PREVIOUS[slot].store(previous, Ordering::SeqCst);
    }
    Ok(())
}

/// Whether `signum` came since the last call (and forgets it).
pub(crate) fn take(signum: c_int) -> bool {
    usize::try_from(signum)
        .ok()
        .and_then(|i| PENDING.get(i))
        .is_some_and(|flag| flag.swap(false, Ordering::SeqCst))
}

/// Handles `signum` once more as it was handled before evloop's handler:
/// puts the previous disposition back, raises the signal on this thread (a
/// signal sent to the calling thread is delivered before `raise` returns,
/// so the previous action runs now: the default action ends the process,
/// `SIG_IGN` does nothing, another handler runs), then reinstalls evloop's.
///
/// # Errors
///
/// `InvalidInput` for a number outside `1..=MAX`, or the OS's.
pub(crate) fn raise_as_before(signum: c_int) -> io::Result<()> {
    let slot = slot(signum)?;
    let previous = PREVIOUS[slot].load(Ordering::SeqCst);
    // SAFETY: `previous` is what `signal` returned for this signal: a
    // valid disposition (SIG_DFL, SIG_IGN or a handler someone installed).
    if unsafe { signal(signum, previous) } == SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: raising a signal number checked above; its action is the one
    // the program had before evloop.
    let raised = cvt(unsafe { raise(signum) });
    install(signum)?;
    raised.map(drop)
}

/// Sends `signum` to the process `pid` (`kill(2)`).
///
/// # Errors
///
/// `InvalidInput` for a pid that does not fit a `pid_t` or a number outside
/// `1..=MAX`; otherwise the OS's (`ESRCH`: no such process, `EPERM`).
pub(crate) fn send(pid: u32, signum: c_int) -> io::Result<()> {
    slot(signum)?;
    let pid = c_int::try_from(pid)
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("process id {pid} is not a valid pid_t (1..=2147483647)"),
            )
        })?;
    // SAFETY: `kill` takes two ints and touches no memory of ours.
    cvt(unsafe { kill(pid, signum) }).map(drop)
}

/// The index of `signum` in the tables, or why it has none.
fn slot(signum: c_int) -> io::Result<usize> {
    usize::try_from(signum)
        .ok()
        .filter(|&i| (1..=MAX as usize).contains(&i))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{signum} is not a signal number on this OS (1..={MAX})"),
            )
        })
}

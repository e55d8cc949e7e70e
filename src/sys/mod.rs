//! The OS layer: one readiness poller per event loop, behind one contract.
//!
//! Everything above `sys/` (the reactor, the executor) sees only the names
//! below. Which kernel interface answers them is chosen in one place (the
//! `cfg`'d `mod … ; use … as backend;` lines after this doc) and never again:
//!
//! | OS                          | backend          | wake-up for `notify`        | timed waits               |
//! |-----------------------------|------------------|-----------------------------|---------------------------|
//! | Linux, Android              | [`epoll`]        | an `eventfd` in the set     | a `timerfd` in the set    |
//! | macOS, iOS, FreeBSD 12+, NetBSD 10+, OpenBSD | [`kqueue`] | an `EVFILT_USER` event | `kevent`'s timeout        |
//! | anything else (Windows, …)  | `none`: refuses  | (the loop parks its thread) | the thread's park timeout |
//!
//! [`epoll`]: https://man7.org/linux/man-pages/man7/epoll.7.html
//! [`kqueue`]: https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2
//!
//! # The contract every backend provides
//!
//! Each backend module defines the same four items with the same names:
//!
//! * `Poller` — owns the kernel object (an epoll or kqueue descriptor).
//!   `Poller::new()` creates it; `register(fd, token, interest)`,
//!   `modify(fd, token, interest)` and `deregister(fd)` edit the set of
//!   watched descriptors; `wait(&mut events, timeout)` blocks until
//!   something is ready and fills `events`; `notifier()` hands out a
//!   [`Notifier`]. Dropping the `Poller` closes its descriptors.
//! * `Notifier` — a cheap, cloneable, `Send + Sync` handle whose `notify()`
//!   makes a blocked (or the next) `wait` return. It is how another thread
//!   (a `to_thread` worker, a waker called off-loop) gets the loop's
//!   attention.
//! * [`Interest`] and [`Event`] are shared and defined here.
//!
//! All methods take `&self`: the poller keeps its buffer of raw kernel events
//! in a `RefCell`, so the reactor can hold the poller in a plain field and
//! call `wait` without a `&mut`. That makes `Poller` `!Sync` (it is still
//! `Send`); only the `Notifier` crosses threads.
//!
//! The promises, which the tests in each backend check:
//!
//! 1. **Tokens.** `wait` reports the `token` given at `register`/`modify`.
//!    `usize::MAX` ([`NOTIFY_TOKEN`]) and `usize::MAX - 1` ([`TIMER_TOKEN`])
//!    are reserved; registering either fails with `InvalidInput`. Events for
//!    them never reach the caller.
//! 2. **Edge-triggered.** An event is reported when the descriptor *becomes*
//!    ready, not while it *is* ready. A task that sees `readable` must read
//!    until `WouldBlock` before waiting again, or it may never hear of the
//!    rest of the data (see below for why).
//! 3. **Bad news wakes everyone.** End of file, hang-up and errors set
//!    `readable`; errors and hang-up also set `writable`. The poller does not
//!    say *what* went wrong: the woken task retries its `read`/`write` and the
//!    syscall tells it (0 bytes, `EPIPE`, `ECONNRESET`, ...).
//! 4. **One descriptor may yield two events.** kqueue reports reading and
//!    writing as separate filters, so the same token can appear twice in one
//!    batch (once `readable`, once `writable`). epoll merges them. Consumers
//!    must OR them together, never assume one event per token.
//! 5. **Timeouts never end early.** `None` blocks until an event or a notify;
//!    `Some(Duration::ZERO)` only looks. Others are timed at the backend's
//!    resolution, rounded *up* (see "How timed waits are timed" below). All
//!    are clamped to [`MAX_WAIT`] (`i32::MAX` ms, about 24.8 days), so
//!    `Duration::MAX` is fine; a wait that hits the clamp returns with no
//!    events, like any timeout. How *late* a timed wait may end is not
//!    promised (the kernel decides), only that it is not early.
//! 6. **Signals are invisible.** If the kernel call is interrupted (`EINTR`)
//!    the wait is restarted with the time that is left, so the caller never
//!    sees `Interrupted`.
//! 7. **Notifies coalesce.** Any number of `notify()` calls before a `wait`
//!    produce one wake-up: that `wait` returns `Ok(true)`, and the next one
//!    sees nothing (`Ok(false)`) unless another `notify` came in between.
//!
//! # Why edge-triggered
//!
//! With level-triggered polling, a socket that has unread data is reported by
//! *every* `wait`. An async task is not reading the moment it is woken; it
//! reads when the executor polls it, which may be several loop turns later.
//! Level-triggered, each of those turns would report the same socket again
//! and wake the same task again, for nothing. Edge-triggered, the kernel says
//! it once; the reactor remembers "ready" until the task hits `WouldBlock`,
//! which is exactly the `poll_read` → `Pending` → wait → `poll_read` rhythm of
//! a future. This is also what Tokio and mio do, and Miri's epoll emulation
//! accepts `EPOLLET`, so the tests run under Miri too.
//!
//! The price is promise 2: a reader that stops before `WouldBlock` must
//! remember that it is still ready. Nothing will remind it.
//!
//! # How notify works
//!
//! A blocked `epoll_wait`/`kevent` only returns for something in its set, so
//! the set always contains one extra thing that other threads can poke:
//!
//! * **epoll**: an `eventfd`, a kernel counter with a descriptor, watched
//!   edge-triggered. `notify` writes 1 to it, and every write wakes the
//!   set anew; `wait` sees the reserved token and returns `Ok(true)`
//!   without reading the counter back (a syscall saved per wake; a notifier
//!   that finds the counter full resets it, see `Notifier::notify`).
//!   However many writes came before a wait, it reports one event: that is
//!   the coalescing of promise 7.
//! * **kqueue**: an `EVFILT_USER` event, which exists for exactly this.
//!   `notify` triggers it with `NOTE_TRIGGER`; `EV_CLEAR` resets it when
//!   `wait` reports it.
//!
//! A `Notifier` holds an `Arc` of the descriptor it pokes, shared with the
//! `Poller`, so a `Notifier` that outlives its loop writes to a live,
//! unwatched descriptor (harmless) rather than to a closed number that the
//! process may already have reused for something else (a real bug).
//!
//! # How timed waits are timed
//!
//! The obvious way, the timeout argument of `epoll_wait`, is late: Linux
//! lets a timeout given to `epoll_wait`/`poll`/`nanosleep` expire anywhere
//! within the calling thread's *timer slack* after the deadline (50 µs for
//! a normal thread), so that it can batch wake-ups. A loop whose sleeps
//! should wake on time cannot use it, and changing the thread's slack
//! (`prctl`) would be meddling with the caller's thread. So:
//!
//! * **epoll**: a `timerfd` sits in the set beside the eventfd. A timed
//!   `wait` arms it at the absolute deadline (`CLOCK_MONOTONIC`, no slack)
//!   and waits with no timeout; the timer turning readable ends the wait.
//!   Disarming is lazy: a timer left armed by a wait that ended early (an
//!   event came first) may fire during a later wait, which swallows it and
//!   goes on waiting, so the timer is never an `Event` and never a wake.
//!   Where there is no timerfd (`timerfd_create` refused, 32-bit targets,
//!   Miri), the timeout goes to `epoll_pwait2` (nanoseconds plus the slack;
//!   Linux 5.11+, 64-bit) or to `epoll_wait` (whole milliseconds, rounded up
//!   so that a 1 µs wait becomes 1 ms rather than a 0 ms busy-poll). These
//!   three are three files under `epoll/` with the same names, and which
//!   one a target starts with is chosen in one place, as the backend is
//!   here (`use … as timing`; the table is in `epoll`'s module doc).
//! * **kqueue**: `kevent`'s own timeout, in nanoseconds. It has slack of its
//!   own: FreeBSD lets it end up to `kern.timecounter.alloweddeviation` (5 %
//!   by default) of the timeout late, and macOS may coalesce timers. An
//!   `EVFILT_TIMER` would be the analogue of the timerfd there; it is not
//!   used, because nobody has measured those systems for evloop yet.
//!
//! # Where this simplifies
//!
//! A production reactor (mio) also supports Windows (IOCP, a completion
//! model rather than readiness), Solaris event ports, more BSDs, and OSes
//! without `EVFILT_USER` via a self-pipe. evloop supports the two kernels
//! whose headers we checked, and says so with `compile_error!` elsewhere.

// `modify`, `Interest::WRITABLE` and a few constants are part of the
// contract, but the reactor registers each descriptor once for the
// directions it needs and never changes it (edge-triggered: no need to turn
// interest off and on). Only the tests use them; in test builds the lint
// stays on, so the tests must use every item.
#![cfg_attr(not(test), allow(dead_code))]

use std::io;
#[cfg(unix)]
pub(crate) use std::os::fd::RawFd;
use std::time::Duration;

/// A descriptor number, where the OS has none (the `none` backend's
/// signatures still name one).
#[cfg(not(unix))]
pub(crate) type RawFd = i32;

mod os;
pub(crate) use os::{if_epoll, if_kqueue, if_no_poller, if_not_posix, if_posix};

pub(crate) mod monotonic;
if_posix! {
    pub(crate) mod signal;
    pub(crate) mod socket;
}
pub(crate) mod inq;
pub(crate) mod usage;

// The backend: one of three, picked here and nowhere else.
if_epoll! {
    mod epoll;
    use epoll as backend;
}
if_kqueue! {
    mod kqueue;
    use kqueue as backend;
}
if_no_poller! {
    #[cfg(not(test))]
    mod none;
    use none as backend;
}
// Compiled for its own test on every OS.
#[cfg(test)]
mod none;

if_posix! {
    /// Whether this OS has a readiness poller evloop knows (the builder's
    /// `reactor` defaults to it).
    pub(crate) const HAS_POLLER: bool = true;
}
if_no_poller! {
    /// Whether this OS has a readiness poller evloop knows (the builder's
    /// `reactor` defaults to it).
    pub(crate) const HAS_POLLER: bool = false;
}
pub(crate) use backend::{Notifier, Poller};

/// The token the backends use internally for the notify wake-up.
///
/// `register` and `modify` refuse it, so `wait` never confuses a descriptor
/// with a notify.
pub(crate) const NOTIFY_TOKEN: usize = usize::MAX;

/// The token the epoll backend uses internally for its timerfd (the precise
/// timeout of a wait). Refused by `register` and `modify` on every backend,
/// so the contract is the same everywhere.
pub(crate) const TIMER_TOKEN: usize = usize::MAX - 1;

/// The longest a single `wait` blocks: `i32::MAX` milliseconds, the most
/// `epoll_wait` can express. Longer timeouts are clamped to this.
pub(crate) const MAX_WAIT: Duration = Duration::from_millis(i32::MAX as u64);

/// Which kinds of readiness a registration asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interest {
    /// Report when the descriptor becomes readable (or reaches EOF / fails).
    pub readable: bool,
    /// Report when the descriptor becomes writable (or fails).
    pub writable: bool,
}

impl Interest {
    /// Reading only.
    pub const READABLE: Interest = Interest {
        readable: true,
        writable: false,
    };
    /// Writing only.
    pub const WRITABLE: Interest = Interest {
        readable: false,
        writable: true,
    };
    /// Both directions.
    pub const BOTH: Interest = Interest {
        readable: true,
        writable: true,
    };
}

/// One readiness report from [`Poller::wait`].
///
/// `readable` is also set on end of file, hang-up and error, `writable` on
/// error and hang-up: a waiting task always wakes and learns what happened by
/// trying its syscall (contract promise 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    /// The token given when the descriptor was registered.
    pub token: usize,
    /// The descriptor became readable, or hit EOF, hang-up or an error.
    pub readable: bool,
    /// The descriptor became writable, or hit hang-up or an error.
    pub writable: bool,
    /// The peer shut down its writing side or hung up, or an error came:
    /// a state that lasts, and that no later edge reports again
    /// (`EPOLLRDHUP`, `EPOLLHUP`, `EPOLLERR`; kqueue's `EV_EOF`, `EV_ERROR`).
    pub ended: bool,
}

/// Rejects the reserved tokens (contract promise 1).
fn check_token(token: usize) -> io::Result<()> {
    match token {
        NOTIFY_TOKEN => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "token usize::MAX is reserved for notify; use a token below usize::MAX - 1",
        )),
        TIMER_TOKEN => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "token usize::MAX - 1 is reserved for the wait timer; use a token below it",
        )),
        _ => Ok(()),
    }
}

/// The return types of C calls that signal failure with `-1` and `errno`.
pub(crate) trait IsMinusOne: Copy {
    fn is_minus_one(self) -> bool;
}

impl IsMinusOne for i32 {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

impl IsMinusOne for isize {
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

/// Turns the C convention (`-1` and `errno`) into an `io::Result`, once, so
/// call sites read like safe code. Named after the helper in std's own unix
/// layer.
///
/// # Errors
///
/// `Err(io::Error::last_os_error())` when `ret` is `-1`.
pub(crate) fn cvt<T: IsMinusOne>(ret: T) -> io::Result<T> {
    if ret.is_minus_one() {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// Like [`cvt`], but calls `f` again while it fails with `EINTR` (a signal
/// arrived mid-call). `f` is re-run from scratch, so it can recompute its
/// arguments (a remaining timeout, say) on each try.
///
/// # Errors
///
/// The first error that is not `Interrupted`.
#[inline]
pub(crate) fn cvt_r<T: IsMinusOne>(mut f: impl FnMut() -> T) -> io::Result<T> {
    loop {
        match cvt(f()) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

if_posix! {
/// `fcntl` and its file-status flags. The command numbers agree across the
/// supported OSes; `O_NONBLOCK` does not (Linux's is octal 04000 on the
/// architectures checked here; Darwin and FreeBSD use 0x4).
mod fcntl {
    use std::ffi::c_int;

    pub(super) const F_GETFL: c_int = 3;
    pub(super) const F_SETFL: c_int = 4;
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    pub(super) const F_SETFD: c_int = 2;
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    pub(super) const FD_CLOEXEC: c_int = 1;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) const O_NONBLOCK: c_int = 0o4000;
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
    ))]
    pub(super) const O_NONBLOCK: c_int = 0x4;

    // Linux's O_NONBLOCK is 0o4000 on x86, arm, aarch64, riscv, powerpc,
    // s390x and loongarch; mips, sparc and alpha differ (asm/fcntl.h).
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64",
        ))
    ))]
    compile_error!("O_NONBLOCK/O_CLOEXEC not checked for this Linux architecture");

    unsafe extern "C" {
        /// `int fcntl(int fd, int cmd, ...)`: variadic in C, so it is here too.
        pub(super) fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    }
}

/// Switches `O_NONBLOCK` on or off for any descriptor.
///
/// std has `set_nonblocking` on sockets but not on the pipe ends of
/// `std::io::pipe()`, which `to_thread` and the tests need.
///
/// # Errors
///
/// Whatever `fcntl` reports, e.g. `EBADF` for a closed descriptor.
pub(crate) fn set_nonblocking(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: F_GETFL takes no third argument and only reads the
    // descriptor's flags; an invalid `fd` yields EBADF, not UB.
    let flags = cvt_r(|| unsafe { fcntl::fcntl(fd, fcntl::F_GETFL) })?;
    let wanted = if on {
        flags | fcntl::O_NONBLOCK
    } else {
        flags & !fcntl::O_NONBLOCK
    };
    if wanted != flags {
        // SAFETY: F_SETFL takes one `int` argument, which we pass; it only
        // changes the file-status flags of `fd`.
        cvt_r(|| unsafe { fcntl::fcntl(fd, fcntl::F_SETFL, wanted) })?;
    }
    Ok(())
}
}

/// Sets close-on-exec on `fd` (where `socket` cannot do it at once:
/// macOS has no `SOCK_CLOEXEC`).
///
/// # Errors
///
/// Whatever `fcntl` reports.
#[cfg(any(target_os = "macos", target_os = "ios"))]
pub(crate) fn set_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_SETFD takes one `int` argument, which we pass; it only
    // changes the descriptor flags of `fd`.
    cvt_r(|| unsafe { fcntl::fcntl(fd, fcntl::F_SETFD, fcntl::FD_CLOEXEC) }).map(drop)
}

if_not_posix! {
    /// Where `fcntl`'s numbers are not declared, there is nothing to switch.
    pub(crate) fn set_nonblocking(_fd: RawFd, _on: bool) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, none::UNSUPPORTED))
    }
}

/// The millisecond timeout for `epoll_wait`-style calls: `-1` for "forever",
/// otherwise rounded up (so a wait never ends early) and clamped to
/// [`MAX_WAIT`].
pub(crate) fn timeout_millis(timeout: Option<Duration>) -> i32 {
    match timeout {
        None => -1,
        Some(t) => {
            let t = t.min(MAX_WAIT);
            let ms = t.as_nanos().div_ceil(1_000_000);
            // At most i32::MAX after the clamp; `try_from` keeps it honest.
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    }
}

#[cfg(test)]
mod tests;

//! The Linux (and Android) backend: epoll, with an eventfd for `notify` and
//! a timerfd for timed waits.
//!
//! ```text
//!   Poller ──owns──▶ epoll fd ──watches──▶ sockets, pipes   (token = caller's)
//!     │  │                 ├────watches──▶ eventfd           (token = NOTIFY_TOKEN)
//!     │  │                 └────watches──▶ timerfd           (token = TIMER_TOKEN)
//!     │  └──wait(Some(t)): arms the timerfd at now + t ─────────▲
//!     └──Arc──┐                              ▲
//!          Notifier (any thread) ──write 1───┘
//! ```
//!
//! Every descriptor is added with `EPOLLET` (edge-triggered, see the module
//! doc of `sys` for why) and `EPOLLRDHUP`, so a peer that shuts down its
//! writing half is reported as readable even before any error.
//!
//! A wait with a finite, non-zero timeout arms the timerfd and then waits
//! *without* a timeout: the kernel would let a timeout given to
//! `epoll_wait` run up to the thread's timer slack (50 µs) late, the timerfd
//! fires on time (`timerfd.rs` says why and how). A zero timeout only looks
//! (a kernel wait with a zero timeout); `None` waits forever. Where the
//! timerfd is missing, the timeout goes to `epoll_pwait2` or `epoll_wait` as
//! it is.
//!
//! # Three ways to time a wait, chosen once
//!
//! Each is one file under `epoll/` defining the same `Timing`, with the
//! same methods (`new`, `arm`, `fired`, `wait_once`). The `cfg`'d
//! `mod … ; use … as timing;` lines below pick the one a target starts
//! with, and nothing else in this file knows which it got. Each falls back
//! at run time on the next, which it holds:
//!
//! ```text
//!   file          a timed wait's kernel call, who keeps time   a target starts here if
//!   timerfd.rs    untimed, a timerfd fires at the deadline     64-bit, not Miri
//!     │ timerfd_create or epoll_ctl refused: every wait as ▼
//!   pwait2.rs     epoll_pwait2(timespec): ns + timer slack     (never: only as above)
//!     │ ENOSYS (Linux < 5.11): from then on as ▼
//!   millis.rs     epoll_wait(ms): rounded up, + timer slack    32-bit, or Miri
//! ```
//!
//! 32-bit targets start at `millis` because `epoll_pwait2` and the timerfd
//! take a `struct timespec`, of which 32-bit glibc has two; Miri, because
//! it emulates no timerfd, and `epoll_wait` is the wait its epoll emulation
//! is known to take.
//!
//! Man pages: epoll(7), epoll_create1(2), epoll_ctl(2), epoll_wait(2),
//! eventfd(2), timerfd_create(2).

use std::cell::RefCell;
use std::ffi::{c_int, c_uint, c_void};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Event, Interest, NOTIFY_TOKEN, TIMER_TOKEN, check_token, cvt, cvt_r};

// The timing, chosen here and nowhere else (see the module doc). `millis`
// is every chain's last fallback, so it is always compiled.
mod millis;
#[cfg(all(target_pointer_width = "64", not(miri)))]
mod pwait2;
#[cfg(all(target_pointer_width = "64", not(miri)))]
mod timerfd;

#[cfg(not(all(target_pointer_width = "64", not(miri))))]
use millis as timing;
#[cfg(all(target_pointer_width = "64", not(miri)))]
use timerfd as timing;

/// How many raw events one `wait` can return. More ready descriptors are not
/// lost: the kernel keeps them and the next `wait` returns them.
const EVENTS_CAPACITY: usize = 256;

// <sys/epoll.h>
const EPOLL_CTL_ADD: c_int = 1;
const EPOLL_CTL_DEL: c_int = 2;
const EPOLL_CTL_MOD: c_int = 3;

const EPOLLIN: u32 = 0x001;
const EPOLLOUT: u32 = 0x004;
const EPOLLERR: u32 = 0x008;
const EPOLLHUP: u32 = 0x010;
const EPOLLRDHUP: u32 = 0x2000;
const EPOLLET: u32 = 1 << 31;

// EPOLL_CLOEXEC and EFD_CLOEXEC are O_CLOEXEC (octal 02000000), EFD_NONBLOCK
// is O_NONBLOCK (octal 04000), on the architectures `sys::fcntl` admits.
const EPOLL_CLOEXEC: c_int = 0o2000000;
const EFD_CLOEXEC: c_int = 0o2000000;
const EFD_NONBLOCK: c_int = 0o4000;

/// `struct epoll_event`. The C `data` member is a union (`ptr`, `fd`, `u32`,
/// `u64`); we only ever store the token in it, as a `u64`.
///
/// The kernel declares it `__attribute__((packed))` on x86_64 only (so that
/// 32-bit and 64-bit x86 processes share one layout; see `EPOLL_PACKED` in
/// include/uapi/linux/eventpoll.h). Elsewhere it has natural alignment, which
/// puts 4 bytes of padding after `events` on 64-bit targets.
#[cfg_attr(target_arch = "x86_64", repr(C, packed))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
#[derive(Clone, Copy, Debug)]
struct EpollEvent {
    events: u32,
    data: u64,
}

// The layout, checked at compile time (promise: never guess a C layout).
#[cfg(target_arch = "x86_64")]
const _: () = {
    assert!(size_of::<EpollEvent>() == 12);
    assert!(std::mem::offset_of!(EpollEvent, data) == 4);
};
// i386: u64 has 4-byte alignment in the SysV i386 ABI, so no padding either.
#[cfg(target_arch = "x86")]
const _: () = {
    assert!(size_of::<EpollEvent>() == 12);
    assert!(std::mem::offset_of!(EpollEvent, data) == 4);
};
#[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
const _: () = {
    assert!(size_of::<EpollEvent>() == 16);
    assert!(std::mem::offset_of!(EpollEvent, data) == 8);
};

// The kernel waits themselves are declared by the timings that make them.
unsafe extern "C" {
    fn epoll_create1(flags: c_int) -> c_int;
    fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut EpollEvent) -> c_int;
    fn eventfd(initval: c_uint, flags: c_int) -> c_int;
    fn read(fd: c_int, buf: *mut c_void, count: usize) -> isize;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
}

/// Takes ownership of a descriptor a syscall just returned, so that it is
/// closed (by `OwnedFd`'s `Drop`, which calls `close`) on every path.
///
/// # Safety
///
/// `fd` must be open and owned by nobody else.
unsafe fn own(fd: RawFd) -> OwnedFd {
    // SAFETY: forwarded to the caller.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// One epoll instance plus the eventfd that `notify` pokes.
///
/// Dropping it closes the epoll descriptor; the eventfd is closed when the
/// last of the `Poller` and its `Notifier`s is gone. `Send` but not `Sync`:
/// `wait` borrows the raw event buffer through a `RefCell`, so every method
/// takes `&self` and the reactor can share the poller on its own thread.
#[derive(Debug)]
pub(crate) struct Poller {
    epoll: OwnedFd,
    eventfd: Arc<OwnedFd>,
    /// The buffer the kernel wait fills, reused across waits.
    raw: RefCell<Vec<EpollEvent>>,
    /// How waits are timed, and the kernel wait that `wait` makes: a
    /// timerfd with its fallbacks, or millisecond `epoll_wait` (the choice
    /// is in the module doc).
    timing: timing::Timing,
}

/// Wakes a [`Poller`] from any thread by writing to its eventfd.
#[derive(Clone, Debug)]
pub(crate) struct Notifier {
    eventfd: Arc<OwnedFd>,
}

impl Poller {
    /// Creates an epoll instance and its eventfd, both close-on-exec.
    ///
    /// # Errors
    ///
    /// When the process is out of descriptors (`EMFILE`) or kernel memory.
    pub fn new() -> io::Result<Poller> {
        // SAFETY: epoll_create1 takes only flags and returns a new fd or -1.
        let fd = cvt(unsafe { epoll_create1(EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just returned to us and nothing else holds it.
        let epoll = unsafe { own(fd) };
        // SAFETY: eventfd takes an initial count and flags; returns a new fd or -1.
        let fd = cvt(unsafe { eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) })?;
        // SAFETY: as above, a fresh descriptor that only we hold.
        let eventfd = Arc::new(unsafe { own(fd) });
        ctl(
            epoll.as_raw_fd(),
            EPOLL_CTL_ADD,
            eventfd.as_raw_fd(),
            EPOLLIN | EPOLLET,
            NOTIFY_TOKEN,
        )?;
        // Never fails: a timing the kernel refuses falls back on the next.
        let timing = timing::Timing::new(epoll.as_raw_fd());
        Ok(Poller {
            epoll,
            eventfd,
            raw: RefCell::new(vec![EpollEvent { events: 0, data: 0 }; EVENTS_CAPACITY]),
            timing,
        })
    }

    /// Starts watching `fd` for `interest`, reporting `token`.
    ///
    /// The poller does not own `fd`: the caller must `deregister` it (or
    /// close it, which removes it from epoll) before the number is reused.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for the reserved token; `EEXIST` if `fd` is already
    /// registered; `EPERM` for descriptors epoll cannot watch (regular files).
    pub fn register(&self, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        self.ctl(EPOLL_CTL_ADD, fd, flags_for(interest), token)
    }

    /// Changes the interest and token of a registered `fd`. This also re-arms
    /// the edge: if `fd` is ready now, the next `wait` reports it.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for the reserved token; `ENOENT` if `fd` is not registered.
    pub fn modify(&self, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        self.ctl(EPOLL_CTL_MOD, fd, flags_for(interest), token)
    }

    /// Stops watching `fd`.
    ///
    /// # Errors
    ///
    /// `ENOENT` if `fd` is not registered.
    pub fn deregister(&self, fd: RawFd) -> io::Result<()> {
        // Linux before 2.6.9 wanted a non-null event even for DEL; any will do.
        self.ctl(EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Blocks until at least one registered descriptor changes readiness, a
    /// `notify()` arrives, or `timeout` passes (`None`: no timeout;
    /// `Some(Duration::ZERO)`: just look). Clears `events`, then fills it.
    ///
    /// Returns `Ok(true)` if a notify was consumed by this wait. The timeout
    /// is clamped to `sys::MAX_WAIT`, then timed by the timing (see the
    /// module doc): the timerfd (exact), or without one `epoll_pwait2`
    /// (nanoseconds plus the thread's timer slack) or `epoll_wait` (rounded
    /// up to whole milliseconds). On `EINTR` the wait restarts with the time
    /// that is left. The timer's own event never shows in `events`: when it
    /// is left over from an earlier wait, it is swallowed and the wait goes
    /// on.
    ///
    /// # Errors
    ///
    /// Only on a broken poller (`EBADF`, `EFAULT`): not in normal use.
    ///
    /// # Panics
    ///
    /// If called re-entrantly (the raw buffer is already borrowed), which
    /// single-threaded use cannot do.
    pub fn wait(&self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<bool> {
        events.clear();
        let mut raw = self.raw.borrow_mut();
        let just_look = timeout == Some(Duration::ZERO);
        // With the timer armed at the deadline, the kernel wait is untimed.
        let timed_by_timer = self.timing.arm(timeout);
        let timeout = if timed_by_timer { None } else { timeout };
        let deadline = match timeout {
            Some(t) if !t.is_zero() => Instant::now().checked_add(t.min(super::MAX_WAIT)),
            _ => None,
        };
        loop {
            let n = cvt_r(|| {
                // Recomputed on each try, so EINTR does not restart the clock.
                let left = match deadline {
                    Some(d) => Some(d.saturating_duration_since(Instant::now())),
                    None => timeout,
                };
                self.timing
                    .wait_once(self.epoll.as_raw_fd(), &mut raw, left)
            })?;

            let mut notified = false;
            let mut timer_fired = false;
            // epoll_wait returns 0..=maxevents on success.
            for &EpollEvent { events: bits, data } in &raw[..n as usize] {
                let token = data as usize; // Stored from a usize in `ctl`.
                match token {
                    // Not read back: every write makes a new edge (see
                    // `Notifier::notify`), so a wake costs no `read`.
                    NOTIFY_TOKEN => notified = true,
                    TIMER_TOKEN => timer_fired = true,
                    _ => events.push(Event {
                        token,
                        readable: bits & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR) != 0,
                        writable: bits & (EPOLLOUT | EPOLLHUP | EPOLLERR) != 0,
                        ended: bits & (EPOLLRDHUP | EPOLLHUP | EPOLLERR) != 0,
                    }),
                }
            }
            if timer_fired {
                self.timing.fired();
            }
            // The timer alone ends the wait it was armed for. Left over from
            // an earlier wait (disarming is lazy), it is not this wait's
            // business: wait on, for the time that is left, if any.
            let stale_timer_only = timer_fired && n == 1 && !timed_by_timer && !just_look;
            if !stale_timer_only {
                return Ok(notified);
            }
        }
    }

    /// A handle that can wake this poller from any thread.
    pub fn notifier(&self) -> Notifier {
        Notifier {
            eventfd: Arc::clone(&self.eventfd),
        }
    }

    fn ctl(&self, op: c_int, fd: RawFd, events: u32, token: usize) -> io::Result<()> {
        ctl(self.epoll.as_raw_fd(), op, fd, events, token)
    }
}

/// Adds, changes or removes (`op`) the watch of `epoll` on `fd`. Also a free
/// function, because the timerfd timing adds its timer with it before the
/// `Poller` exists.
fn ctl(epoll: RawFd, op: c_int, fd: RawFd, events: u32, token: usize) -> io::Result<()> {
    let mut event = EpollEvent {
        events,
        data: token as u64, // usize is at most 64 bits on every target.
    };
    // SAFETY: `event` is a valid `EpollEvent` that outlives the call; the
    // kernel only reads it. A bad `epoll` or `fd` gives EBADF, not UB.
    cvt(unsafe { epoll_ctl(epoll, op, fd, &mut event) })?;
    Ok(())
}

impl Notifier {
    /// Wakes a thread blocked in [`Poller::wait`], or makes the next `wait`
    /// return at once. Callable from any thread, any number of times; the
    /// wakes coalesce. Harmless after the `Poller` is dropped.
    ///
    /// The eventfd is watched edge-triggered and every successful write
    /// wakes its watchers, so the poller never reads the counter back (one
    /// syscall per wake saved). The counter only ever grows; in the one case
    /// where it is full (`EAGAIN`: 2^64 − 2 notifies, or a counter filled on
    /// purpose) the write made no edge, so the counter is reset with a
    /// `read` and the write repeated.
    ///
    /// # Errors
    ///
    /// Whatever `write` says other than `EAGAIN` (`EBADF` cannot happen: the
    /// descriptor is kept open by this notifier).
    pub fn notify(&self) -> io::Result<()> {
        match self.write_one() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.reset();
                match self.write_one() {
                    // Another notifier filled it again in between: its
                    // own write made the edge.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
                    other => other,
                }
            }
            other => other,
        }
    }

    fn write_one(&self) -> io::Result<()> {
        let one = 1u64;
        // SAFETY: writes exactly the 8 bytes of `one`, as eventfd requires.
        let ret = unsafe {
            write(
                self.eventfd.as_raw_fd(),
                (&raw const one).cast::<c_void>(),
                size_of::<u64>(),
            )
        };
        cvt(ret).map(drop)
    }

    /// Sets the counter back to 0.
    fn reset(&self) {
        let mut count = 0u64;
        // SAFETY: reads at most 8 bytes into `count`, which has 8 bytes.
        let ret = unsafe {
            read(
                self.eventfd.as_raw_fd(),
                (&raw mut count).cast::<c_void>(),
                size_of::<u64>(),
            )
        };
        // EAGAIN: another notifier reset it first, which is as good.
        let _ = cvt(ret);
    }
}

/// The epoll flags for an interest: always edge-triggered, always told about
/// the peer's half-close.
fn flags_for(interest: Interest) -> u32 {
    let mut flags = EPOLLET | EPOLLRDHUP;
    if interest.readable {
        flags |= EPOLLIN;
    }
    if interest.writable {
        flags |= EPOLLOUT;
    }
    flags
}

#[cfg(test)]
mod tests;

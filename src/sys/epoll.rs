//! The Linux (and Android) backend: epoll, with an eventfd for `notify`.
//!
//! ```text
//!   Poller ──owns──▶ epoll fd ──watches──▶ sockets, pipes   (token = caller's)
//!     │                    └────watches──▶ eventfd           (token = NOTIFY_TOKEN)
//!     └──Arc──┐                              ▲
//!          Notifier (any thread) ──write 1───┘
//! ```
//!
//! Every descriptor is added with `EPOLLET` (edge-triggered, see the module
//! doc of `sys` for why) and `EPOLLRDHUP`, so a peer that shuts down its
//! writing half is reported as readable even before any error.
//!
//! Man pages: epoll(7), epoll_create1(2), epoll_ctl(2), epoll_wait(2),
//! eventfd(2).

use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_uint, c_void};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Event, Interest, NOTIFY_TOKEN, check_token, cvt, cvt_r, timeout_millis};

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
/// errno for "no such system call" (every architecture this module supports).
#[cfg(all(target_pointer_width = "64", not(miri)))]
const ENOSYS: i32 = 38;
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

/// `struct timespec` on 64-bit Linux: `time_t` and `long` are both 64 bits.
/// (32-bit targets have two `timespec`s in glibc, 32- and 64-bit `time_t`;
/// evloop uses `epoll_wait` there rather than guess which one a symbol takes.)
#[cfg(all(target_pointer_width = "64", not(miri)))]
#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

#[cfg(all(target_pointer_width = "64", not(miri)))]
const _: () = assert!(size_of::<Timespec>() == 16);

unsafe extern "C" {
    fn epoll_create1(flags: c_int) -> c_int;
    fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut EpollEvent) -> c_int;
    fn epoll_wait(epfd: c_int, events: *mut EpollEvent, maxevents: c_int, timeout: c_int) -> c_int;
    #[cfg(all(target_pointer_width = "64", not(miri)))]
    fn epoll_pwait2(
        epfd: c_int,
        events: *mut EpollEvent,
        maxevents: c_int,
        timeout: *const Timespec,
        sigmask: *const c_void,
    ) -> c_int;
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
    /// The buffer `epoll_wait` fills, reused across waits.
    raw: RefCell<Vec<EpollEvent>>,
    /// Whether `epoll_pwait2` (nanosecond timeouts, Linux 5.11+) works here.
    /// `epoll_wait` counts its timeout in whole milliseconds, so a sleep
    /// would wake up to a millisecond late; set to false at the first
    /// `ENOSYS`, after which `epoll_wait` serves. (Always false where
    /// `epoll_pwait2` is not used at all: 32-bit targets and Miri.)
    #[cfg_attr(not(all(target_pointer_width = "64", not(miri))), allow(dead_code))]
    precise: Cell<bool>,
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
        let poller = Poller {
            epoll,
            eventfd,
            raw: RefCell::new(vec![EpollEvent { events: 0, data: 0 }; EVENTS_CAPACITY]),
            precise: Cell::new(cfg!(all(target_pointer_width = "64", not(miri)))),
        };
        poller.ctl(
            EPOLL_CTL_ADD,
            poller.eventfd.as_raw_fd(),
            EPOLLIN | EPOLLET,
            NOTIFY_TOKEN,
        )?;
        Ok(poller)
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
    /// is rounded up to whole milliseconds and clamped to `sys::MAX_WAIT`.
    /// On `EINTR` the wait restarts with the time that is left.
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
        let deadline = match timeout {
            Some(t) if !t.is_zero() => Instant::now().checked_add(t.min(super::MAX_WAIT)),
            _ => None,
        };
        let n = cvt_r(|| {
            // Recomputed on each try, so EINTR does not restart the clock.
            let left = match deadline {
                Some(d) => Some(d.saturating_duration_since(Instant::now())),
                None => timeout,
            };
            self.wait_once(&mut raw, left)
        })?;

        let mut notified = false;
        // epoll_wait returns 0..=maxevents on success.
        for &EpollEvent { events: bits, data } in &raw[..n as usize] {
            let token = data as usize; // Stored from a usize in `ctl`.
            if token == NOTIFY_TOKEN {
                self.drain_eventfd();
                notified = true;
                continue;
            }
            events.push(Event {
                token,
                readable: bits & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR) != 0,
                writable: bits & (EPOLLOUT | EPOLLHUP | EPOLLERR) != 0,
            });
        }
        Ok(notified)
    }

    /// One `epoll_pwait2` (or `epoll_wait`) call, returning the raw result.
    fn wait_once(&self, raw: &mut [EpollEvent], timeout: Option<Duration>) -> c_int {
        #[cfg(all(target_pointer_width = "64", not(miri)))]
        if self.precise.get() {
            let spec = timeout.map(|t| {
                let t = t.min(super::MAX_WAIT);
                Timespec {
                    tv_sec: t.as_secs() as i64, // MAX_WAIT keeps it small.
                    tv_nsec: i64::from(t.subsec_nanos()),
                }
            });
            let spec_ptr = spec
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const Timespec);
            // SAFETY: `raw` is a live, exclusively borrowed buffer of
            // `raw.len()` `EpollEvent`s, the layout asserted above; the kernel
            // writes at most `maxevents` of them. `spec_ptr` is null (wait
            // forever) or points at a `Timespec` alive until the call returns;
            // a null sigmask leaves the signal mask alone.
            let n = unsafe {
                epoll_pwait2(
                    self.epoll.as_raw_fd(),
                    raw.as_mut_ptr(),
                    raw.len() as c_int,
                    spec_ptr,
                    std::ptr::null(),
                )
            };
            if n >= 0 || io::Error::last_os_error().raw_os_error() != Some(ENOSYS) {
                return n;
            }
            // An older kernel: fall back to millisecond timeouts for good.
            self.precise.set(false);
        }
        // SAFETY: as above, for `epoll_wait`.
        unsafe {
            epoll_wait(
                self.epoll.as_raw_fd(),
                raw.as_mut_ptr(),
                raw.len() as c_int,
                timeout_millis(timeout),
            )
        }
    }

    /// A handle that can wake this poller from any thread.
    pub fn notifier(&self) -> Notifier {
        Notifier {
            eventfd: Arc::clone(&self.eventfd),
        }
    }

    fn ctl(&self, op: c_int, fd: RawFd, events: u32, token: usize) -> io::Result<()> {
        let mut event = EpollEvent {
            events,
            data: token as u64, // usize is at most 64 bits on every target.
        };
        // SAFETY: `event` is a valid `EpollEvent` that outlives the call; the
        // kernel only reads it. A bad `fd` gives EBADF, not UB.
        cvt(unsafe { epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) })?;
        Ok(())
    }

    /// Resets the eventfd counter to 0 so later notifies make a new edge.
    fn drain_eventfd(&self) {
        let mut count = 0u64;
        // SAFETY: reads at most 8 bytes into `count`, which has 8 bytes.
        let ret = unsafe {
            read(
                self.eventfd.as_raw_fd(),
                (&raw mut count).cast::<c_void>(),
                size_of::<u64>(),
            )
        };
        // The only expected failure is EAGAIN (counter already 0, e.g. a
        // second edge for the same notify), which means there is nothing to
        // drain. Either way the wake has been delivered: ignore the result.
        let _ = cvt(ret);
    }
}

impl Notifier {
    /// Wakes a thread blocked in [`Poller::wait`], or makes the next `wait`
    /// return at once. Callable from any thread, any number of times; the
    /// wakes coalesce. Harmless after the `Poller` is dropped.
    ///
    /// # Errors
    ///
    /// None in practice: a full counter (`EAGAIN`) already means a wake is
    /// pending and counts as success.
    pub fn notify(&self) -> io::Result<()> {
        let one = 1u64;
        // SAFETY: writes exactly the 8 bytes of `one`, as eventfd requires.
        let ret = unsafe {
            write(
                self.eventfd.as_raw_fd(),
                (&raw const one).cast::<c_void>(),
                size_of::<u64>(),
            )
        };
        match cvt(ret) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
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
mod tests {
    use super::*;

    #[test]
    fn epoll_event_layout() {
        if cfg!(target_arch = "x86_64") {
            assert_eq!(size_of::<EpollEvent>(), 12);
            assert_eq!(std::mem::offset_of!(EpollEvent, data), 4);
        } else if cfg!(target_arch = "x86") {
            assert_eq!(size_of::<EpollEvent>(), 12);
        } else {
            assert_eq!(size_of::<EpollEvent>(), 16);
            assert_eq!(std::mem::offset_of!(EpollEvent, data), 8);
        }
    }

    #[test]
    fn flags_are_edge_triggered_with_rdhup() {
        assert_eq!(
            flags_for(Interest::READABLE),
            EPOLLET | EPOLLRDHUP | EPOLLIN
        );
        assert_eq!(
            flags_for(Interest::WRITABLE),
            EPOLLET | EPOLLRDHUP | EPOLLOUT
        );
        assert_eq!(
            flags_for(Interest::BOTH),
            EPOLLET | EPOLLRDHUP | EPOLLIN | EPOLLOUT
        );
    }
}

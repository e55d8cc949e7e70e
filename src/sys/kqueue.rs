//! The macOS, iOS, FreeBSD and NetBSD backend: kqueue, with `EVFILT_USER` for
//! `notify`.
//!
//! ```text
//!   Poller ──Arc──▶ kqueue fd ◀──Arc── Notifier (any thread)
//!                     │  (fd, EVFILT_READ)   token in udata, EV_CLEAR
//!                     │  (fd, EVFILT_WRITE)  token in udata, EV_CLEAR
//!                     └─ (0,  EVFILT_USER)   NOTE_TRIGGER from notify()
//! ```
//!
//! kqueue watches (ident, filter) pairs, so a descriptor with both interests
//! is two registrations and may produce two events per `wait` (contract
//! promise 4). `EV_CLEAR` makes each edge-triggered, like `EPOLLET`.
//!
//! Unlike epoll, the thing `notify` pokes is the kqueue itself, so the kqueue
//! descriptor lives in the `Arc` shared with every `Notifier`: it is closed
//! when the `Poller` *and* all its notifiers are gone. Registered descriptors
//! do not mind: closing a descriptor removes its kqueue registrations.
//!
//! Man pages: kqueue(2) on FreeBSD and macOS.
//!
//! # Where this simplifies
//!
//! Only 64-bit targets (`time_t` is 32-bit on FreeBSD/i386) and FreeBSD 12 or
//! later (the `struct kevent` with `ext`, bound through the default symbol
//! version of `kevent`). NetBSD 10 or later: its `struct kevent` has 32-bit
//! `filter` and `flags`, its filters count up from 0, and its `kevent` is
//! the symbol `__kevent50` with `size_t` counts (NetBSD 11's `__kevent100`
//! adds `ext[4]`; `__kevent50` stays as its compatible entry point);
//! `EVFILT_USER` came in NetBSD 10. The layout is asserted below and type-
//! checked by CI; no NetBSD machine runs the tests. OpenBSD: Darwin's
//! layout with a 64-bit `data`, and `EVFILT_USER` (-10), which its
//! `<sys/event.h>` has had since 2025 (revision 1.74): an older OpenBSD
//! refuses the notify event, the poller is refused, and the loop runs
//! without a reactor as on any OS without one. OpenBSD is a tier-3 target
//! with no prebuilt std, so CI type-checks it only where `-Z build-std`
//! can run.

use std::cell::RefCell;
use std::ffi::c_int;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Event, Interest, MAX_WAIT, check_token, cvt, cvt_r};

#[cfg(not(target_pointer_width = "64"))]
compile_error!("the kqueue backend has only been checked on 64-bit targets");

/// How many raw events one `wait` can return; the rest wait for the next.
const EVENTS_CAPACITY: usize = 256;

// <sys/event.h>: the same numbers on Darwin and FreeBSD except EVFILT_USER;
// NetBSD's filters are unsigned and count up from 0, and its `filter` and
// `flags` fields are 32 bits wide.
#[cfg(not(target_os = "netbsd"))]
type Filter = i16;
#[cfg(not(target_os = "netbsd"))]
type Flags = u16;
#[cfg(target_os = "netbsd")]
type Filter = u32;
#[cfg(target_os = "netbsd")]
type Flags = u32;

#[cfg(not(target_os = "netbsd"))]
const EVFILT_READ: Filter = -1;
#[cfg(not(target_os = "netbsd"))]
const EVFILT_WRITE: Filter = -2;
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "openbsd"))]
const EVFILT_USER: Filter = -10;
#[cfg(target_os = "freebsd")]
const EVFILT_USER: Filter = -11;
#[cfg(target_os = "netbsd")]
const EVFILT_READ: Filter = 0;
#[cfg(target_os = "netbsd")]
const EVFILT_WRITE: Filter = 1;
#[cfg(target_os = "netbsd")]
const EVFILT_USER: Filter = 8;

const EV_ADD: Flags = 0x0001;
const EV_DELETE: Flags = 0x0002;
const EV_CLEAR: Flags = 0x0020;
const EV_RECEIPT: Flags = 0x0040;
const EV_ERROR: Flags = 0x4000;
const EV_EOF: Flags = 0x8000;

const NOTE_TRIGGER: u32 = 0x0100_0000;

// <fcntl.h>, same on both: kqueue(2) has no close-on-exec flag of its own.
const F_SETFD: c_int = 2;
const FD_CLOEXEC: c_int = 1;

/// `ENOENT`: deleting a filter that was never added.
const ENOENT: i32 = 2;

/// The identifier of the one `EVFILT_USER` event. Any number works: it
/// cannot clash with descriptor 0 because the filter is part of the key.
const NOTIFY_IDENT: usize = 0;

/// `struct kevent`.
///
/// `udata` is `void *` in C; we keep it as a pointer-sized integer, since we
/// only ever store a token there, which also keeps `Poller` `Send`. FreeBSD
/// 12 widened `data` to `int64_t` and appended `ext[4]`; macOS has neither
/// change (its `data` is `intptr_t`, the same size on 64-bit targets).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Kevent {
    ident: usize,
    filter: Filter,
    flags: Flags,
    fflags: u32,
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    data: isize,
    #[cfg(any(target_os = "freebsd", target_os = "netbsd", target_os = "openbsd"))]
    data: i64,
    udata: usize,
    #[cfg(target_os = "freebsd")]
    ext: [u64; 4],
}

// The layout, checked at compile time (64-bit only, see the module doc).
#[cfg(not(target_os = "netbsd"))]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(Kevent, ident) == 0);
    assert!(offset_of!(Kevent, filter) == 8);
    assert!(offset_of!(Kevent, flags) == 10);
    assert!(offset_of!(Kevent, fflags) == 12);
    assert!(offset_of!(Kevent, data) == 16);
    assert!(offset_of!(Kevent, udata) == 24);
};
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "openbsd"))]
const _: () = assert!(size_of::<Kevent>() == 32);
#[cfg(target_os = "freebsd")]
const _: () = {
    assert!(std::mem::offset_of!(Kevent, ext) == 32);
    assert!(size_of::<Kevent>() == 64);
};
// NetBSD 10's `struct kevent`: 32-bit filter and flags, 40 bytes.
#[cfg(target_os = "netbsd")]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(Kevent, ident) == 0);
    assert!(offset_of!(Kevent, filter) == 8);
    assert!(offset_of!(Kevent, flags) == 12);
    assert!(offset_of!(Kevent, fflags) == 16);
    assert!(offset_of!(Kevent, data) == 24);
    assert!(offset_of!(Kevent, udata) == 32);
    assert!(size_of::<Kevent>() == 40);
};

/// `struct timespec` on 64-bit Darwin and FreeBSD: `time_t` and `long` are
/// both 64 bits.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

const _: () = assert!(size_of::<Timespec>() == 16);

/// How `kevent` counts its lists: `int` on Darwin and FreeBSD, `size_t`
/// on NetBSD.
#[cfg(not(target_os = "netbsd"))]
type Count = c_int;
#[cfg(target_os = "netbsd")]
type Count = usize;

unsafe extern "C" {
    fn kqueue() -> c_int;
    #[cfg_attr(target_os = "netbsd", link_name = "__kevent50")]
    fn kevent(
        kq: c_int,
        changelist: *const Kevent,
        nchanges: Count,
        eventlist: *mut Kevent,
        nevents: Count,
        timeout: *const Timespec,
    ) -> c_int;
}

impl Kevent {
    /// `EV_SET` from the C headers.
    fn new(ident: usize, filter: Filter, flags: Flags, fflags: u32, udata: usize) -> Kevent {
        Kevent {
            ident,
            filter,
            flags,
            fflags,
            data: 0,
            udata,
            #[cfg(target_os = "freebsd")]
            ext: [0; 4],
        }
    }
}

/// One kqueue, whose descriptor is shared with its notifiers.
///
/// `Send` but not `Sync`: `wait` borrows the raw event buffer through a
/// `RefCell`, so every method takes `&self`.
#[derive(Debug)]
pub(crate) struct Poller {
    kq: Arc<OwnedFd>,
    /// The buffer `kevent` fills, reused across waits.
    raw: RefCell<Vec<Kevent>>,
}

/// Wakes a [`Poller`] from any thread by triggering its `EVFILT_USER` event.
#[derive(Clone, Debug)]
pub(crate) struct Notifier {
    kq: Arc<OwnedFd>,
}

impl Poller {
    /// Creates a close-on-exec kqueue with the notify event registered.
    ///
    /// # Errors
    ///
    /// When the process is out of descriptors or kernel memory.
    pub fn new() -> io::Result<Poller> {
        // SAFETY: kqueue takes no arguments and returns a new fd or -1.
        let fd = cvt(unsafe { kqueue() })?;
        // SAFETY: `fd` was just returned to us and nothing else holds it.
        let kq = Arc::new(unsafe { OwnedFd::from_raw_fd(fd) });
        // SAFETY: F_SETFD takes one `int`, which we pass; it only sets the
        // descriptor flags of our own `fd`.
        cvt_r(|| unsafe { super::fcntl::fcntl(fd, F_SETFD, FD_CLOEXEC) })?;
        let poller = Poller {
            kq,
            raw: RefCell::new(vec![Kevent::new(0, 0, 0, 0, 0); EVENTS_CAPACITY]),
        };
        poller.apply(
            &[Kevent::new(
                NOTIFY_IDENT,
                EVFILT_USER,
                EV_ADD | EV_CLEAR | EV_RECEIPT,
                0,
                0,
            )],
            false,
        )?;
        Ok(poller)
    }

    /// Starts watching `fd` for `interest`, reporting `token`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for the reserved token; `EBADF` for a closed `fd`.
    pub fn register(&self, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let mut changes = Vec::with_capacity(2);
        for (wanted, filter) in [
            (interest.readable, EVFILT_READ),
            (interest.writable, EVFILT_WRITE),
        ] {
            if wanted {
                changes.push(Kevent::new(
                    ident(fd)?,
                    filter,
                    EV_ADD | EV_CLEAR | EV_RECEIPT,
                    0,
                    token,
                ));
            }
        }
        self.apply(&changes, false)?;
        Ok(())
    }

    /// Changes the interest and token of a registered `fd`: adds the wanted
    /// filters (re-adding one re-arms its edge) and deletes the others.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for the reserved token; `EBADF` for a closed `fd`.
    pub fn modify(&self, fd: RawFd, token: usize, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let ident = ident(fd)?;
        let changes = [
            (interest.readable, EVFILT_READ),
            (interest.writable, EVFILT_WRITE),
        ]
        .map(|(wanted, filter)| {
            let flags = if wanted {
                EV_ADD | EV_CLEAR | EV_RECEIPT
            } else {
                EV_DELETE | EV_RECEIPT
            };
            Kevent::new(ident, filter, flags, 0, token)
        });
        // Deleting a filter that was not there is fine here.
        self.apply(&changes, true)?;
        Ok(())
    }

    /// Stops watching `fd`.
    ///
    /// # Errors
    ///
    /// `ENOENT` if neither filter was registered, like epoll's `EPOLL_CTL_DEL`.
    pub fn deregister(&self, fd: RawFd) -> io::Result<()> {
        let ident = ident(fd)?;
        let changes = [EVFILT_READ, EVFILT_WRITE]
            .map(|f| Kevent::new(ident, f, EV_DELETE | EV_RECEIPT, 0, 0));
        let missing = self.apply(&changes, true)?;
        if missing == changes.len() {
            return Err(io::Error::from_raw_os_error(ENOENT));
        }
        Ok(())
    }

    /// Blocks until at least one registered descriptor changes readiness, a
    /// `notify()` arrives, or `timeout` passes (`None`: no timeout;
    /// `Some(Duration::ZERO)`: just look). Clears `events`, then fills it.
    ///
    /// Returns `Ok(true)` if a notify was consumed by this wait. kqueue takes
    /// nanoseconds, so no rounding is needed; the timeout is clamped to
    /// `sys::MAX_WAIT` like epoll's. On `EINTR` the wait restarts with the
    /// time that is left.
    ///
    /// # Errors
    ///
    /// Only on a broken poller (`EBADF`, `EFAULT`): not in normal use.
    ///
    /// # Panics
    ///
    /// If called re-entrantly (the raw buffer is already borrowed).
    pub fn wait(&self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<bool> {
        events.clear();
        let mut raw = self.raw.borrow_mut();
        let timeout = timeout.map(|t| t.min(MAX_WAIT));
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let n = cvt_r(|| {
            // Recomputed on each try, so EINTR does not restart the clock.
            let left = match deadline {
                Some(d) => Some(d.saturating_duration_since(Instant::now())),
                None => timeout,
            };
            let ts = left.map(|t| Timespec {
                // At most MAX_WAIT, about 2.1 million seconds: fits.
                tv_sec: t.as_secs() as i64,
                tv_nsec: i64::from(t.subsec_nanos()),
            });
            let ts_ptr = ts.as_ref().map_or(ptr::null(), ptr::from_ref);
            // SAFETY: no changes are passed; `raw` is a live, exclusively
            // borrowed buffer of `raw.len()` `Kevent`s (layout asserted above)
            // that the kernel fills; `ts_ptr` is null or points to `ts`, which
            // lives until the call returns.
            unsafe {
                kevent(
                    self.kq.as_raw_fd(),
                    ptr::null(),
                    0,
                    raw.as_mut_ptr(),
                    raw.len() as Count,
                    ts_ptr,
                )
            }
        })?;

        let mut notified = false;
        for ev in &raw[..n as usize] {
            // An error or end of file wakes both directions (promise 3).
            let bad = ev.flags & (EV_ERROR | EV_EOF) != 0;
            match ev.filter {
                EVFILT_USER => notified = true,
                EVFILT_READ => events.push(Event {
                    token: ev.udata,
                    readable: true,
                    writable: ev.flags & EV_ERROR != 0,
                    ended: bad,
                }),
                EVFILT_WRITE => events.push(Event {
                    token: ev.udata,
                    readable: bad,
                    writable: true,
                    ended: bad,
                }),
                _ => {} // We register no other filters.
            }
        }
        Ok(notified)
    }

    /// A handle that can wake this poller from any thread.
    pub fn notifier(&self) -> Notifier {
        Notifier {
            kq: Arc::clone(&self.kq),
        }
    }

    /// Submits `changes`, each with `EV_RECEIPT`, and checks every receipt.
    /// Returns how many failed with `ENOENT`, which are errors unless
    /// `enoent_ok`.
    ///
    /// Not retried on `EINTR`: with a zero timeout and receipts requested the
    /// call does not sleep, and re-submitting a delete would fail anyway.
    fn apply(&self, changes: &[Kevent], enoent_ok: bool) -> io::Result<usize> {
        let mut receipts = [Kevent::new(0, 0, 0, 0, 0); 2];
        assert!(changes.len() <= receipts.len(), "at most two changes");
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `changes` is read by the kernel (`changes.len()` entries);
        // `receipts` has room for that many and is written; `zero` outlives
        // the call. All are `Kevent`s with the asserted layout.
        let n = cvt(unsafe {
            kevent(
                self.kq.as_raw_fd(),
                changes.as_ptr(),
                changes.len() as Count,
                receipts.as_mut_ptr(),
                changes.len() as Count,
                &zero,
            )
        })?;
        let mut missing = 0;
        for receipt in &receipts[..n as usize] {
            // With EV_RECEIPT every change comes back with EV_ERROR set and
            // `data` holding its errno, 0 meaning success.
            if receipt.flags & EV_ERROR == 0 || receipt.data == 0 {
                continue;
            }
            let errno = receipt.data as i32;
            if errno == ENOENT {
                missing += 1;
                if enoent_ok {
                    continue;
                }
            }
            return Err(io::Error::from_raw_os_error(errno));
        }
        Ok(missing)
    }
}

impl Notifier {
    /// Wakes a thread blocked in [`Poller::wait`], or makes the next `wait`
    /// return at once. Callable from any thread; wakes coalesce. Harmless
    /// after the `Poller` is dropped (the kqueue lives on in this `Arc`).
    ///
    /// # Errors
    ///
    /// None in practice; whatever `kevent` reports otherwise.
    pub fn notify(&self) -> io::Result<()> {
        let trigger = Kevent::new(NOTIFY_IDENT, EVFILT_USER, 0, NOTE_TRIGGER, 0);
        // SAFETY: one change read from `trigger`, which outlives the call; no
        // event list, so the call returns at once and writes nothing.
        cvt_r(|| unsafe {
            kevent(
                self.kq.as_raw_fd(),
                &trigger,
                1,
                ptr::null_mut(),
                0,
                ptr::null(),
            )
        })?;
        Ok(())
    }
}

/// A descriptor as a kqueue `ident`.
fn ident(fd: RawFd) -> io::Result<usize> {
    usize::try_from(fd).map_err(|_| io::Error::from_raw_os_error(9)) // EBADF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kevent_layout() {
        let (size, udata) = if cfg!(target_os = "freebsd") {
            (64, 24)
        } else if cfg!(target_os = "netbsd") {
            (40, 32)
        } else {
            (32, 24)
        };
        assert_eq!(size_of::<Kevent>(), size);
        assert_eq!(std::mem::offset_of!(Kevent, udata), udata);
    }
}

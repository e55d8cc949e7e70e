//! Nanosecond timeouts: `epoll_pwait2` (Linux 5.11+), falling back on
//! `millis` for good at its first `ENOSYS`.
//!
//! ```text
//!   wait(t):  precise? ── yes ─▶ epoll_pwait2(timespec t)   None → null (forever)
//!                                  └─ ENOSYS (an older kernel) ─▶ precise = false
//!                       ── no ──▶ millis: epoll_wait(⌈t⌉ ms)
//! ```
//!
//! `epoll_wait` counts its timeout in whole milliseconds, so a sleep would
//! wake up to a millisecond late; `epoll_pwait2` takes a `timespec`. It is
//! still stretched by the thread's timer slack (50 µs, see `timerfd.rs`),
//! which is why `timerfd` comes first and this serves only where the
//! kernel refused a timerfd, and for untimed and zero waits.
//!
//! Only compiled on 64-bit targets outside Miri (see the choice in the
//! parent): there `struct timespec` is two 64-bit fields. 32-bit glibc has
//! two `timespec`s (32- and 64-bit `time_t`), and evloop does not guess
//! which one a symbol takes.
//!
//! Man page: epoll_wait(2) (which describes `epoll_pwait2` too).

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

use super::{EpollEvent, millis};
use crate::sys::MAX_WAIT;

/// errno for "no such system call" (every architecture `sys::fcntl` admits).
const ENOSYS: i32 = 38;

/// `struct timespec` on 64-bit Linux: `time_t` and `long` are both 64 bits.
/// `timerfd.rs` uses it too.
#[repr(C)]
pub(super) struct Timespec {
    pub(super) tv_sec: i64,
    pub(super) tv_nsec: i64,
}

const _: () = {
    assert!(size_of::<Timespec>() == 16);
    assert!(std::mem::offset_of!(Timespec, tv_nsec) == 8);
};

unsafe extern "C" {
    fn epoll_pwait2(
        epfd: c_int,
        events: *mut EpollEvent,
        maxevents: c_int,
        timeout: *const Timespec,
        sigmask: *const c_void,
    ) -> c_int;
}

/// Times each wait with `epoll_pwait2`, or with `millis` where the kernel
/// has no `epoll_pwait2`.
#[derive(Debug)]
pub(super) struct Timing {
    /// Whether `epoll_pwait2` works here. Set to false at the first
    /// `ENOSYS`, after which `millis` serves.
    precise: Cell<bool>,
    /// The fallback.
    millis: millis::Timing,
}

impl Timing {
    /// Starts out precise: whether the kernel has `epoll_pwait2` is learnt
    /// at the first wait (a probe would cost a syscall for nothing).
    pub(super) fn new(epoll: RawFd) -> Timing {
        Timing {
            precise: Cell::new(true),
            millis: millis::Timing::new(epoll),
        }
    }

    /// No timer here either: as `millis`, the kernel call times every wait.
    #[inline]
    pub(super) fn arm(&self, timeout: Option<Duration>) -> bool {
        self.millis.arm(timeout)
    }

    /// As `millis`: there is no timer to note.
    pub(super) fn fired(&self) {
        self.millis.fired();
    }

    /// One `epoll_pwait2` (or, without it, `epoll_wait`) on `epoll`, filling
    /// `raw`; the raw result (the number of events, or -1 with `errno`).
    pub(super) fn wait_once(
        &self,
        epoll: RawFd,
        raw: &mut [EpollEvent],
        timeout: Option<Duration>,
    ) -> c_int {
        if self.precise.get() {
            let spec = timeout.map(|t| {
                let t = t.min(MAX_WAIT);
                Timespec {
                    tv_sec: t.as_secs() as i64, // MAX_WAIT keeps it small.
                    tv_nsec: i64::from(t.subsec_nanos()),
                }
            });
            let spec_ptr = spec
                .as_ref()
                .map_or(std::ptr::null(), |t| t as *const Timespec);
            // SAFETY: `raw` is a live, exclusively borrowed buffer of
            // `raw.len()` `EpollEvent`s, the layout asserted in the parent;
            // the kernel writes at most `maxevents` of them. `spec_ptr` is
            // null (wait forever) or points at a `Timespec` alive until the
            // call returns; a null sigmask leaves the signal mask alone.
            let n = unsafe {
                epoll_pwait2(
                    epoll,
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
        self.millis.wait_once(epoll, raw, timeout)
    }

    /// As `millis`: no timer, never armed (tests look).
    #[cfg(test)]
    pub(super) fn armed(&self) -> Option<u64> {
        self.millis.armed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::Poller;
    use std::os::fd::AsRawFd;
    use std::time::Instant;

    #[test]
    fn timespec_layout() {
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(std::mem::offset_of!(Timespec, tv_nsec), 8);
    }

    /// Precise, and after an `ENOSYS` (`millis`), a timed kernel call ends
    /// no earlier than asked and reports nothing when nothing happened.
    #[test]
    fn both_kernel_calls_time_out_no_earlier_than_asked() {
        let poller = Poller::new().unwrap();
        let epoll = poller.epoll.as_raw_fd();
        let mut raw = [EpollEvent { events: 0, data: 0 }; 4];
        for precise in [true, false] {
            let timing = Timing {
                precise: Cell::new(precise),
                millis: millis::Timing::new(epoll),
            };
            let t = Duration::from_micros(1_500);
            let start = Instant::now();
            assert_eq!(timing.wait_once(epoll, &mut raw, Some(t)), 0);
            assert!(start.elapsed() >= t, "ended early: {:?}", start.elapsed());
        }
    }
}

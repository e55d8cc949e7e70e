//! The plainest timing: `epoll_wait`'s own timeout, in whole milliseconds.
//!
//! ```text
//!   wait(t):  epoll_wait(timeout = ⌈t⌉ ms)   None → -1 (forever), 0 → 0 (just look)
//! ```
//!
//! The timeout is rounded *up* (`sys::timeout_millis`), so a wait never
//! ends before its deadline and a 300 µs wait sleeps 1 ms rather than
//! busy-polling with 0 ms. The price is lateness: up to a millisecond from
//! the rounding, plus the thread's timer slack (50 µs). It is where 32-bit
//! targets start (no `timespec` declared there) and Miri (no timerfd
//! emulated), and where `pwait2` ends up on kernels before 5.11.
//!
//! Man page: epoll_wait(2).

use std::ffi::c_int;
use std::os::fd::RawFd;
use std::time::Duration;

use super::EpollEvent;
use crate::sys::timeout_millis;

unsafe extern "C" {
    fn epoll_wait(epfd: c_int, events: *mut EpollEvent, maxevents: c_int, timeout: c_int) -> c_int;
}

/// Times each wait with `epoll_wait`'s millisecond timeout. Has no state.
#[derive(Debug)]
pub(super) struct Timing;

impl Timing {
    /// Nothing to set up: every epoll instance has `epoll_wait`.
    pub(super) fn new(_epoll: RawFd) -> Timing {
        Timing
    }

    /// No timer to arm: the kernel call's timeout times every wait.
    #[inline]
    pub(super) fn arm(&self, _timeout: Option<Duration>) -> bool {
        false
    }

    /// No timer, so no timer event is ever reported: nothing to note.
    pub(super) fn fired(&self) {}

    /// One `epoll_wait` on `epoll`, filling `raw`; the raw result (the
    /// number of events, or -1 with `errno`).
    pub(super) fn wait_once(
        &self,
        epoll: RawFd,
        raw: &mut [EpollEvent],
        timeout: Option<Duration>,
    ) -> c_int {
        // SAFETY: `raw` is a live, exclusively borrowed buffer of
        // `raw.len()` `EpollEvent`s, the layout asserted in the parent; the
        // kernel writes at most `maxevents` of them. A bad `epoll` gives
        // EBADF, not UB.
        unsafe {
            epoll_wait(
                epoll,
                raw.as_mut_ptr(),
                raw.len() as c_int,
                timeout_millis(timeout),
            )
        }
    }

    /// The deadline a timer is armed at: never, there is none (tests look).
    #[cfg(test)]
    pub(super) fn armed(&self) -> Option<u64> {
        None
    }
}

//! The precise timer: a `timerfd` in the epoll set, so a timed wait ends
//! when the deadline comes rather than up to 50 µs later.
//!
//! # Why not the timeout argument
//!
//! A timeout handed to `epoll_wait`/`epoll_pwait2` (like `poll`'s and
//! `nanosleep`'s) is stretched by the calling thread's *timer slack*: the
//! kernel lets the wake-up come anywhere in `[deadline, deadline + slack]`
//! so that it can batch wake-ups (`select_estimate_accuracy` in
//! fs/select.c). The slack is 50 µs for a normal thread, and a sleep measured
//! 44 µs late at p50 because of it. A timerfd is an hrtimer armed with *no*
//! slack, so its expiry is as punctual as the hardware allows. The other
//! way out, shrinking the thread's slack with `prctl(PR_SET_TIMERSLACK)`,
//! would change the caller's thread behind its back; evloop does not.
//!
//! ```text
//!   wait(Some(t)):  deadline = CLOCK_MONOTONIC now + t
//!                   ├─ armed at that deadline already? ── keep it (no syscall)
//!                   └─ else timerfd_settime(ABSTIME, deadline)
//!                   epoll_wait(-1) ◀── the timerfd turns readable at the deadline
//!   fired:          one-shot: now disarmed; nothing to read (see below)
//!   wait(None/0):   the timer is left armed (lazy); if it fires there, the
//!                   poller swallows the event and, for None, waits on
//! ```
//!
//! The deadline is absolute (`TFD_TIMER_ABSTIME`), computed once per `wait`,
//! so a wait restarted after `EINTR` keeps its deadline without arithmetic.
//!
//! # Why the expiration count is never read
//!
//! A timerfd is readable while its expiration count is non-zero, and
//! reading it resets the count. The poller watches it edge-triggered, and
//! every expiry wakes the epoll set anew (a new edge) whether or not the
//! count was read; re-arming with `timerfd_settime` resets the count to 0,
//! so an old expiry is never reported for a new deadline (epoll re-checks
//! readiness when it hands out events). Reading would be one more syscall
//! per timed wait for nothing.
//!
//! Man pages: timerfd_create(2), clock_gettime(2).

use std::cell::Cell;
use std::ffi::c_int;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::{Timespec, own};
use crate::sys::cvt;

/// `CLOCK_MONOTONIC` in <linux/time.h>: the clock `Instant` also reads.
const CLOCK_MONOTONIC: c_int = 1;
/// `TFD_NONBLOCK` and `TFD_CLOEXEC` are `O_NONBLOCK` and `O_CLOEXEC` on the
/// architectures `sys::fcntl` admits.
const TFD_NONBLOCK: c_int = 0o4000;
const TFD_CLOEXEC: c_int = 0o2000000;
/// `timerfd_settime` flag: `it_value` is a point on the clock, not a delay.
const TFD_TIMER_ABSTIME: c_int = 1;

/// A new deadline this close *after* the armed one keeps the armed timer
/// (which then fires at most this much late): successive waits for the same
/// caller deadline arrive as durations measured from slightly different
/// "now"s, so their absolute deadlines differ by the few hundred
/// nanoseconds between the caller's clock read and ours. An armed deadline
/// *before* the new one is always re-armed: a timed wait never ends early.
const REUSE_WITHIN_NS: u64 = 2_000;

/// `struct itimerspec`: the reload interval (zero: one-shot) and the first
/// expiry.
#[repr(C)]
struct Itimerspec {
    it_interval: Timespec,
    it_value: Timespec,
}

const _: () = {
    assert!(size_of::<Itimerspec>() == 32);
    assert!(std::mem::offset_of!(Itimerspec, it_value) == 16);
};

unsafe extern "C" {
    fn timerfd_create(clockid: c_int, flags: c_int) -> c_int;
    fn timerfd_settime(
        fd: c_int,
        flags: c_int,
        new_value: *const Itimerspec,
        old_value: *mut Itimerspec,
    ) -> c_int;
    fn clock_gettime(clockid: c_int, tp: *mut Timespec) -> c_int;
}

/// A one-shot timerfd on `CLOCK_MONOTONIC`, and the deadline it is armed at.
#[derive(Debug)]
pub(super) struct Timer {
    fd: OwnedFd,
    /// Nanoseconds on `CLOCK_MONOTONIC` the timer will fire at, or `None`
    /// when it is disarmed or has fired.
    armed: Cell<Option<u64>>,
}

impl Timer {
    /// Creates the timerfd, non-blocking and close-on-exec, disarmed.
    ///
    /// # Errors
    ///
    /// Whatever `timerfd_create` says: `ENOSYS` on kernels before 2.6.25,
    /// `EPERM` under a seccomp filter that forbids it, `EMFILE`. The poller
    /// then times its waits with the epoll timeout instead.
    pub(super) fn new() -> io::Result<Timer> {
        // SAFETY: timerfd_create takes a clock id and flags and returns a
        // new descriptor or -1.
        let fd = cvt(unsafe { timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) })?;
        Ok(Timer {
            // SAFETY: `fd` was just returned to us and nothing else holds it.
            fd: unsafe { own(fd) },
            armed: Cell::new(None),
        })
    }

    pub(super) fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The point on `CLOCK_MONOTONIC`, in nanoseconds, that is `t` from now
    /// (saturating: `MAX_WAIT` keeps real timeouts far from the limit).
    ///
    /// # Errors
    ///
    /// None in practice: `clock_gettime(CLOCK_MONOTONIC)` cannot fail with
    /// a valid pointer.
    pub(super) fn deadline_after(t: Duration) -> io::Result<u64> {
        let mut now = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: writes one `Timespec` (layout asserted in the parent) into
        // `now`, which is live and exclusively borrowed for the call.
        cvt(unsafe { clock_gettime(CLOCK_MONOTONIC, &raw mut now) })?;
        // The monotonic clock counts from boot: never negative.
        let now_ns = (now.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(now.tv_nsec as u64);
        let t_ns = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
        Ok(now_ns.saturating_add(t_ns))
    }

    /// Makes the timer fire at `deadline` (or at most `REUSE_WITHIN_NS`
    /// after it, if it is already armed there: then no syscall is made).
    ///
    /// # Errors
    ///
    /// Whatever `timerfd_settime` says; `EINVAL` only for a malformed
    /// `itimerspec`, which this never builds.
    pub(super) fn arm(&self, deadline: u64) -> io::Result<()> {
        if self
            .armed
            .get()
            .is_some_and(|a| a >= deadline && a - deadline <= REUSE_WITHIN_NS)
        {
            return Ok(());
        }
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                // At most u64::MAX / 1e9 ≈ 1.8e10: fits an i64.
                tv_sec: (deadline / 1_000_000_000) as i64,
                tv_nsec: (deadline % 1_000_000_000) as i64,
            },
        };
        // SAFETY: `spec` is a valid `Itimerspec` (layout asserted above)
        // that outlives the call and is only read; a null `old_value` asks
        // for no copy of the previous setting.
        cvt(unsafe {
            timerfd_settime(
                self.fd(),
                TFD_TIMER_ABSTIME,
                &raw const spec,
                std::ptr::null_mut(),
            )
        })?;
        self.armed.set(Some(deadline));
        Ok(())
    }

    /// The timer's event was reported: it is a one-shot, so it is disarmed
    /// now and the next `arm` must call the kernel even for the same
    /// deadline.
    pub(super) fn fired(&self) {
        self.armed.set(None);
    }

    /// The deadline the timer is armed at (tests look).
    #[cfg(test)]
    pub(super) fn armed(&self) -> Option<u64> {
        self.armed.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itimerspec_layout() {
        assert_eq!(size_of::<Itimerspec>(), 32);
        assert_eq!(std::mem::offset_of!(Itimerspec, it_value), 16);
    }

    #[test]
    fn deadlines_move_forward_with_the_clock() {
        let a = Timer::deadline_after(Duration::ZERO).unwrap();
        let b = Timer::deadline_after(Duration::from_millis(1)).unwrap();
        assert!(b >= a + 1_000_000);
        let far = Timer::deadline_after(Duration::MAX).unwrap();
        assert_eq!(far, u64::MAX, "saturates rather than wrapping");
    }

    #[test]
    fn arming_remembers_the_deadline_and_reuses_a_near_later_one() {
        let timer = Timer::new().unwrap();
        assert_eq!(timer.armed(), None);
        let d = Timer::deadline_after(Duration::from_secs(60)).unwrap();
        timer.arm(d).unwrap();
        assert_eq!(timer.armed(), Some(d));
        // Slightly earlier: the armed timer (a little late) is kept.
        timer.arm(d - REUSE_WITHIN_NS).unwrap();
        assert_eq!(timer.armed(), Some(d));
        // Later than the armed one: it would fire early, so it is re-armed.
        timer.arm(d + 1).unwrap();
        assert_eq!(timer.armed(), Some(d + 1));
        // Much earlier: re-armed too.
        timer.arm(d - 1_000_000).unwrap();
        assert_eq!(timer.armed(), Some(d - 1_000_000));
        timer.fired();
        assert_eq!(timer.armed(), None);
    }
}

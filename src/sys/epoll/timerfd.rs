//! The precise timer: a `timerfd` in the epoll set, so a timed wait ends
//! when the deadline comes rather than up to 50 µs later. The timing of
//! 64-bit Linux outside Miri (see the choice in the parent); where the
//! kernel refuses a timerfd (`timerfd_create` missing before 2.6.25, or
//! forbidden by a seccomp filter), `pwait2` times the waits instead.
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
//!   no timerfd:     every wait as in pwait2.rs (epoll_pwait2's timeout)
//! ```
//!
//! The timer's events come under the reserved `TIMER_TOKEN`; `Poller::wait`
//! never hands them out, and calls `Timing::fired` instead.
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

use super::pwait2::{self, Timespec};
use super::{EPOLL_CTL_ADD, EPOLLET, EPOLLIN, EpollEvent, ctl, own};
use crate::sys::{MAX_WAIT, TIMER_TOKEN, cvt};

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

/// Times each finite, non-zero wait with the timer; untimed and zero waits,
/// and every wait where there is no timer, as `pwait2` does.
#[derive(Debug)]
pub(super) struct Timing {
    /// The timerfd, registered under `TIMER_TOKEN`. `None` where
    /// `timerfd_create` or `epoll_ctl` failed (a pre-2.6.25 kernel, a
    /// seccomp filter): then timed waits pass their timeout to
    /// `epoll_pwait2`/`epoll_wait`, and wake up to the slack (50 µs) late.
    timer: Option<Timer>,
    /// The fallback, and the kernel call that every wait makes.
    pwait2: pwait2::Timing,
}

impl Timing {
    /// Creates the timer and adds it to `epoll`, or silently does without
    /// it if the kernel refuses (see the field).
    pub(super) fn new(epoll: RawFd) -> Timing {
        Timing {
            timer: Timer::new().ok().filter(|timer| {
                ctl(
                    epoll,
                    EPOLL_CTL_ADD,
                    timer.fd(),
                    EPOLLIN | EPOLLET,
                    TIMER_TOKEN,
                )
                .is_ok()
            }),
            pwait2: pwait2::Timing::new(epoll),
        }
    }

    /// Arms the timer for a finite, non-zero `timeout` and returns true if
    /// the wait is now timed by it: the kernel call is to wait without a
    /// timeout. False (time the wait with the kernel call's own timeout, as
    /// `pwait2`) for a zero or no timeout, without a timer, or if the clock
    /// or `timerfd_settime` refused, which does not happen in practice.
    #[inline]
    pub(super) fn arm(&self, timeout: Option<Duration>) -> bool {
        self.arm_timer(timeout).is_some() || self.pwait2.arm(timeout)
    }

    #[inline]
    fn arm_timer(&self, timeout: Option<Duration>) -> Option<()> {
        let timer = self.timer.as_ref()?;
        let t = timeout.filter(|t| !t.is_zero())?.min(MAX_WAIT);
        Timer::deadline_after(t).and_then(|d| timer.arm(d)).ok()
    }

    /// The timer's event was reported: note that it is disarmed.
    pub(super) fn fired(&self) {
        match &self.timer {
            Some(timer) => timer.fired(),
            None => self.pwait2.fired(),
        }
    }

    /// One kernel wait on `epoll`, filling `raw`: always `pwait2`'s, with
    /// `None` when `arm` said the timer times this wait.
    pub(super) fn wait_once(
        &self,
        epoll: RawFd,
        raw: &mut [EpollEvent],
        timeout: Option<Duration>,
    ) -> c_int {
        self.pwait2.wait_once(epoll, raw, timeout)
    }

    /// The deadline the timer is armed at (tests look).
    #[cfg(test)]
    pub(super) fn armed(&self) -> Option<u64> {
        match &self.timer {
            Some(timer) => timer.armed(),
            None => self.pwait2.armed(),
        }
    }
}

/// A one-shot timerfd on `CLOCK_MONOTONIC`, and the deadline it is armed at.
#[derive(Debug)]
struct Timer {
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
    /// `EPERM` under a seccomp filter that forbids it, `EMFILE`. `Timing`
    /// then times its waits as `pwait2` does.
    fn new() -> io::Result<Timer> {
        // SAFETY: timerfd_create takes a clock id and flags and returns a
        // new descriptor or -1.
        let fd = cvt(unsafe { timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC) })?;
        Ok(Timer {
            // SAFETY: `fd` was just returned to us and nothing else holds it.
            fd: unsafe { own(fd) },
            armed: Cell::new(None),
        })
    }

    fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The point on `CLOCK_MONOTONIC`, in nanoseconds, that is `t` from now
    /// (saturating: `MAX_WAIT` keeps real timeouts far from the limit).
    ///
    /// # Errors
    ///
    /// None in practice: `clock_gettime(CLOCK_MONOTONIC)` cannot fail with
    /// a valid pointer.
    fn deadline_after(t: Duration) -> io::Result<u64> {
        let mut now = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: writes one `Timespec` (layout asserted in pwait2.rs) into
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
    fn arm(&self, deadline: u64) -> io::Result<()> {
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
    fn fired(&self) {
        self.armed.set(None);
    }

    /// The deadline the timer is armed at (tests look).
    #[cfg(test)]
    fn armed(&self) -> Option<u64> {
        self.armed.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::Poller;
    use crate::sys::epoll::tests::times_out_after;

    #[test]
    fn the_timer_is_used_where_the_kernel_has_it() {
        let poller = Poller::new().unwrap();
        // Linux 2.6.25+ and no seccomp filter in the test environment.
        assert!(poller.timing.timer.is_some());
        times_out_after(&poller, Duration::from_millis(2));
        assert_eq!(
            poller.timing.armed(),
            None,
            "the one-shot fired, ending the wait"
        );
    }

    /// Without a timerfd (refused by the kernel), waits are timed by
    /// `epoll_pwait2`/`epoll_wait` and keep every promise.
    #[test]
    fn without_a_timer_waits_are_timed_by_the_kernel_call() {
        let mut poller = Poller::new().unwrap();
        poller.timing.timer = None;
        times_out_after(&poller, Duration::from_millis(5));
        poller.notifier().notify().unwrap();
        let mut events = Vec::new();
        assert!(poller.wait(&mut events, Some(Duration::MAX)).unwrap());
    }

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

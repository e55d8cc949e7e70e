//! The monotonic clock, read as a count of nanoseconds.
//!
//! `std::time::Instant` is the portable way, but subtracting two of them
//! (`Timespec::sub_timespec`, with its carries and checks) costs more than
//! reading the clock. The loop reads the clock around every timed poll and
//! stamps every event, so on the systems whose `clock_gettime` it has
//! checked it reads `CLOCK_MONOTONIC` itself as one `u64`: a subtraction is
//! then one instruction. Elsewhere it counts from a process-wide
//! `std::time::Instant`.

#[cfg(all(
    target_pointer_width = "64",
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd"
    )
))]
mod imp {
    use std::ffi::{c_int, c_long};

    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: c_long,
    }

    const _: () = assert!(size_of::<Timespec>() == 16);

    #[cfg(any(target_os = "linux", target_os = "android"))]
    const CLOCK_MONOTONIC: c_int = 1;
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    const CLOCK_MONOTONIC: c_int = 6;
    #[cfg(target_os = "freebsd")]
    const CLOCK_MONOTONIC: c_int = 4;

    unsafe extern "C" {
        fn clock_gettime(clock: c_int, tp: *mut Timespec) -> c_int;
    }

    pub(super) fn now_nanos() -> u64 {
        let mut ts = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable `timespec` (layout asserted
        // above); CLOCK_MONOTONIC always exists, so the call cannot fail.
        let _ = unsafe { clock_gettime(CLOCK_MONOTONIC, &mut ts) };
        let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
        let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
        secs.saturating_mul(1_000_000_000).saturating_add(nanos)
    }
}

#[cfg(not(all(
    target_pointer_width = "64",
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd"
    )
)))]
mod imp {
    use std::sync::OnceLock;
    use std::time::Instant;

    pub(super) fn now_nanos() -> u64 {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        let elapsed = EPOCH.get_or_init(Instant::now).elapsed();
        u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
    }
}

/// Nanoseconds on the monotonic clock since an arbitrary, fixed epoch.
#[inline]
pub(crate) fn now_nanos() -> u64 {
    imp::now_nanos()
}

#[cfg(test)]
mod tests {
    use super::now_nanos;
    use std::time::Duration;

    #[test]
    fn it_moves_forward_at_the_rate_of_std_instant() {
        let (a, std_a) = (now_nanos(), std::time::Instant::now());
        std::thread::sleep(Duration::from_millis(20));
        let (b, std_b) = (now_nanos(), std::time::Instant::now());
        let ours = Duration::from_nanos(b - a);
        let theirs = std_b - std_a;
        let diff = ours.abs_diff(theirs);
        assert!(ours >= Duration::from_millis(20), "{ours:?}");
        assert!(diff < Duration::from_millis(5), "{ours:?} vs {theirs:?}");
    }
}

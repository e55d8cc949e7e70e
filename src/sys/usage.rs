//! How much CPU the calling thread has used, and how often it was switched
//! out: what tells a slow poll (the task kept the CPU, or blocked in a
//! system call) from a preempted one (the OS ran something else meanwhile).
//!
//! Linux (and Android) give it per thread: `getrusage(RUSAGE_THREAD)`,
//! whose `ru_nvcsw` counts *voluntary* switches (the thread waited: a
//! blocking read, `sleep`, a lock) and `ru_nivcsw` *involuntary* ones (the
//! scheduler took the CPU away). Elsewhere (macOS has no `RUSAGE_THREAD`)
//! [`thread_usage`] says `None`, and debug mode reports slow polls by wall
//! time alone, as before.

use std::time::Duration;

/// A thread's CPU time and context switches so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Usage {
    /// User plus system time.
    pub(crate) cpu: Duration,
    /// Times it gave the CPU up (it blocked).
    pub(crate) voluntary: u64,
    /// Times the scheduler took the CPU from it (it was preempted).
    pub(crate) involuntary: u64,
}

impl Usage {
    /// What happened between `self` (earlier) and `later`.
    pub(crate) fn until(self, later: Usage) -> Usage {
        Usage {
            cpu: later.cpu.saturating_sub(self.cpu),
            voluntary: later.voluntary.saturating_sub(self.voluntary),
            involuntary: later.involuntary.saturating_sub(self.involuntary),
        }
    }
}

// Miri does not emulate `getrusage`; under it the OS "does not tell".
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    target_pointer_width = "64",
    not(miri)
))]
mod imp {
    use std::ffi::{c_int, c_long};
    use std::time::Duration;

    use super::Usage;
    use crate::sys::cvt;

    #[repr(C)]
    struct Timeval {
        tv_sec: c_long,
        tv_usec: c_long,
    }

    /// `struct rusage` of 64-bit Linux: two `timeval`s and fourteen `long`s.
    #[repr(C)]
    struct Rusage {
        ru_utime: Timeval,
        ru_stime: Timeval,
        /// `ru_maxrss` … `ru_nsignals`, which this module does not read.
        _other: [c_long; 12],
        ru_nvcsw: c_long,
        ru_nivcsw: c_long,
    }

    const _: () = assert!(size_of::<Rusage>() == 144);
    const _: () = assert!(std::mem::offset_of!(Rusage, ru_nvcsw) == 128);

    /// `RUSAGE_THREAD` from `<sys/resource.h>` (Linux 2.6.26+).
    const RUSAGE_THREAD: c_int = 1;

    unsafe extern "C" {
        fn getrusage(who: c_int, usage: *mut Rusage) -> c_int;
    }

    fn duration(t: &Timeval) -> Duration {
        let secs = u64::try_from(t.tv_sec).unwrap_or(0);
        let micros = u32::try_from(t.tv_usec).unwrap_or(0);
        Duration::from_secs(secs) + Duration::from_micros(u64::from(micros))
    }

    pub(super) fn thread_usage() -> Option<Usage> {
        let mut raw = std::mem::MaybeUninit::<Rusage>::uninit();
        // SAFETY: `raw` is valid for writes of one `Rusage`, the layout
        // asserted above; the kernel fills all of it on success.
        cvt(unsafe { getrusage(RUSAGE_THREAD, raw.as_mut_ptr()) }).ok()?;
        // SAFETY: `getrusage` returned 0, so it initialized the struct.
        let raw = unsafe { raw.assume_init() };
        Some(Usage {
            cpu: duration(&raw.ru_utime) + duration(&raw.ru_stime),
            voluntary: u64::try_from(raw.ru_nvcsw).unwrap_or(0),
            involuntary: u64::try_from(raw.ru_nivcsw).unwrap_or(0),
        })
    }
}

#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    target_pointer_width = "64",
    not(miri)
)))]
mod imp {
    use super::Usage;

    pub(super) fn thread_usage() -> Option<Usage> {
        None
    }
}

/// The calling thread's usage, where the OS tells it per thread.
pub(crate) fn thread_usage() -> Option<Usage> {
    imp::thread_usage()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "Miri does not emulate getrusage")]
    fn sleeping_is_voluntary_and_spinning_uses_the_cpu() {
        let Some(before) = thread_usage() else {
            return; // not measured on this OS
        };
        std::thread::sleep(Duration::from_millis(5));
        let slept = before.until(thread_usage().unwrap());
        assert!(slept.voluntary >= 1, "{slept:?}");
        // Spin until the thread has had 10ms of CPU, however loaded the
        // machine (other tests run beside this one): a thread usage that
        // never counts the spinning fails after 10s of trying.
        let start = std::time::Instant::now();
        let mut x = 0u64;
        let mut spun = before.until(thread_usage().unwrap());
        while spun.cpu < Duration::from_millis(10) && start.elapsed() < Duration::from_secs(10) {
            for _ in 0..10_000 {
                x = x.wrapping_add(std::hint::black_box(1));
            }
            spun = before.until(thread_usage().unwrap());
        }
        assert!(spun.cpu >= Duration::from_millis(10), "{spun:?} {x}");
    }
}

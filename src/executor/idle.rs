//! Step 3 of a turn: nothing is ready. Wait for the world, jump the
//! virtual clock, or say that nothing ever can make a task ready (a stall).
//!
//! ```text
//!   ready queue empty?
//!      │
//!      ├─ a timer pending ──▶ real clock: sleep in the poller until its deadline
//!      │                      (or until I/O or another thread); a deadline
//!      │                      nearer than sleeps end late is waited for
//!      │                      awake (lateness.rs)
//!      │                      virtual clock: jump to it (unless the world may
//!      │                      still wake a task first: then wait for the world)
//!      ├─ no timer, but outside work or I/O may wake a task ──▶ wait, for real
//!      └─ nothing at all can wake any task ──▶ stop: a stall, reported
//! ```

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;
use std::time::Duration;

use super::context;
use super::core::Core;
use super::report::StallReport;
use super::spin::Spun;
use crate::time::{ClockKind, Instant};

pub(super) enum Idle {
    Progress,
    TimeReached,
    Stalled,
}

impl Core {
    // ANCHOR: idle
    /// Nothing is ready: wait for something that can make a task ready.
    pub(super) fn idle(&self, limit: Option<Instant>) -> Idle {
        let next = self.timers.next_deadline();
        // How the loop will sleep, said before arming: a wake from another
        // thread must know whether to unpark the thread or poke the poller.
        let real = self.timers.clock_kind() == ClockKind::Real;
        self.choose_sleep(real && (next.is_some() || limit.is_some()));
        // Before looking at anything else that decides the sleep: every wake
        // from now on reaches the loop (see `Remote::arm`).
        let may_block = self.remote().arm();
        match self.timers.clock_kind() {
            ClockKind::Virtual => {
                if !may_block || self.remote().external_pending() || self.reactor.has_waiters() {
                    // The virtual clock rule: a to_thread job or a socket may
                    // still wake a task, and virtual time must not run ahead
                    // of it. Wait for the world for real. A wake or a job
                    // from another thread already waiting (`!may_block`) is
                    // taken in at the next turn, at this instant, before the
                    // clock may jump.
                    self.wait_for_world(may_block, None);
                    return Idle::Progress;
                }
                match (next, limit) {
                    (Some(d), Some(l)) if d > l => {
                        self.jump_to(l);
                        Idle::TimeReached
                    }
                    (Some(d), _) => {
                        self.jump_to(d);
                        Idle::Progress
                    }
                    (None, Some(l)) => {
                        self.jump_to(l);
                        Idle::TimeReached
                    }
                    (None, None) if self.confirm_stall() => Idle::Stalled,
                    (None, None) => Idle::Progress,
                }
            }
            ClockKind::Real => {
                // With no deadline and no limit, nothing below needs a fresh
                // reading: a costly stall check's window is compared with
                // the turn's time (a timed check reads the clock itself), so
                // a wait for another thread costs no clock reading.
                let now = if next.is_none() && limit.is_none() {
                    self.turn_now.get()
                } else {
                    self.now()
                };
                if limit.is_some_and(|l| now >= l) {
                    return Idle::TimeReached;
                }
                let wake_at = match (next, limit) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                if wake_at.is_none()
                    && !self.remote().external_pending()
                    && !self.reactor.has_waiters()
                {
                    // Only another thread can wake a task, if any can: a
                    // deadlock, unless one can (stall_check.rs: when to ask).
                    if let Some(recheck) = self.stall_check.deferred_until(now) {
                        self.wait_for_world(may_block, Some(recheck - now));
                        return Idle::Progress;
                    }
                    let began = self.stall_check.times_the_next().then(|| self.now());
                    let (only_here, visited) = self.only_this_thread_can_wake();
                    if only_here {
                        if self.confirm_stall() {
                            return Idle::Stalled;
                        }
                    } else {
                        let timed = began.map(|b| (b, self.now()));
                        self.stall_check.found_a_waker_elsewhere(visited, timed);
                    }
                }
                // A deadline nearer than a sleep could end on time is
                // waited for awake: look, and go round (lateness.rs).
                let timeout = wake_at.map(|t| self.lateness.sleep_or_look(t - now));
                self.wait_for_world(may_block, timeout);
                if let Some(deadline) = wake_at
                    && may_block
                    && timeout.is_some_and(|t| !t.is_zero())
                {
                    self.lateness.learn(deadline, self.now());
                }
                Idle::Progress
            }
        }
    }
    // ANCHOR_END: idle

    /// The last check before reporting a stall: no wake from another thread
    /// is waiting in the remote queue.
    ///
    /// It must come *after* the checks that found no outside work and no
    /// outside waker clone. A worker thread wakes its task (pushing on the
    /// remote queue) and only then drops its `ExternalWork` guard and its
    /// waker. Having seen the guard or the waker gone (an `Acquire` load, or a
    /// relaxed count made visible by the fence below), the loop is sure to see
    /// the push that came before. Looking at the remote queue first, as
    /// `Remote::arm` does, could miss it, and report a deadlock while the
    /// wake sits in the queue.
    pub(super) fn confirm_stall(&self) -> bool {
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        !self.remote().has_remote()
    }

    /// True when every waker of every pending task is held where only this
    /// thread can call it: nowhere at all, or in a primitive of a loop of
    /// this thread (a semaphore's line, a queue's, an event's), or by a
    /// task of such a loop awaiting another's handle. This thread is about
    /// to block in this loop, so none of them can fire: a deadlock, as
    /// certain as on the virtual clock. A waker anywhere else (another
    /// thread, a structure evloop cannot see) may still fire: then the loop
    /// waits, as asyncio would.
    ///
    /// It is counted only when the loop is about to block with no timer,
    /// no I/O and no outside work, so it costs nothing on the way; and as
    /// it visits every task, a loop of many tasks makes it only as often
    /// as `stall_check.rs` allows. Also says how many tasks and wakers it
    /// visited: how costly it may have been.
    pub(super) fn only_this_thread_can_wake(&self) -> (bool, usize) {
        // First two sums, with no map: the wakers this loop's tasks have
        // out, and the wakers held here, of any task. Fewer held here than
        // out means one at least is elsewhere.
        let (tasks, out) = {
            let table = self.tasks.borrow();
            let out: usize = table.iter().map(|s| s.wakers_out()).sum();
            (table.len(), out)
        };
        if out == 0 {
            return (true, tasks);
        }
        let mut here = 0;
        let walked = self.visit_wakers_held_here(&mut |_| here += 1);
        let visited = tasks + walked + here;
        if here < out {
            return (false, visited);
        }
        // As many or more: count, task by task, which are held here. A
        // task's waker points to its header, so the count is by pointer.
        let mut local: HashMap<*const (), usize> = HashMap::new();
        self.visit_wakers_held_here(&mut |w| *local.entry(w.data()).or_default() += 1);
        let only_here = self.tasks.borrow().iter().all(|s| {
            let out = s.wakers_out();
            let ptr: *const () = s.as_ptr().as_ptr().cast_const().cast();
            out == 0 || local.get(&ptr).is_some_and(|n| *n >= out)
        });
        (only_here, 2 * visited)
    }

    /// Shows `visit` every waker this thread's loops hold: in their
    /// primitives' lines, and their tasks' join wakers. Returns how many
    /// tasks it walked.
    fn visit_wakers_held_here(&self, visit: &mut dyn FnMut(&Waker)) -> usize {
        let mut walked = 0;
        for core in context::loops_on_this_thread() {
            core.inspector.held_wakers(visit);
            // Borrowed while visiting: `visit` only counts.
            for task in core.tasks.borrow().iter() {
                task.visit_join_waker(visit);
                walked += 1;
            }
        }
        walked
    }

    pub(super) fn stall_report(&self) -> StallReport {
        let tasks = self.tasks.borrow();
        let mut waiting: Vec<_> = tasks
            .iter()
            .map(|s| {
                let h = s.header();
                (h.id, h.name().into_string(), h.wait())
            })
            .collect();
        waiting.sort_by_key(|(id, _, _)| *id);
        drop(tasks);
        StallReport {
            now: self.now(),
            waiting,
            primitives: self.inspector.primitives(),
        }
    }

    /// How long a wait for other threads alone stays awake before it parks:
    /// as the builder said, unless this process may run on one CPU only.
    /// There, nothing can answer a spinning loop: the thread that would
    /// wake it cannot run until the loop's thread stops, so the spin only
    /// delays the answer (by up to a whole spin, or the scheduler's slice)
    /// and burns the CPU it waits for.
    fn spin(&self) -> Duration {
        let configured = self.spin_before_sleep;
        if configured.is_zero() {
            return configured; // nothing to ask
        }
        spin_on(configured, parallelism())
    }

    /// Chooses how the coming sleep is done. With a descriptor registered,
    /// or a deadline to keep on the real clock (a `timerfd` in the poller
    /// keeps it to the microsecond; `park_timeout` has the thread's timer
    /// slack), in the poller, made now if this is its first need. Waiting
    /// only for other threads, in `thread::park`: a wake is then a futex
    /// wake, and a runtime that never needs more opens no descriptor at all.
    fn choose_sleep(&self, timed: bool) {
        let poller = if timed || self.reactor.has_registrations() {
            self.reactor.poller()
        } else {
            None
        };
        self.sleeps_in_poller.set(poller.is_some());
        self.remote().sleep_in(poller);
    }

    /// Sleeps until readiness, a notification, or `timeout`, the way
    /// `choose_sleep` chose. `idle` has re-armed notifications already
    /// (`Remote::arm`); if something was already waiting then (`may_block`
    /// false), only look.
    pub(super) fn wait_for_world(&self, may_block: bool, timeout: Option<Duration>) {
        let timeout = if may_block {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        if self.sleeps_in_poller.get() {
            self.poll_io(timeout);
        } else if may_block {
            // The spin the builder and the CPUs allow, unless the loop's
            // spins have stopped paying here (`spin.rs`).
            let allowed = self.spin();
            let spin = self.spin_gauge.next(allowed);
            // When the spin misses, how long after the wait began its
            // answer came tells the gauge whether a longer spin would have
            // caught it (one clock reading each side, on a wait of
            // microseconds at least).
            let began = (!spin.is_zero()).then(std::time::Instant::now);
            let awake = self.remote().park(timeout, spin);
            if let Some(began) = began {
                let spun = if awake {
                    Spun::Paid
                } else {
                    Spun::Missed {
                        answered_after: self.remote().was_notified().then(|| began.elapsed()),
                    }
                };
                self.spin_gauge.spun(spun, allowed);
            } else if !allowed.is_zero() {
                self.lateness.rested();
            }
            self.lateness.waited_for_threads(awake);
        }
    }
}

/// The spin before a park, for a process that may run on `cpus` CPUs at
/// once: `configured`, or none on one CPU (see `Core::spin`).
fn spin_on(configured: Duration, cpus: usize) -> Duration {
    if cpus > 1 { configured } else { Duration::ZERO }
}

/// How many CPUs this process may run on at once
/// ([`std::thread::available_parallelism`]: the thread's affinity and the
/// cgroup's CPU quota), asked once per process and kept. Asking costs some
/// 20 µs (it reads the cgroup's files), more than a runtime's whole life
/// when it only runs a ready future, so it is asked at the first wait
/// that would spin, not when a runtime is built. A change of affinity
/// after that is not seen; 1 when std cannot tell.
fn parallelism() -> usize {
    static CPUS: AtomicUsize = AtomicUsize::new(0);
    match CPUS.load(Ordering::Relaxed) {
        0 => {
            let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
            CPUS.store(cpus, Ordering::Relaxed);
            cpus
        }
        cpus => cpus,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cpu_never_spins_and_more_keep_the_spin_they_were_given() {
        let given = Duration::from_micros(20);
        assert_eq!(spin_on(given, 1), Duration::ZERO);
        assert_eq!(spin_on(given, 2), given);
        assert_eq!(spin_on(given, 64), given);
        assert_eq!(spin_on(Duration::ZERO, 8), Duration::ZERO);
    }

    #[test]
    fn the_number_of_cpus_is_what_std_says_and_kept() {
        let std_says = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        assert_eq!(parallelism(), std_says);
        assert_eq!(parallelism(), std_says, "asked again: the kept answer");
    }
}

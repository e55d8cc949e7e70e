//! `Builder`: every knob of a runtime, in one place.

use std::num::NonZeroUsize;
use std::time::Duration;

use super::core::CoreConfig;
use super::policy::{DEFAULT_PCT_STEPS, Policy};
use super::runtime::Runtime;
use super::schedule::Schedule;
use crate::debug::{self, DebugConfig, Diagnostic};
use crate::time::ClockKind;

/// Debug mode is on by default in debug builds.
pub(crate) const DEFAULT_DEBUG: bool = cfg!(debug_assertions);

/// What an unbuilt runtime builds its loop from.
pub(crate) enum Settings {
    /// [`Builder::new`]'s, worked out when the loop is built: all that
    /// `Runtime::new()` has to store.
    Default,
    /// A builder's.
    Given(CoreConfig),
}

impl Settings {
    pub(crate) fn resolve(self) -> CoreConfig {
        match self {
            Settings::Default => Builder::new().settings(),
            Settings::Given(settings) => settings,
        }
    }
}

/// Default bound of the `to_thread` pool.
const DEFAULT_BLOCKING_THREADS: NonZeroUsize = NonZeroUsize::new(16).unwrap();

/// Configures a [`Runtime`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{Policy, Runtime};
///
/// let rt = Runtime::builder()
///     .virtual_clock()
///     .policy(Policy::Random { seed: 42 })
///     .debug(true)
///     .slow_poll_threshold(Duration::from_millis(10))
///     .build();
/// assert_eq!(rt.scheduler().policy(), Policy::Random { seed: 42 });
/// ```
#[must_use = "a Builder does nothing until .build() is called"]
pub struct Builder {
    clock: ClockKind,
    policy: Policy,
    debug: bool,
    slow_poll: Duration,
    sink: Option<debug::Sink>,
    poll_timing: bool,
    keep_finished: usize,
    task_chunks: bool,
    event_log: Option<usize>,
    blocking_threads: NonZeroUsize,
    blocking_keep_alive: Duration,
    record_schedule: bool,
    replay: Option<Schedule>,
    pct_steps: u32,
    /// `None`: on where the OS has a poller, unless `EVLOOP_REACTOR=off`
    /// (read when the loop is built, not here: building a runtime stays cheap).
    reactor: Option<bool>,
    spin_before_sleep: Duration,
}

/// How long a loop waiting only for other threads stays awake before it
/// sleeps, unless told otherwise: about what a futex sleep and wake-up
/// cost together on a virtual machine, so that an answer that comes
/// sooner costs no sleep at all, and one that comes later costs the
/// thread at most this much more CPU time.
const DEFAULT_SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(20);

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: real clock, FIFO, debug mode on in debug builds, a
    /// 100 ms slow-poll threshold, the last 1024 finished tasks kept for
    /// snapshots, 20 µs awake before a sleep that only another thread can
    /// end.
    #[inline]
    pub fn new() -> Builder {
        Builder {
            clock: ClockKind::Real,
            policy: Policy::Fifo,
            debug: DEFAULT_DEBUG,
            slow_poll: debug::DEFAULT_SLOW_POLL,
            sink: None,
            poll_timing: false,
            keep_finished: 1024,
            task_chunks: true,
            event_log: None,
            blocking_threads: DEFAULT_BLOCKING_THREADS,
            blocking_keep_alive: Duration::from_secs(10),
            record_schedule: false,
            replay: None,
            pct_steps: DEFAULT_PCT_STEPS,
            reactor: None,
            spin_before_sleep: DEFAULT_SPIN_BEFORE_SLEEP,
        }
    }

    /// Which clock the loop runs on.
    pub fn clock(mut self, clock: ClockKind) -> Builder {
        self.clock = clock;
        self
    }

    /// Shorthand for `.clock(ClockKind::Virtual)`.
    pub fn virtual_clock(self) -> Builder {
        self.clock(ClockKind::Virtual)
    }

    /// The scheduling policy.
    pub fn policy(mut self, policy: Policy) -> Builder {
        self.policy = policy;
        self
    }

    /// Debug mode: slow-poll, lost-waker, unretrieved-failure and leak reports.
    pub fn debug(mut self, on: bool) -> Builder {
        self.debug = on;
        self
    }

    /// A poll longer than this is reported in debug mode.
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll = threshold;
        self
    }

    /// Where debug reports go (stderr by default).
    pub fn diagnostics(mut self, sink: impl FnMut(&Diagnostic) + 'static) -> Builder {
        self.sink = Some(Box::new(sink));
        self
    }

    /// Measure every poll's duration even when debug mode is off (it costs
    /// two clock reads per poll, which is why a listener or the event log
    /// alone does not turn it on): `Polled::took` and a task's `busy` time
    /// are zero without it, and untimed events carry their turn's time.
    ///
    /// Timed polls also shorten a turn on the real clock: once a turn's
    /// polls have taken 10 ms together, the loop looks at its timers, I/O
    /// and other threads before polling again, so a task that blocks the
    /// loop at every poll delays a due timer by the poll in progress, not
    /// by a turn of 61 polls.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    ///
    /// let rt = evloop::Runtime::builder().poll_timing(true).build();
    /// let hog_polls = Rc::new(Cell::new(0));
    /// let polls = hog_polls.clone();
    /// drop(rt.spawn(async move {
    ///     loop {
    ///         polls.set(polls.get() + 1);
    ///         std::thread::sleep(Duration::from_millis(12)); // blocks the loop
    ///         evloop::yield_now().await;
    ///     }
    /// }));
    /// rt.block_on(evloop::sleep(Duration::from_millis(1)));
    /// // The sleep's timer was looked at after one or two of the hog's polls.
    /// assert!(hog_polls.get() <= 3);
    /// ```
    pub fn poll_timing(mut self, on: bool) -> Builder {
        self.poll_timing = on;
        self
    }

    /// How many finished tasks snapshots keep showing (0: none).
    pub fn keep_finished(mut self, n: usize) -> Builder {
        self.keep_finished = n;
        self
    }

    /// Whether tasks share chunks (the default) or each task gets an
    /// allocation of its own.
    ///
    /// By default a task's place is a slot cut from a chunk of up to 32
    /// tasks of one size: a spawn takes the next slot, and the chunk is
    /// freed when its last task is. That saves a `malloc` and a `free` a
    /// task, a fifth of what spawning and joining a trivial task costs. The
    /// price is that a chunk stays while any of its tasks lives: a program
    /// that keeps one task of every 32 it spawns for a long time keeps
    /// every chunk, 32 tasks' memory for each one it keeps. Such a program
    /// can turn chunks off, and its memory then follows its live tasks
    /// exactly. (See `task/chunk.rs` and `docs/performance.md`, "Tasks in
    /// chunks".)
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::builder().task_chunks(false).build();
    /// let answer = rt.block_on(async {
    ///     let handle = evloop::spawn(async { 6 * 7 });
    ///     handle.await.unwrap()
    /// });
    /// assert_eq!(answer, 42);
    /// ```
    pub fn task_chunks(mut self, on: bool) -> Builder {
        self.task_chunks = on;
        self
    }

    /// Record events from the start in a log of this capacity.
    pub fn event_log(mut self, capacity: usize) -> Builder {
        self.event_log = Some(capacity);
        self
    }

    /// The most worker threads [`to_thread`](crate::to_thread) runs at once
    /// (16 by default). Further jobs wait in a queue for a free worker.
    /// `NonZeroUsize` because a pool of zero threads would never run a job.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// let rt = evloop::Runtime::builder()
    ///     .blocking_threads(NonZeroUsize::new(2).unwrap())
    ///     .build();
    /// assert_eq!(rt.block_on(async { evloop::to_thread(|| 1 + 1).await.unwrap() }), 2);
    /// ```
    pub fn blocking_threads(mut self, max: NonZeroUsize) -> Builder {
        self.blocking_threads = max;
        self
    }

    /// How long an idle [`to_thread`](crate::to_thread) worker waits for a
    /// new job before it exits (10 s by default).
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// Write down the loop's choices from the start (see
    /// [`Scheduler::recorded`](crate::Scheduler::recorded)).
    pub fn record_schedule(mut self, on: bool) -> Builder {
        self.record_schedule = on;
        self
    }

    /// Follow `schedule` from the first poll, then the policy (see
    /// [`Scheduler::replay`](crate::Scheduler::replay)).
    pub fn replay(mut self, schedule: Schedule) -> Builder {
        self.replay = Some(schedule);
        self
    }

    /// PCT's k: the number of polls its priority changes are spread over
    /// (see [`Policy::Pct`]; 64 by default, 0 is taken as 1).
    pub fn pct_steps(mut self, steps: u32) -> Builder {
        self.pct_steps = steps;
        self
    }

    /// With `false`, the loop runs without a reactor, as it does on a
    /// platform with neither epoll nor kqueue: tasks, timers (the thread
    /// parks until the next deadline), the virtual clock, `to_thread` and
    /// the test harness work; creating a socket or an
    /// [`Async`](crate::io::Async) fails with `ErrorKind::Unsupported` and a
    /// message saying so. On by default; the environment variable
    /// `EVLOOP_REACTOR=off` turns it off for every runtime built with
    /// defaults (CI runs test binaries that way to prove the fallback loop).
    /// On an OS with neither (Windows, and any OS evloop has no poller
    /// for) it is off, and `true` changes nothing but the error a socket
    /// gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder().reactor(false).build();
    /// rt.block_on(async {
    ///     evloop::sleep(Duration::from_millis(1)).await; // timers work
    ///     let err = evloop::net::UnixStream::pair().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    /// });
    /// ```
    pub fn reactor(mut self, on: bool) -> Builder {
        self.reactor = Some(on);
        self
    }

    /// How long the loop stays awake, watching for a wake, when it has
    /// nothing to do but wait for another thread (a
    /// [`to_thread`](crate::to_thread) job, a waker sent elsewhere, a
    /// [`LoopHandle`](crate::LoopHandle)), before it parks its thread: 20 µs
    /// by default; `Duration::ZERO` parks at once.
    ///
    /// A parked loop pays the kernel for every answer from another thread
    /// (a futex wake, then its thread scheduled in again: some 10–20 µs on
    /// a virtual machine); an awake one sees it at once. The price is CPU
    /// time: up to this much per such sleep (four times this while the
    /// spin is stretched, below). A loop that waits for I/O, or
    /// for a timer with its reactor on, sleeps in the poller and does not
    /// spin (without a reactor, a timed sleep spins too, never past its
    /// own end).
    ///
    /// The loop learns whether its spins pay: after eight in a row that no
    /// wake ended (the other thread's work takes longer, or a crowded
    /// machine keeps it off a CPU), it parks at once for a while, then
    /// tries one spin again, resting twice as long after each miss, up to
    /// 1,024 waits (`Sleeps::rested` counts those waits). With a hog on the
    /// other CPU, a thread that answers at once took 9.9 µs a round trip
    /// with every spin and 4.5 with the rests (the peers: 4.0–4.8). And it
    /// learns how long to spin: a spin whose answer came soon after it
    /// ended (within four of this) is doubled for the next wait, up to four
    /// times this; an answer later than that puts it back. A spin ends at
    /// the wake, so the longer one costs CPU only while it keeps missing.
    ///
    /// A process that may run on one CPU only (its affinity, or a
    /// container's CPU quota, as [`std::thread::available_parallelism`]
    /// says, asked once per process at the first such wait) never spins,
    /// whatever this says: the thread that would answer could not run
    /// until the loop's thread stopped spinning, so a spin would only
    /// delay the answer it waits for. (Pinned to one CPU, a thread that
    /// answers at once took 8.4 µs a round trip with the spin and 3.7
    /// without it, as long as the peers' runtimes: `docs/performance.md`.)
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// // A loop that must not burn a core while it waits (a battery, a
    /// // shared machine): it parks as soon as it has nothing to do.
    /// let rt = evloop::Runtime::builder()
    ///     .spin_before_sleep(Duration::ZERO)
    ///     .build();
    /// let answer = rt.block_on(async { evloop::to_thread(|| 6 * 7).await.unwrap() });
    /// assert_eq!(answer, 42);
    /// ```
    pub fn spin_before_sleep(mut self, spin: Duration) -> Builder {
        self.spin_before_sleep = spin;
        self
    }

    /// Builds the runtime. It belongs to the calling thread.
    ///
    /// The loop itself is made at the runtime's first use (see
    /// [`Runtime::new`]), unless something here watches the first poll:
    /// debug mode, an event log, poll timing, a policy other than FIFO, or a
    /// recorded or replayed schedule. Then it is made now, so that poll is
    /// watched like every other.
    ///
    /// If the OS refuses an I/O poller (for example, the process is out of
    /// file descriptors), the runtime is still built: its loop sleeps with
    /// `thread::park` instead, timers and tasks work, and creating a socket
    /// on it returns an error that says why. Building never panics.
    #[inline]
    pub fn build(mut self) -> Runtime {
        let watches_first_poll = self.watches_first_poll();
        let (pct_steps, record, replay) =
            (self.pct_steps, self.record_schedule, self.replay.take());
        let rt = Runtime::unbuilt(Settings::Given(self.settings()));
        if watches_first_poll {
            build_now(&rt, pct_steps, record, replay);
        }
        rt
    }

    /// Whether these settings watch a runtime's first poll, so its loop
    /// must exist before it; otherwise the loop waits for its first use
    /// (executor/first_poll.rs). With the defaults, only debug mode does:
    /// `Runtime::new()` relies on that (`DEFAULT_DEBUG`).
    #[inline]
    fn watches_first_poll(&self) -> bool {
        self.debug
            || self.event_log.is_some()
            || self.poll_timing
            || self.policy != Policy::Fifo
            || self.record_schedule
            || self.replay.is_some()
            || self.pct_steps != DEFAULT_PCT_STEPS
    }

    #[inline]
    fn settings(self) -> CoreConfig {
        CoreConfig {
            clock: self.clock,
            policy: self.policy,
            debug: DebugConfig {
                enabled: self.debug,
                slow_poll: self.slow_poll,
            },
            sink: self.sink,
            poll_timing: self.poll_timing,
            keep_finished: self.keep_finished,
            task_chunks: self.task_chunks,
            event_log: self.event_log,
            blocking_threads: self.blocking_threads.get(),
            blocking_keep_alive: self.blocking_keep_alive,
            reactor: self.reactor,
            spin_before_sleep: self.spin_before_sleep,
        }
    }
}

/// Builds the loop of `rt` at once, with the scheduling settings that need it.
#[cold]
fn build_now(rt: &Runtime, pct_steps: u32, record: bool, replay: Option<Schedule>) {
    let scheduler = rt.scheduler();
    scheduler.set_pct_steps(pct_steps);
    scheduler.record(record);
    if let Some(schedule) = replay {
        scheduler.replay(schedule);
    }
}

/// Whether a loop gets a reactor when its builder did not say: where the OS
/// has a poller, unless `EVLOOP_REACTOR=off`.
pub(crate) fn reactor_by_default() -> bool {
    crate::sys::HAS_POLLER && std::env::var_os(crate::io::REACTOR_VAR).is_none_or(|v| v != "off")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_the_defaults_only_debug_mode_watches_the_first_poll() {
        // `Runtime::new()` builds at once exactly when `DEFAULT_DEBUG` says.
        assert_eq!(Builder::new().watches_first_poll(), DEFAULT_DEBUG);
        assert!(!Builder::new().debug(false).watches_first_poll());
        assert!(
            Builder::new()
                .debug(false)
                .event_log(8)
                .watches_first_poll()
        );
    }

    #[test]
    fn the_default_settings_are_the_builders_defaults_worked_out_late() {
        // What `Runtime::new()` stores in release builds (in debug builds
        // debug mode builds the loop at once), taken here in any build.
        let rt = Runtime::unbuilt(Settings::Default);
        assert_eq!(rt.block_on(async { 7 }), 7);
        assert!(format!("{rt:?}").contains("not built yet"), "{rt:?}");
        assert_eq!(
            rt.clock(),
            ClockKind::Real,
            "built now, from Builder::new()"
        );
        assert_eq!(rt.scheduler().policy(), Policy::Fifo);
        assert_eq!(rt.debug().is_on(), DEFAULT_DEBUG);
        rt.block_on(async { crate::spawn(async {}).await.unwrap() });
        let snapshot = rt.snapshot();
        assert_eq!(snapshot.task_named("main").unwrap().id.as_u64(), 1);
    }
}

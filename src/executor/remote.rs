//! The remote queue: the part of a loop other threads may touch.
//!
//! Everything else in a runtime is single-threaded (`Rc`, `RefCell`, `Cell`):
//! tasks may be `!Send`, and the loop's own wakes take no lock. Other threads
//! reach the loop only through this struct, which every task's schedule
//! hook holds (see `hook.rs`):
//!
//! - `queue`: keys of tasks woken on other threads, under a mutex;
//! - `notified`: set by the first remote wake after the loop last looked, so
//!   that a burst of wakes costs one notification (one write to the poller's
//!   eventfd / one `EVFILT_USER` trigger) rather than one each;
//! - `wakeup`: how a notification reaches a sleeping loop. A loop that waits
//!   for nothing but other threads (no descriptor registered, no timer)
//!   sleeps in `thread::park`, and a notification is an `unpark` (a futex
//!   wake) once the loop says it parks, and nothing at all while it is
//!   still awake, spinning before the sleep (see `Remote::park`). A loop that also
//!   waits for I/O or a timer sleeps in the poller, and a notification is a
//!   write to its [`Notifier`]. The loop says which before it sleeps;
//! - `external`: how many pieces of outside work (`to_thread` jobs,
//!   [`ExternalWork`] guards) may still wake a task. The virtual clock
//!   will not jump ahead while any is pending.
//! - `jobs`: closures other threads sent to run on the loop (a
//!   [`LoopHandle`](super::LoopHandle)'s `call_soon_threadsafe` and
//!   `spawn`), each counted as outside work until the loop has taken it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::{self, Thread};
use std::time::Duration;

use crate::sys::{Notifier, Poller};
use crate::task::TaskKey;

/// A closure sent from another thread, run on the loop's thread when the
/// loop next collects.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// How a notification reaches the loop's thread while it sleeps: the
/// thread's park token, or the poller's notifier, as the loop chose (the
/// choice itself is on the wake's line: `Remote::polling`, `Remote::parked`).
struct Wakeup {
    thread: Thread,
    /// The poller's notifier, once the loop has made its poller.
    notifier: OnceLock<Notifier>,
}

/// The keys of tasks woken on other threads, in the order of their wakes:
/// the first in place, on the wake's own cache line, and the rest of a
/// burst in a vector. One wake, the common case, touches no other memory.
#[derive(Default)]
struct Woken {
    first: Option<TaskKey>,
    /// Empty unless `first` is there.
    rest: Vec<TaskKey>,
}

impl Woken {
    fn push(&mut self, key: TaskKey) {
        match self.first {
            None => self.first = Some(key),
            Some(_) => self.rest.push(key),
        }
    }

    fn take_into(&mut self, into: &mut Vec<TaskKey>) {
        if let Some(first) = self.first.take() {
            into.push(first);
            into.append(&mut self.rest);
        }
    }
}

/// `repr(C)`, on cache lines of its own, in two parts. A wake from another
/// thread first writes its key under the lock (`queue`, `remote_pending`,
/// the line the loop reads only when it takes the keys), then signals on
/// [`Signal`]'s line, which the loop reads while it spins before a sleep.
/// Apart, the spinning loop does not pull the key's line away from the
/// waker between its writes; the key's line moves once each way per wake,
/// and so does the signal's.
#[repr(C, align(64))]
pub(crate) struct Remote {
    queue: Mutex<Woken>,
    /// Set with every push to `queue`, cleared when the loop takes it: lets
    /// the loop skip the lock in the common case of no remote wakes.
    remote_pending: AtomicBool,
    closed: AtomicBool,
    signal: Signal,
    external: AtomicUsize,
    /// Set with every push to `jobs`: a remote wake alone does not take the
    /// jobs' lock.
    jobs_pending: AtomicBool,
    /// Closures from other threads; `closed` is set under this lock too, so
    /// a job is either taken by the loop or refused, never stranded.
    jobs: Mutex<Vec<Job>>,
    wakeup: Wakeup,
}

/// What tells the loop that something came, and tells a waker how to wake
/// the loop: one cache line.
#[repr(C, align(64))]
struct Signal {
    notified: AtomicBool,
    interrupted: AtomicBool,
    /// True while the loop sleeps (or is about to sleep) in the poller.
    polling: AtomicBool,
    /// True while the loop's thread is parked, or about to be, in
    /// `Remote::park`: a wake that finds it false has nothing to unpark (the
    /// loop is awake, and sees `notified` itself).
    parked: AtomicBool,
}

impl Remote {
    /// The remote queue of a loop running on this thread.
    pub(crate) fn new() -> Remote {
        Remote {
            queue: Mutex::new(Woken::default()),
            remote_pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            signal: Signal {
                notified: AtomicBool::new(false),
                interrupted: AtomicBool::new(false),
                polling: AtomicBool::new(false),
                parked: AtomicBool::new(false),
            },
            external: AtomicUsize::new(0),
            jobs_pending: AtomicBool::new(false),
            jobs: Mutex::new(Vec::new()),
            wakeup: Wakeup {
                thread: thread::current(),
                notifier: OnceLock::new(),
            },
        }
    }

    // ANCHOR: push
    /// A wake on another thread: the task's key joins the queue, and the
    /// loop is notified (once, however many wakes come before it looks). A
    /// runtime that is gone (`closed`) ignores it.
    pub(crate) fn push(&self, key: TaskKey) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(key);
        self.remote_pending.store(true, Ordering::SeqCst);
        self.notify();
    }

    /// Wakes the loop if it sleeps; free if a notification is already pending.
    pub(crate) fn notify(&self) {
        if !self.signal.notified.swap(true, Ordering::SeqCst) {
            self.wake_loop();
        }
    }
    // ANCHOR_END: push

    /// Wakes the loop's thread out of the sleep it chose, if it has gone to
    /// sleep.
    fn wake_loop(&self) {
        if self.signal.polling.load(Ordering::SeqCst) {
            // A failed notify means the counter is full: a wake is already
            // pending, which is all we wanted.
            if let Some(n) = self.wakeup.notifier.get() {
                let _ = n.notify();
            }
        } else if self.signal.parked.load(Ordering::SeqCst) {
            self.wakeup.thread.unpark();
        }
    }

    /// Wakes the loop's thread whichever way it sleeps (an interrupt).
    fn wake_both(&self) {
        self.wakeup.thread.unpark();
        if let Some(n) = self.wakeup.notifier.get() {
            let _ = n.notify();
        }
    }

    /// Moves the remote wakes into `into` (which must be empty).
    pub(crate) fn take(&self, into: &mut Vec<TaskKey>) {
        // Cleared before taking: a push racing with us sets it again and is
        // seen next turn, never lost.
        self.remote_pending.store(false, Ordering::Release);
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.take_into(into);
    }

    /// A closure from another thread, to run on the loop: counted as outside
    /// work (the virtual clock waits for it) until the loop takes it, and
    /// the loop is notified. A runtime that is gone gives the job back.
    pub(crate) fn push_job(&self, job: Job) -> Result<(), Job> {
        {
            let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
            if self.closed.load(Ordering::Acquire) {
                return Err(job);
            }
            self.external_begin();
            jobs.push(job);
            self.jobs_pending.store(true, Ordering::Release);
        }
        self.remote_pending.store(true, Ordering::SeqCst);
        self.notify();
        Ok(())
    }

    /// Moves the closures other threads sent into `into` (called right
    /// after `take`, which cleared the flag both share). Each counts as
    /// outside work until the loop calls `jobs_done`.
    pub(crate) fn take_jobs(&self, into: &mut Vec<Job>) {
        // Cleared before taking, as `remote_pending` is: a push racing with
        // us sets it again, and is taken next turn.
        if !self.jobs_pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *jobs, into);
    }

    /// `n` jobs have run: they no longer hold the virtual clock.
    pub(crate) fn jobs_done(&self, n: usize) {
        self.external.fetch_sub(n, Ordering::AcqRel);
    }

    /// True if wakes from outside may be waiting in `remote` (no lock taken).
    ///
    /// Ordering: a waker stores `remote_pending` then swaps `notified`; the
    /// loop (in `arm`) stores `notified = false` then loads `remote_pending`.
    /// All four are `SeqCst`, so in their single total order either the
    /// loop's load sees the push, or the waker's swap sees `false` and
    /// notifies: a wake is never lost between the loop's last look and its
    /// sleep. (On x86 the loop's load is still a plain `mov`.)
    pub(crate) fn has_remote(&self) -> bool {
        self.remote_pending.load(Ordering::SeqCst)
    }

    /// Re-arms notifications before the loop decides whether to sleep.
    ///
    /// `notified` is cleared *before* the loop looks at anything that decides
    /// its sleep (the remote queue, the interrupt flag, the count of outside
    /// work), so every wake or `ExternalWork` drop after this point pokes the
    /// poller (or leaves an unpark token) and makes the coming wait return:
    /// no wake is lost. Returns true if the loop may block, false if
    /// something is already waiting for it (then it only looks, with a zero
    /// timeout).
    pub(crate) fn arm(&self) -> bool {
        self.signal.notified.store(false, Ordering::SeqCst);
        !(self.has_remote() || self.signal.interrupted.load(Ordering::SeqCst))
    }

    /// Says how the loop is about to sleep: in `poller` (whose notifier it
    /// then keeps), or in `thread::park` (`None`). Called before `arm`:
    /// a waker that finds `notified` cleared is then sure to see the choice
    /// (both `SeqCst`, the order `arm`'s argument relies on).
    pub(crate) fn sleep_in(&self, poller: Option<&Poller>) {
        if let Some(p) = poller
            && self.wakeup.notifier.get().is_none()
        {
            let _ = self.wakeup.notifier.set(p.notifier());
        }
        // Only the loop writes it, so its own last write is what it reads;
        // written only when the choice changes, the wake's line is not
        // taken from the other threads at every sleep.
        let polling = poller.is_some();
        if self.signal.polling.load(Ordering::Relaxed) != polling {
            self.signal.polling.store(polling, Ordering::SeqCst);
        }
    }

    /// The sleep without a poller: watch for a wake for at most `spin`
    /// (never past `timeout`), then park the thread for what is left.
    ///
    /// A loop that waits only for other threads is often answered within
    /// microseconds (a `to_thread` job that was short, a thread that
    /// replies at once). Parked, it pays the kernel twice for each answer:
    /// the other thread's `unpark` becomes a futex wake, and the loop's
    /// thread is scheduled in again, about 10–20 µs on a virtual machine.
    /// Awake, the answer costs one cache line. So the loop stays awake for
    /// `spin` first, reading the `notified` flag that every wake sets
    /// before it unparks (see `notify`), and the interrupt flag.
    ///
    /// A wake unparks the thread only if the loop said it parks (`parked`,
    /// set after the spin): a wake that comes during the spin costs the
    /// waker no `unpark`, and the loop no park to take the token back.
    ///
    /// Returns true if the spin saw a wake. (A wake that comes after the
    /// spin but before the park is seen too, and the thread does not sleep;
    /// it counts as a wait that parked, the one the loop went for.)
    pub(crate) fn park(&self, timeout: Option<Duration>, spin: Duration) -> bool {
        let budget = timeout.map_or(spin, |t| t.min(spin));
        let Some(spent) = self.spin_for_a_wake(budget) else {
            return true;
        };
        let left = timeout.map(|t| t.saturating_sub(spent));
        if left.is_some_and(|l| l.is_zero()) {
            return false;
        }
        // Dekker's pattern with `notify`: the loop stores `parked`, then
        // loads `notified`; a waker swaps `notified`, then loads `parked`.
        // All four are `SeqCst`, so in their single order either the loop
        // sees the wake and stays awake, or the waker sees `parked` and
        // unparks. (When both happen, the unpark leaves a token that ends
        // the next park at once: one more turn of the loop, never a lost
        // wake.)
        self.signal.parked.store(true, Ordering::SeqCst);
        if !self.signal.notified.load(Ordering::SeqCst) {
            match left {
                None => thread::park(),
                Some(left) => thread::park_timeout(left),
            }
        }
        self.signal.parked.store(false, Ordering::Relaxed);
        false
    }

    /// Stays awake for at most `budget`, until a wake from another thread
    /// or an interrupt has been signalled: `None` if one was, else how long
    /// it stayed. The clock is read once every
    /// `LOOKS_PER_READ` looks, and not at all when a wake comes within the
    /// first of them (a look is a load of a line that only changes when the
    /// wake comes; a clock reading costs some 20 ns, a tenth of a quick
    /// answer's round trip).
    fn spin_for_a_wake(&self, budget: Duration) -> Option<Duration> {
        const LOOKS_PER_READ: u32 = 16;
        if budget.is_zero() {
            return Some(Duration::ZERO);
        }
        let mut began = None;
        loop {
            for _ in 0..LOOKS_PER_READ {
                if self.signal.notified.load(Ordering::Relaxed)
                    || self.signal.interrupted.load(Ordering::Relaxed)
                {
                    return None;
                }
                std::hint::spin_loop();
            }
            // The budget counts from the end of the first looks: it is
            // longer than the sleep's own by their few hundred nanoseconds
            // at most.
            let began = *began.get_or_insert_with(std::time::Instant::now);
            let spent = began.elapsed();
            if spent >= budget {
                return Some(spent);
            }
        }
    }

    /// True if a wake from another thread has come since the loop last
    /// armed (what ended a park that did not time out).
    #[inline]
    pub(crate) fn was_notified(&self) -> bool {
        self.signal.notified.load(Ordering::SeqCst)
    }

    pub(crate) fn close(&self) {
        let jobs = {
            let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
            self.closed.store(true, Ordering::Release);
            std::mem::take(&mut *jobs)
        };
        *self.queue.lock().unwrap_or_else(PoisonError::into_inner) = Woken::default();
        // Dropped unrun, on the loop's thread, outside the lock: each tells
        // whoever waits on it that the loop is gone.
        drop(jobs);
    }

    /// True once the runtime is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn interrupt(&self) {
        self.signal.interrupted.store(true, Ordering::SeqCst);
        self.wake_both();
    }

    pub(crate) fn take_interrupt(&self) -> bool {
        self.signal.interrupted.swap(false, Ordering::SeqCst)
    }

    /// True while an interrupt waits to be taken (a plain load: the loop
    /// looks after every poll).
    #[inline]
    pub(crate) fn interrupt_pending(&self) -> bool {
        self.signal.interrupted.load(Ordering::Relaxed)
    }

    pub(crate) fn external_pending(&self) -> bool {
        self.external.load(Ordering::Acquire) > 0
    }

    pub(crate) fn external_begin(&self) {
        self.external.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn external_end(&self) {
        self.external.fetch_sub(1, Ordering::AcqRel);
        self.notify();
    }
}

/// Stops a running loop from another thread (or a signal handler's thread):
/// the current `run`, `block_on`… returns [`RunErrorKind::Interrupted`](crate::RunErrorKind::Interrupted)
/// with every task intact. The REPL's Ctrl-C uses it.
#[derive(Clone)]
pub struct Interrupter {
    pub(crate) remote: Arc<Remote>,
}

impl Interrupter {
    /// Interrupts the loop: its current driving call returns as soon as the
    /// poll in progress (if any) returns. Called while no driving call runs,
    /// it stops the next one at its start (see
    /// [`Runtime::take_interrupt`](crate::Runtime::take_interrupt)).
    pub fn interrupt(&self) {
        self.remote.interrupt();
    }

    /// True while an interrupt is pending (asked for, not yet taken by the
    /// loop). Code that blocks the loop on purpose (the REPL's `spin`, a
    /// long computation in a test) can look at it to stop early.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new();
    /// let ctrl_c = rt.interrupter();
    /// assert!(!ctrl_c.is_interrupted());
    /// ctrl_c.interrupt();
    /// assert!(ctrl_c.is_interrupted());
    /// assert!(rt.take_interrupt());
    /// assert!(!ctrl_c.is_interrupted());
    /// ```
    pub fn is_interrupted(&self) -> bool {
        self.remote.interrupt_pending()
    }
}

impl std::fmt::Debug for Interrupter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interrupter")
    }
}

/// A promise that something outside the loop (a thread of yours) may still
/// wake one of its tasks. While any `ExternalWork` is alive, the virtual
/// clock does not jump ahead and an idle loop waits for real wakes instead of
/// reporting a stall. evloop's own [`to_thread`](crate::to_thread) jobs hold one
/// (I/O waits are counted by the reactor instead).
///
/// It is `Send`: move it to the thread that will do the waking, and drop it
/// when that thread is done.
///
/// # Examples
///
/// ```
/// use evloop::Runtime;
/// use std::sync::{Arc, Mutex};
/// use std::task::{Poll, Waker};
///
/// let rt = Runtime::builder().virtual_clock().build();
/// let guard = rt.external_work();
/// let slot: Arc<Mutex<(bool, Option<Waker>)>> = Default::default();
/// let for_thread = slot.clone();
/// let worker = std::thread::spawn(move || {
///     let _guard = guard; // dropped when the thread is done
///     let mut s = for_thread.lock().unwrap();
///     s.0 = true;
///     if let Some(w) = s.1.take() { w.wake(); }
/// });
/// rt.block_on(std::future::poll_fn(|cx| {
///     let mut s = slot.lock().unwrap();
///     if s.0 { Poll::Ready(()) } else { s.1 = Some(cx.waker().clone()); Poll::Pending }
/// }));
/// worker.join().unwrap();
/// ```
pub struct ExternalWork {
    remote: Arc<Remote>,
}

impl ExternalWork {
    pub(crate) fn new(remote: Arc<Remote>) -> ExternalWork {
        remote.external_begin();
        ExternalWork { remote }
    }
}

impl Drop for ExternalWork {
    fn drop(&mut self) {
        self.remote.external_end();
    }
}

impl std::fmt::Debug for ExternalWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExternalWork")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::{self, JoinHandle};
    use std::time::{Duration, Instant};

    use super::Remote;
    use crate::task::TaskKey;

    /// Long enough that a spin that ran its whole budget fails the test
    /// plainly; the bounds below are half of it, so a slow machine passes.
    const LONG: Duration = Duration::from_secs(10);

    /// A new remote queue, armed, and another thread that calls `signal`
    /// on it after `delay`.
    fn signalled_after(delay: Duration, signal: fn(&Remote)) -> (Arc<Remote>, JoinHandle<()>) {
        let remote = Arc::new(Remote::new());
        assert!(remote.arm());
        let other = {
            let remote = remote.clone();
            thread::spawn(move || {
                thread::sleep(delay);
                signal(&remote);
            })
        };
        (remote, other)
    }

    /// Spins with a long budget while another thread, 5 ms later, calls
    /// `signal`: the spin must end there, not at its budget.
    fn a_spin_ends_when(signal: fn(&Remote), what: &str) -> Arc<Remote> {
        let (remote, other) = signalled_after(Duration::from_millis(5), signal);
        let began = Instant::now();
        assert!(
            remote.park(None, LONG),
            "{what} came, and was not seen awake"
        );
        assert!(began.elapsed() < LONG / 2, "the spin ran past {what}");
        other.join().unwrap();
        remote
    }

    #[test]
    fn a_wake_from_another_thread_ends_the_spin() {
        a_spin_ends_when(Remote::notify, "the wake");
    }

    #[test]
    fn an_interrupt_ends_the_spin() {
        let remote = a_spin_ends_when(Remote::interrupt, "the interrupt");
        assert!(remote.take_interrupt());
    }

    #[test]
    fn a_wake_while_the_loop_is_awake_does_not_unpark_its_thread() {
        let remote = Arc::new(Remote::new());
        assert!(remote.arm());
        let other = remote.clone();
        thread::spawn(move || other.notify()).join().unwrap();
        assert!(
            remote.signal.notified.load(Ordering::SeqCst),
            "the wake is there for the loop to see"
        );
        // An unpark would have left a token: this park would end at once.
        let began = Instant::now();
        thread::park_timeout(Duration::from_millis(200));
        assert!(
            began.elapsed() >= Duration::from_millis(100),
            "the wake unparked a thread that was not parked"
        );
    }

    #[test]
    fn a_wake_after_the_spin_unparks_the_sleeping_loop() {
        let (remote, other) = signalled_after(Duration::from_millis(20), Remote::notify);
        let began = Instant::now();
        assert!(
            !remote.park(Some(LONG), Duration::ZERO),
            "no spin, so nothing is seen awake"
        );
        assert!(
            began.elapsed() < LONG / 2,
            "the wake did not unpark the loop"
        );
        other.join().unwrap();
    }

    #[test]
    fn a_wake_writes_one_line_and_signals_on_another() {
        use std::mem::{align_of, offset_of, size_of};
        assert_eq!(align_of::<Remote>(), 64);
        let end = offset_of!(Remote, closed) + size_of::<AtomicBool>();
        assert!(
            end <= 64,
            "the lock, the first key and the flags of a wake end at byte {end}"
        );
        assert_eq!(
            offset_of!(Remote, signal),
            64,
            "the signal has a line of its own"
        );
    }

    #[test]
    fn remote_wakes_are_taken_in_the_order_they_came() {
        let remote = Remote::new();
        let key = |i| TaskKey {
            index: i,
            generation: 0,
        };
        let mut taken = Vec::new();
        remote.take(&mut taken);
        assert!(taken.is_empty());
        for i in 0..4 {
            remote.push(key(i));
        }
        assert!(remote.has_remote());
        remote.take(&mut taken);
        assert_eq!(taken, (0..4).map(key).collect::<Vec<_>>());
        assert!(!remote.has_remote());
        // The first place is free again, and the burst's vector is empty.
        taken.clear();
        remote.push(key(9));
        remote.take(&mut taken);
        assert_eq!(taken, [key(9)]);
    }

    #[test]
    fn the_spin_keeps_to_the_sleep_it_comes_before() {
        let remote = Remote::new();
        assert!(remote.arm());
        let began = Instant::now();
        remote.park(Some(Duration::from_millis(1)), LONG);
        assert!(
            began.elapsed() < LONG / 2,
            "a 1 ms sleep spun for its whole budget"
        );
    }

    /// CPU time tells a spin from a sleep: a spinning thread uses it, a
    /// parked one does not (where the OS says, per thread).
    fn cpu_of(f: impl FnOnce()) -> Option<Duration> {
        let before = crate::sys::usage::thread_usage()?;
        f();
        Some(before.until(crate::sys::usage::thread_usage()?).cpu)
    }

    #[test]
    fn the_loop_spins_then_sleeps_and_a_zero_budget_only_sleeps() {
        let remote = Remote::new();
        assert!(remote.arm());
        let sleep = Duration::from_millis(200);
        let began = Instant::now();
        let Some(spun) = cpu_of(|| assert!(!remote.park(Some(sleep), Duration::from_millis(100))))
        else {
            eprintln!("notice: this OS does not tell a thread's CPU time; not checked");
            return;
        };
        assert!(began.elapsed() < LONG / 2, "the spin overran the sleep");
        let parked = cpu_of(|| assert!(!remote.park(Some(sleep), Duration::ZERO))).unwrap();
        // Up to 100 ms awake, against none: the two sides have room for a
        // loaded machine's preemption, and cannot meet.
        assert!(
            spun >= Duration::from_millis(30),
            "no spin: {spun:?} of CPU"
        );
        assert!(
            parked < Duration::from_millis(30),
            "a spin of zero spun: {parked:?}"
        );
    }
}

//! The runtime's three handles: [`Scheduler`] (which ready task runs next,
//! and schedules to record and replay), [`Events`] (the event stream) and
//! [`DebugMode`] (what debug mode reports, and where).
//!
//! Each borrows the runtime, so it lives no longer than the call that uses
//! it: `rt.scheduler().set_policy(..)`, `rt.events().subscribe(..)`.

use std::rc::Rc;
use std::time::Duration;

use super::core::Core;
use super::policy::Policy;
use super::ready::Divergence;
use super::schedule::Schedule;
use crate::debug::Diagnostic;
use crate::inspect::LoopEvent;

/// The order a runtime polls its ready tasks in: the policy, and the
/// schedule it writes down or follows. From [`Runtime::scheduler`](crate::Runtime::scheduler).
///
/// # Examples
///
/// A run under a seeded policy, recorded, then replayed exactly on a FIFO
/// runtime told what to pick:
///
/// ```
/// use evloop::{Policy, Runtime};
///
/// let program = |rt: &Runtime| {
///     let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
///     for name in ["a", "b", "c"] {
///         let order = order.clone();
///         rt.spawn(async move {
///             order.borrow_mut().push(name);
///             evloop::yield_now().await;
///             order.borrow_mut().push(name);
///         })
///         .detach();
///     }
///     rt.run_until_done().unwrap();
///     order.take()
/// };
/// let rt = Runtime::builder().virtual_clock().policy(Policy::Random { seed: 5 }).build();
/// rt.scheduler().record(true);
/// let seen = program(&rt);
/// let schedule = rt.scheduler().recorded();
///
/// let again = Runtime::builder().virtual_clock().build(); // FIFO, but…
/// again.scheduler().replay(schedule.to_string().parse().unwrap()); // …told what to pick
/// assert_eq!(program(&again), seen);
/// assert_eq!(again.scheduler().divergence(), None);
/// ```
pub struct Scheduler<'a> {
    core: &'a Rc<Core>,
}

impl<'a> Scheduler<'a> {
    pub(crate) fn new(core: &'a Rc<Core>) -> Scheduler<'a> {
        Scheduler { core }
    }

    /// The scheduling policy.
    pub fn policy(&self) -> Policy {
        self.core.here().ready.borrow().policy()
    }

    /// Changes the scheduling policy (a seeded policy restarts from its seed).
    pub fn set_policy(&self, policy: Policy) {
        self.core.here().ready.borrow_mut().set_policy(policy);
    }

    /// PCT's k, the number of polls its priority changes are spread over
    /// (64 by default; see [`Policy::Pct`]).
    pub fn pct_steps(&self) -> u32 {
        self.core.here().ready.borrow().pct_steps()
    }

    /// Sets PCT's k (0 is taken as 1); a PCT policy restarts from its seed.
    pub fn set_pct_steps(&self, steps: u32) {
        self.core.here().ready.borrow_mut().set_pct_steps(steps);
    }

    /// Starts writing down the loop's choices afresh (`true`), or stops
    /// (`false`). See [`Schedule`].
    pub fn record(&self, on: bool) {
        self.core.here().ready.borrow_mut().record(on);
    }

    /// The choices written down since recording started (empty when not
    /// recording): the ready-queue position of each task polled, in order.
    /// Given to [`replay`](Scheduler::replay) on a fresh runtime running the
    /// same program, it reproduces this run exactly.
    pub fn recorded(&self) -> Schedule {
        self.core.here().ready.borrow().recorded()
    }

    /// Follows `schedule` for the next polls, then the policy again.
    /// Replaying on a fresh runtime with the same program (same spawns, same
    /// virtual clock, no other threads) reproduces the recorded run exactly.
    pub fn replay(&self, schedule: Schedule) {
        self.core.here().ready.borrow_mut().replay(&schedule);
    }

    /// Where the last replayed schedule stopped fitting the program (a
    /// position past the end of the ready queue), if it did.
    pub fn divergence(&self) -> Option<Divergence> {
        self.core.here().ready.borrow().divergence()
    }

    /// Starts (afresh) or stops writing down a trace: every choice with
    /// its alternatives, and what each poll touched (for the explorer).
    pub(crate) fn trace(&self, on: bool) {
        self.core.here().ready.borrow_mut().trace(on);
    }

    /// The trace written since [`trace`](Scheduler::trace) was turned on.
    pub(crate) fn take_trace(&self) -> Vec<super::trace::Step> {
        let trace = self.core.here().ready.borrow_mut().take_trace();
        trace
            .map(|mut t| std::mem::take(&mut t.steps))
            .unwrap_or_default()
    }
}

/// The event stream of a runtime: listeners called with every event, and a
/// bounded log. From [`Runtime::events`](crate::Runtime::events).
///
/// When nobody listens and no log is kept, events are never even built: the
/// loop pays one branch per place an event could happen.
///
/// Listening does not time polls: a poll's `took` is zero and each event
/// carries the time of the loop turn it happened in (on the virtual clock,
/// exactly its time), unless poll timing is on (debug mode,
/// [`Builder::poll_timing`](crate::Builder::poll_timing) or
/// [`DebugMode::set_poll_timing`](crate::DebugMode::set_poll_timing)): two
/// clock reads per poll would cost more than the events themselves.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::Runtime;
///
/// let rt = Runtime::builder().virtual_clock().build();
/// rt.events().record(100);
/// rt.block_on(evloop::sleep(Duration::from_secs(1)));
/// let story: Vec<String> = rt.events().recorded().iter().map(|e| e.without_timing().to_string()).collect();
/// assert_eq!(story, [
///     "[0.000000s] spawned #1 'main'",
///     "[0.000000s] polled #1 → Pending",
///     "[1.000000s] clock 0.000000s → 1.000000s",
///     "[1.000000s] timer @1.000000s of #1 fired",
///     "[1.000000s] #1 ready: woken by timer",
///     "[1.000000s] polled #1 → Ready",
///     "[1.000000s] #1 done",
/// ]);
/// ```
pub struct Events<'a> {
    core: &'a Rc<Core>,
}

impl<'a> Events<'a> {
    pub(crate) fn new(core: &'a Rc<Core>) -> Events<'a> {
        Events { core }
    }

    /// Calls `listener` with every event from now on; returns a
    /// [`Subscription`] for [`unsubscribe`](Events::unsubscribe).
    ///
    /// A listener may do anything but drive the loop: subscribe or
    /// unsubscribe listeners (itself included), start or stop the log,
    /// cancel or wake tasks. Events it causes are delivered after the one it
    /// is handling, to every listener; a listener it subscribes hears from
    /// the next event on. A listener that panics is unsubscribed and the
    /// loop carries on, as it does when a task panics: the panic hook prints
    /// the panic, and the other listeners keep hearing every event (a panic
    /// let out of the middle of a poll's end would leave the task it was
    /// about half done).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use evloop::inspect::LoopEventKind;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// let done = Rc::new(Cell::new(0));
    /// let seen = done.clone();
    /// rt.events().subscribe(move |e| {
    ///     if let LoopEventKind::Completed { .. } = e.kind {
    ///         seen.set(seen.get() + 1);
    ///     }
    /// });
    /// let _a = rt.spawn(async {});
    /// let _b = rt.spawn(evloop::sleep(std::time::Duration::from_secs(1)));
    /// rt.run_until_done().unwrap();
    /// assert_eq!(done.get(), 2);
    /// ```
    pub fn subscribe(&self, listener: impl FnMut(&LoopEvent) + 'static) -> Subscription {
        Subscription(self.core.inspector.subscribe(Box::new(listener)))
    }

    /// Stops a listener at once. False if it was already gone.
    pub fn unsubscribe(&self, subscription: Subscription) -> bool {
        self.core.inspector.unsubscribe(subscription.0)
    }

    /// Starts keeping the last `capacity` events in a log (replacing any log).
    ///
    /// The log keeps most events as 32-byte records in a ring, and turns
    /// them back into [`LoopEvent`]s when read; only events that own text (a
    /// name given at spawn, a panic message, a wait on a primitive, a
    /// warning) are kept whole beside it. Once full, each new record takes
    /// the oldest one's place, with no allocation (an event kept whole still
    /// copies what it owns). It reads exactly what a listener would have
    /// heard.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::inspect::LoopEventKind;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// rt.events().record(3);
    /// let sleeper = rt.spawn(evloop::sleep(Duration::from_millis(5)));
    /// rt.run_until_done().unwrap();
    /// let kept = rt.events().recorded();
    /// // The last three: woken by its timer, polled to its end…
    /// assert!(matches!(kept[0].kind, LoopEventKind::Woken { .. }));
    /// // …and done.
    /// assert_eq!(kept[2].kind, LoopEventKind::Completed { task: sleeper.id() });
    /// ```
    pub fn record(&self, capacity: usize) {
        self.core.inspector.record_events(capacity);
    }

    /// Stops the log and forgets its events.
    pub fn stop_recording(&self) {
        self.core.inspector.stop_recording();
    }

    /// The events in the log, oldest first.
    pub fn recorded(&self) -> Vec<LoopEvent> {
        self.core.inspector.events()
    }

    /// Takes the events out of the log (it keeps recording).
    pub fn take(&self) -> Vec<LoopEvent> {
        self.core.inspector.take_events()
    }
}

/// Names an event listener, for [`Events::unsubscribe`].
#[derive(Debug, PartialEq, Eq)]
pub struct Subscription(u64);

/// Debug mode of a runtime: what it catches (slow polls, lost wakers,
/// unretrieved failures, leaked tasks) and where its reports go. From
/// [`Runtime::debug`](crate::Runtime::debug); see [`crate::debug`].
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let found = Rc::new(RefCell::new(Vec::new()));
/// let sink = found.clone();
/// rt.debug().set_on(true);
/// rt.debug().set_slow_poll_threshold(std::time::Duration::from_secs(60)); // only the panic, please
/// rt.debug().set_sink(move |d| sink.borrow_mut().push(d.kind()));
/// rt.spawn(async { panic!("nobody reads this") }).detach();
/// rt.run_until_done().unwrap();
/// assert_eq!(*found.borrow(), ["unretrieved-failure"]);
/// ```
pub struct DebugMode<'a> {
    core: &'a Rc<Core>,
}

impl<'a> DebugMode<'a> {
    pub(crate) fn new(core: &'a Rc<Core>) -> DebugMode<'a> {
        DebugMode { core }
    }

    /// True if debug mode is on (by default, in debug builds).
    pub fn is_on(&self) -> bool {
        self.core.inspector.debug().enabled
    }

    /// Turns debug mode on or off.
    pub fn set_on(&self, on: bool) {
        let mut debug = self.core.inspector.debug();
        debug.enabled = on;
        self.core.inspector.set_debug(debug);
    }

    /// The slow-poll threshold (100 ms by default).
    pub fn slow_poll_threshold(&self) -> Duration {
        self.core.inspector.debug().slow_poll
    }

    /// Sets the slow-poll threshold.
    pub fn set_slow_poll_threshold(&self, threshold: Duration) {
        let mut debug = self.core.inspector.debug();
        debug.slow_poll = threshold;
        self.core.inspector.set_debug(debug);
    }

    /// Sends debug reports to `sink` instead of stderr. A sink that panics
    /// is replaced by stderr and the loop carries on (the panic hook prints
    /// the panic): it is called in the middle of the loop's work, where a
    /// panic let out would leave a task half-way through a poll's end.
    pub fn set_sink(&self, sink: impl FnMut(&Diagnostic) + 'static) {
        self.core.inspector.set_sink(Box::new(sink));
    }

    /// Measures every poll's duration even with debug mode off (two clock
    /// reads per poll; see [`Builder::poll_timing`](crate::Builder::poll_timing)).
    pub fn set_poll_timing(&self, on: bool) {
        self.core.inspector.set_poll_timing(on);
    }

    /// How many finished tasks snapshots keep showing (1024 by default).
    pub fn set_keep_finished(&self, n: usize) {
        self.core.inspector.set_keep_finished(n);
    }
}

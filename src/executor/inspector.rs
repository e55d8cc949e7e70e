//! The inspector: everything the loop keeps so that it can be seen inside.
//!
//! One part owns it all: the event stream (listeners and the bounded log),
//! debug mode's settings and sink, the ring of recently finished tasks, and
//! the registry of synchronization primitives. The loop calls it between
//! polls; it never runs inside a wake.
//!
//! # Listeners may do anything but drive the loop
//!
//! A listener is user code, called in the middle of the loop's work, and it
//! may want to subscribe another listener, unsubscribe itself, start or stop
//! the log, cancel or wake a task (which raises more events). None of that
//! may panic or be lost, so:
//!
//! ```text
//!   emit(e) ──▶ already dispatching? ──yes──▶ pending.push(a copy of e): the
//!               │ no                          outer dispatch delivers it, in order
//!               ▼
//!   dispatch e, then each pending event, oldest first:
//!         ├─ push it to the log (borrow ended before any listener runs)
//!         ├─ call each live listener, the list borrowed: a subscribe goes to
//!         │  `added`, an unsubscribe leaves `subscribed`
//!         └─ if either happened: add `added`, drop the unsubscribed (no
//!            borrow held while a listener is dropped)
//! ```
//!
//! The one `RefCell` borrowed while user code runs is the listener list,
//! and only a dispatch touches it then: subscribing, unsubscribing and
//! shutting down go around it. So every re-entry works, and events caused by
//! a listener are delivered after the one it is handling, never inside it.
//! A listener that panics is caught and unsubscribed, as a task's panic is
//! caught: it is called in the middle of the loop's work (between a poll
//! and the task's next state), and a panic unwinding from there would leave
//! that work half done. (`tests/listeners.rs` has a test for each case.)
//!
//! When nobody listens and no log is kept, [`emit`](Inspector::emit) is one
//! branch: `listening` is false and the event is never even built.
//!
//! # One listener takes a short way
//!
//! Most watchers are one listener and no log (a counter, a trace writer,
//! the REPL). Then `alone` is set and an event goes to that listener inline,
//! at the place it is emitted: the `dispatching` flag and the list's borrow
//! as above, but no log, no loop and no call. Events the listener causes
//! wait, as above, and are delivered the general way right after its call;
//! a change it makes (subscribe, unsubscribe, start the log, panic) clears
//! `alone` until the list is back to one listener and no log.
//!
//! The end of a poll goes shorter still: its "polled" and the "ready"s the
//! poll caused reach that listener as one run ([`deliver_run`]), in one
//! dispatch, each event built in place and lent. After each call the run
//! looks at what the listener did, as above; once it did anything, the run
//! ends and the rest of its events go one at a time, each the way its
//! moment calls for. (A watched yield, two events, cost 1.6 times a plain
//! one with a dispatch for each and the take-in a call of its own, 1.4
//! with the run: `docs/performance.md`.)
//!
//! The log and no listener takes a shorter way still (`log_alone`): no user
//! code runs, so there is nothing to guard against. The event becomes a
//! fixed-size record in the log's ring (`inspect/log.rs` tells why records),
//! by one out-of-line call, and the loop writes it from its own values,
//! without building the event: for the two hottest ("polled" and the
//! "ready"s it caused), `log_polled` in `poll.rs`; for a spawn, a task's end,
//! a timer's firing and a take-in outside a poll, [`emit_recorded`] and
//! [`log_made`]. Only the rare events (a panic, a warning, the clock moving)
//! are built, and recorded from the event.
//!
//! [`emit_recorded`]: Inspector::emit_recorded
//! [`log_made`]: Inspector::log_made
//! [`deliver_run`]: Inspector::deliver_run

use std::cell::{Cell, RefCell, RefMut};
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::{Rc, Weak};
use std::task::Waker;
use std::time::Duration;

use super::busy::BusyTable;
use super::carries::Carries;
use super::finished::FinishedRing;
use crate::debug::{DebugConfig, Diagnostic, Sink, stderr_sink};
use crate::inspect::{
    EventLog, InspectPrimitive, LoopEvent, LoopEventKind, PollResult, PrimitiveInfo, Record,
    TaskInfo,
};
use crate::sys::usage::{self, Usage};
use crate::task::{Header, WaitOn};
use crate::time::{Instant, TimerDriver};

/// An event listener given to `subscribe`.
pub(crate) type Listener = Box<dyn FnMut(&LoopEvent)>;

/// Everything the loop keeps to be seen inside (see the module docs).
pub(crate) struct Inspector {
    /// The clock that stamps events.
    clock: Rc<TimerDriver>,
    /// The one branch paid when nobody listens.
    listening: Cell<bool>,
    /// Exactly one listener, no log, no change waiting to be merged: an
    /// event goes straight to that listener.
    alone: Cell<bool>,
    /// The log and no listener, no change waiting: an event goes straight
    /// into the log as a record.
    log_alone: Cell<bool>,
    listeners: RefCell<Vec<(u64, Listener)>>,
    /// Listeners subscribed by a listener, while the list is in use.
    added: RefCell<Vec<(u64, Listener)>>,
    /// The live subscriptions, in order (one unsubscribed during a dispatch
    /// is not live, though `listeners` holds it until the merge).
    subscribed: RefCell<Vec<u64>>,
    next_listener: Cell<u64>,
    log: RefCell<Option<EventLog>>,
    /// Events waiting for delivery, oldest first.
    pending: RefCell<VecDeque<LoopEvent>>,
    dispatching: Cell<bool>,
    has_pending: Cell<bool>,
    has_log: Cell<bool>,
    /// Set when the listener list changes while a dispatch has it out.
    changed: Cell<bool>,
    /// The time to stamp events with while the loop finishes a poll (the
    /// poll's own clock reading: one read serves them all).
    stamp: Cell<Option<Instant>>,
    /// Measure every poll's duration (debug mode is on, or it was asked
    /// for: a listener alone does not pay two clock reads per poll).
    timing: Cell<bool>,
    timing_forced: Cell<bool>,
    debug: Cell<DebugConfig>,
    /// Taken out while it runs (a sink may replace itself).
    sink: RefCell<Option<Sink>>,
    finished: RefCell<FinishedRing>,
    keep_finished: Cell<usize>,
    /// The time each task's timed polls took.
    busy: RefCell<BusyTable>,
    /// A poll was ever timed: until then every task's total is zero, and a
    /// finish (recorded for every task) does not look.
    any_busy: Cell<bool>,
    /// Synchronization primitives created in this loop, for snapshots.
    primitives: RefCell<Vec<Weak<dyn InspectPrimitive>>>,
    /// The registry's length after its last pruning.
    primitives_pruned: Cell<usize>,
}

impl Inspector {
    pub(crate) fn new(
        clock: Rc<TimerDriver>,
        debug: DebugConfig,
        sink: Sink,
        poll_timing: bool,
        keep_finished: usize,
    ) -> Inspector {
        let inspector = Inspector {
            clock,
            listening: Cell::new(false),
            alone: Cell::new(false),
            log_alone: Cell::new(false),
            listeners: RefCell::new(Vec::new()),
            added: RefCell::new(Vec::new()),
            subscribed: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            log: RefCell::new(None),
            pending: RefCell::new(VecDeque::new()),
            dispatching: Cell::new(false),
            has_pending: Cell::new(false),
            has_log: Cell::new(false),
            changed: Cell::new(false),
            stamp: Cell::new(None),
            timing: Cell::new(false),
            timing_forced: Cell::new(poll_timing),
            debug: Cell::new(debug),
            sink: RefCell::new(Some(sink)),
            finished: RefCell::new(FinishedRing::default()),
            keep_finished: Cell::new(keep_finished),
            busy: RefCell::new(BusyTable::default()),
            any_busy: Cell::new(false),
            primitives: RefCell::new(Vec::new()),
            primitives_pruned: Cell::new(0),
        };
        inspector.update_flags();
        inspector
    }

    // ----- the event stream -------------------------------------------------

    /// True while a listener or the log wants events.
    #[inline]
    pub(crate) fn listening(&self) -> bool {
        self.listening.get()
    }

    /// Emits an event, stamped now; `make` runs only if someone listens.
    #[inline]
    pub(crate) fn emit(&self, make: impl FnOnce() -> LoopEventKind) {
        if self.listening.get() {
            self.deliver_made(self.stamped(), make, owns_nothing);
        }
    }

    /// `emit` for the hottest events, whose emitter knows whether the event
    /// owns anything (a "woken" never does; a "polled" only when it panicked
    /// or waits on a primitive): the question is answered from the
    /// emitter's small values, not by matching the built event (checked in
    /// debug builds).
    #[inline]
    pub(crate) fn emit_known(
        &self,
        owns_nothing: impl FnOnce() -> bool,
        make: impl FnOnce() -> LoopEventKind,
    ) {
        if self.listening.get() {
            self.deliver_made(self.stamped(), make, |kind| {
                let plain = owns_nothing();
                debug_assert_eq!(plain, self::owns_nothing(kind), "{kind:?}");
                plain
            });
        }
    }

    /// `emit` for an event the log can keep as a record made from the
    /// loop's own values (`record`, given the time as records keep it):
    /// while the log is the only watcher, the event is not built (unless
    /// its record is full); every other watcher gets it as from `emit`.
    #[inline(always)]
    pub(crate) fn emit_recorded(
        &self,
        record: impl FnOnce(Option<u64>) -> Record,
        make: impl FnOnce() -> LoopEventKind,
    ) {
        if self.listening.get() {
            self.deliver_recorded(self.stamped(), record, make);
        }
    }

    /// `emit_recorded` at `at` (as `emit_at`).
    #[inline(always)]
    pub(crate) fn emit_recorded_at(
        &self,
        at: Instant,
        record: impl FnOnce(Option<u64>) -> Record,
        make: impl FnOnce() -> LoopEventKind,
    ) {
        if self.listening.get() {
            self.deliver_recorded(at, record, make);
        }
    }

    #[inline(always)]
    fn deliver_recorded(
        &self,
        at: Instant,
        record: impl FnOnce(Option<u64>) -> Record,
        make: impl FnOnce() -> LoopEventKind,
    ) {
        if self.log_alone() {
            self.log_made(
                || record(Record::time(at)),
                || LoopEvent { at, kind: make() },
            );
        } else {
            self.deliver_made(at, make, owns_nothing);
        }
    }

    /// While the log is alone ([`log_alone`](Self::log_alone)): the
    /// `record` the loop made goes into the ring, and `event` is built only
    /// if the record is full (or, in debug builds, to check the record: see
    /// [`EventLog::record`]). Out of line, as `log_only`: the place that
    /// emits carries a call, and the closures it passes read what they
    /// need where they run (a task's spawn reads its birth record there).
    #[inline(never)]
    pub(crate) fn log_made(
        &self,
        record: impl FnOnce() -> Record,
        event: impl FnOnce() -> LoopEvent,
    ) {
        debug_assert!(self.log_alone());
        if let Some(log) = self.log.borrow_mut().as_mut() {
            log.record(record(), event);
        }
    }

    /// True when the log is the only watcher (`log_alone`): then the loop
    /// records its events straight from its own values, never building them:
    /// the hottest ("polled", "ready") through [`log_mut`](Self::log_mut),
    /// the others through [`log_made`](Self::log_made).
    ///
    /// Not while a dispatch is under way: a listener's drop, run as the
    /// dispatch brings the list up to date, may leave the log alone and
    /// then spawn or wake; what it causes waits for the dispatch, in order.
    #[inline]
    pub(crate) fn log_alone(&self) -> bool {
        self.log_alone.get() && !self.dispatching.get()
    }

    /// The log, to write records the loop builds itself while `log_alone`
    /// ([`EventLog::record`]), borrowed once for all the records of a poll.
    /// No user code runs while it is out: nothing else can ask for it.
    #[inline]
    pub(crate) fn log_mut(&self) -> Option<RefMut<'_, EventLog>> {
        debug_assert!(self.log_alone());
        RefMut::filter_map(self.log.borrow_mut(), Option::as_mut).ok()
    }

    /// Emits an event stamped `at` (a time the loop also records elsewhere,
    /// so that a snapshot and the event stream agree).
    #[inline]
    pub(crate) fn emit_at(&self, at: Instant, make: impl FnOnce() -> LoopEventKind) {
        if self.listening.get() {
            self.deliver_made(at, make, owns_nothing);
        }
    }

    /// Stamps the events emitted until `None` with `at` (a reading the loop
    /// already made: the turn's, or the end of a timed poll), instead of
    /// reading the clock for each.
    #[inline]
    pub(crate) fn set_stamp(&self, at: Option<Instant>) {
        self.stamp.set(at);
    }

    /// The time of an event emitted now: the stamp, or else the clock.
    #[inline]
    pub(crate) fn stamped(&self) -> Instant {
        self.stamp.get().unwrap_or_else(|| self.clock.now())
    }

    /// Builds the event `make` says, at `at`, and delivers it: to the one
    /// listener, inline, when that is all there is to do (see `alone`); to
    /// the log, out of line, when it is alone (see `log_only`); otherwise
    /// the general way. Then lets it go: most events own nothing (a
    /// "woken", a "polled" that did not panic, as `plain` tells), and those
    /// are forgotten instead of running the drop glue of the whole event
    /// enum, an out-of-line call of about 27 instructions per event (a
    /// tenth of a watched yield's extra cost).
    ///
    /// The event is built before the choice, as it was before the log had
    /// a way of its own: built inside each branch, the same instructions
    /// made a watched ping-pong (B2) 30 % slower in time.
    #[inline(always)]
    fn deliver_made(
        &self,
        at: Instant,
        make: impl FnOnce() -> LoopEventKind,
        plain: impl FnOnce(&LoopEventKind) -> bool,
    ) {
        let event = LoopEvent { at, kind: make() };
        let plain = plain(&event.kind);
        self.deliver(event, plain);
    }

    /// Delivers `event`, built (see `deliver_made`; `plain`: it owns
    /// nothing), the way this moment calls for. For an emitter that builds
    /// the whole event itself, while someone listens.
    #[inline(always)]
    pub(crate) fn deliver(&self, event: LoopEvent, plain: bool) {
        debug_assert!(!plain || owns_nothing(&event.kind), "{event:?}");
        if self.listener_alone() {
            self.deliver_to_the_one_listener(&event);
        } else if self.log_alone() {
            self.log_only(&event);
        } else {
            self.deliver_generally(&event);
        }
        forget_if(event, plain);
    }

    /// True when one listener is the only watcher and no dispatch is under
    /// way: a poll's events can then go to it as one run
    /// ([`deliver_run`](Self::deliver_run)).
    #[inline]
    pub(crate) fn listener_alone(&self) -> bool {
        self.alone.get() && !self.dispatching.get()
    }

    /// The events of one poll, while one listener watches alone
    /// ([`listener_alone`](Self::listener_alone)): `first` (its "polled",
    /// which the caller lets go), then the event `make` builds of each item
    /// `next` gives (the "ready"s it caused, which own nothing) until
    /// `None`, in one dispatch: the flag set and cleared once, not once per
    /// event, and no call between them. Each event is built in place and
    /// lent to the listener, never moved: an event is 13 words, and moving
    /// them into and out of the run cost more than the run saved.
    ///
    /// As after any event, what the listener does is dealt with right after
    /// its call: a change to the list is merged, the events it caused are
    /// delivered (after its event, before the next). Then the run ends, and
    /// the rest of its events go one by one, the way each one's moment calls
    /// for (the listener may no longer be alone).
    #[inline(always)]
    pub(crate) fn deliver_run<T>(
        &self,
        first: &LoopEvent,
        mut next: impl FnMut() -> Option<T>,
        make: impl Fn(T) -> LoopEvent,
    ) {
        debug_assert!(self.listener_alone());
        let dispatching = Dispatching::start(&self.dispatching);
        // The list stays borrowed for the whole run, as for one event (see
        // `dispatch`): between two calls only the take-in runs, which never
        // touches it.
        let panicked = {
            let mut listeners = self.listeners.borrow_mut();
            match listeners.first_mut() {
                Some((id, listener)) => {
                    let mut panicked = call_caught(listener, first);
                    while !panicked
                        && self.alone.get()
                        && let Some(item) = next()
                    {
                        let event = make(item);
                        debug_assert!(owns_nothing(&event.kind), "{event:?}");
                        panicked = call_caught(listener, &event);
                        std::mem::forget(event);
                    }
                    panicked.then_some(*id)
                }
                None => None,
            }
        };
        let disturbed = self.after_the_one_listener(panicked);
        drop(dispatching);
        if disturbed {
            self.deliver_rest(next, make);
        }
    }

    /// The rest of a run a listener disturbed, one event at a time.
    #[cold]
    #[inline(never)]
    fn deliver_rest<T>(&self, mut next: impl FnMut() -> Option<T>, make: impl Fn(T) -> LoopEvent) {
        while let Some(item) = next() {
            if self.listening.get() {
                self.deliver(make(item), true);
            }
        }
    }

    /// The dispatch for the log and no listener: no user code runs, so
    /// nothing can re-enter; the event becomes a record in the ring (see
    /// `inspect/log.rs`). Out of line, so that the places the loop emits
    /// carry a call, not the log's code. (The two hottest events do not
    /// come here: the loop records them from its packed values, see
    /// `log_polled`.)
    #[inline(never)]
    fn log_only(&self, event: &LoopEvent) {
        if let Some(log) = self.log.borrow_mut().as_mut() {
            log.push(event);
        }
    }

    /// The dispatch for one listener and no log (see the module docs): no
    /// loop over the list, no log, no call. A watched yield delivers two
    /// events (its "polled" and the "ready" it caused); taking this way
    /// saves it about 60 instructions of the 275 that watching cost.
    #[inline(always)]
    fn deliver_to_the_one_listener(&self, event: &LoopEvent) {
        let _done = Dispatching::start(&self.dispatching);
        self.tell_the_one_listener(event);
    }

    /// Calls the one listener with `event` (the dispatch is under way),
    /// then deals with what it did; true if it did anything that may matter
    /// to the next event (subscribed, unsubscribed, panicked, caused events,
    /// started the log), after which it may no longer be alone.
    #[inline(always)]
    fn tell_the_one_listener(&self, event: &LoopEvent) -> bool {
        let panicked = {
            let mut listeners = self.listeners.borrow_mut();
            match listeners.first_mut() {
                Some((id, listener)) => call_caught(listener, event).then_some(*id),
                None => None,
            }
        };
        self.after_the_one_listener(panicked)
    }

    /// What follows the one listener's call (or run of calls): the listener
    /// that panicked (its id) is dropped, and what it did is dealt with;
    /// true if it did anything that may matter to the next event.
    #[inline(always)]
    fn after_the_one_listener(&self, panicked: Option<u64>) -> bool {
        if let Some(id) = panicked {
            self.drop_panicked(id);
        }
        // Whatever the listener did that matters clears `alone`: a change
        // to the list (subscribe, unsubscribe, a panic), an event it caused
        // (`defer`), the log started or stopped. So one look tells that it
        // did nothing, the common case.
        if self.alone.get() {
            return false;
        }
        self.after_a_disturbance();
        true
    }

    /// What a listener alone did that matters, dealt with after its event
    /// (see `tell_the_one_listener`): the general way's rules apply from
    /// here. The list is brought up to date, the events it caused are
    /// delivered, and `alone` is worked out again.
    #[cold]
    #[inline(never)]
    fn after_a_disturbance(&self) {
        if self.changed.get() {
            self.merge_listeners();
        }
        if self.has_pending.get() {
            self.dispatch_pending();
        }
        self.update_flags();
    }

    #[inline(never)]
    fn deliver_generally(&self, event: &LoopEvent) {
        if self.dispatching.replace(true) {
            // A listener caused it: the dispatch below us delivers it, after
            // the event it is handling.
            self.defer(event);
            return;
        }
        let _done = Dispatching(&self.dispatching);
        self.dispatch(event);
        if self.has_pending.get() {
            self.dispatch_pending();
        }
    }

    #[cold]
    #[inline(never)]
    fn defer(&self, event: &LoopEvent) {
        self.pending.borrow_mut().push_back(event.clone());
        self.has_pending.set(true);
        // Not the short way until it is delivered (`tell_the_one_listener`
        // looks at `alone` alone).
        self.alone.set(false);
    }

    #[cold]
    #[inline(never)]
    fn dispatch_pending(&self) {
        while self.has_pending.get() {
            let next = {
                let mut pending = self.pending.borrow_mut();
                let next = pending.pop_front();
                self.has_pending.set(!pending.is_empty());
                next
            };
            if let Some(event) = next {
                self.dispatch(&event);
            }
        }
    }

    /// Logs `event` and calls every listener with it.
    fn dispatch(&self, event: &LoopEvent) {
        if self.has_log.get()
            && let Some(log) = self.log.borrow_mut().as_mut()
        {
            log.push(event);
        }
        // The list stays borrowed while listeners run. They may subscribe
        // (into `added`) or unsubscribe (out of `subscribed`); `changed`
        // says so, and the list is brought up to date after the event. No
        // other code borrows the list meanwhile: events a listener causes
        // are deferred, never dispatched inside it.
        {
            let mut listeners = self.listeners.borrow_mut();
            for (id, listener) in listeners.iter_mut() {
                if (!self.changed.get() || self.subscribed.borrow().contains(id))
                    && call_caught(listener, event)
                {
                    self.drop_panicked(*id);
                }
            }
        }
        if self.changed.get() {
            self.merge_listeners();
        }
    }

    /// A listener panicked. The loop is in the middle of its work (a poll's
    /// end, a timer's firing), so the panic goes no further, as a task's
    /// does not: the panic hook has printed it, and the listener, whose own
    /// state it may have broken, is unsubscribed. The others keep hearing
    /// every event.
    #[cold]
    #[inline(never)]
    fn drop_panicked(&self, id: u64) {
        self.subscribed.borrow_mut().retain(|i| *i != id);
        self.changed.set(true);
        self.update_flags();
    }

    /// Adds the listeners subscribed during a dispatch and drops the ones
    /// unsubscribed, after every borrow ended (a listener's drop may run
    /// any code).
    #[cold]
    #[inline(never)]
    fn merge_listeners(&self) {
        let added = std::mem::take(&mut *self.added.borrow_mut());
        let gone: Vec<_> = {
            let mut listeners = self.listeners.borrow_mut();
            listeners.extend(added);
            let subscribed = self.subscribed.borrow();
            if subscribed.is_empty() {
                // All gone (the loop shutting down): the list itself.
                std::mem::take(&mut *listeners)
            } else {
                // Allocates only when some are gone.
                listeners
                    .extract_if(.., |(id, _)| !subscribed.contains(id))
                    .collect()
            }
        };
        self.changed.set(false);
        self.update_flags();
        drop(gone);
    }

    /// Calls `listener` with every event from now on; returns its id.
    pub(crate) fn subscribe(&self, listener: Listener) -> u64 {
        let id = self.next_listener.get();
        self.next_listener.set(id + 1);
        match self.listeners.try_borrow_mut() {
            Ok(mut listeners) => listeners.push((id, listener)),
            // A listener subscribes: the dispatch adds it after the event.
            Err(_) => {
                self.added.borrow_mut().push((id, listener));
                self.changed.set(true);
            }
        }
        self.subscribed.borrow_mut().push(id);
        self.update_flags();
        id
    }

    /// Stops a listener (at once, even in the middle of a dispatch). False
    /// if it was already gone.
    pub(crate) fn unsubscribe(&self, id: u64) -> bool {
        let removed = {
            let mut subscribed = self.subscribed.borrow_mut();
            let before = subscribed.len();
            subscribed.retain(|i| *i != id);
            subscribed.len() != before
        };
        self.changed.set(true);
        if removed && !self.dispatching.get() {
            // Outside a dispatch the listener can be dropped now; inside
            // one it is dropped when the dispatch brings the list up to date.
            self.merge_listeners();
        }
        self.update_flags();
        removed
    }

    pub(crate) fn record_events(&self, capacity: usize) {
        let old = self.log.replace(Some(EventLog::new(capacity)));
        drop(old);
        self.update_flags();
    }

    pub(crate) fn stop_recording(&self) {
        let old = self.log.replace(None);
        drop(old);
        self.update_flags();
    }

    pub(crate) fn events(&self) -> Vec<LoopEvent> {
        self.log
            .borrow()
            .as_ref()
            .map(EventLog::events)
            .unwrap_or_default()
    }

    pub(crate) fn take_events(&self) -> Vec<LoopEvent> {
        self.log
            .borrow_mut()
            .as_mut()
            .map(EventLog::take)
            .unwrap_or_default()
    }

    fn update_flags(&self) {
        self.has_log.set(self.log.borrow().is_some());
        let listening = !self.subscribed.borrow().is_empty() || self.has_log.get();
        self.listening.set(listening);
        // One listener and nothing else: events take the short way. With no
        // change waiting, the live subscriptions are the list's (which a
        // dispatch may have out: `subscribed` it never has).
        // Nor with an event a listener caused still waiting for delivery:
        // a listener that causes one and then starts and stops the log is
        // not alone until it is delivered (`tell_the_one_listener`).
        let (quiet, listeners) = (!self.changed.get(), self.subscribed.borrow().len());
        self.alone
            .set(!self.has_log.get() && quiet && listeners == 1 && !self.has_pending.get());
        self.log_alone
            .set(self.has_log.get() && quiet && listeners == 0);
        self.timing
            .set(self.timing_forced.get() || self.debug.get().enabled);
    }

    /// Drops every listener (the loop is shutting down).
    pub(crate) fn clear_listeners(&self) {
        self.subscribed.borrow_mut().clear();
        self.changed.set(true);
        if !self.dispatching.get() {
            self.merge_listeners();
        }
        self.update_flags();
    }

    // ----- timing and debug mode ---------------------------------------------

    /// True when polls are to be timed.
    #[inline]
    pub(crate) fn timing(&self) -> bool {
        self.timing.get()
    }

    pub(crate) fn set_poll_timing(&self, on: bool) {
        self.timing_forced.set(on);
        self.update_flags();
    }

    pub(crate) fn debug(&self) -> DebugConfig {
        self.debug.get()
    }

    pub(crate) fn set_debug(&self, debug: DebugConfig) {
        self.debug.set(debug);
        self.update_flags();
    }

    pub(crate) fn set_sink(&self, sink: Sink) {
        let old = self.sink.replace(Some(sink));
        drop(old);
    }

    /// Reports a finding of debug mode: to the sink, then as an event.
    pub(crate) fn diagnose(&self, d: Diagnostic) {
        let taken = self.sink.borrow_mut().take();
        if let Some(mut sink) = taken {
            // A sink is user code called in the middle of the loop's work,
            // like a listener: its panic is caught (the panic hook prints
            // it), and stderr takes the reports from then on.
            let panicked = catch_unwind(AssertUnwindSafe(|| sink(&d))).is_err();
            let next = if panicked { stderr_sink() } else { sink };
            // Put it back, unless the sink was replaced while it ran.
            let unused = {
                let mut slot = self.sink.borrow_mut();
                if slot.is_none() {
                    *slot = Some(next);
                    None
                } else {
                    Some(next)
                }
            };
            drop(unused);
        }
        self.emit(|| LoopEventKind::Diagnostic(d));
    }

    /// What a poll starts from, in debug mode: the thread's CPU time and
    /// context switches, to tell a slow poll from a preempted one.
    #[inline]
    pub(crate) fn poll_usage(&self) -> Option<Usage> {
        if self.debug.get().enabled {
            usage::thread_usage()
        } else {
            None
        }
    }

    /// A poll took `took_nanos` (wall time), starting from `before`: a slow
    /// poll in debug mode?
    #[inline]
    pub(crate) fn check_slow_poll(&self, header: &Header, took_nanos: u64, before: Option<Usage>) {
        let debug = self.debug.get();
        if debug.enabled && u128::from(took_nanos) > debug.slow_poll.as_nanos() {
            let took = Duration::from_nanos(took_nanos);
            self.slow_poll(header, took, debug.slow_poll, before);
        }
    }

    #[cold]
    fn slow_poll(
        &self,
        header: &Header,
        took: Duration,
        threshold: Duration,
        before: Option<Usage>,
    ) {
        let spent = before.and_then(|b| usage::thread_usage().map(|a| b.until(a)));
        // Preempted, not slow: its own CPU time was under the threshold and
        // it never gave the CPU up itself. A report must never be false.
        if let Some(spent) = spent
            && spent.cpu < threshold
            && spent.involuntary > 0
            && spent.voluntary == 0
        {
            return;
        }
        {
            self.diagnose(Diagnostic::SlowPoll {
                task: header.id,
                name: header.name().into_string(),
                took,
                threshold,
                cpu: spent.map(|s| s.cpu),
            });
        }
    }

    /// A task failed and nobody will read it (debug mode reports it).
    pub(crate) fn failure_unread(&self, header: &Header, message: String) {
        if self.debug.get().enabled {
            self.diagnose(Diagnostic::UnretrievedFailure {
                task: header.id,
                name: header.name().into_string(),
                message,
            });
        }
    }

    // ----- finished tasks ------------------------------------------------------

    /// Keeps a finished task for snapshots (if any are kept).
    pub(crate) fn record_finished(&self, header: &Header, carries: &Carries, at: Instant) {
        let keep = self.keep_finished.get();
        if keep > 0 {
            let busy = self.busy_of(header);
            let counts = carries.counts(header);
            self.finished
                .borrow_mut()
                .record(header, counts, busy, at, keep);
        }
    }

    /// A timed poll of `task` took `nanos`.
    pub(crate) fn add_busy(&self, task: &Header, nanos: u64) {
        self.busy.borrow_mut().add(task.key(), nanos);
        self.any_busy.set(true);
    }

    /// The time `task`'s timed polls took, in nanoseconds.
    #[inline]
    pub(crate) fn busy_of(&self, task: &Header) -> u64 {
        if !self.any_busy.get() {
            return 0;
        }
        self.busy.borrow().of(task.key())
    }

    pub(crate) fn finished(&self) -> Vec<TaskInfo> {
        self.finished.borrow().iter().map(|f| f.info()).collect()
    }

    pub(crate) fn set_keep_finished(&self, n: usize) {
        self.keep_finished.set(n);
        self.finished.borrow_mut().keep_newest(n);
    }

    // ----- primitives ----------------------------------------------------------

    /// Registers a synchronization primitive so snapshots show it. Dead
    /// entries are pruned here and in every snapshot.
    pub(crate) fn register_primitive(&self, primitive: Weak<dyn InspectPrimitive>) {
        let mut list = self.primitives.borrow_mut();
        // Prune dead entries only when the list has doubled since the last
        // prune: registering stays O(1) amortised.
        if list.len() >= 2 * self.primitives_pruned.get().max(8) {
            list.retain(|p| p.strong_count() > 0);
            self.primitives_pruned.set(list.len());
        }
        list.push(primitive);
    }

    /// Shows `visit` every waker the live primitives hold.
    pub(crate) fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        let alive: Vec<_> = self
            .primitives
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for primitive in alive {
            primitive.held_wakers(visit);
        }
    }

    pub(crate) fn primitives(&self) -> Vec<PrimitiveInfo> {
        let alive: Vec<_> = {
            let mut list = self.primitives.borrow_mut();
            list.retain(|p| p.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        // The borrow has ended: a primitive's `info` may run any code.
        alive.iter().map(|p| p.info()).collect()
    }
}

/// Lets `event` go: forgotten if it owns nothing (no drop glue to run),
/// dropped otherwise.
#[inline(always)]
pub(super) fn forget_if(event: LoopEvent, owns_nothing: bool) {
    if owns_nothing {
        std::mem::forget(event);
    } else {
        drop(event);
    }
}

/// Calls `listener` with `event`, catching a panic; true if it panicked.
/// The panic's payload is dropped out of line, so that a listener that
/// returned costs no drop glue for the call's result (an out-of-line call
/// per event, as `.is_err()` left it: 15 instructions a task on a watched
/// A).
#[inline(always)]
fn call_caught(listener: &mut Listener, event: &LoopEvent) -> bool {
    match catch_unwind(AssertUnwindSafe(|| listener(event))) {
        Ok(()) => false,
        Err(payload) => {
            let_go(payload);
            true
        }
    }
}

/// Drops a listener's panic payload (see `call_caught`).
#[cold]
#[inline(never)]
fn let_go(payload: Box<dyn std::any::Any + Send>) {
    drop(payload);
}

/// True when dropping `kind` would free nothing, so forgetting it is the
/// same as dropping it. Every field is named (no `..`): a field added to one
/// of these variants stops the build here until it is judged, and
/// `plain` requires each named field to be `Copy`.
#[inline(always)]
fn owns_nothing(kind: &LoopEventKind) -> bool {
    fn plain<T: Copy>(_: &T) -> bool {
        true
    }
    match kind {
        LoopEventKind::Woken { task, cause } => plain(task) && plain(cause),
        LoopEventKind::Spawned { task, name, parent } => {
            plain(task) && name.owns_nothing() && plain(parent)
        }
        LoopEventKind::Polled {
            task,
            result: PollResult::Pending | PollResult::Ready,
            took,
            waiting_on,
        } => {
            plain(task)
                && plain(took)
                && match waiting_on {
                    None => true,
                    Some(WaitOn::Timer(at)) => plain(at),
                    Some(WaitOn::Task(task)) => plain(task),
                    Some(WaitOn::Io {
                        fd,
                        readable,
                        writable,
                    }) => plain(fd) && plain(readable) && plain(writable),
                    Some(WaitOn::Thread | WaitOn::Other) => true,
                    Some(WaitOn::Primitive { .. }) => false,
                }
        }
        LoopEventKind::TimerFired { owner, deadline } => plain(owner) && plain(deadline),
        LoopEventKind::ClockAdvanced { from, to } => plain(from) && plain(to),
        LoopEventKind::Completed { task } | LoopEventKind::Cancelled { task } => plain(task),
        _ => false,
    }
}

/// Clears the dispatching flag however the dispatch ends (a listener may
/// panic; the next event must still be delivered).
struct Dispatching<'a>(&'a Cell<bool>);

impl<'a> Dispatching<'a> {
    /// Sets the flag, until the guard drops.
    #[inline(always)]
    fn start(flag: &'a Cell<bool>) -> Dispatching<'a> {
        flag.set(true);
        Dispatching(flag)
    }
}

impl Drop for Dispatching<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::TaskId;
    use crate::time::ClockKind;

    #[test]
    fn a_listener_alone_takes_the_short_way_again_after_a_change_made_during_a_dispatch() {
        let debug = DebugConfig {
            enabled: false,
            slow_poll: Duration::from_millis(100),
        };
        let clock = Rc::new(TimerDriver::new(ClockKind::Virtual));
        let inspector = Rc::new(Inspector::new(clock, debug, stderr_sink(), false, 0));
        let weak = Rc::downgrade(&inspector);
        let heard = Rc::new(Cell::new(0));
        let counter = heard.clone();
        inspector.subscribe(Box::new(move |_| {
            counter.set(counter.get() + 1);
            let inspector = weak.upgrade().unwrap();
            match counter.get() {
                2 => inspector.record_events(10),
                4 => inspector.stop_recording(),
                5 => {
                    // Subscribed during a dispatch: added after it.
                    inspector.subscribe(Box::new(|_| {}));
                }
                _ => {}
            }
        }));
        let emit = || inspector.emit(|| LoopEventKind::Completed { task: TaskId(1) });
        assert!(
            inspector.alone.get(),
            "subscribed outside a dispatch: alone at once"
        );
        emit(); // the short way
        assert!(inspector.alone.get(), "one listener, no log");
        emit(); // the short way; the listener starts the log
        assert!(!inspector.alone.get(), "a log is kept");
        emit(); // the general way, logged
        emit(); // the general way; the listener stops the log, the list out
        assert!(
            inspector.alone.get(),
            "one listener and no log again, though the list was out"
        );
        emit(); // the short way; the listener subscribes a second one
        assert!(!inspector.alone.get(), "two listeners");
        assert_eq!(
            inspector.listeners.borrow().len(),
            2,
            "the second one was added"
        );
        assert_eq!(heard.get(), 5);
        assert_eq!(inspector.events().len(), 0, "the log is gone");
        // Every listener goes, and is dropped, at once.
        inspector.clear_listeners();
        assert!(inspector.listeners.borrow().is_empty());
        assert_eq!(
            Rc::strong_count(&heard),
            1,
            "the first listener was dropped"
        );
    }
}

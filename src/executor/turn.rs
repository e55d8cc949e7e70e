//! One turn of the loop, and driving the loop turn after turn.
//!
//! ```text
//!   ┌──────────────────────────────────────────────────────────────────┐
//!   │ 1. collect: take in the wakes other threads sent; ask the poller  │
//!   │             (without waiting) if descriptors are registered; fire │
//!   │             every timer whose deadline has passed                 │
//!   │ 2. poll:    pop a ready task (by policy) and poll it, at most     │
//!   │             BATCH times before going back to 1, so a task that    │
//!   │             keeps waking itself cannot starve timers and threads  │
//!   │ 3. idle:    nothing ready? wait for the world (idle.rs): block in │
//!   │             the poller until I/O, a wake from another thread, or  │
//!   │             the earliest deadline; on the virtual clock, jump to  │
//!   │             that deadline instead                                 │
//!   └──────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Between the steps the loop *takes in* the wakes made since it last
//! looked (`take_in`): a wake itself only queues a key, and this is where
//! listeners hear of it, right after the event that caused it (the poll
//! that woke it, the timer that fired).

use std::pin::Pin;
use std::time::Duration;

use super::core::Core;
use super::hook::Here;
use super::idle::Idle;
use super::poll::{OnePoll, Root};
use super::report::{RunError, RunErrorKind, RunReport, StepReport, Stop};
use crate::inspect::{EventLog, LoopEvent, LoopEventKind, Record};
use crate::task::{CancelStep, PackedCause, Source, TaskId, TaskRef, WakeCause};
use crate::time::{ClockKind, Instant};

/// Polls per turn before the loop looks at timers and other threads again
/// (tokio's current-thread scheduler uses the same number for I/O).
const BATCH: u64 = 61;

/// How long, on the real clock, a turn's timed polls may take together
/// before the turn ends early: the poll that reaches it is the turn's
/// last. Sixty-one polls of a task that blocks the loop for 200 ms would
/// keep a due timer waiting twelve seconds; this way a timer waits for
/// the poll in progress, as in asyncio, where each turn runs what was
/// ready when it began.
///
/// Only timed polls count (debug mode, or
/// [`Builder::poll_timing`](crate::Builder::poll_timing)): untimed, the
/// loop does not read the clock around a poll, and a turn is `BATCH`
/// polls. Nor does the virtual clock's loop cut turns short: its clock
/// does not move while tasks run, so no timer falls due meanwhile, and
/// there a turn's length stays independent of the machine's speed by
/// construction (a recorded schedule replays the same on any machine).
pub(super) const TURN_SPAN: Duration = Duration::from_millis(10);

/// What a driving loop runs until.
pub(crate) enum Goal<'a> {
    /// Until nothing is ready at the current time.
    Idle,
    /// Until `block_on`'s root future finishes.
    Root,
    /// Until the closure says so (a handle finished).
    Until(&'a dyn Fn() -> bool),
    /// Until no task is left.
    AllDone,
    /// Until the clock reads this instant, and nothing is ready.
    Time(Instant),
}

impl Core {
    // ANCHOR: turn
    /// Runs the loop until `goal`, the poll budget, an interrupt or a stall.
    pub(crate) fn drive(&self, goal: Goal<'_>, mut root: Root<'_>) -> Result<RunReport, RunError> {
        let mut polls = 0u64;
        let budget = self.poll_budget.get();
        let limit = match goal {
            Goal::Time(t) => Some(t),
            _ => None,
        };
        let stop = loop {
            if self.remote().take_interrupt() {
                break Err(RunErrorKind::Interrupted);
            }
            if self.goal_reached(&goal) {
                break Ok(Stop::Finished);
            }
            // 1. collect
            self.collect();
            // On the real clock time passes while tasks run: a span ends
            // when the turn that finds it over begins, busy or not. (The
            // virtual clock's span ends in `idle`, which moves the clock,
            // once the tasks its last timers woke have run.)
            if let Some(t) = limit
                && self.timers.clock_kind() == ClockKind::Real
                && self.turn_now.get() >= t
            {
                break Ok(Stop::TimeReached);
            }
            // 2. poll, at most BATCH tasks
            if !self.here().ready.borrow().is_empty() {
                // One count serves both bounds: the batch and the budget.
                let stop_at = budget.min(polls.saturating_add(BATCH));
                self.turn_spent.set(0);
                loop {
                    match self.poll_one(&mut root, None) {
                        OnePoll::Polled => polls += 1,
                        OnePoll::NoneReady => break,
                        OnePoll::TurnSpent => {
                            polls += 1;
                            break;
                        }
                    }
                    // An interrupt takes effect after the poll in progress.
                    if polls >= stop_at
                        || self.goal_reached(&goal)
                        || self.remote().interrupt_pending()
                    {
                        break;
                    }
                }
                if polls >= stop_at {
                    // A full batch: a long queue, perhaps a burst draining.
                    self.here().ready.borrow_mut().trim();
                    if polls >= budget && !self.goal_reached(&goal) {
                        break Err(RunErrorKind::BudgetExhausted);
                    }
                }
                continue;
            }
            // 3. idle
            if matches!(goal, Goal::Idle) {
                break Ok(Stop::Idle);
            }
            if self.goal_reached(&goal) {
                // What step 1 took in (another thread's job) may have ended it.
                break Ok(Stop::Finished);
            }
            match self.idle(limit) {
                Idle::Progress => {}
                Idle::TimeReached => break Ok(Stop::TimeReached),
                Idle::Stalled => break Err(RunErrorKind::Stalled(self.stall_report())),
            }
        };
        match stop {
            Ok(stop) => Ok(RunReport { polls, stop }),
            Err(kind) => Err(RunError::new(polls, kind)),
        }
    }
    // ANCHOR_END: turn

    /// A timed poll took `nanos`: true if, on the real clock, this turn's
    /// polls have now taken [`TURN_SPAN`] together (it was the turn's last).
    #[inline]
    pub(super) fn spend_turn(&self, nanos: u64) -> bool {
        let spent = self.turn_spent.get().saturating_add(nanos);
        self.turn_spent.set(spent);
        u128::from(spent) >= TURN_SPAN.as_nanos() && self.timers.clock_kind() == ClockKind::Real
    }

    fn goal_reached(&self, goal: &Goal<'_>) -> bool {
        match goal {
            Goal::Idle | Goal::Time(_) => false,
            Goal::Root => self.root_done.get() || self.root_cancelled.get(),
            Goal::Until(done) => done(),
            // A wake or a job from another thread not yet taken in may
            // still bring a task (a `LoopHandle::spawn`).
            Goal::AllDone => self.tasks.borrow().len() == 0 && !self.remote().has_remote(),
        }
    }

    /// Step 1 of a turn. The clock is read once: that time stamps the
    /// turn's spawns and finishes (`coarse_now`) and decides which timers
    /// are due. (A deadline passing during the turn fires next turn.)
    ///
    /// That one reading also stamps the events of this step: what came from
    /// other threads, from I/O and from timers was found at `now`.
    pub(super) fn collect(&self) {
        let now = self.now();
        self.turn_now.set(now);
        let watched = self.inspector.listening();
        if watched {
            self.inspector.set_stamp(Some(now));
        }
        self.collect_remote();
        if self.reactor.has_registrations() {
            self.poll_io(Some(Duration::ZERO));
        }
        self.fire_timers(now);
        if watched {
            self.inspector.set_stamp(None);
        }
    }

    // ANCHOR: collect_remote
    /// Takes in the wakes other threads sent: each key still in the table is
    /// made ready, with the cause "woken by another thread".
    fn collect_remote(&self) {
        if !self.remote().has_remote() {
            return;
        }
        let mut keys = self.remote_buf.take();
        self.remote().take(&mut keys);
        for key in keys.drain(..) {
            let task = self.tasks.borrow().get(key);
            if let Some(task) = task {
                if task.record_wake(WakeCause::Thread) {
                    self.here().carries.wake_wrapped(task.key());
                }
                self.here().ready.borrow_mut().push(task);
            }
        }
        *self.remote_buf.borrow_mut() = keys;
        self.run_jobs();
        self.take_in();
    }
    // ANCHOR_END: collect_remote

    /// Runs the closures other threads sent (`LoopHandle`): each spawns a
    /// task, or cancels one. They are evloop's own closures; the user's
    /// code runs in the tasks they spawn.
    fn run_jobs(&self) {
        let mut jobs = Vec::new();
        self.remote().take_jobs(&mut jobs);
        if jobs.is_empty() {
            return;
        }
        let n = jobs.len();
        for job in jobs {
            job();
        }
        self.remote().jobs_done(n);
    }

    // ANCHOR: fire_timers
    /// Fires every timer due at `now`, in deadline order: tells listeners
    /// "timer fired", then calls its waker, then takes the wake in.
    fn fire_timers(&self, now: Instant) {
        if self.timers.is_empty() {
            return;
        }
        while let Some(fired) = self.timers.fire_next(now) {
            let (owner, deadline) = (fired.owner, fired.deadline);
            self.inspector.emit_recorded(
                |time| Record::timer_fired(time, owner, deadline),
                || LoopEventKind::TimerFired { owner, deadline },
            );
            self.wake_as(WakeCause::Timer, || fired.waker.wake());
        }
    }
    // ANCHOR_END: fire_timers

    /// Asks the poller for readiness (waiting up to `timeout`) and wakes the
    /// tasks waiting for each direction that became ready, with the cause
    /// "woken by I/O (fd N readable)".
    pub(super) fn poll_io(&self, timeout: Option<Duration>) {
        let mut woken = self.io_woken.take();
        // An error means a broken poller (EBADF), which nothing here can
        // repair; the wakes already collected are still delivered.
        let _ = self.reactor.poll(timeout, &mut woken);
        for (waker, cause) in woken.drain(..) {
            self.wake_as(cause, || waker.wake());
        }
        *self.io_woken.borrow_mut() = woken;
    }

    /// Calls wakers (in `wake`) as `cause`, then takes the wakes in.
    fn wake_as(&self, cause: WakeCause, wake: impl FnOnce()) {
        let here = self.here();
        let previous = here.source.replace(Source::Other(cause));
        wake();
        here.source.set(previous);
        self.take_in();
    }

    // ANCHOR: take_in
    /// Takes in the wakes made since the loop last looked: listeners hear
    /// "#N ready: woken by …" for each (after the event that caused it), and
    /// a step report learns whom its poll woke. Nobody watching, it is one
    /// look at a flag; watched, one comparison more when nothing was queued
    /// since the last look, as at most tasks' ends (a task's end makes a
    /// task ready only if one awaits its handle). The take-in after a poll,
    /// which nearly always has news (a yield), goes straight to the walk
    /// (`next_wake`): as the poll's own event's run when one listener
    /// watches alone (`tell_polled`), as records when the log does
    /// (`log_polled`), through `take_in_watched` otherwise.
    #[inline]
    pub(crate) fn take_in(&self) {
        if self.start_watching() && self.here().ready.borrow().has_news() {
            if self.inspector.log_alone() {
                self.take_in_recorded();
            } else {
                self.take_in_watched();
            }
        }
    }

    /// `take_in_watched` when the log watches alone: a record for each
    /// wake, from its packed cause. (The take-in after a poll chooses in
    /// the poll: see `log_polled`.) Each wake goes through `emit_recorded`
    /// rather than `take_in_logged`: sharing that closure with `log_polled`
    /// made the compiler call it out of line there, +3.7 % instructions on
    /// a logged yield (B1); a take-in here has one wake or two.
    #[inline(never)]
    fn take_in_recorded(&self) {
        self.take_in_each(|task, cause| {
            self.inspector.emit_recorded(
                |time| Record::woken(time, task, cause),
                || LoopEventKind::Woken {
                    task,
                    cause: cause.unpack(),
                },
            );
        });
    }

    /// Keeps the ready queue's "taken in" mark while someone watches; true
    /// if someone does. When watching starts, what was queued before is not
    /// news (called before each poll, so a step's own wakes are).
    #[inline]
    pub(super) fn start_watching(&self) -> bool {
        let watched = self.inspector.listening() || self.collecting.get();
        if watched != self.watching.replace(watched) && watched {
            self.here().ready.borrow_mut().take_all();
        }
        watched
    }

    #[inline(never)]
    pub(super) fn take_in_watched(&self) {
        // Unpacked as the event is built, straight into it.
        self.take_in_each(|task, cause| {
            self.inspector.emit_known(
                || true,
                || LoopEventKind::Woken {
                    task,
                    cause: cause.unpack(),
                },
            );
        });
    }

    /// `take_in_watched` after a poll when only the log watches: each
    /// wake's record, straight from its packed cause (see `inspect/log.rs`),
    /// at the poll's time `at` (`time` as records keep it), into the `log`
    /// the poll's own record went to.
    /// (Other take-ins, rarer, go the general way: the log takes the events
    /// they build as well.)
    #[inline(always)]
    pub(super) fn take_in_logged(&self, log: &mut EventLog, at: Instant, time: Option<u64>) {
        self.take_in_each(|task, cause| {
            log.record(Record::woken(time, task, cause), || LoopEvent {
                at,
                kind: LoopEventKind::Woken {
                    task,
                    cause: cause.unpack(),
                },
            });
        });
    }

    /// Tells of each wake not yet taken in: `tell` gets the woken task and
    /// the cause, packed.
    #[inline(always)]
    fn take_in_each(&self, mut tell: impl FnMut(TaskId, PackedCause)) {
        let here = self.here();
        if !may_take_in(here) {
            return;
        }
        // One key at a time, the queue borrowed only to take it: a listener
        // may wake a task, and that wake is taken in here too, after the
        // event that caused it.
        while let Some((task, cause)) = self.next_wake(here) {
            tell(task, cause);
        }
    }

    /// The oldest wake not yet taken in (the task and its cause, packed),
    /// which from now on is. `here` is the loop's [`here`](Core::here),
    /// asked once by the caller for all the wakes it takes in (asking
    /// checks the thread, and a listener's call between two wakes makes
    /// the compiler ask again).
    #[inline(always)]
    pub(super) fn next_wake(&self, here: &Here) -> Option<(TaskId, PackedCause)> {
        loop {
            let (task, cause, finished) = here
                .ready
                .borrow_mut()
                .take_next(|t| (t.id, t.packed_cause(), t.state.is_finished()))?;
            // A finished task (cancelled since) is not news; nor is a task
            // just spawned: it was queued, not woken.
            if finished || cause.is_spawned() {
                continue;
            }
            if self.collecting.get() {
                self.step_wakes.borrow_mut().push(task);
            }
            return Some((task, cause));
        }
    }
    // ANCHOR_END: take_in

    /// Polls exactly one ready task (after collecting).
    pub(crate) fn step(&self) -> Option<StepReport> {
        self.collect();
        let mut report = None;
        self.poll_one(&mut None, Some(&mut report));
        report
    }

    /// `block_on`: spawn the root, drive until it is done, remove it.
    pub(crate) fn run_root(
        &self,
        root: Pin<&mut dyn std::future::Future<Output = ()>>,
    ) -> Result<RunReport, RunError> {
        let task = self.insert_root();
        self.drive_root(&task, root)
    }

    /// Drives the loop until the root in the table, `task`, is done.
    pub(crate) fn drive_root(
        &self,
        task: &TaskRef,
        root: Pin<&mut dyn std::future::Future<Output = ()>>,
    ) -> Result<RunReport, RunError> {
        let report = self.drive(Goal::Root, Some(root));
        if self.root_cancelled.get() {
            let polls = report.as_ref().map_or_else(|e| e.polls, |r| r.polls);
            return Err(RunError::new(polls, RunErrorKind::Cancelled));
        }
        if !self.root_done.get() {
            // Interrupted or stalled: the root leaves the table, finished (a
            // stray wake of its waker finds it so).
            self.remove_root(task);
        }
        report
    }

    fn remove_root(&self, task: &TaskRef) {
        debug_assert_eq!(self.root_key.get(), Some(task.key()), "the root");
        let removed = self.tasks.borrow_mut().remove(task.key());
        self.here().carries.forget(task.key());
        if task.state.cancel() == CancelStep::DropFuture {
            let _ = task.drop_future();
        }
        drop(removed);
    }
}

/// False inside a poll (a task cancelled another): the poll's own take-in,
/// after its "polled" event, tells of these wakes.
#[inline(always)]
pub(super) fn may_take_in(here: &Here) -> bool {
    !matches!(here.source.get(), Source::Task(..))
}

#[cfg(test)]
mod tests {
    use crate::Builder;

    #[test]
    #[cfg_attr(
        miri,
        ignore = "20,000 tasks take minutes under Miri; the trim is safe code, and its rule is \
                  ready.rs's unit test"
    )]
    fn the_ready_queue_gives_back_a_burst_s_buffer() {
        // 20,000 tasks queued at once, all parked a turn later: the loop
        // trims the queue's buffer while it drains, not only at shutdown.
        let rt = Builder::new().virtual_clock().debug(false).build();
        let capacity = rt.block_on(async {
            for _ in 0..20_000 {
                crate::spawn(std::future::pending::<()>()).detach();
            }
            crate::task::yield_now().await; // every task is polled once
            crate::executor::context::with_core(|core| core.here().ready.borrow().capacity())
                .expect("inside block_on")
        });
        assert!(
            capacity <= 4_096,
            "a buffer of {capacity} kept for one task"
        );
    }
}

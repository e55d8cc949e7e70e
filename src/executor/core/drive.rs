//! Driving the loop: turns until a goal, and what to do when nothing is
//! ready (sleep, jump the virtual clock, or report a stall).

use super::*;

impl Core {
    // ----- driving ------------------------------------------------------------

    pub(super) fn goal_reached(&self, goal: &Goal<'_>) -> bool {
        match goal {
            Goal::Idle | Goal::Time(_) => false,
            Goal::Root => self.root_done.get(),
            Goal::Until(done) => done(),
            Goal::AllDone => self.tasks.borrow().len() == 0,
        }
    }

    /// Runs the loop until `goal`, the poll budget, an interrupt or a stall.
    pub(crate) fn drive(
        &self,
        goal: Goal<'_>,
        mut root: Option<Pin<&mut dyn Future<Output = ()>>>,
    ) -> RunReport {
        let mut polls = 0u64;
        let budget = self.poll_budget.get();
        let limit = match goal {
            Goal::Time(t) => Some(t),
            _ => None,
        };
        let stop = loop {
            if self.shared.take_interrupt() {
                break StopReason::Interrupted;
            }
            if self.goal_reached(&goal) {
                break StopReason::Finished;
            }
            self.collect();
            if !self.ready.borrow().is_empty() {
                for _ in 0..BATCH {
                    if !self.poll_one(&mut root, None) {
                        break;
                    }
                    polls += 1;
                    if polls >= budget || self.goal_reached(&goal) {
                        break;
                    }
                }
                if polls >= budget && !self.goal_reached(&goal) {
                    break StopReason::BudgetExhausted;
                }
                continue;
            }
            if matches!(goal, Goal::Idle) {
                break StopReason::Idle;
            }
            match self.idle(limit) {
                Idle::Progress => {}
                Idle::TimeReached => break StopReason::TimeReached,
                Idle::Stalled => break StopReason::Stalled(self.stall_report()),
            }
        };
        RunReport { polls, stop }
    }

    /// Nothing is ready: wait for something that can make a task ready.
    pub(super) fn idle(&self, limit: Option<Instant>) -> Idle {
        // Before looking at anything that decides the sleep: every wake from
        // now on pokes the poller (see `Shared::arm`).
        let may_block = self.shared.arm();
        let next = self
            .timers
            .borrow_mut()
            .next_deadline()
            .filter(|d| *d != Instant::FAR_FUTURE);
        match self.clock.kind() {
            ClockKind::Virtual => {
                if self.shared.external_pending() || self.reactor.has_waiters() {
                    // The virtual clock rule: a to_thread job or a socket may
                    // still wake a task, and virtual time must not run ahead
                    // of it. Wait for the world for real.
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
                let now = self.now();
                if limit.is_some_and(|l| now >= l) {
                    return Idle::TimeReached;
                }
                let wake_at = match (next, limit) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                if wake_at.is_none()
                    && !self.shared.external_pending()
                    && !self.reactor.has_waiters()
                    && self.nothing_can_wake()
                    && self.confirm_stall()
                {
                    return Idle::Stalled;
                }
                self.wait_for_world(may_block, wake_at.map(|t| t - now));
                Idle::Progress
            }
        }
    }

    /// The last check before reporting a stall: no wake from another thread
    /// is waiting in the remote queue.
    ///
    /// It must come *after* the checks that found no outside work and no
    /// outside waker clone. A worker thread wakes its task (pushing on the
    /// remote queue) and only then drops its `ExternalWork` guard and its
    /// waker. Having seen the guard or the waker gone (an `Acquire` load, or a
    /// relaxed count made visible by the fence below), the loop is sure to see
    /// the push that came before. Looking at the remote queue first, as
    /// `Shared::arm` does, could miss it, and report a deadlock while the
    /// wake sits in the queue.
    pub(super) fn confirm_stall(&self) -> bool {
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        !self.shared.has_remote()
    }

    /// True when no pending task's waker is held by anyone but evloop: with
    /// no timers and no outside work, nothing can ever wake any of them.
    pub(super) fn nothing_can_wake(&self) -> bool {
        self.tasks.borrow().iter().all(|s| s.waker_unreferenced())
    }

    pub(super) fn stall_report(&self) -> StallReport {
        let tasks = self.tasks.borrow();
        let mut waiting: Vec<_> = tasks
            .iter()
            .map(|s| {
                let h = s.header();
                (h.id, h.name.to_string(), h.wait())
            })
            .collect();
        waiting.sort_by_key(|(id, _, _)| *id);
        drop(tasks);
        StallReport {
            now: self.now(),
            waiting,
            primitives: self.primitive_infos(),
        }
    }

    pub(crate) fn step(&self) -> Option<StepReport> {
        self.collect();
        let mut report = None;
        self.poll_one(&mut None, Some(&mut report));
        report
    }

    pub(crate) fn take_root_panic(&self) -> Option<Box<dyn std::any::Any + Send>> {
        self.root_panic.borrow_mut().take()
    }

    /// `block_on`: spawn the root, drive until it is done, remove it.
    pub(crate) fn run_root(&self, root: Pin<&mut dyn Future<Output = ()>>) -> RunReport {
        let key = self.insert_root();
        let report = self.drive(Goal::Root, Some(root));
        if !self.root_done.get() {
            // Interrupted or stalled: take the root out of the table (and
            // mark it so: a stray wake of its waker finds it finished).
            let slot = self.tasks.borrow_mut().remove(key);
            if let Some(slot) = &slot {
                slot.header().state.set(TaskState::Cancelled);
            }
            drop(slot);
        }
        report
    }

    pub(crate) fn set_poll_budget(&self, budget: u64) {
        self.poll_budget.set(budget.max(1));
    }

    pub(crate) fn poll_budget(&self) -> u64 {
        self.poll_budget.get()
    }

    pub(crate) fn policy(&self) -> Policy {
        self.ready.borrow().policy()
    }

    pub(crate) fn set_policy(&self, policy: Policy) {
        self.ready.borrow_mut().set_policy(policy);
    }

    pub(crate) fn set_pct_steps(&self, steps: u32) {
        self.ready.borrow_mut().set_pct_steps(steps);
    }

    pub(crate) fn pct_steps(&self) -> u32 {
        self.ready.borrow().pct_steps()
    }

    pub(crate) fn record_schedule(&self, on: bool) {
        self.ready.borrow_mut().record(on);
    }

    pub(crate) fn schedule(&self) -> Schedule {
        self.ready.borrow().recorded()
    }

    pub(crate) fn replay(&self, schedule: &Schedule) {
        self.ready.borrow_mut().replay(schedule);
    }

    pub(crate) fn divergence(&self) -> Option<Divergence> {
        self.ready.borrow().divergence()
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.borrow().len()
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow_mut().next_deadline()
    }
}

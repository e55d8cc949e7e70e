//! One trial: the test body run once, under one policy, on a fresh loop.
//!
//! A trial builds a new runtime (so no state leaks from one run into the
//! next), records the schedule, runs the body with a poll budget, drops the
//! runtime (so leaked tasks and unretrieved failures are reported), and
//! sorts what happened into pass or a [`FailureKind`].

use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Duration;

use super::failure::FailureKind;
use super::outcome::TestOutcome;
use crate::debug::Diagnostic;
use crate::executor::trace::Step;
use crate::executor::{Divergence, Policy, RunErrorKind, Runtime, Schedule};
use crate::inspect::LoopEvent;
use crate::task::panic_message;
use crate::time::ClockKind;

/// How a trial is set up.
#[derive(Clone, Debug)]
pub(crate) struct TrialConfig {
    pub(crate) clock: ClockKind,
    pub(crate) strict: bool,
    pub(crate) slow_poll: Duration,
    pub(crate) poll_budget: u64,
    pub(crate) pct_steps: u32,
    /// Keep the event log (the most events kept; 0: none): for the trace
    /// of a failing run, and for the determinism check.
    pub(crate) record_events: usize,
}

/// What a trial did.
pub(crate) struct Trial {
    pub(crate) schedule: Schedule,
    pub(crate) divergence: Option<Divergence>,
    pub(crate) result: Result<(), FailureKind>,
    /// Debug-mode findings that did not fail the trial.
    pub(crate) warnings: Vec<Diagnostic>,
    /// Every choice with its alternatives and footprints (when traced).
    pub(crate) steps: Vec<Step>,
    /// The event log, when the config asked for one.
    pub(crate) events: Vec<LoopEvent>,
}

pub(crate) fn trial<B, Fut>(
    config: &TrialConfig,
    policy: Policy,
    replay: Option<&Schedule>,
    traced: bool,
    body: &B,
) -> Trial
where
    B: Fn() -> Fut,
    Fut: Future,
    Fut::Output: TestOutcome,
{
    let found: Rc<RefCell<Vec<Diagnostic>>> = Rc::default();
    let sink = found.clone();
    let mut builder = Runtime::builder()
        .clock(config.clock)
        .policy(policy)
        .pct_steps(config.pct_steps)
        .debug(true)
        .slow_poll_threshold(config.slow_poll)
        .keep_finished(0)
        .record_schedule(true)
        .diagnostics(move |d| sink.borrow_mut().push(d.clone()));
    if let Some(schedule) = replay {
        builder = builder.replay(schedule.clone());
    }
    let rt = builder.build();
    rt.set_poll_budget(config.poll_budget);
    if traced {
        rt.scheduler().trace(true);
    }
    if config.record_events > 0 {
        rt.events().record(config.record_events);
    }

    let ran = catch_unwind(AssertUnwindSafe(|| rt.try_block_on(body())));
    let schedule = rt.scheduler().recorded();
    let divergence = rt.scheduler().divergence();
    let steps = rt.scheduler().take_trace();
    let events = rt.events().take();
    drop(rt); // reports leaked tasks and unretrieved failures to the sink
    let found = found.take();

    let mut result = match ran {
        Err(payload) => Err(FailureKind::Panicked(panic_message(&*payload))),
        Ok(Err(e)) => match e.kind {
            RunErrorKind::Stalled(report) => Err(FailureKind::Deadlock(report)),
            RunErrorKind::BudgetExhausted => Err(FailureKind::NoProgress {
                polls: config.poll_budget,
            }),
            _ => Err(FailureKind::Stopped(e)),
        },
        Ok(Ok(out)) => out.into_result().map_err(FailureKind::Failed),
    };
    let mut warnings = Vec::new();
    for d in found {
        let fails = match &d {
            Diagnostic::UnretrievedFailure { .. } => Some(FailureKind::TaskPanicked(d.clone())),
            // A failed run leaves tasks behind by nature: not a second failure.
            Diagnostic::LeakedTasks { .. } if result.is_err() => None,
            _ if config.strict => Some(FailureKind::Strict(d.clone())),
            _ => None,
        };
        match fails {
            Some(kind) if result.is_ok() => result = Err(kind),
            Some(_) => {}
            None => warnings.push(d),
        }
    }
    Trial {
        schedule,
        divergence,
        result,
        warnings,
        steps,
        events,
    }
}

/// The most events a determinism check compares.
pub(crate) const EVENTS_KEPT: usize = 100_000;

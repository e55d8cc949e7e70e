//! What a body may do in one poll, checked before it is spawned.
//!
//! A poll runs until the task awaits something. `forever { print x }` never
//! does, so no poll budget or Ctrl-C could stop it: [`check_body`] refuses
//! it, and bounds the work (steps and `spin` time) any body can do in one
//! poll, counting each round of a `repeat` as a step (an empty block
//! repeated 2^64 times is 2^64 steps). It also checks that the tasks and
//! primitives a body names exist.

use std::time::Duration;

use super::body::{Body, Step};
use super::env::Env;

/// The longest `spin` time one poll may burn.
pub const MAX_SPIN_PER_POLL: Duration = Duration::from_secs(10);
/// The longest a `thread` step may block its worker thread (a run waits
/// for it, and no budget counts that wait).
pub const MAX_THREAD: Duration = Duration::from_secs(10);
/// The most steps one poll may run.
pub const MAX_STEPS_PER_POLL: u128 = 100_000;

/// Why a task's body can't be spawned in this session (`None`: it can).
pub fn check_body(body: &Body, env: &Env) -> Result<(), String> {
    if let Some(Step::Emit(_)) = find_step(&body.steps, &|s| matches!(s, Step::Emit(_))) {
        return Err(
            "emit hands a value out of a generator, and this is a task: \
             new generator NAME sleep 1s; emit 1 — then a task iterates it: spawn t for NAME { print got one }"
                .into(),
        );
    }
    check_any_body(body, env)
}

/// Why a generator's body can't be defined (`emit` is allowed).
pub fn check_generator(body: &Body, env: &Env) -> Result<(), String> {
    check_any_body(body, env)
}

/// The first step of `steps`, in blocks too, for which `pred` holds.
fn find_step<'s>(steps: &'s [Step], pred: &dyn Fn(&Step) -> bool) -> Option<&'s Step> {
    steps.iter().find_map(|s| match s {
        s if pred(s) => Some(s),
        Step::Repeat(_, inner)
        | Step::Forever(inner)
        | Step::For(_, inner)
        | Step::Read(_, inner)
        | Step::Write(_, inner) => find_step(inner, pred),
        _ => None,
    })
}

fn check_any_body(body: &Body, env: &Env) -> Result<(), String> {
    // Something to await: a task, or a bare future.
    let known = |n: &str| {
        env.task(n).is_some()
            || matches!(
                env.primitive(n),
                Some(super::primitive::Primitive::Future(_))
            )
    };
    for steps in [&body.steps, &body.finally] {
        check_steps(steps, &known, env, false)?;
        let cost = cost(steps);
        if cost.steps > MAX_STEPS_PER_POLL || cost.spin > MAX_SPIN_PER_POLL {
            return Err(format!(
                "this body could run {} steps and spin {} without awaiting anything, blocking the REPL; \
                 one poll may run at most {MAX_STEPS_PER_POLL} steps and spin at most {}s — add a yield or sleep",
                cost.steps,
                super::duration::format_duration(cost.spin.min(Duration::from_secs(u64::MAX / 2))),
                MAX_SPIN_PER_POLL.as_secs()
            ));
        }
    }
    Ok(())
}

fn check_steps(
    steps: &[Step],
    known: &dyn Fn(&str) -> bool,
    env: &Env,
    in_loop: bool,
) -> Result<(), String> {
    for step in steps {
        match step {
            Step::Thread(d) if *d > MAX_THREAD => {
                return Err(format!(
                    "thread {} would block a worker thread that long, and a run waits for it; \
                     a thread step takes at most {}s: thread 2s",
                    super::duration::format_duration(*d),
                    MAX_THREAD.as_secs()
                ));
            }
            Step::BreakOn(_) if !in_loop => {
                return Err(
                    "break-on leaves a repeat, forever or for block, and this one is in none: \
                     forever { get jobs; break-on None; task-done jobs }"
                        .into(),
                );
            }
            Step::Await(n) | Step::Shield(n) if super::name::is_pattern(n) => {
                return Err(format!(
                    "{n} stands for several tasks, and await waits for one; gather {n} waits for them all"
                ));
            }
            Step::Await(n) | Step::Shield(n) if !known(n) => {
                return Err(format!(
                    "no task named {n} — spawn it before a task that awaits it"
                ));
            }
            Step::Gather(names, _) => {
                if let Err(n) = env.expand(names) {
                    return Err(format!(
                        "no task named {n} — spawn it before a task that gathers it"
                    ));
                }
            }
            Step::Forever(inner) => {
                if !inner.iter().any(may_wait) {
                    return Err(
                        "forever { … } must contain a step that waits (yield, sleep, get, put, acquire, \
                         await…) at its top level, or it never gives the loop back: forever { print tick; sleep 1s }"
                            .into(),
                    );
                }
                check_steps(inner, known, env, true)?;
            }
            Step::Repeat(_, inner) => check_steps(inner, known, env, true)?,
            Step::For(generator, inner) => {
                if env.generator(generator).is_none() {
                    return Err(format!(
                        "no generator named {generator} — define it first: new generator {generator} sleep 1s; emit 1"
                    ));
                }
                check_steps(inner, known, env, true)?;
            }
            Step::Read(_, inner) | Step::Write(_, inner) => {
                super::primitive::check_step(step, env)?;
                check_steps(inner, known, env, in_loop)?;
            }
            // The arguments are checked by making the call's future (which
            // does nothing until awaited).
            Step::Run { function, args } => {
                let state = env.state.borrow().clone();
                drop(super::functions::call(state.as_ref(), function, args)?);
            }
            step if super::primitive::is_primitive_step(step) => {
                super::primitive::check_step(step, env)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// A step that may return `Pending` (wait for something). A loop made only
/// of these may still never wait (a queue that is never empty): one poll
/// is bounded at run time too (see `Env::count_step`).
fn may_wait(step: &Step) -> bool {
    always_suspends(step)
        || matches!(
            step,
            Step::Thread(_)
                | Step::Await(_)
                | Step::Shield(_)
                | Step::Gather(..)
                | Step::Acquire(_)
                | Step::Put(..)
                | Step::Get(_)
                | Step::Join(_)
                | Step::WaitEvent(_)
                | Step::For(..)
                | Step::Emit(_)
                | Step::Call(_)
                | Step::AcquireMany(..)
                | Step::WaitCond(_)
                | Step::WaitFor(..)
                | Step::CondSet(..)
                | Step::BarrierWait(_)
                | Step::Notified(_)
                | Step::Changed(_)
                | Step::Recv(_)
                | Step::Read(..)
                | Step::Write(..)
                | Step::JoinNext(_)
                | Step::WaitCancelled(_)
                | Step::Run { .. }
        )
}

/// A step that returns `Pending` at least once every time it runs.
fn always_suspends(step: &Step) -> bool {
    match step {
        // In a session a breakpoint always stops (the session listens).
        Step::Yield | Step::LoseWaker | Step::Breakpoint => true,
        Step::Sleep(d) => !d.is_zero(),
        _ => false,
    }
}

/// The most work a stretch of steps can do without suspending.
#[derive(Clone, Copy, Default)]
struct Cost {
    steps: u128,
    spin: Duration,
}

impl Cost {
    fn add(self, other: Cost) -> Cost {
        Cost {
            steps: self.steps.saturating_add(other.steps),
            spin: self.spin.saturating_add(other.spin),
        }
    }
    fn max(self, other: Cost) -> Cost {
        Cost {
            steps: self.steps.max(other.steps),
            spin: self.spin.max(other.spin),
        }
    }
}

/// A conservative bound of the longest stretch without a suspension.
fn cost(steps: &[Step]) -> Cost {
    let mut worst = Cost::default();
    let mut run = Cost::default();
    for step in steps {
        if always_suspends(step) {
            worst = worst.max(run);
            run = Cost::default();
            continue;
        }
        let here = match step {
            Step::Spin(d) => Cost { steps: 1, spin: *d },
            Step::Repeat(n, inner) => {
                let inner_cost = cost(inner);
                if inner.iter().any(always_suspends) {
                    // A suspension every round: at most two rounds' stretch joins up.
                    inner_cost.add(inner_cost)
                } else {
                    // Each round is a step of its own, even of an empty block:
                    // `repeat 18446744073709551615 { }` is 2^64 rounds in one poll.
                    Cost {
                        steps: (inner_cost.steps + 1).saturating_mul(u128::from(*n)),
                        spin: inner_cost
                            .spin
                            .saturating_mul(u32::try_from(*n).unwrap_or(u32::MAX)),
                    }
                }
            }
            Step::Forever(inner) => cost(inner).add(cost(inner)),
            // Taking the lock may not wait: the block's stretch joins up.
            Step::Read(_, inner) | Step::Write(_, inner) => cost(inner).add(Cost {
                steps: 1,
                spin: Duration::ZERO,
            }),
            // A round waits for the generator, which may not wait: a
            // round's steps, a round at a time (and the run-time bound).
            Step::For(_, inner) => cost(inner).add(Cost {
                steps: 1,
                spin: Duration::ZERO,
            }),
            _ => Cost {
                steps: 1,
                spin: Duration::ZERO,
            },
        };
        run = run.add(here);
    }
    worst.max(run)
}

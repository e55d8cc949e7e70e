//! A console on a failing test: `EVLOOP_CONSOLE=1 cargo test NAME -- --nocapture`
//! explores the test as usual and, when a schedule fails, opens the prompt
//! on that schedule, so a red test can be stepped by hand.
//!
//! ```text
//!   #[evloop::test] async fn t() { body }
//!     │ EVLOOP_CONSOLE unset ──▶ Harness::explore, as always
//!     │ EVLOOP_CONSOLE=1
//!     ▼
//!   Harness::try_explore(body) ── every schedule passes ──▶ says so, no console
//!     │ a failure: its (shrunk) schedule S
//!     ▼
//!   a console whose one registered function `test` runs `body`:
//!     > spawn test test          the body becomes task `test`, as the root was
//!     > replay "S"               the next polls follow S, then FIFO
//!     evloop> step / queue / run / back / timeline …   (stdin)
//!     ▼
//!   the test still fails with the report, after the console is left
//! ```
//!
//! The body runs in the console as a spawned task where the harness ran it
//! as `block_on`'s root: both are a task the loop schedules like any other,
//! so the schedule's choices mean the same tasks. `EVLOOP_SCHEDULE` and
//! `EVLOOP_SEED` choose the run as they always do; with neither, the
//! console opens on the first failure exploration finds.
//!
//! The harness never names the console (the console comes after it in the
//! reading order): `#[evloop::test]` calls [`explore_or_open`] through
//! the crate root, which without the `repl` feature explores alone.

use std::future::Future;
use std::process::ExitCode;
use std::rc::Rc;

use super::{Cli, Console, open};
use crate::Schedule;
use crate::testing::{Explored, Harness, TestOutcome};
use crate::time::ClockKind;

/// The environment variable that opens a console on a failing test.
pub const CONSOLE_VAR: &str = "EVLOOP_CONSOLE";

/// Whether `EVLOOP_CONSOLE` asks for a console (set, and not empty, `0`
/// or `false`).
pub fn console_asked() -> bool {
    std::env::var(CONSOLE_VAR)
        .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

impl Console<()> {
    /// A console whose one registered function, `test`, runs a test's
    /// body once: `spawn t test` makes a task of it, whose result is
    /// `passed` or the body's failure (a panic fails the task, as in the
    /// REPL).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use evloop::console::Console;
    /// use evloop::Schedule;
    ///
    /// let schedule: Schedule = "001".parse().unwrap();
    /// let status = Console::for_test(|| async {
    ///     evloop::yield_now().await;
    /// })
    /// .open_on_schedule(&schedule, evloop::time::ClockKind::Virtual);
    /// ```
    pub fn for_test<B, Fut>(body: B) -> Console<()>
    where
        B: Fn() -> Fut + 'static,
        Fut: Future + 'static,
        Fut::Output: TestOutcome,
    {
        Console::new().function(
            "test",
            "test",
            "runs the test's body once (the console of a failing test)",
            move |_, args| {
                args.end()?;
                let run = body();
                Ok(async move { run.await.into_result().map(|()| "passed") })
            },
        )
    }

    /// Opens the console with the body's task spawned and the next polls
    /// following `schedule`: interactive on a terminal, else the commands
    /// read from stdin. Returns the exit status as
    /// [`run_args`](Console::run_args) does.
    pub fn open_on_schedule(self, schedule: &Schedule, clock: ClockKind) -> ExitCode {
        let mut prelude = Vec::new();
        if clock == ClockKind::Real {
            prelude.push("clock real".to_string());
        }
        prelude.push("spawn test test".to_string());
        prelude.push(format!("replay \"{schedule}\""));
        self.install();
        open(&Cli::default(), &prelude)
    }
}

/// What `#[evloop::test]` runs: [`Harness::explore`], or with
/// `EVLOOP_CONSOLE` set, a console on the first failing schedule (then the
/// test fails with its report as usual).
///
/// # Panics
///
/// On a failing run, with the report (after the console, if one opened).
pub fn explore_or_open<B, Fut>(harness: &Harness, body: B) -> Explored
where
    B: Fn() -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: TestOutcome,
{
    if !console_asked() {
        return harness.explore(body);
    }
    let body = Rc::new(body);
    let run = body.clone();
    match harness.try_explore(move || run()) {
        Ok(explored) => {
            eprintln!(
                "evloop: {CONSOLE_VAR} is set, but every run passed ({} run(s)): there is no failure to open a console on",
                explored.runs
            );
            explored
        }
        Err(failure) => {
            eprintln!("{failure}");
            eprintln!(
                "evloop: opening a console on the failing schedule ({} choice(s)); quit or Ctrl-D leaves, and the test fails as reported above",
                failure.schedule.len()
            );
            let _ = Console::for_test(move || body())
                .open_on_schedule(&failure.schedule, harness.clock_kind());
            panic!("{failure}");
        }
    }
}

//! `save test FILE`: a REPL session written out as a Rust test.
//!
//! The REPL drives its loop from the outside (`step`, `run`, `advance` are
//! calls on the `Runtime`), so the test does the same, command for command,
//! on a fresh virtual-clock loop that *replays the schedule the session
//! recorded*. Then it asserts what the session saw:
//!
//! ```text
//!   session log ───────────────▶ rt.spawn_named / rt.step / rt.run_for / h.cancel …  (same calls)
//!   rt.scheduler().recorded() ──▶ scheduler.replay(SCHEDULE)                         (same choices)
//!   prints, outcomes, clock, schedule ──▶ assert_eq!                                 (same result)
//! ```
//!
//! So the test passes exactly while the program still behaves as it did in
//! the session, and a session that ended in a failure (a `fail`, a `panic`)
//! becomes a test asserting that same failure. Each step of a task body
//! becomes the library call it names (`sleep` → `evloop::sleep`, `acquire`
//! → `Semaphore::acquire`, `repeat` → `for`, …); a small prelude in the
//! generated file (its text is in `save_test/prelude.rs`) holds what the
//! REPL keeps for its tasks: their outcomes (several tasks may `await`
//! one), the permits each holds, the prints.
//!
//! Why not `evloop::testing::replay(SCHEDULE, || async { … })`? That runs
//! the session as the *main task* of a loop: it adds that task's polls to
//! the schedule, and `step N` or `run 2s` have no counterpart inside a task.
//! `Scheduler::replay` (`rt.scheduler().replay(..)`) is the same machinery
//! without the main task.
//!
//! A driving call that stops early (a stall, the poll budget) is an
//! `Err(RunError)` the test ignores, as the session only printed it: what
//! the test asserts is the state the loop was left in.
//!
//! What the generator refuses, naming it: `finally` blocks and `shield`
//! (their cleanup tasks and inner tasks would need the REPL's drop guards),
//! cancelling in a session whose tasks `await` each other (asyncio's
//! cancel propagation), the combinator commands (`gather`, `wait`,
//! `as-completed`, `timeout`, `group`), `clock real`, the primitives
//! beyond semaphores, queues and events (`new condition`, `new barrier`,
//! …, with their steps, and `acquire-many`), and task sets (`spawn --in`,
//! `join-next`, `cancel-all`).

use std::fmt::Write as _;
use std::time::Duration;

use super::body::{Body, Step, Value};
use super::command::{ClockMode, Command, Policy};

mod prelude;

use prelude::{HEADER, PRELUDE};

/// What the session saw, for the test to assert.
pub struct Seen<'a> {
    /// The logged commands, in order.
    pub log: &'a [String],
    /// The schedule the session recorded.
    pub schedule: String,
    /// The prints, as shown: `[1.000000s] a: hello`.
    pub prints: &'a [String],
    /// Each task's outcome as shown (`returned 3`, `cancelled`), or `None`
    /// while it runs.
    pub outcomes: Vec<(String, Option<String>)>,
    /// The clock at the end.
    pub now: String,
}

/// The Rust source of a test replaying the session.
///
/// # Errors
///
/// A message naming the command or step that a test can't express.
pub fn generate(seen: &Seen<'_>, test_name: &str) -> Result<String, String> {
    let commands: Vec<Command> = seen
        .log
        .iter()
        .map(|l| super::parse_line(l).map_err(|e| format!("can't read back `{l}`: {e}")))
        .collect::<Result<_, _>>()?;
    refuse(&commands)?;
    let mut g = Gen::default();
    for (line, command) in seen.log.iter().zip(&commands) {
        g.command(line, command);
    }
    let mut src = String::new();
    src.push_str(HEADER);
    src.push_str(
        "// Steps after a return, fail, panic or forever never run, as in the session;\n\
         // the prelude serves every session, and this one may not use all of it.\n\
         #![allow(unreachable_code, dead_code)]\n",
    );
    src.push_str(PRELUDE);
    let _ = writeln!(src, "\n#[test]\nfn {test_name}() {{");
    src.push_str("    let rt = Runtime::builder().virtual_clock().build();\n");
    let _ = writeln!(src, "    let schedule = {:?};", seen.schedule);
    src.push_str("    let scheduler = rt.scheduler();\n");
    src.push_str("    scheduler.record(true);\n");
    src.push_str(
        "    scheduler.replay(schedule.parse().expect(\"the schedule save test wrote\"));\n",
    );
    src.push_str("    let w = World::new();\n");
    src.push_str(&g.code);
    src.push_str("\n    // What the session saw.\n");
    src.push_str("    assert_eq!(scheduler.divergence(), None);\n");
    src.push_str("    assert_eq!(scheduler.recorded().to_string(), schedule);\n");
    let _ = writeln!(src, "    assert_eq!(rt.now().to_string(), {:?});", seen.now);
    src.push_str("    assert_eq!(\n        w.prints(),\n        [\n");
    for p in seen.prints {
        let _ = writeln!(src, "            {p:?},");
    }
    src.push_str("        ] as [&str; ");
    let _ = writeln!(src, "{}]\n    );", seen.prints.len());
    for (name, outcome) in &seen.outcomes {
        let shown = outcome.as_deref().unwrap_or("not finished");
        let _ = writeln!(src, "    assert_eq!(w.outcome({name:?}), {shown:?});");
    }
    src.push_str("}\n");
    Ok(src)
}

/// The first command or step a test can't express, as an error.
fn refuse(commands: &[Command]) -> Result<(), String> {
    let mut awaits = false;
    let mut cancels = false;
    for c in commands {
        let word = match c {
            Command::Gather { .. } => Some("gather"),
            Command::Wait { .. } => Some("wait"),
            Command::AsCompleted { .. } => Some("as-completed"),
            Command::Timeout { .. } => Some("timeout"),
            Command::Group { .. } => Some("group"),
            Command::NewFuture { .. } => Some("new future"),
            Command::NewService { .. } => Some("new service"),
            Command::NewGenerator { .. } => Some("new generator"),
            Command::Call { .. } => Some("call-soon / call-later"),
            Command::NewOther { kind, .. } => {
                return Err(format!(
                    "save test can't express new {} yet (the test's world knows semaphores, queues \
                     and events); save FILE keeps the session as a script instead",
                    kind.word()
                ));
            }
            Command::SpawnIn { .. } | Command::JoinNext { .. } | Command::CancelAll { .. } => {
                return Err(
                    "save test can't express task sets yet (spawn --in, join-next, cancel-all); \
                     save FILE keeps the session as a script instead"
                        .into(),
                );
            }
            Command::Clock {
                mode: Some(ClockMode::Real),
            } => Some("clock real"),
            _ => None,
        };
        if let Some(word) = word {
            return Err(format!(
                "save test can't express the {word} command yet (it runs the REPL's own combinator task); \
                 save FILE keeps the session as a script instead"
            ));
        }
        match c {
            Command::Spawn { name, body } => {
                if !body.finally.is_empty() {
                    return Err(format!(
                        "save test can't express {name}'s finally block yet (on cancel or panic the REPL runs it \
                         in a task of its own); save FILE keeps the session as a script instead"
                    ));
                }
                if let Some(step @ Step::Run { function, .. }) =
                    find(&body.steps, &|s| matches!(s, Step::Run { .. }))
                {
                    return Err(format!(
                        "save test writes the REPL's own steps as Rust, and `{step}` of {name} calls your program's \
                         function {function}: call it from an #[evloop::test] of your own; save FILE keeps the session as a script"
                    ));
                }
                if let Some(step) = find(&body.steps, &|s| !expressible(s)) {
                    return Err(format!(
                        "save test can't express the step `{step}` of {name} yet; save FILE keeps the session as a script instead"
                    ));
                }
                awaits |= find(&body.steps, &|s| matches!(s, Step::Await(_))).is_some();
            }
            Command::Cancel { .. } => cancels = true,
            _ => {}
        }
    }
    if awaits && cancels {
        return Err(
            "save test can't express cancel in a session whose tasks await each other yet \
             (asyncio's cancel propagation lives in the REPL); save FILE keeps the session as a script instead"
                .into(),
        );
    }
    Ok(())
}

/// Whether the test can express a step (the others run the REPL's own
/// machinery: a shield's task, a gather, a generator, a bare future…).
fn expressible(step: &Step) -> bool {
    matches!(
        step,
        Step::Sleep(_)
            | Step::Yield
            | Step::Spin(_)
            | Step::Thread(_)
            | Step::Print(_)
            | Step::Return(_)
            | Step::Fail(_)
            | Step::Panic(_)
            | Step::Await(_)
            | Step::Acquire(_)
            | Step::Release(_)
            | Step::Put(..)
            | Step::Get(_)
            | Step::Set(_)
            | Step::WaitEvent(_)
            | Step::LoseWaker
            | Step::Breakpoint
            | Step::Repeat(..)
            | Step::Forever(_)
    )
}

fn find<'s>(steps: &'s [Step], pred: &dyn Fn(&Step) -> bool) -> Option<&'s Step> {
    steps.iter().find_map(|s| match s {
        s if pred(s) => Some(s),
        Step::Repeat(_, inner) | Step::Forever(inner) => find(inner, pred),
        _ => None,
    })
}

/// The test's statements, one command at a time.
#[derive(Default)]
struct Gen {
    code: String,
    /// Whether the body being generated names the world (`w`) or the task (`me`).
    uses_w: bool,
    uses_me: bool,
}

impl Gen {
    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.code, "{}{text}", "    ".repeat(indent));
    }

    fn command(&mut self, source: &str, command: &Command) {
        let _ = writeln!(
            self.code,
            "\n    // > {}",
            source.replace('\n', "\n    // . ")
        );
        match command {
            Command::Comment(_) | Command::Trace { .. } | Command::Clock { .. } => {}
            Command::Spawn { name, body } => self.spawn(name, body),
            Command::Await { names } => {
                for n in names {
                    self.line(1, &format!("let _ = rt.run_until(&w.handle({n:?}));"));
                }
            }
            Command::Cancel { name } => {
                self.line(1, &format!("let _ = w.handle({name:?}).cancel();"))
            }
            Command::Wake { name } => self.line(
                1,
                &format!("rt.wake(w.handle({name:?}).id()).expect(\"a live task\");"),
            ),
            Command::NewSemaphore { name, permits } => self.line(
                1,
                &format!("w.add_semaphore(&rt, || Semaphore::named({name:?}, {permits}));"),
            ),
            Command::NewQueue { name, capacity } => self.line(
                1,
                &format!(
                    "w.add_queue(&rt, || Queue::named({name:?}, {}));",
                    capacity.map_or(0, |c| c.get())
                ),
            ),
            Command::NewEvent { name } => {
                self.line(1, &format!("w.add_event(&rt, || Event::named({name:?}));"));
            }
            Command::Step { count } if count.get() == 1 => self.line(1, "let _ = rt.step();"),
            Command::Step { count } => {
                self.line(1, &format!("for _ in 0..{count} {{"));
                self.line(2, "let _ = rt.step();");
                self.line(1, "}");
            }
            Command::Run { limit: None } => self.line(1, "let _ = rt.run_until_done();"),
            Command::Run { limit: Some(d) } => {
                self.line(1, &format!("let _ = rt.run_for({});", dur(*d)));
            }
            // The test's loop runs on the virtual clock (`clock real` is
            // refused), so `advance` fails only as `run` would.
            Command::Advance { by } => {
                self.line(1, &format!("let _ = rt.advance({});", dur(*by)));
            }
            Command::Policy(Some(p)) => {
                let p = match p {
                    Policy::Fifo => "evloop::Policy::Fifo".to_string(),
                    Policy::Lifo => "evloop::Policy::Lifo".to_string(),
                    Policy::Random { seed } => format!("evloop::Policy::Random {{ seed: {seed} }}"),
                    Policy::Pct { seed, depth } => format!(
                        "evloop::Policy::Pct {{ seed: {seed}, depth: {} }}",
                        depth.map_or(3, |d| d.get())
                    ),
                };
                self.line(1, &format!("scheduler.set_policy({p});"));
            }
            // The time budget bounds the REPL's spins; a test has its own timeout.
            Command::Budget { polls: Some(n), .. } => {
                self.line(1, &format!("rt.set_poll_budget({n});"));
            }
            _ => {}
        }
    }

    fn spawn(&mut self, name: &str, body: &Body) {
        let outer = std::mem::take(&mut self.code);
        (self.uses_w, self.uses_me) = (false, false);
        self.steps(2, &body.steps);
        self.line(2, "Ok::<_, String>(None)");
        let steps = std::mem::replace(&mut self.code, outer);
        let w = if self.uses_w { "w" } else { "_" };
        let me = if self.uses_me { "me" } else { "_" };
        self.line(
            1,
            &format!("w.spawn(&rt, {name:?}, |{w}: Rc<World>, {me}: Rc<Me>| async move {{"),
        );
        self.code.push_str(&steps);
        self.line(1, "});");
    }

    fn steps(&mut self, indent: usize, steps: &[Step]) {
        for step in steps {
            self.step(indent, step);
        }
    }

    fn step(&mut self, i: usize, step: &Step) {
        self.uses_w |= matches!(
            step,
            Step::Await(_)
                | Step::Acquire(_)
                | Step::Put(..)
                | Step::Get(_)
                | Step::Set(_)
                | Step::WaitEvent(_)
        );
        self.uses_me |= matches!(
            step,
            Step::Print(_) | Step::Panic(_) | Step::Acquire(_) | Step::Release(_) | Step::Get(_)
        );
        let text = match step {
            Step::Sleep(d) => format!("evloop::sleep({}).await;", dur(*d)),
            Step::Yield => "evloop::yield_now().await;".into(),
            Step::Spin(d) => format!("spin({});", dur(*d)),
            Step::Thread(d) => format!("thread({}).await?;", dur(*d)),
            Step::Print(text) => format!("me.print({text:?});"),
            Step::Return(v) => format!("return Ok(Some({:?}.to_string()));", value(v)),
            Step::Fail(text) => format!("return Err({text:?}.to_string());"),
            Step::Panic(text) => format!("me.panic({text:?});"),
            Step::Await(n) => format!("w.await_task({n:?}).await?;"),
            Step::Acquire(n) => format!("me.hold({n:?}, w.semaphore({n:?}).acquire().await);"),
            Step::Release(n) => format!("me.release({n:?})?;"),
            Step::Put(n, v) => format!("w.put({n:?}, {:?}).await?;", value(v)),
            Step::Get(n) => format!(
                "let got = w.get({n:?}).await?;\n{}me.print(&format!(\"got {{got}} from {n}\"));",
                "    ".repeat(i)
            ),
            Step::Set(n) => format!("w.event({n:?}).set();"),
            Step::WaitEvent(n) => format!("w.event({n:?}).wait().await;"),
            Step::LoseWaker => {
                "std::future::poll_fn(|_| Poll::<()>::Pending).await; // loses its waker".into()
            }
            // A no-op in a test, unless a console is attached.
            Step::Breakpoint => "evloop::debug::breakpoint().await;".into(),
            Step::Repeat(n, inner) => {
                self.line(i, &format!("for _ in 0..{n} {{"));
                self.steps(i + 1, inner);
                self.line(i, "}");
                return;
            }
            Step::Forever(inner) => {
                self.line(i, "loop {");
                self.steps(i + 1, inner);
                self.line(i, "}");
                return;
            }
            _ => unreachable!("refused before generating"),
        };
        self.line(i, &text);
    }
}

/// A value as the REPL shows it (`42`, `hello`, `"two words"`).
fn value(v: &Value) -> String {
    v.to_string()
}

/// A `Duration` expression.
fn dur(d: Duration) -> String {
    let n = d.as_nanos();
    if n.is_multiple_of(1_000_000_000) {
        format!("Duration::from_secs({})", n / 1_000_000_000)
    } else if n.is_multiple_of(1_000_000) {
        format!("Duration::from_millis({})", n / 1_000_000)
    } else if n.is_multiple_of(1_000) {
        format!("Duration::from_micros({})", n / 1_000)
    } else {
        format!("Duration::from_nanos({n})")
    }
}

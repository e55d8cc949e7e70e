//! `save test FILE`: a REPL session, written as a Rust test.
//!
//! The test does what the session did, with the library instead of the REPL:
//! each task body becomes an `async` block (`sleep 1s` → `evloop::sleep`,
//! `acquire db` → `Semaphore::acquire`, …), each command that drove the loop
//! becomes the `Runtime` call behind it (`run` → `run()`, `advance 1s` →
//! `advance(…)`), and the loop is built to follow the session's schedule
//! (`Builder::replay`), so every poll happens in the same order. At the end
//! it asserts that every task ended as it did in the session: returned (and
//! what), failed, panicked, cancelled, or still pending.
//!
//! A pure function of the command log, the schedule and the outcomes: it is
//! unit-tested without a terminal, and `tests/saved_session.rs` is one of its
//! outputs, compiled and run by `cargo test`.
//!
//! Commands and steps with no faithful translation (the combinator commands,
//! `shield`, `lose-waker`, `finally`, the real clock) make it refuse with a
//! sentence naming them, rather than write a test that checks something
//! else.

use std::fmt::Write as _;
use std::time::Duration;

use super::body::{Step, Value};
use super::command::{ClockMode, Command, Policy};
use super::outcome::Outcome;

/// Rust source for the session, or why it can't be written as a test.
///
/// # Errors
///
/// A sentence naming the first command or step that has no translation.
pub fn generate(
    log: &[String],
    schedule: &str,
    outcomes: &[(String, Option<Outcome>)],
) -> Result<String, String> {
    let mut body = String::new();
    for line in log {
        let command = super::parse_line(line)
            .map_err(|e| format!("the session's line {line:?} no longer parses: {e}"))?;
        command_code(&command, &mut body)?;
    }
    let mut out = String::new();
    out.push_str(HEADER_DOC);
    for line in log {
        let _ = writeln!(out, "//! > {line}");
    }
    out.push_str(PRELUDE);
    let _ = writeln!(
        out,
        "#[test]\n#[rustfmt::skip] // generated: one line per step of the session\nfn session() {{\n    let schedule: evloop::Schedule = {}.parse().expect(\"the saved schedule\");",
        lit(schedule)
    );
    out.push_str(
        "    let rt = Runtime::builder().virtual_clock().debug(false).replay(schedule).build();\n",
    );
    out.push_str("    let world = World::default();\n");
    out.push_str("    let mut handles: HashMap<&str, JoinHandle<()>> = HashMap::new();\n");
    out.push_str(&body);
    out.push_str("    // Every task ends as it did in the session.\n");
    for (name, outcome) in outcomes {
        let expected = match outcome {
            Some(Outcome::Returned(None)) => "Ended::Returned(None)".to_string(),
            Some(Outcome::Returned(Some(v))) => {
                format!("Ended::Returned(Some({}.to_string()))", lit(&v.to_string()))
            }
            Some(Outcome::Failed(_)) => "Ended::Failed".to_string(),
            Some(Outcome::Panicked(_)) => "Ended::Panicked".to_string(),
            Some(Outcome::Cancelled) => "Ended::Cancelled".to_string(),
            None => "Ended::Pending".to_string(),
        };
        let _ = writeln!(
            out,
            "    assert_eq!(world.ended({n}), {expected}, \"task {name}\");",
            n = lit(name)
        );
    }
    out.push_str("    assert!(rt.replay_divergence().is_none(), \"the schedule fits\");\n}\n");
    Ok(out)
}

const HEADER_DOC: &str = "\
//! Saved by the evloop REPL's `save test` from this session:
//!
";

const PRELUDE: &str = r#"//!
//! It replays the session with the library, on the virtual clock and under
//! the session's schedule, and checks that every task ends as it did there.
#![allow(unused, unreachable_code, clippy::all)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use evloop::sync::{Event, Queue, Semaphore, SemaphorePermit};
use evloop::time::Instant;
use evloop::{JoinHandle, Runtime};

/// How a task ended, as the REPL tells it.
#[derive(Clone, Debug, PartialEq)]
enum Ended {
    Returned(Option<String>),
    Failed,
    Panicked,
    Cancelled,
    Pending,
}

type Output = Result<Option<String>, String>;

/// What the session's tasks share: how each ended, and the primitives.
#[derive(Clone, Default)]
struct World {
    ended: Rc<RefCell<HashMap<&'static str, Ended>>>,
    done: Rc<RefCell<HashMap<&'static str, Event>>>,
    semaphores: Rc<RefCell<HashMap<&'static str, Semaphore>>>,
    queues: Rc<RefCell<HashMap<&'static str, Queue<String>>>>,
    events: Rc<RefCell<HashMap<&'static str, Event>>>,
}

/// Records how a task ended, however it ends: returned, failed, or (when
/// its future is dropped unfinished) panicked or cancelled.
struct Finish {
    world: World,
    name: &'static str,
    ended: Option<Ended>,
}

impl Drop for Finish {
    fn drop(&mut self) {
        let ended = self.ended.take().unwrap_or(if std::thread::panicking() {
            Ended::Panicked
        } else {
            Ended::Cancelled
        });
        self.world
            .ended
            .borrow_mut()
            .entry(self.name)
            .or_insert(ended);
        let done = self.world.done.borrow().get(self.name).cloned();
        if let Some(done) = done {
            done.set();
        }
    }
}

impl World {
    fn spawn(
        &self,
        rt: &Runtime,
        name: &'static str,
        body: impl std::future::Future<Output = Output> + 'static,
    ) -> JoinHandle<()> {
        self.done.borrow_mut().insert(name, Event::new());
        let world = self.clone();
        rt.spawn_named(name, async move {
            let mut finish = Finish {
                world,
                name,
                ended: None,
            };
            finish.ended = Some(match body.await {
                Ok(value) => Ended::Returned(value),
                Err(_) => Ended::Failed,
            });
        })
    }

    /// `await NAME` in a body: the other task's value, or its failure.
    async fn await_task(&self, name: &'static str) -> Output {
        let done = self
            .done
            .borrow()
            .get(name)
            .cloned()
            .expect("a task of the session");
        done.wait().await;
        match self.ended(name) {
            Ended::Returned(value) => Ok(value),
            other => Err(format!("{name} ended: {other:?}")),
        }
    }

    fn ended(&self, name: &'static str) -> Ended {
        self.ended
            .borrow()
            .get(name)
            .cloned()
            .unwrap_or(Ended::Pending)
    }

    fn semaphore(&self, name: &'static str) -> Semaphore {
        self.semaphores.borrow()[name].clone()
    }

    fn queue(&self, name: &'static str) -> Queue<String> {
        self.queues.borrow()[name].clone()
    }

    fn event(&self, name: &'static str) -> Event {
        self.events.borrow()[name].clone()
    }
}

"#;

/// A Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn nanos(d: Duration) -> String {
    format!("Duration::from_nanos({})", d.as_nanos())
}

fn refuse(what: &str, why: &str) -> String {
    format!(
        "save test can't write {what} as a library test ({why}); save FILE keeps the session as a script instead"
    )
}

fn command_code(command: &Command, out: &mut String) -> Result<(), String> {
    let line = |out: &mut String, code: String| {
        let _ = writeln!(out, "    {code}");
    };
    match command {
        Command::Blank => {}
        Command::Comment(text) => line(out, format!("// {text}")),
        Command::Spawn { name, body } => {
            if !body.finally.is_empty() {
                return Err(refuse(
                    "a finally block",
                    "Rust has no async drop; the REPL runs it as a task of its own",
                ));
            }
            let mut code = String::new();
            steps_code(name, &body.steps, 3, &mut code)?;
            let _ = writeln!(
                out,
                "    handles.insert({n}, world.spawn(&rt, {n}, {{\n        let w = world.clone();\n        async move {{\n            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();\n{code}            Ok(None)\n        }}\n    }}));",
                n = lit(name)
            );
        }
        Command::NewSemaphore { name, permits } => line(
            out,
            format!(
                "world.semaphores.borrow_mut().insert({n}, Semaphore::named({n}, {permits}));",
                n = lit(name)
            ),
        ),
        Command::NewQueue { name, capacity } => line(
            out,
            format!(
                "world.queues.borrow_mut().insert({n}, Queue::named({n}, {}));",
                capacity.map_or(0, |c| c.get()),
                n = lit(name)
            ),
        ),
        Command::NewEvent { name } => line(
            out,
            format!(
                "world.events.borrow_mut().insert({n}, Event::named({n}));",
                n = lit(name)
            ),
        ),
        Command::Step { count } => line(out, format!("for _ in 0..{count} {{ rt.step(); }}")),
        Command::Run { limit: None } => line(out, "rt.run();".into()),
        Command::Run { limit: Some(d) } => line(out, format!("rt.run_for({});", nanos(*d))),
        Command::Advance { by } => line(
            out,
            format!("rt.advance({}).expect(\"the virtual clock\");", nanos(*by)),
        ),
        Command::Await { names } => {
            for name in names {
                line(out, format!("rt.run_until(&handles[{}]);", lit(name)));
            }
        }
        Command::Cancel { name } => line(out, format!("handles[{}].cancel();", lit(name))),
        Command::Wake { name } => line(
            out,
            format!("let _ = rt.wake(handles[{}].id());", lit(name)),
        ),
        Command::Policy(policy) => {
            let p = match policy {
                Policy::Fifo => "evloop::Policy::Fifo".to_string(),
                Policy::Lifo => "evloop::Policy::Lifo".to_string(),
                Policy::Random { seed } => format!("evloop::Policy::Random {{ seed: {seed} }}"),
                Policy::Pct { seed, depth } => format!(
                    "evloop::Policy::Pct {{ seed: {seed}, depth: {} }}",
                    depth.map_or(3, |d| d.get())
                ),
            };
            line(out, format!("rt.set_policy({p});"));
        }
        Command::Budget { polls: Some(n) } => line(out, format!("rt.set_poll_budget({n});")),
        Command::Clock {
            mode: Some(ClockMode::Real),
        } => {
            return Err(refuse(
                "clock real",
                "a test on the real clock is not replayable",
            ));
        }
        Command::Gather { .. }
        | Command::Wait { .. }
        | Command::AsCompleted { .. }
        | Command::Timeout { .. }
        | Command::Group { .. } => {
            return Err(refuse(
                &format!("the command `{}`", command_word(command)),
                "it runs a combinator task of the REPL's own; write it with evloop::combinators",
            ));
        }
        // Commands that only look (tasks, queue, trace…) or that the log
        // never holds (reset, source, save…): nothing to do.
        _ => {}
    }
    Ok(())
}

fn command_word(command: &Command) -> String {
    command
        .to_string()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn value_lit(v: &Value) -> String {
    format!("{}.to_string()", lit(&v.to_string()))
}

fn emit(out: &mut String, depth: usize, code: &str) {
    let _ = writeln!(out, "{}{code}", "    ".repeat(depth));
}

fn steps_code(task: &str, steps: &[Step], depth: usize, out: &mut String) -> Result<(), String> {
    for step in steps {
        let code = match step {
            Step::Sleep(d) => format!("evloop::sleep({}).await;", nanos(*d)),
            Step::Yield => "evloop::yield_now().await;".to_string(),
            Step::Spin(d) => format!(
                "{{ let start = std::time::Instant::now(); while start.elapsed() < {} {{ std::hint::spin_loop(); }} }}",
                nanos(*d)
            ),
            Step::Thread(d) => format!(
                "evloop::to_thread(move || std::thread::sleep({})).await.map_err(|e| e.to_string())?;",
                nanos(*d)
            ),
            Step::Print(text) => format!(
                "println!(\"[{{}}] {{}}: {{}}\", Instant::now(), {}, {});",
                lit(task),
                lit(text)
            ),
            Step::Return(v) => format!("return Ok(Some({}));", value_lit(v)),
            Step::Fail(text) => format!("return Err({}.to_string());", lit(text)),
            Step::Panic(text) => format!("panic!(\"{{}}\", {});", lit(text)),
            Step::Await(name) => format!("w.await_task({}).await?;", lit(name)),
            Step::Acquire(sem) => format!(
                "held.push(({n}, w.semaphore({n}).acquire().await));",
                n = lit(sem)
            ),
            Step::Release(sem) => format!(
                "match held.iter().position(|(n, _)| *n == {n}) {{ Some(i) => drop(held.remove(i)), None => return Err(\"release without a permit\".to_string()) }}",
                n = lit(sem)
            ),
            Step::Put(queue, v) => format!(
                "w.queue({n}).put({}).await.map_err(|_| \"the queue is closed\".to_string())?;",
                value_lit(v),
                n = lit(queue)
            ),
            Step::Get(queue) => format!(
                "{{ let v = w.queue({n}).get().await.map_err(|_| \"the queue is closed\".to_string())?; println!(\"[{{}}] {{}}: got {{}} from {{}}\", Instant::now(), {t}, v, {n}); }}",
                n = lit(queue),
                t = lit(task)
            ),
            Step::Set(event) => format!("w.event({}).set();", lit(event)),
            Step::WaitEvent(event) => format!("w.event({}).wait().await;", lit(event)),
            Step::Repeat(n, inner) => {
                emit(out, depth, &format!("for _ in 0..{n}u64 {{"));
                steps_code(task, inner, depth + 1, out)?;
                "}".to_string()
            }
            Step::Forever(inner) => {
                emit(out, depth, "loop {");
                steps_code(task, inner, depth + 1, out)?;
                "}".to_string()
            }
            Step::Shield(_) => {
                return Err(refuse(
                    "the step `shield`",
                    "it awaits through a shield task of the REPL's own; write it with evloop::combinators::shield",
                ));
            }
            Step::LoseWaker => {
                return Err(refuse(
                    "the step `lose-waker`",
                    "it is a deliberate bug for debug mode to catch, and a test of it would hang",
                ));
            }
        };
        emit(out, depth, &code);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_session_becomes_a_test_with_its_schedule_and_outcomes() {
        let code = generate(
            &log(&[
                "new semaphore db 1",
                "spawn a acquire db; sleep 1s; return 7",
                "run",
            ]),
            "0 0",
            &[("a".into(), Some(Outcome::Returned(Some(Value::Int(7)))))],
        )
        .unwrap();
        assert!(code.contains("Semaphore::named(\"db\", 1)"), "{code}");
        assert!(
            code.contains("w.semaphore(\"db\").acquire().await"),
            "{code}"
        );
        assert!(code.contains("evloop::sleep(Duration::from_nanos(1000000000)).await;"));
        assert!(code.contains("\"0 0\".parse()"));
        assert!(code.contains("rt.run();"));
        assert!(
            code.contains(
                "assert_eq!(world.ended(\"a\"), Ended::Returned(Some(\"7\".to_string()))"
            )
        );
        assert!(code.contains("//! > spawn a acquire db; sleep 1s; return 7"));
    }

    #[test]
    fn untranslatable_steps_and_commands_are_refused_by_name() {
        for (line, word) in [
            ("spawn a lose-waker", "lose-waker"),
            ("spawn a shield b", "shield"),
            ("spawn a yield finally { print x }", "finally"),
            ("gather a b", "gather"),
            ("clock real", "clock real"),
        ] {
            let err = generate(&log(&[line]), "", &[]).unwrap_err();
            assert!(err.contains(word), "{line}: {err}");
            assert!(err.contains("save FILE"), "{err}");
        }
    }
}

//! Task bodies: the little language a spawned task runs.
//!
//! ```text
//! spawn worker acquire pool; repeat 3 { get jobs; sleep 10ms }; release pool finally { print bye }
//!              └──────────────────── steps ─────────────────────────────┘ └──── finally ─────┘
//! ```
//!
//! Steps are separated by `;` (empty steps are skipped, so a trailing `;` is fine). `repeat N { … }`
//! and `forever { … }` nest blocks; `finally { … }` may close the body once, at the top level, and
//! runs however the steps end (return, failure, panic or cancellation), like Python's `finally`.
//! A block left open at the end of the input makes the whole input [`ParseError::Incomplete`].
//!
//! Arguments:
//! - `DUR` is a [duration](super::duration);
//! - `NAME`, `SEM`, `QUEUE`, `EVENT` are [names](super::name);
//! - `VALUE` is an integer (`42`, `-7`), a quoted string, or any other bare word (a string);
//! - `TEXT` is the rest of the step: one quoted string, or bare words, which are joined by single
//!   spaces (`print a   b` prints `a b`; quote the text to keep the spacing).
//!
//! `Display` prints the canonical source of a body, which parses back to the same value.

use std::time::Duration;

use super::error::ParseError;
use super::help;
use super::lex::{Cursor, Token};
use super::name::name_from;
use super::suggest::nearest;

mod args;
mod display;

pub(crate) use args::value_of;
use args::{arity, block, count, duration, text, value};

/// What a task returns or puts on a queue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Int(i64),
    Str(String),
}

/// One step of a task body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Sleep(Duration),
    Yield,
    Spin(Duration),
    Thread(Duration),
    Print(String),
    Return(Value),
    Fail(String),
    Panic(String),
    Await(String),
    Shield(String),
    /// `gather NAME… [--return-exceptions]`: the tasks' results, in a task.
    Gather(Vec<String>, bool),
    Acquire(String),
    Release(String),
    Put(String, Value),
    Get(String),
    Set(String),
    WaitEvent(String),
    /// `set-result FUT VALUE`: `fut.set_result(VALUE)`.
    SetResult(String, Value),
    /// `set-exception FUT TEXT`: `fut.set_exception(Exception(TEXT))`.
    SetException(String, String),
    /// `task-done QUEUE`: `queue.task_done()`.
    TaskDone(String),
    /// `join QUEUE`: `await queue.join()`.
    Join(String),
    /// `break-on VALUE`: leaves the innermost loop if the last value the
    /// task received is VALUE.
    BreakOn(Value),
    /// `call SERVICE`: a request to a pretend service (`new service`).
    Call(String),
    /// `acquire-many SEM K`: `await sem.acquire_many(K)`, K permits at once.
    AcquireMany(String, u64),
    /// `wait-cond COND`: `async with cond: await cond.wait()`.
    WaitCond(String),
    /// `wait-for COND VALUE`: `async with cond: await cond.wait_for(lambda: value == VALUE)`.
    WaitFor(String, Value),
    /// `cond-set COND VALUE`: `async with cond: value = VALUE` (nobody is told).
    CondSet(String, Value),
    /// `notify COND [N]`: `cond.notify(N)` (1 by default).
    Notify(String, u64),
    /// `notify-all COND`: `cond.notify_all()`.
    NotifyAll(String),
    /// `barrier-wait BARRIER`: `await barrier.wait()`.
    BarrierWait(String),
    /// `notify-one NOTIFY`: tokio's `notify.notify_one()` (a permit if nobody waits).
    NotifyOne(String),
    /// `notify-waiters NOTIFY`: `notify.notify_waiters()` (no permit kept).
    NotifyWaiters(String),
    /// `notified NOTIFY`: `notify.notified().await`.
    Notified(String),
    /// `watch-set WATCH VALUE`: `tx.send(VALUE)`.
    WatchSet(String, Value),
    /// `changed WATCH`: `rx.changed().await`, then the value.
    Changed(String),
    /// `send CHANNEL VALUE`: a broadcast `tx.send(VALUE)`.
    Send(String, Value),
    /// `subscribe CHANNEL`: this task's broadcast receiver, from now on.
    Subscribe(String),
    /// `recv CHANNEL`: `rx.recv().await` on this task's receiver.
    Recv(String),
    /// `read RWLOCK { STEPS }`: the block under a read lock.
    Read(String, Vec<Step>),
    /// `write RWLOCK { STEPS }`: the block under the write lock.
    Write(String, Vec<Step>),
    /// `join-next SET`: the next member of a task set to finish.
    JoinNext(String),
    /// `cancel-all SET`: cancels every member of a task set still running.
    CancelAll(String),
    /// `cancel-token TOKEN`: `token.cancel()`.
    CancelToken(String),
    /// `wait-cancelled TOKEN`: `token.cancelled().await`.
    WaitCancelled(String),
    /// `emit VALUE`, in a generator's body: hands VALUE to its consumer.
    Emit(Value),
    /// `for GEN { STEPS }`: the block once per value of a fresh run of the
    /// generator GEN.
    For(String, Vec<Step>),
    Repeat(u64, Vec<Step>),
    Forever(Vec<Step>),
    LoseWaker,
    /// `breakpoint`: `evloop::debug::breakpoint().await` — the session
    /// stops the loop after this poll and shows the task.
    Breakpoint,
    /// `FUNCTION ARG…`: a function the console's program registered (see
    /// [`functions`](super::functions)), called with its arguments and
    /// awaited.
    Run {
        /// The registered name.
        function: String,
        /// Its arguments, as written.
        args: Vec<String>,
    },
}

/// A task's program: the steps, then the `finally` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Body {
    /// Never empty in a parsed body.
    pub steps: Vec<Step>,
    /// Empty when the body has no `finally` block.
    pub finally: Vec<Step>,
}

/// Parses a task body on its own (what follows `spawn NAME`).
///
/// # Errors
///
/// [`ParseError::Incomplete`] when a `{` is still open at the end; `Invalid` otherwise, with the
/// usage of the step at fault.
#[cfg(test)]
pub fn parse_body(input: &str) -> Result<Body, ParseError> {
    super::lex::check_input(input)?;
    body_from(&mut Cursor::new(input)?)
}

/// Parses a body from the cursor to the end of the input: its steps, bare
/// (`spawn t sleep 1s; print done`) or in one pair of braces, as an `async`
/// block would hold them (`spawn t { sleep 1s; print done }`, which may
/// span lines: a `{` left open reads on), then its `finally` block.
pub(crate) fn body_from(c: &mut Cursor<'_>) -> Result<Body, ParseError> {
    let steps = if c.peek() == Some(&Token::Open) {
        braced_steps(c)?
    } else {
        steps_until(c, Nesting::Top)?
    };
    let mut finally = Vec::new();
    let has_finally = c.at_finally();
    if has_finally {
        c.next_token();
        c.next_token();
        finally = steps_until(c, Nesting::Block)?;
        while c.peek() == Some(&Token::Semi) {
            c.next_token();
        }
        if let Some(extra) = c.peek() {
            return Err(ParseError::invalid(
                format!("unexpected {extra} after the finally block"),
                "finally { … } comes last: spawn t sleep 1s; print done finally { print bye }",
            ));
        }
    }
    if steps.is_empty() {
        let message = if has_finally {
            "no steps before finally"
        } else {
            "missing task body"
        };
        return Err(ParseError::invalid(message, spawn_hint()));
    }
    Ok(Body { steps, finally })
}

/// The steps of a body written in braces, up to its `}`: only `finally {
/// … }` may follow it.
fn braced_steps(c: &mut Cursor<'_>) -> Result<Vec<Step>, ParseError> {
    c.next_token();
    let steps = steps_until(c, Nesting::Block)?;
    while c.peek() == Some(&Token::Semi) {
        c.next_token();
    }
    match c.peek() {
        None => Ok(steps),
        Some(_) if c.at_finally() => Ok(steps),
        Some(extra) => Err(ParseError::invalid(
            format!("unexpected {extra} after the body's closing \"}}\""),
            "a body in braces holds every step; only finally { … } may follow it: spawn t { sleep 1s; print done } finally { print bye }",
        )),
    }
}

fn spawn_hint() -> String {
    help::find_command("spawn")
        .map(|c| c.usage_hint())
        .unwrap_or_default()
}

/// Where a list of steps sits: at the top of the body (ends at the end of input or at `finally {`)
/// or inside a block (ends at its `}`, which is consumed).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nesting {
    Top,
    Block,
}

fn steps_until(c: &mut Cursor<'_>, nesting: Nesting) -> Result<Vec<Step>, ParseError> {
    let mut steps = Vec::new();
    loop {
        if c.at_finally() {
            return match nesting {
                Nesting::Top => Ok(steps),
                Nesting::Block => Err(ParseError::invalid(
                    "finally inside a block",
                    "finally { … } belongs at the end of the whole body: spawn t forever { yield } finally { print bye }",
                )),
            };
        }
        match c.peek() {
            None => {
                return match nesting {
                    Nesting::Top => Ok(steps),
                    Nesting::Block => Err(ParseError::Incomplete),
                };
            }
            Some(Token::Semi) => {
                c.next_token();
            }
            Some(Token::Close) => {
                return match nesting {
                    Nesting::Block => {
                        c.next_token();
                        Ok(steps)
                    }
                    Nesting::Top => Err(ParseError::invalid(
                        "unmatched \"}\"",
                        "every } closes a { opened by repeat N { … }, forever { … }, for GEN { … }, read/write RWLOCK { … } or finally { … }",
                    )),
                };
            }
            Some(Token::Word(_)) => {
                steps.push(step(c)?);
                match c.peek() {
                    None | Some(Token::Semi | Token::Close) => {}
                    Some(_) if c.at_finally() => {}
                    Some(Token::Open) => {
                        return Err(ParseError::invalid(
                            "unexpected \"{\"",
                            "a block opens only after repeat N, forever, for GEN, read RWLOCK or write RWLOCK: repeat 3 { yield }",
                        ));
                    }
                    Some(next) => {
                        return Err(ParseError::invalid(
                            format!("missing \";\" before {next}"),
                            "separate steps with ;: repeat 2 { yield }; print done",
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(ParseError::invalid(
                    format!("expected a step, found {other}"),
                    format!(
                        "steps are: {}",
                        help::step_names().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
}

/// Parses one step, starting at its word.
fn step(c: &mut Cursor<'_>) -> Result<Step, ParseError> {
    let Some(Token::Word(word)) = c.next_token() else {
        unreachable!("steps_until calls step only at a word")
    };
    let Some(help) = help::find_step(word) else {
        if super::functions::find(word).is_some() {
            return registered(c, word);
        }
        return Err(unknown_step(word));
    };
    let args = c.arguments();
    if c.peek() == Some(&Token::Open)
        && !matches!(help.name, "repeat" | "forever" | "for" | "read" | "write")
    {
        // `return {server: A}`: a brace is no value, and no block follows this step.
        let hint = match help.name {
            "return" | "put" => format!(
                "a value is a number, a word or a quoted string; quote text with braces: {} \"{{server: A, status: OK}}\"",
                if help.name == "put" {
                    "put jobs"
                } else {
                    "return"
                }
            ),
            _ => "a block opens only after repeat N, forever, for GEN, read RWLOCK or write RWLOCK: repeat 3 { yield }".to_string(),
        };
        return Err(ParseError::invalid(
            format!("unexpected \"{{\" after {}", help.name),
            hint,
        ));
    }
    let step = match help.name {
        "repeat" => {
            let [count] = arity(&args, &["count"], help)?;
            let count = match count {
                Token::Word(w) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => {
                    w.parse().map_err(|_| {
                        ParseError::invalid(
                            format!("repeat count {} is too large", args[0]),
                            format!(
                                "repeat runs a block at most {} times: repeat 3 {{ yield }}",
                                u64::MAX
                            ),
                        )
                    })?
                }
                _ => {
                    return Err(ParseError::invalid(
                        format!("bad repeat count {}", args[0]),
                        "repeat takes a whole number: repeat 3 { yield }",
                    ));
                }
            };
            Step::Repeat(count, block(c, help)?)
        }
        "forever" => {
            let [] = arity(&args, &[], help)?;
            Step::Forever(block(c, help)?)
        }
        "for" => {
            let [generator] = arity(&args, &["generator name"], help)?;
            let generator = name_from(generator, "generator name", &help.usage_hint())?;
            Step::For(generator, block(c, help)?)
        }
        "read" | "write" => {
            let [lock] = arity(&args, &["rwlock name"], help)?;
            let lock = name_from(lock, "rwlock name", &help.usage_hint())?;
            let steps = block(c, help)?;
            if help.name == "read" {
                Step::Read(lock, steps)
            } else {
                Step::Write(lock, steps)
            }
        }
        "acquire-many" => {
            let [sem, k] = arity(&args, &["semaphore name", "permit count"], help)?;
            Step::AcquireMany(
                name_from(sem, "semaphore name", &help.usage_hint())?,
                count(k, help)?,
            )
        }
        "notify" => {
            let (cond, n) = match args.as_slice() {
                [] => (None, None),
                [cond] => (Some(cond), None),
                [cond, n] => (Some(cond), Some(n)),
                [_, _, extra, ..] => {
                    return Err(ParseError::invalid(
                        format!("unexpected {extra} after notify"),
                        help.usage_hint(),
                    ));
                }
            };
            let Some(cond) = cond else {
                return Err(ParseError::invalid(
                    "notify is missing a condition name",
                    help.usage_hint(),
                ));
            };
            Step::Notify(
                name_from(cond, "condition name", &help.usage_hint())?,
                n.map(|n| count(n, help)).transpose()?.unwrap_or(1),
            )
        }
        "wait-for" | "cond-set" | "watch-set" | "send" => {
            let what = match help.name {
                "watch-set" => "watch name",
                "send" => "broadcast name",
                _ => "condition name",
            };
            let [target, v] = arity(&args, &[what, "value"], help)?;
            let target = name_from(target, what, &help.usage_hint())?;
            let v = value([v])?;
            match help.name {
                "wait-for" => Step::WaitFor(target, v),
                "cond-set" => Step::CondSet(target, v),
                "watch-set" => Step::WatchSet(target, v),
                _ => Step::Send(target, v),
            }
        }
        "emit" => Step::Emit(value(arity(&args, &["value"], help)?)?),
        "sleep" => Step::Sleep(duration(arity(&args, &["duration"], help)?)?),
        "spin" => Step::Spin(duration(arity(&args, &["duration"], help)?)?),
        "thread" => Step::Thread(duration(arity(&args, &["duration"], help)?)?),
        "yield" => arity(&args, &[], help).map(|[]| Step::Yield)?,
        "lose-waker" => arity(&args, &[], help).map(|[]| Step::LoseWaker)?,
        "breakpoint" => arity(&args, &[], help).map(|[]| Step::Breakpoint)?,
        "print" => Step::Print(text(&args, help)?),
        "fail" => Step::Fail(text(&args, help)?),
        "panic" => Step::Panic(text(&args, help)?),
        "return" => Step::Return(value(arity(&args, &["value"], help)?)?),
        "break-on" => Step::BreakOn(value(arity(&args, &["value"], help)?)?),
        "gather" => {
            let mut names = Vec::new();
            let mut return_exceptions = false;
            for arg in &args {
                if arg.is_word("--return-exceptions") {
                    return_exceptions = true;
                } else {
                    names.push(name_from(arg, "task name", &help.usage_hint())?);
                }
            }
            if names.is_empty() {
                return Err(ParseError::invalid(
                    "gather is missing a task name",
                    help.usage_hint(),
                ));
            }
            Step::Gather(names, return_exceptions)
        }
        "set-result" => {
            let [future, v] = arity(&args, &["future name", "value"], help)?;
            Step::SetResult(
                name_from(future, "future name", &help.usage_hint())?,
                value([v])?,
            )
        }
        "set-exception" => {
            let Some((future, rest)) = args.split_first() else {
                return Err(ParseError::invalid(
                    "set-exception is missing a future name",
                    help.usage_hint(),
                ));
            };
            Step::SetException(
                name_from(future, "future name", &help.usage_hint())?,
                text(rest, help)?,
            )
        }
        "put" => {
            let [queue, v] = arity(&args, &["queue name", "value"], help)?;
            Step::Put(
                name_from(queue, "queue name", &help.usage_hint())?,
                value([v])?,
            )
        }
        name => {
            let what = match name {
                "acquire" | "release" => "semaphore name",
                "get" | "task-done" | "join" => "queue name",
                "call" => "service name",
                "set" | "wait-event" => "event name",
                "wait-cond" | "notify-all" => "condition name",
                "barrier-wait" => "barrier name",
                "notify-one" | "notify-waiters" | "notified" => "notify name",
                "changed" => "watch name",
                "subscribe" | "recv" => "broadcast name",
                "join-next" | "cancel-all" => "task set name",
                "cancel-token" | "wait-cancelled" => "cancel token name",
                _ => "task name",
            };
            let [arg] = arity(&args, &[what], help)?;
            let arg = name_from(arg, what, &help.usage_hint())?;
            match name {
                "await" => Step::Await(arg),
                "shield" => Step::Shield(arg),
                "acquire" => Step::Acquire(arg),
                "release" => Step::Release(arg),
                "get" => Step::Get(arg),
                "task-done" => Step::TaskDone(arg),
                "call" => Step::Call(arg),
                "join" => Step::Join(arg),
                "set" => Step::Set(arg),
                "wait-event" => Step::WaitEvent(arg),
                "wait-cond" => Step::WaitCond(arg),
                "notify-all" => Step::NotifyAll(arg),
                "barrier-wait" => Step::BarrierWait(arg),
                "notify-one" => Step::NotifyOne(arg),
                "notify-waiters" => Step::NotifyWaiters(arg),
                "notified" => Step::Notified(arg),
                "changed" => Step::Changed(arg),
                "subscribe" => Step::Subscribe(arg),
                "recv" => Step::Recv(arg),
                "join-next" => Step::JoinNext(arg),
                "cancel-all" => Step::CancelAll(arg),
                "cancel-token" => Step::CancelToken(arg),
                "wait-cancelled" => Step::WaitCancelled(arg),
                _ => unreachable!("step {name} is in the help table but not in the parser"),
            }
        }
    };
    Ok(step)
}

/// A registered function's step: its arguments are words or quoted
/// strings, up to the end of the step.
fn registered(c: &mut Cursor<'_>, function: &str) -> Result<Step, ParseError> {
    let args = c.arguments();
    let args = args
        .iter()
        .map(|a| match a {
            Token::Word(w) => Ok(w.to_string()),
            Token::Quoted(s) => Ok(s.clone()),
            other => Err(ParseError::invalid(
                format!("unexpected {other} after {function}"),
                "a function's arguments are words or quoted strings: spawn f1 fetch 3 http://a",
            )),
        })
        .collect::<Result<Vec<String>, ParseError>>()?;
    if c.peek() == Some(&Token::Open) {
        return Err(ParseError::invalid(
            format!("unexpected \"{{\" after {function}"),
            "a block opens only after repeat N or forever: repeat 3 { yield }",
        ));
    }
    Ok(Step::Run {
        function: function.to_string(),
        args,
    })
}

fn unknown_step(word: &str) -> ParseError {
    let bare = help::asyncio::bare(word);
    let hint = if let Some(step) = help::find_step(bare).filter(|_| bare != word) {
        format!(
            "a step takes its arguments after a space, without parentheses: {}",
            step.example
        )
    } else if let Some(hint) = help::asyncio::hint(word) {
        format!("{hint} (a command, not a task step)")
    } else if let Some(near) = nearest(word, help::step_names()) {
        format!("did you mean {near:?}?")
    } else if help::find_command(word).is_some() {
        format!(
            "{word} is a REPL command, not a task step; steps are: {}",
            step_list()
        )
    } else {
        format!("steps are: {}", step_list())
    };
    ParseError::invalid(format!("unknown step {word:?}"), hint)
}

fn step_list() -> String {
    help::step_names().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
pub(crate) mod tests;

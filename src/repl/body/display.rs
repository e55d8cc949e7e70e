//! A body printed as its canonical source, which parses back to the same
//! value (`save` writes sessions with it).

use std::fmt;

use super::args::looks_like_integer;
use super::{Body, Step, Value};
use crate::repl::duration::format_duration;
use crate::repl::lex::{is_bare_text, is_bare_word, quote};

/// Integers bare; strings bare when they read back as the same bare word, quoted otherwise.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) if is_bare_word(s) && !looks_like_integer(s) => f.write_str(s),
            Value::Str(s) => f.write_str(&quote(s)),
        }
    }
}

/// TEXT bare when it reads back the same, quoted otherwise.
fn write_text(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    if is_bare_text(text) {
        f.write_str(text)
    } else {
        f.write_str(&quote(text))
    }
}

fn write_steps(f: &mut fmt::Formatter<'_>, steps: &[Step]) -> fmt::Result {
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{step}")?;
    }
    Ok(())
}

fn write_block(f: &mut fmt::Formatter<'_>, steps: &[Step]) -> fmt::Result {
    if steps.is_empty() {
        return f.write_str("{ }");
    }
    f.write_str("{ ")?;
    write_steps(f, steps)?;
    f.write_str(" }")
}

/// The canonical source of the step: `sleep 1.5s`, `repeat 3 { yield; print "a; b" }`.
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Sleep(d) => write!(f, "sleep {}", format_duration(*d)),
            Step::Yield => f.write_str("yield"),
            Step::Spin(d) => write!(f, "spin {}", format_duration(*d)),
            Step::Thread(d) => write!(f, "thread {}", format_duration(*d)),
            Step::Print(t) => {
                f.write_str("print ")?;
                write_text(f, t)
            }
            Step::Return(v) => write!(f, "return {v}"),
            Step::Fail(t) => {
                f.write_str("fail ")?;
                write_text(f, t)
            }
            Step::Panic(t) => {
                f.write_str("panic ")?;
                write_text(f, t)
            }
            Step::Await(n) => write!(f, "await {n}"),
            Step::Shield(n) => write!(f, "shield {n}"),
            Step::Gather(names, return_exceptions) => {
                write!(f, "gather {}", names.join(" "))?;
                if *return_exceptions {
                    f.write_str(" --return-exceptions")?;
                }
                Ok(())
            }
            Step::Acquire(n) => write!(f, "acquire {n}"),
            Step::Release(n) => write!(f, "release {n}"),
            Step::Put(q, v) => write!(f, "put {q} {v}"),
            Step::Get(q) => write!(f, "get {q}"),
            Step::TaskDone(q) => write!(f, "task-done {q}"),
            Step::Join(q) => write!(f, "join {q}"),
            Step::BreakOn(v) => write!(f, "break-on {v}"),
            Step::Set(e) => write!(f, "set {e}"),
            Step::WaitEvent(e) => write!(f, "wait-event {e}"),
            Step::SetResult(n, v) => write!(f, "set-result {n} {v}"),
            Step::SetException(n, t) => {
                write!(f, "set-exception {n} ")?;
                write_text(f, t)
            }
            Step::Repeat(n, steps) => {
                write!(f, "repeat {n} ")?;
                write_block(f, steps)
            }
            Step::Forever(steps) => {
                f.write_str("forever ")?;
                write_block(f, steps)
            }
            Step::For(g, steps) => {
                write!(f, "for {g} ")?;
                write_block(f, steps)
            }
            Step::Emit(v) => write!(f, "emit {v}"),
            Step::Call(s) => write!(f, "call {s}"),
            Step::AcquireMany(s, k) => write!(f, "acquire-many {s} {k}"),
            Step::WaitCond(c) => write!(f, "wait-cond {c}"),
            Step::WaitFor(c, v) => write!(f, "wait-for {c} {v}"),
            Step::CondSet(c, v) => write!(f, "cond-set {c} {v}"),
            Step::Notify(c, 1) => write!(f, "notify {c}"),
            Step::Notify(c, n) => write!(f, "notify {c} {n}"),
            Step::NotifyAll(c) => write!(f, "notify-all {c}"),
            Step::BarrierWait(b) => write!(f, "barrier-wait {b}"),
            Step::NotifyOne(n) => write!(f, "notify-one {n}"),
            Step::NotifyWaiters(n) => write!(f, "notify-waiters {n}"),
            Step::Notified(n) => write!(f, "notified {n}"),
            Step::WatchSet(w, v) => write!(f, "watch-set {w} {v}"),
            Step::Changed(w) => write!(f, "changed {w}"),
            Step::Send(b, v) => write!(f, "send {b} {v}"),
            Step::Subscribe(b) => write!(f, "subscribe {b}"),
            Step::Recv(b) => write!(f, "recv {b}"),
            Step::Read(l, steps) => {
                write!(f, "read {l} ")?;
                write_block(f, steps)
            }
            Step::Write(l, steps) => {
                write!(f, "write {l} ")?;
                write_block(f, steps)
            }
            Step::JoinNext(s) => write!(f, "join-next {s}"),
            Step::CancelAll(s) => write!(f, "cancel-all {s}"),
            Step::CancelToken(t) => write!(f, "cancel-token {t}"),
            Step::WaitCancelled(t) => write!(f, "wait-cancelled {t}"),
            Step::Run { function, args } => {
                f.write_str(function)?;
                for a in args {
                    write!(f, " {}", crate::repl::lex::word_or_quoted(a))?;
                }
                Ok(())
            }
            Step::LoseWaker => f.write_str("lose-waker"),
            Step::Breakpoint => f.write_str("breakpoint"),
        }
    }
}

/// The canonical source of the body: steps joined by `; `, then ` finally { … }` if any.
impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_steps(f, &self.steps)?;
        if !self.finally.is_empty() {
            f.write_str(" finally ")?;
            write_block(f, &self.finally)?;
        }
        Ok(())
    }
}

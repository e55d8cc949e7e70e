//! A command as canonical text: what `save` writes, what `back` replays, and what parses back to
//! the same command.

use std::fmt;

use super::{ClockMode, Command, Policy, ReturnWhen};
use crate::repl::duration::format_duration;
use crate::repl::lex::word_or_quoted;

fn names(names: &[String]) -> String {
    names.join(" ")
}

/// The canonical text of the command: `parse_line(&command.to_string()) == Ok(command)`.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Blank => Ok(()),
            Command::Comment(text) => write!(f, "#{text}"),
            Command::Spawn { name, body } => write!(f, "spawn {name} {body}"),
            Command::SpawnIn { set, name, body } => write!(f, "spawn {name} --in {set} {body}"),
            Command::JoinNext { set } => write!(f, "join-next {set}"),
            Command::CancelAll { set } => write!(f, "cancel-all {set}"),
            Command::NewOther { kind, name, arg } => {
                write!(f, "new {} {name}", kind.word())?;
                match arg {
                    Some(v) => write!(f, " {v}"),
                    None => Ok(()),
                }
            }
            Command::Await { names: n } => write!(f, "await {}", names(n)),
            Command::Cancel { name } => write!(f, "cancel {name}"),
            Command::Gather {
                names: n,
                return_exceptions,
            } => {
                write!(f, "gather {}", names(n))?;
                if *return_exceptions {
                    f.write_str(" --return-exceptions")?;
                }
                Ok(())
            }
            Command::Wait {
                names: n,
                return_when,
                timeout,
            } => {
                write!(f, "wait {}", names(n))?;
                match return_when {
                    ReturnWhen::FirstCompleted => f.write_str(" --first-completed")?,
                    ReturnWhen::FirstException => f.write_str(" --first-exception")?,
                    ReturnWhen::AllCompleted => {}
                }
                if let Some(t) = timeout {
                    write!(f, " --timeout {}", format_duration(*t))?;
                }
                Ok(())
            }
            Command::AsCompleted { names: n } => write!(f, "as-completed {}", names(n)),
            Command::Timeout { limit, name } => {
                write!(f, "timeout {} {name}", format_duration(*limit))
            }
            Command::Group { names: n } => write!(f, "group {}", names(n)),
            Command::Wake { name } => write!(f, "wake {name}"),
            Command::NewSemaphore { name, permits } => write!(f, "new semaphore {name} {permits}"),
            Command::NewQueue {
                name,
                capacity: None,
            } => write!(f, "new queue {name}"),
            Command::NewQueue {
                name,
                capacity: Some(c),
            } => write!(f, "new queue {name} {c}"),
            Command::NewEvent { name } => write!(f, "new event {name}"),
            Command::NewFuture { name } => write!(f, "new future {name}"),
            Command::NewService {
                name,
                latency,
                capacity,
                seed,
            } => {
                write!(
                    f,
                    "new service {name} {} {capacity}",
                    format_duration(*latency)
                )?;
                if let Some(s) = seed {
                    write!(f, " {s}")?;
                }
                Ok(())
            }
            Command::NewGenerator { name, body } => write!(f, "new generator {name} {body}"),
            Command::Call { delay: None, step } => write!(f, "call-soon {step}"),
            Command::Call {
                delay: Some(d),
                step,
            } => write!(f, "call-later {} {step}", format_duration(*d)),
            Command::Step { count } if count.get() == 1 => f.write_str("step"),
            Command::Step { count } => write!(f, "step {count}"),
            Command::Run { limit: None } => f.write_str("run"),
            Command::Run { limit: Some(d) } => write!(f, "run {}", format_duration(*d)),
            Command::Advance { by } => write!(f, "advance {}", format_duration(*by)),
            Command::Clock { mode: None } => f.write_str("clock"),
            Command::Clock {
                mode: Some(ClockMode::Real),
            } => f.write_str("clock real"),
            Command::Clock {
                mode: Some(ClockMode::Virtual),
            } => f.write_str("clock virtual"),
            Command::Policy(None) => f.write_str("policy"),
            Command::Policy(Some(Policy::Fifo)) => f.write_str("policy fifo"),
            Command::Policy(Some(Policy::Lifo)) => f.write_str("policy lifo"),
            Command::Policy(Some(Policy::Random { seed })) => write!(f, "policy random {seed}"),
            Command::Policy(Some(Policy::Pct { seed, depth: None })) => {
                write!(f, "policy pct {seed}")
            }
            Command::Policy(Some(Policy::Pct {
                seed,
                depth: Some(d),
            })) => write!(f, "policy pct {seed} {d}"),
            Command::Debug { on, threshold } => {
                f.write_str("debug")?;
                match on {
                    Some(true) => f.write_str(" on")?,
                    Some(false) => f.write_str(" off")?,
                    None => {}
                }
                if let Some(t) = threshold {
                    write!(f, " {}", format_duration(*t))?;
                }
                Ok(())
            }
            Command::Budget { polls, time } => {
                f.write_str("budget")?;
                if let Some(n) = polls {
                    write!(f, " {n}")?;
                }
                if let Some(t) = time {
                    write!(f, " {}", format_duration(*t))?;
                }
                Ok(())
            }
            Command::Tasks => f.write_str("tasks"),
            Command::Show { name } => write!(f, "show {name}"),
            Command::Queue => f.write_str("queue"),
            Command::Timeline => f.write_str("timeline"),
            Command::Trace { on } => f.write_str(if *on { "trace on" } else { "trace off" }),
            Command::Warnings => f.write_str("warnings"),
            Command::ExportTrace { file } => write!(f, "export-trace {}", word_or_quoted(file)),
            Command::ExportHtml { file } => write!(f, "export-html {}", word_or_quoted(file)),
            Command::Reset => f.write_str("reset"),
            Command::Source { file } => write!(f, "source {}", word_or_quoted(file)),
            // A bare `test` would read as `save test FILE`.
            Command::Save { file } if file == "test" => f.write_str("save \"test\""),
            Command::Save { file } => write!(f, "save {}", word_or_quoted(file)),
            Command::SaveTest { file } => write!(f, "save test {}", word_or_quoted(file)),
            Command::Schedule => f.write_str("schedule"),
            Command::Replay { schedule } => write!(f, "replay {}", word_or_quoted(schedule)),
            Command::Back { count } => write!(f, "back {count}"),
            Command::Explore { sample: None } => f.write_str("explore all"),
            Command::Explore { sample: Some(n) } => write!(f, "explore {n}"),
            Command::Minimize => f.write_str("minimize"),
            Command::Help { topic: None } => f.write_str("help"),
            Command::Help { topic: Some(t) } => write!(f, "help {t}"),
            Command::Quit => f.write_str("quit"),
        }
    }
}

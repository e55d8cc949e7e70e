//! Parsing the task commands — `spawn`, `await`, `cancel`, `wake` — and the combinators over
//! tasks — `gather`, `wait`, `as-completed`, `timeout`, `group`.

use super::args::Args;
use super::{Command, ReturnWhen};
use crate::repl::body::body_from;
use crate::repl::duration::parse_duration;
use crate::repl::error::ParseError;
use crate::repl::help::CommandHelp;
use crate::repl::lex::{Cursor, Token};
use crate::repl::name::{name_from, new_name_from};

/// A task command other than `spawn`, from its arguments.
pub(super) fn parse(args: Args<'_>) -> Result<Command, ParseError> {
    match args.help.name {
        "await" => Ok(Command::Await {
            names: args.names_with_flags(&[])?.0,
        }),
        "cancel" => Ok(Command::Cancel {
            name: args.one_name("task name")?,
        }),
        "gather" => {
            let (names, flags) = args.names_with_flags(&["--return-exceptions"])?;
            Ok(Command::Gather {
                names,
                return_exceptions: !flags.is_empty(),
            })
        }
        "wait" => wait(args),
        "as-completed" => Ok(Command::AsCompleted {
            names: args.names_with_flags(&[])?.0,
        }),
        "timeout" => {
            // `timeout x`: the duration is what is wrong, not a missing name.
            if let Some(first) = args.list.first() {
                args.duration(first)?;
            }
            let [limit, name] = args.exact(&["duration", "task name"])?;
            Ok(Command::Timeout {
                limit: args.duration(limit)?,
                name: args.name(name, "task name")?,
            })
        }
        "group" => Ok(Command::Group {
            names: args.names_with_flags(&[])?.0,
        }),
        "wake" => Ok(Command::Wake {
            name: args.one_name("task name")?,
        }),
        "join-next" => Ok(Command::JoinNext {
            set: args.one_name("task set name")?,
        }),
        "cancel-all" => Ok(Command::CancelAll {
            set: args.one_name("task set name")?,
        }),
        name => unreachable!("{name} is not a task command"),
    }
}

/// `call-soon STEP` and `call-later DUR STEP`: the step after the delay is
/// parsed as a body's step.
pub(super) fn call(c: &mut Cursor<'_>, help: &CommandHelp) -> Result<Command, ParseError> {
    let delay = if help.name == "call-later" {
        let duration = match c.next_token() {
            None => {
                return Err(ParseError::invalid(
                    "call-later is missing a duration",
                    help.usage_hint(),
                ));
            }
            Some(Token::Word(w)) => parse_duration(w)?,
            Some(other) => {
                return Err(ParseError::invalid(
                    format!("bad duration {other}"),
                    help.usage_hint(),
                ));
            }
        };
        Some(duration)
    } else {
        None
    };
    let body = body_from(c).map_err(|e| match e {
        ParseError::Invalid { message, .. } if message == "missing task body" => {
            ParseError::invalid(
                format!("{} is missing its step", help.name),
                help.usage_hint(),
            )
        }
        other => other,
    })?;
    match (body.steps.as_slice(), body.finally.is_empty()) {
        ([step], true) => Ok(Command::Call {
            delay,
            step: step.clone(),
        }),
        _ => Err(ParseError::invalid(
            format!("{} runs one step", help.name),
            help.usage_hint(),
        )),
    }
}

/// `new generator NAME BODY`: as `spawn`, a name and a body.
pub(super) fn generator(c: &mut Cursor<'_>, help: &CommandHelp) -> Result<Command, ParseError> {
    let hint = help.form_hint("new generator");
    let name = match c.next_token() {
        None => {
            return Err(ParseError::invalid(
                "new generator is missing a generator name",
                hint,
            ));
        }
        Some(token) => new_name_from(&token, "generator name", &hint, false)?,
    };
    let body = body_from(c).map_err(|e| match e {
        ParseError::Invalid { message, .. } if message == "missing task body" => {
            ParseError::invalid("missing generator body", hint.clone())
        }
        other => other,
    })?;
    Ok(Command::NewGenerator { name, body })
}

/// `spawn NAME BODY`: the rest of the line goes to the body parser, where `{ … }` and `;` mean
/// something.
pub(super) fn spawn(c: &mut Cursor<'_>, help: &CommandHelp) -> Result<Command, ParseError> {
    let name = match c.next_token() {
        None => {
            return Err(ParseError::invalid(
                "spawn is missing a task name",
                help.usage_hint(),
            ));
        }
        Some(token) => new_name_from(&token, "task name", &help.usage_hint(), true)?,
    };
    if c.peek().is_some_and(|t| t.is_word("--in")) {
        c.next_token();
        let hint = help.form_hint("spawn NAME --in");
        let set = match c.next_token() {
            Some(token @ Token::Word(_)) => name_from(&token, "task set name", &hint)?,
            _ => {
                return Err(ParseError::invalid(
                    "spawn --in is missing a task set name",
                    hint,
                ));
            }
        };
        return Ok(Command::SpawnIn {
            set,
            name,
            body: body_from(c)?,
        });
    }
    Ok(Command::Spawn {
        name,
        body: body_from(c)?,
    })
}

fn wait(args: Args<'_>) -> Result<Command, ParseError> {
    const MODES: [(&str, ReturnWhen); 3] = [
        ("--first-completed", ReturnWhen::FirstCompleted),
        ("--first-exception", ReturnWhen::FirstException),
        ("--all", ReturnWhen::AllCompleted),
    ];
    let (names, flags) = args.names_with_flags(&[
        "--first-completed",
        "--first-exception",
        "--all",
        "--timeout",
    ])?;
    let mut return_when = None;
    let mut timeout = None;
    for (flag, value) in flags {
        if flag == "--timeout" {
            let Some(value) = value else {
                return Err(ParseError::invalid(
                    "--timeout is missing a duration",
                    args.help.usage_hint(),
                ));
            };
            timeout = Some(args.duration(&value)?);
        } else {
            let mode = MODES.iter().find(|(f, _)| *f == flag).map(|(_, m)| *m);
            if let Some((previous, _)) = return_when {
                return Err(ParseError::invalid(
                    format!("conflicting flags {previous} and {flag}"),
                    "give one of --first-completed, --first-exception, --all",
                ));
            }
            return_when = mode.map(|m| (flag, m));
        }
    }
    Ok(Command::Wait {
        names,
        return_when: return_when.map(|(_, m)| m).unwrap_or_default(),
        timeout,
    })
}

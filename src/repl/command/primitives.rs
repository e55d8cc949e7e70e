//! Parsing `new semaphore NAME PERMITS`, `new queue NAME [CAPACITY]`, `new event NAME` and the
//! other kinds (`new condition NAME [VALUE]`, `new barrier NAME PARTIES`, …, `new task-set NAME`).

use std::num::NonZeroUsize;

use super::Command;
use super::args::Args;
use crate::repl::body::value_of;
use crate::repl::error::ParseError;
use crate::repl::lex::Token;
use crate::repl::primitive::OtherKind;
use crate::repl::suggest::nearest;

/// `new KIND …`, from its arguments.
pub(super) fn parse(args: Args<'_>) -> Result<Command, ParseError> {
    const KINDS: [&str; 5] = ["semaphore", "queue", "event", "future", "service"];
    let all_kinds = || {
        KINDS
            .into_iter()
            .chain(["generator"])
            .chain(OtherKind::ALL.iter().map(|(_, w, _)| *w))
    };
    if let Some(Token::Word(w)) = args.list.first()
        && let Some((kind, word, arg)) = OtherKind::ALL.iter().find(|(_, w2, _)| w2 == w)
    {
        return other(args, *kind, word, *arg);
    }
    let kind = match args.list.first() {
        None => {
            return Err(ParseError::invalid(
                "new is missing what to create",
                args.help.usage_hint(),
            ));
        }
        Some(Token::Word(w)) if KINDS.contains(w) => *w,
        Some(other) => {
            let near = match other {
                Token::Word(w) => nearest(w, all_kinds()).map(|k| format!("did you mean {k:?}? ")),
                _ => None,
            };
            return Err(ParseError::invalid(
                format!("can't create {other}"),
                format!("{}{}", near.unwrap_or_default(), args.help.usage_hint()),
            ));
        }
    };
    let hint = args.help.form_hint(&format!("new {kind}"));
    let rest = Args {
        list: args.list[1..].to_vec(),
        help: args.help,
    };
    let wrong = |e: ParseError| match e {
        ParseError::Invalid { message, .. } => ParseError::invalid(message, hint.clone()),
        other => other,
    };
    match kind {
        "semaphore" => {
            let [name, permits] = rest
                .exact(&["semaphore name", "permit count"])
                .map_err(wrong)?;
            Ok(Command::NewSemaphore {
                name: rest.new_name(name, "semaphore name")?,
                permits: rest.number(permits, "permit count").map_err(wrong)?,
            })
        }
        "queue" => {
            let (name, capacity) = rest.exact_then_optional(&["queue name"]).map_err(wrong)?;
            let capacity: Option<usize> = capacity
                .map(|c| rest.number(c, "queue capacity"))
                .transpose()
                .map_err(wrong)?;
            Ok(Command::NewQueue {
                name: rest.new_name(name, "queue name")?,
                capacity: capacity.and_then(NonZeroUsize::new),
            })
        }
        "service" => {
            let missing = |what: &str| {
                wrong(ParseError::invalid(
                    format!("new service is missing {what}"),
                    "",
                ))
            };
            let (name, latency, capacity) = match rest.list.as_slice() {
                [] => return Err(missing("a service name")),
                [_] => return Err(missing("a latency")),
                [_, _] => return Err(missing("a capacity")),
                [n, l, c] | [n, l, c, _] => (n, l, c),
                [_, _, _, _, extra, ..] => {
                    return Err(wrong(ParseError::invalid(
                        format!("unexpected {extra} after new service"),
                        "",
                    )));
                }
            };
            Ok(Command::NewService {
                name: rest.new_name(name, "service name")?,
                latency: rest.duration(latency).map_err(wrong)?,
                capacity: rest.number(capacity, "capacity").map_err(wrong)?,
                seed: rest
                    .list
                    .get(3)
                    .map(|s| rest.number(s, "seed"))
                    .transpose()
                    .map_err(wrong)?,
            })
        }
        "event" => {
            let [name] = rest.exact(&["event name"]).map_err(wrong)?;
            Ok(Command::NewEvent {
                name: rest.new_name(name, "event name")?,
            })
        }
        _ => {
            let [name] = rest.exact(&["future name"]).map_err(wrong)?;
            Ok(Command::NewFuture {
                name: rest.new_name(name, "future name")?,
            })
        }
    }
}

/// `new KIND NAME [ARG]` for the kinds made from a name and at most one
/// argument (`arg`: what it is, and whether it is required).
fn other(
    args: Args<'_>,
    kind: OtherKind,
    word: &str,
    arg: crate::repl::primitive::Argument,
) -> Result<Command, ParseError> {
    let hint = args.help.form_hint(&format!("new {word} "));
    let invalid = |message: String| ParseError::invalid(message, hint.clone());
    let rest = &args.list[1..];
    let name_what = format!("{word} name");
    let Some(name) = rest.first() else {
        return Err(invalid(format!("new {word} is missing a {name_what}")));
    };
    let name = args.new_name(name, &name_what)?;
    let given = rest.get(1);
    if let Some(extra) = rest.get(if arg.is_some() { 2 } else { 1 }) {
        return Err(invalid(format!("unexpected {extra} after new {word}")));
    }
    let arg = match (arg, given) {
        (Some((what, true)), None) => {
            return Err(invalid(format!(
                "new {word} is missing {}",
                crate::repl::error::a(what)
            )));
        }
        (Some((what, _)), Some(token)) if kind.counts() => {
            let n: u64 = args
                .number(token, what)
                .map_err(|_| invalid(format!("bad {what} {token}: expected a whole number")))?;
            let n =
                i64::try_from(n).map_err(|_| invalid(format!("bad {what} {token}: too large")))?;
            if n == 0 && matches!(kind, OtherKind::Barrier | OtherKind::Broadcast) {
                return Err(invalid(format!("bad {what} 0: it must be at least 1")));
            }
            Some(crate::repl::body::Value::Int(n))
        }
        (Some(_), Some(token)) => Some(value_of(token).map_err(|e| match e {
            ParseError::Invalid { message, .. } => invalid(message),
            other => other,
        })?),
        _ => None,
    };
    Ok(Command::NewOther { kind, name, arg })
}

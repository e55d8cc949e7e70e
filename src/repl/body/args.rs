//! Reading a step's arguments: counts, durations, values, text, and the
//! errors that name what was wrong and show the step's usage.

use std::time::Duration;

use super::{Nesting, Step, Value, steps_until};
use crate::repl::duration::parse_duration;
use crate::repl::error::{ParseError, a};
use crate::repl::help::StepHelp;
use crate::repl::lex::{Cursor, Token};

/// Checks that a step got exactly the arguments it takes, named in `what`.
pub(super) fn arity<'t, 'a, const N: usize>(
    args: &'t [Token<'a>],
    what: &[&str; N],
    help: &StepHelp,
) -> Result<[&'t Token<'a>; N], ParseError> {
    if let Some(missing) = what.get(args.len()) {
        return Err(ParseError::invalid(
            format!("{} is missing {}", help.name, a(missing)),
            help.usage_hint(),
        ));
    }
    if let Some(extra) = args.get(N) {
        return Err(ParseError::invalid(
            format!("unexpected {extra} after {}", help.name),
            help.usage_hint(),
        ));
    }
    Ok(std::array::from_fn(|i| &args[i]))
}

/// Reads the `{ … }` block after `repeat N` or `forever`.
pub(super) fn block(c: &mut Cursor<'_>, help: &StepHelp) -> Result<Vec<Step>, ParseError> {
    match c.peek() {
        Some(Token::Open) => {
            c.next_token();
            steps_until(c, Nesting::Block)
        }
        _ => Err(ParseError::invalid(
            format!("{} needs a {{ … }} block", help.name),
            help.usage_hint(),
        )),
    }
}

/// A count of at least 1 (`acquire-many pool 2`, `notify ready 3`).
pub(super) fn count(token: &Token<'_>, help: &StepHelp) -> Result<u64, ParseError> {
    match token {
        Token::Word(w) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => {
            match w.parse::<u64>() {
                Ok(0) => Err(ParseError::invalid(
                    format!("{} of 0 does nothing", help.name),
                    format!("give a count of 1 or more: {}", help.example),
                )),
                Ok(n) => Ok(n),
                Err(_) => Err(ParseError::invalid(
                    format!("count {w} is too large"),
                    help.usage_hint(),
                )),
            }
        }
        other => Err(ParseError::invalid(
            format!("bad count {other}"),
            format!("{} takes a whole number: {}", help.name, help.example),
        )),
    }
}

pub(super) fn duration([token]: [&Token<'_>; 1]) -> Result<Duration, ParseError> {
    match token {
        Token::Word(w) => parse_duration(w),
        other => Err(ParseError::invalid(
            format!("bad duration {other}"),
            "durations are not quoted: 3s, 250ms, 100us, 1m",
        )),
    }
}

/// Whether `w` is written like an integer: an optional `-` and digits.
pub(super) fn looks_like_integer(w: &str) -> bool {
    let digits = w.strip_prefix('-').unwrap_or(w);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A VALUE argument: an integer, a quoted string or a bare word.
pub(crate) fn value_of(token: &Token<'_>) -> Result<Value, ParseError> {
    value([token])
}

pub(super) fn value([token]: [&Token<'_>; 1]) -> Result<Value, ParseError> {
    match token {
        Token::Word(w) if looks_like_integer(w) => w.parse().map(Value::Int).map_err(|_| {
            ParseError::invalid(
                format!("integer {w} out of range"),
                format!("integers fit in 64 bits; quote it to use text: \"{w}\""),
            )
        }),
        Token::Word(w) => Ok(Value::Str(w.to_string())),
        Token::Quoted(s) => Ok(Value::Str(s.clone())),
        other => unreachable!("arguments are words or quoted strings, not {other}"),
    }
}

pub(super) fn text(args: &[Token<'_>], help: &StepHelp) -> Result<String, ParseError> {
    match args {
        [] => Err(ParseError::invalid(
            format!("{} is missing its text", help.name),
            help.usage_hint(),
        )),
        [Token::Quoted(s)] => Ok(s.clone()),
        words => {
            let words: Option<Vec<&str>> = words
                .iter()
                .map(|t| match t {
                    Token::Word(w) => Some(*w),
                    _ => None,
                })
                .collect();
            words.map(|w| w.join(" ")).ok_or_else(|| {
                ParseError::invalid(
                    format!("{} text mixes quoted and bare words", help.name),
                    format!("quote the whole text: {} \"a; b\"", help.name),
                )
            })
        }
    }
}

//! Parsing the commands that drive the loop — `step`, `run`, `advance` — and set how it runs —
//! `clock`, `policy`, `budget`.

use std::num::NonZeroU64;

use super::args::Args;
use super::{ClockMode, Command, Policy};
use crate::repl::error::ParseError;
use crate::repl::lex::Token;

/// A driving or setting command, from its arguments.
pub(super) fn parse(args: Args<'_>) -> Result<Command, ParseError> {
    match args.help.name {
        "step" => {
            let [count] = args.optional()?;
            Ok(Command::Step {
                count: count.map_or(Ok(NonZeroU64::MIN), |n| args.number(n, "step count"))?,
            })
        }
        "run" => {
            let [limit] = args.optional()?;
            Ok(Command::Run {
                limit: limit.map(|d| args.duration(d)).transpose()?,
            })
        }
        "advance" => Ok(Command::Advance {
            by: args.duration(args.exact(&["duration"])?[0])?,
        }),
        "clock" => {
            let [mode] = args.optional()?;
            let mode = mode
                .map(|m| args.choice(m, &["real", "virtual"]))
                .transpose()?;
            Ok(Command::Clock {
                mode: mode.map(|m| {
                    if m == "real" {
                        ClockMode::Real
                    } else {
                        ClockMode::Virtual
                    }
                }),
            })
        }
        "policy" => policy(args),
        "budget" => budget(args),
        "debug" => debug(args),
        name => unreachable!("{name} is not a driving command"),
    }
}

/// `budget [N] [DUR]`: a number of polls, a duration of real time, both or neither.
fn budget(args: Args<'_>) -> Result<Command, ParseError> {
    let (first, second) = match args.list.as_slice() {
        [] => (None, None),
        [_] => (args.list.first(), None),
        [_, _] => (args.list.first(), args.list.get(1)),
        [_, _, extra, ..] => {
            return Err(ParseError::invalid(
                format!("unexpected {extra} after budget"),
                args.help.usage_hint(),
            ));
        }
    };
    let (mut polls, mut time) = (None, None);
    for token in [first, second].into_iter().flatten() {
        let is_number = matches!(token, Token::Word(w) if w.bytes().all(|b| b.is_ascii_digit()));
        if is_number && polls.is_none() {
            polls = Some(args.number(token, "poll budget")?);
        } else if !is_number && time.is_none() {
            time = Some(args.duration(token).map_err(|e| match e {
                ParseError::Invalid { message, hint } => {
                    ParseError::invalid(message, format!("{hint}; {}", args.help.usage_hint()))
                }
                other => other,
            })?);
        } else {
            return Err(ParseError::invalid(
                format!(
                    "two {} in budget",
                    if is_number {
                        "poll counts"
                    } else {
                        "durations"
                    }
                ),
                args.help.usage_hint(),
            ));
        }
    }
    Ok(Command::Budget { polls, time })
}

fn policy(args: Args<'_>) -> Result<Command, ParseError> {
    let Some(kind) = args.list.first() else {
        return Ok(Command::Policy(None));
    };
    let kind = args.choice(kind, &["fifo", "lifo", "random", "pct"])?;
    let rest = Args {
        list: args.list[1..].to_vec(),
        help: args.help,
    };
    let policy = match kind {
        "fifo" => rest.none(Policy::Fifo)?,
        "lifo" => rest.none(Policy::Lifo)?,
        "random" => Policy::Random {
            seed: rest.number(rest.exact(&["seed"])?[0], "seed")?,
        },
        _ => {
            let (seed, depth) = rest.exact_then_optional(&["seed"])?;
            Policy::Pct {
                seed: rest.number(seed, "seed")?,
                depth: depth.map(|d| rest.number(d, "depth")).transpose()?,
            }
        }
    };
    Ok(Command::Policy(Some(policy)))
}

/// `debug [on|off] [THRESHOLD]`.
fn debug(args: Args<'_>) -> Result<Command, ParseError> {
    let (on, threshold) = match args.list.as_slice() {
        [] => (None, None),
        [setting] => (Some(args.choice(setting, &["on", "off"])?), None),
        [setting, threshold] => {
            let on = args.choice(setting, &["on", "off"])?;
            if on == "off" {
                return Err(ParseError::invalid(
                    format!("unexpected {threshold} after debug off"),
                    "a threshold goes with on: debug on 50ms",
                ));
            }
            (Some(on), Some(args.duration(threshold)?))
        }
        [_, _, extra, ..] => {
            return Err(ParseError::invalid(
                format!("unexpected {extra} after debug"),
                args.help.usage_hint(),
            ));
        }
    };
    Ok(Command::Debug {
        on: on.map(|o| o == "on"),
        threshold,
    })
}

//! Parsing the commands on the session's history: `reset`, `source`, `save`, `save test`,
//! `schedule`, `replay`, `back`, and `explore` and `minimize`, which run it again under other
//! schedules.

use super::Command;
use super::args::Args;
use crate::repl::error::ParseError;
use crate::repl::lex::Token;

/// A history command, from its arguments.
pub(super) fn parse(args: Args<'_>) -> Result<Command, ParseError> {
    match args.help.name {
        "reset" => args.none(Command::Reset),
        "source" => Ok(Command::Source {
            file: args.text(args.exact(&["file"])?[0]),
        }),
        "save" => match args.list.as_slice() {
            [Token::Word("test"), _, ..] => {
                let rest = Args {
                    list: args.list[1..].to_vec(),
                    help: args.help,
                };
                Ok(Command::SaveTest {
                    file: rest.text(rest.exact(&["file"])?[0]),
                })
            }
            [Token::Word("test")] => Err(ParseError::invalid(
                "save test is missing a file",
                "usage: save test FILE (to save to a file named test: save \"test\")",
            )),
            _ => Ok(Command::Save {
                file: args.text(args.exact(&["file"])?[0]),
            }),
        },
        "schedule" => args.none(Command::Schedule),
        "replay" => Ok(Command::Replay {
            schedule: args.text(args.exact(&["schedule"])?[0]),
        }),
        "back" => Ok(Command::Back {
            count: args.number(args.exact(&["count"])?[0], "count")?,
        }),
        "explore" => match args.optional()? {
            [None] => Ok(Command::Explore { sample: None }),
            [Some(Token::Word("all"))] => Ok(Command::Explore { sample: None }),
            [Some(n)] => Ok(Command::Explore {
                sample: Some(args.number(n, "number of schedules")?),
            }),
        },
        "minimize" => args.none(Command::Minimize),
        name => unreachable!("{name} is not a history command"),
    }
}

//! Parsing the inspection commands: `tasks`, `show`, `queue`, `timeline`, `trace`, `warnings`,
//! `export-trace`, `export-html`.

use super::Command;
use super::args::Args;
use crate::repl::error::ParseError;

/// An inspection command, from its arguments.
pub(super) fn parse(args: Args<'_>) -> Result<Command, ParseError> {
    match args.help.name {
        "tasks" => args.none(Command::Tasks),
        "show" => Ok(Command::Show {
            name: args.one_name("name")?,
        }),
        "queue" => args.none(Command::Queue),
        "timeline" => args.none(Command::Timeline),
        "trace" => {
            let [on] = args.exact(&["setting (on or off)"])?;
            Ok(Command::Trace {
                on: args.choice(on, &["on", "off"])? == "on",
            })
        }
        "warnings" => args.none(Command::Warnings),
        "export-trace" => Ok(Command::ExportTrace {
            file: args.text(args.exact(&["file"])?[0]),
        }),
        "export-html" => Ok(Command::ExportHtml {
            file: args.text(args.exact(&["file"])?[0]),
        }),
        name => unreachable!("{name} is not an inspection command"),
    }
}

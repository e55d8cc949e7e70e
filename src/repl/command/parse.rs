//! [`parse_line`]: a line's command word, looked up in the help table, then the rest of the line
//! handed to the parser of the command's family; `help` and `quit`, which are about the REPL
//! itself, are parsed here.

use super::args::Args;
use super::{Command, driving, history, inspect, primitives, tasks};
use crate::repl::error::ParseError;
use crate::repl::help::{self, CommandHelp};
use crate::repl::lex::{Cursor, Token, check_input};
use crate::repl::suggest::nearest;

/// Parses one line (or, after [`ParseError::Incomplete`], the lines so far joined with `\n`).
///
/// # Errors
///
/// [`ParseError::Incomplete`] when a `{` is still open at the end: read another line and parse the
/// joined text again. `Invalid` for everything else, with a message and the right form.
///
/// # Examples
///
/// ```ignore
/// assert_eq!(parse_line("cancel worker"), Ok(Command::Cancel { name: "worker".into() }));
/// assert_eq!(parse_line("spawn t forever {"), Err(ParseError::Incomplete));
/// ```
pub fn parse_line(line: &str) -> Result<Command, ParseError> {
    check_input(line)?;
    let unpasted = strip_pasted_prompt(line);
    let line = unpasted.as_ref();
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Ok(Command::Blank);
    }
    if let Some(comment) = trimmed.strip_prefix('#') {
        return Ok(Command::Comment(comment.to_string()));
    }
    let mut c = Cursor::new(line)?;
    let word = match c.next_token() {
        Some(Token::Word(w)) => w,
        Some(other) => {
            return Err(ParseError::invalid(
                format!("a line can't start with {other}"),
                "start with a command; type help for the list",
            ));
        }
        None => unreachable!("a non-blank line has a token"),
    };
    let Some(help) = help::find_command(word) else {
        return Err(unknown_command(word));
    };
    if help.name == "spawn" {
        return tasks::spawn(&mut c, help);
    }
    if help.name == "call-soon" || help.name == "call-later" {
        return tasks::call(&mut c, help);
    }
    if help.name == "new" && c.peek().is_some_and(|t| t.is_word("generator")) {
        c.next_token();
        return tasks::generator(&mut c, help);
    }
    let args = arguments(&mut c, help)?;
    let args = Args { list: args, help };
    match help.name {
        "await" | "cancel" | "wake" | "gather" | "wait" | "as-completed" | "timeout" | "group"
        | "join-next" | "cancel-all" => tasks::parse(args),
        "new" => primitives::parse(args),
        "step" | "run" | "advance" | "clock" | "policy" | "budget" | "debug" => {
            driving::parse(args)
        }
        "tasks" | "show" | "queue" | "timeline" | "trace" | "warnings" | "export-trace"
        | "export-html" => inspect::parse(args),
        "reset" | "source" | "save" | "schedule" | "replay" | "back" | "explore" | "minimize" => {
            history::parse(args)
        }
        "help" => {
            let [topic] = args.optional()?;
            let topic = topic.map(|t| help_topic(t, help)).transpose()?;
            Ok(Command::Help { topic })
        }
        "quit" => args.none(Command::Quit),
        name => unreachable!("command {name} is in the help table but not in the parser"),
    }
}

/// A line copied from a session shown in the docs or a transcript keeps its
/// echo: `> spawn a sleep 1s` (or `>> ` for a sourced command), with `. `
/// before each continuation line of a body. That prefix is not part of the
/// command, so it is dropped: a pasted session line runs as it was typed.
fn strip_pasted_prompt(line: &str) -> std::borrow::Cow<'_, str> {
    let start = line.trim_start();
    let Some(rest) = start
        .strip_prefix(">> ")
        .or_else(|| start.strip_prefix("> "))
        .or_else(|| (start == ">" || start == ">>").then_some(""))
    else {
        return line.into();
    };
    if !rest.contains('\n') {
        return rest.into();
    }
    let mut lines = rest.split('\n');
    let mut out = lines.next().unwrap_or_default().to_string();
    for l in lines {
        out.push('\n');
        out.push_str(
            l.strip_prefix(".. ")
                .or_else(|| l.strip_prefix(". "))
                .unwrap_or(l),
        );
    }
    out.into()
}

fn unknown_command(word: &str) -> ParseError {
    let bare = help::asyncio::bare(word);
    let hint = if let Some(command) = help::find_command(bare).filter(|_| bare != word) {
        format!(
            "a command takes its arguments after a space, without parentheses or commas: {}",
            command.usage_hint()
        )
    } else if let Some(step) = help::find_step(bare) {
        format!(
            "{bare} is a task step; put it in a task body: spawn t {}",
            step.example
        )
    } else if let Some(hint) = help::asyncio::hint(word) {
        hint
    } else if let Some(near) = nearest(word, help::command_words()) {
        format!("did you mean {near:?}?")
    } else {
        "type help for the list of commands".to_string()
    };
    ParseError::invalid(format!("unknown command {word:?}"), hint)
}

/// The rest of the line as arguments; `{`, `}` and `;` only mean something in a task body.
fn arguments<'a>(c: &mut Cursor<'a>, help: &CommandHelp) -> Result<Vec<Token<'a>>, ParseError> {
    let args = c.arguments();
    // `arguments` stops before `finally {`, which is an ordinary word outside a body.
    if let Some(next) = c.peek().filter(|t| !matches!(t, Token::Word(_))) {
        return Err(ParseError::invalid(
            format!("unexpected {next} after {}", help.name),
            format!(
                "{}; braces and ; belong in task bodies (spawn)",
                help.usage_hint()
            ),
        ));
    }
    let mut args = args;
    while let Some(t) = c.next_token() {
        if !matches!(t, Token::Word(_)) {
            return Err(ParseError::invalid(
                format!("unexpected {t} after {}", help.name),
                help.usage_hint(),
            ));
        }
        args.push(t);
    }
    Ok(args)
}

fn help_topic(token: &Token<'_>, help: &CommandHelp) -> Result<&'static str, ParseError> {
    let Token::Word(word) = token else {
        return Err(ParseError::invalid(
            format!("no help on {token}"),
            help.usage_hint(),
        ));
    };
    if let Some(f) = crate::repl::functions::find(word) {
        return Ok(f.name);
    }
    help::find_topic(word)
        .or_else(|| help::asyncio_topic(word))
        .ok_or_else(|| {
            let hint = match nearest(word, help::command_words().chain(help::step_names())) {
                Some(near) => format!("did you mean {near:?}?"),
                None => "type help for the list of commands".into(),
            };
            ParseError::invalid(format!("no help on {word:?}"), hint)
        })
}

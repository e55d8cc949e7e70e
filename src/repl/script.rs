//! Non-interactive mode: commands from a pipe or a file, one per line.
//!
//! Each command is echoed after `> ` so the output reads like a session (and
//! is a transcript test's expected text); lines of a body left open with `{`
//! are joined first and echoed with `. ` before each continuation line. No
//! prompt, no colour, and real-time measurements are left out, so the same
//! script prints the same bytes every time.

use std::io::{self, BufRead, Write};

use super::error::ParseError;
use super::render::{self, ColorChoice};
use super::session::{Reply, Session, echo, error_line};
use super::styled::Styled;

/// Joins the lines of a command whose `{` is still open.
#[derive(Default)]
pub struct Joiner {
    pending: String,
}

impl Joiner {
    /// Adds a line; returns the whole command once it is complete (or wrong).
    pub fn push(&mut self, line: &str) -> Option<String> {
        if !self.pending.is_empty() {
            self.pending.push('\n');
        }
        self.pending.push_str(line);
        match super::parse_line(&self.pending) {
            Err(ParseError::Incomplete) => None,
            _ => Some(std::mem::take(&mut self.pending)),
        }
    }

    /// What is left at the end of the input (an unclosed body), if anything.
    pub fn finish(&mut self) -> Option<String> {
        (!self.pending.is_empty()).then(|| std::mem::take(&mut self.pending))
    }
}

/// How a script ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptEnd {
    /// Every command succeeded.
    AllOk,
    /// At least one failed.
    SomeFailed,
}

/// Runs every command of `input`, writing the transcript to `out`. With
/// `bail`, stops at the first failure.
///
/// # Errors
///
/// When reading the input or writing the output fails.
pub fn run(
    session: &mut Session,
    input: impl BufRead,
    out: &mut impl Write,
    bail: bool,
) -> io::Result<ScriptEnd> {
    let mut joiner = Joiner::default();
    let mut failed = false;
    let write = |out: &mut dyn Write, lines: &Styled| -> io::Result<()> {
        for line in lines {
            writeln!(out, "{}", render::line(line, ColorChoice::Plain))?;
        }
        Ok(())
    };
    for raw in input.split(b'\n') {
        let raw = raw?;
        let Ok(text) = std::str::from_utf8(&raw) else {
            write(
                out,
                &vec![error_line(
                    "binary input (not UTF-8) — commands are plain text; type help for the list",
                )],
            )?;
            failed = true;
            joiner = Joiner::default();
            if bail {
                break;
            }
            continue;
        };
        let text = text.strip_suffix('\r').unwrap_or(text);
        let Some(command) = joiner.push(text) else {
            continue;
        };
        write(out, &vec![echo(&command.replace('\n', "\n. "))])?;
        match session.run_line(&command) {
            Reply::Done(lines) => write(out, &lines)?,
            Reply::Failed(lines) => {
                write(out, &lines)?;
                failed = true;
                if bail {
                    break;
                }
            }
            Reply::Quit => return Ok(end(failed)),
        }
        out.flush()?;
    }
    if let Some(rest) = joiner.finish() {
        write(out, &vec![echo(&rest.replace('\n', "\n. "))])?;
        write(out, &vec![error_line(ParseError::Incomplete.to_string())])?;
        failed = true;
    }
    Ok(end(failed))
}

fn end(failed: bool) -> ScriptEnd {
    if failed {
        ScriptEnd::SomeFailed
    } else {
        ScriptEnd::AllOk
    }
}

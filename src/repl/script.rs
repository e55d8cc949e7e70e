//! Non-interactive mode: commands from a pipe or a file, one per line.
//!
//! Each command is echoed after `> ` so the output reads like a session (and
//! is a transcript test's expected text); lines of a body left open with `{`
//! are joined first and echoed with `. ` before each continuation line. No
//! prompt, no colour, and real-time measurements are left out, so the same
//! script prints the same bytes every time.

#[cfg(test)]
use std::io::Read;
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

/// The longest line a script may hold: far more than a command's
/// [`MAX_LINE_BYTES`](crate::repl::lex::MAX_LINE_BYTES), so a long line gets
/// the parser's own error, but a bound, so an input with no newline in it
/// (`--script /dev/zero`) is refused instead of read into memory whole.
pub const MAX_SCRIPT_LINE_BYTES: usize = 64 * 1024;

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line (without its `\n`) is in the buffer.
    Read,
    /// The input ended.
    End,
    /// The line goes on past the limit; the buffer holds its start.
    TooLong,
}

/// Reads one line into `buf` (cleared first), holding at most `limit` bytes
/// of it.
///
/// # Errors
///
/// When reading fails.
pub fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
    buf.clear();
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(if buf.is_empty() {
                Line::End
            } else {
                Line::Read
            });
        }
        let (take, newline) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > limit {
            let room = limit - buf.len();
            buf.extend_from_slice(&chunk[..room]);
            input.consume(room);
            return Ok(Line::TooLong);
        }
        buf.extend_from_slice(&chunk[..take]);
        input.consume(take + usize::from(newline));
        if newline {
            return Ok(Line::Read);
        }
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
    let mut input = input;
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        number += 1;
        match read_line(&mut input, &mut raw, MAX_SCRIPT_LINE_BYTES)? {
            Line::End => break,
            Line::Read => {}
            Line::TooLong => {
                // Reading on would hold the whole "line" (from /dev/zero: forever).
                write(
                    out,
                    &vec![error_line(format!(
                        "line {number} of the input is longer than {MAX_SCRIPT_LINE_BYTES} bytes, \
                         so the input is no REPL script (a command is at most {} bytes); stopped reading",
                        crate::repl::lex::MAX_LINE_BYTES
                    ))],
                )?;
                return Ok(ScriptEnd::SomeFailed);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_up_to_a_limit() {
        let mut input: &[u8] = b"one\ntwo\r\n\nlast";
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while read_line(&mut input, &mut buf, 10).unwrap() == Line::Read {
            got.push(String::from_utf8(buf.clone()).unwrap());
        }
        assert_eq!(got, ["one", "two\r", "", "last"]);
        let mut endless = std::io::repeat(0).take(1 << 30);
        let mut endless = std::io::BufReader::new(&mut endless);
        assert_eq!(
            read_line(&mut endless, &mut buf, 100).unwrap(),
            Line::TooLong
        );
        assert_eq!(buf.len(), 100);
    }
}

//! The evloop REPL. For now it only parses: each line is printed back as the command it parses to
//! (or the error); the executor is wired in next.

mod repl;

use std::io::{self, BufRead, Write};

use repl::{Command, ParseError, parse_line};

fn main() -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut out = io::stdout().lock();
    // The lines of a command whose `{` is still open.
    let mut pending = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            writeln!(
                out,
                "error: binary input (not UTF-8) — commands are plain text; type help for the list"
            )?;
            pending.clear();
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(text);
        match parse_line(&pending) {
            Err(ParseError::Incomplete) => continue,
            Ok(Command::Quit) => break,
            Ok(command) => writeln!(out, "{command:?}")?,
            Err(error) => writeln!(out, "error: {error}")?,
        }
        pending.clear();
    }
    if !pending.is_empty() {
        writeln!(out, "error: {}", ParseError::Incomplete)?;
    }
    Ok(())
}

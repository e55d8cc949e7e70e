//! Interactive mode: the only file that talks to rustyline.
//!
//! - **History** is kept in `$XDG_STATE_HOME/evloop/history` (or
//!   `~/.local/state/evloop/history`: history is state, in the XDG Base
//!   Directory terms, not data); `--no-history` keeps none.
//! - **Completion** (Tab) and **hints** (grey, after the cursor): what
//!   `complete.rs` computes from the line, handed to rustyline here.
//! - **Highlighting**: a known command word is coloured.
//! - **Multi-line input**: a line whose `{` is still open is not submitted;
//!   Enter continues it on the next line.
//! - **Ctrl-C** at the prompt clears the line; during `run` or `await` it
//!   interrupts the loop (see `main.rs`); Ctrl-D or `quit` leaves.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use super::complete;
use super::error::ParseError;
use super::help;
use super::render::{self, ColorChoice};
use super::session::{Reply, Session};
use super::styled::{Line, Style};

/// What the completer knows about the session.
struct ReplHelper {
    task_names: Rc<RefCell<Vec<String>>>,
    /// The names of the session's semaphores, queues, task sets…
    primitive_names: Rc<RefCell<Vec<String>>>,
    color: ColorChoice,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, found) = complete::complete_names(
            line,
            pos,
            &self.task_names.borrow(),
            &self.primitive_names.borrow(),
        );
        let pairs = found
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        complete::hint(line, pos)
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color == ColorChoice::Plain {
            return Cow::Borrowed(line);
        }
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let word = &trimmed[..end];
        if help::find_command(word).is_none() {
            return Cow::Borrowed(line);
        }
        Cow::Owned(format!(
            "{}{}{}",
            &line[..lead],
            render::ansi(Style::Command).paint(word),
            &trimmed[end..]
        ))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        match self.color {
            ColorChoice::Plain => Cow::Borrowed(hint),
            ColorChoice::Ansi => Cow::Owned(render::ansi(Style::Dim).paint(hint).to_string()),
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color == ColorChoice::Ansi
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(match super::parse_line(ctx.input()) {
            Err(ParseError::Incomplete) => ValidationResult::Incomplete,
            _ => ValidationResult::Valid(None),
        })
    }
}

impl Helper for ReplHelper {}

/// Where history is kept: `$XDG_STATE_HOME/evloop/history`, else
/// `$HOME/.local/state/evloop/history`.
pub fn history_path() -> Option<PathBuf> {
    history_path_in(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
}

/// [`history_path`] given the two variables. An empty or relative
/// `XDG_STATE_HOME` is ignored, as the XDG Base Directory spec says.
fn history_path_in(state: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let base = match state.map(PathBuf::from).filter(|d| d.is_absolute()) {
        Some(d) => d,
        None => PathBuf::from(home.filter(|v| !v.is_empty())?)
            .join(".local")
            .join("state"),
    };
    Some(base.join("evloop").join("history"))
}

/// Runs the interactive REPL until `quit` or Ctrl-D.
///
/// # Errors
///
/// When the terminal cannot be set up or written to.
pub fn run(session: &mut Session, color: ColorChoice, history: bool) -> io::Result<()> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> =
        Editor::with_config(config).map_err(io::Error::other)?;
    let task_names = Rc::new(RefCell::new(Vec::new()));
    let primitive_names = Rc::new(RefCell::new(Vec::new()));
    editor.set_helper(Some(ReplHelper {
        task_names: task_names.clone(),
        primitive_names: primitive_names.clone(),
        color,
    }));
    let history_file = if history { history_path() } else { None };
    if let Some(path) = &history_file {
        let _ = editor.load_history(path);
    }
    let mut out = io::stdout();
    let print = |out: &mut io::Stdout, lines: &[Line]| -> io::Result<()> {
        for line in lines {
            writeln!(out, "{}", render::line(line, color))?;
        }
        out.flush()
    };
    print(
        &mut out,
        &[Line::new(
            Style::Heading,
            "evloop — an event loop you can step through. help lists the commands; Tab completes; Ctrl-D leaves.",
        )],
    )?;
    loop {
        *task_names.borrow_mut() = session.task_names();
        *primitive_names.borrow_mut() = session.primitive_names();
        let prompt = format!("evloop {}> ", session.now());
        match editor.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                match session.run_line(&line) {
                    Reply::Done(lines) | Reply::Failed(lines) => print(&mut out, &lines)?,
                    Reply::Quit => break,
                }
            }
            Err(ReadlineError::Interrupted) => {
                print(
                    &mut out,
                    &[Line::new(
                        Style::Dim,
                        "(Ctrl-C clears the line; quit or Ctrl-D leaves)",
                    )],
                )?;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(io::Error::other(e)),
        }
    }
    if let Some(path) = &history_file {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: history is state, so it lives under `$XDG_STATE_HOME`, not
    /// `$XDG_DATA_HOME`.
    #[test]
    fn history_lives_under_xdg_state_home() {
        let p = |state: Option<&str>, home: Option<&str>| {
            history_path_in(state.map(Into::into), home.map(Into::into))
        };
        assert_eq!(
            p(Some("/s"), Some("/h")),
            Some(PathBuf::from("/s/evloop/history"))
        );
        assert_eq!(
            p(None, Some("/h")),
            Some(PathBuf::from("/h/.local/state/evloop/history"))
        );
        assert_eq!(
            p(Some(""), Some("/h")),
            Some(PathBuf::from("/h/.local/state/evloop/history"))
        );
        assert_eq!(
            p(Some("relative"), Some("/h")),
            Some(PathBuf::from("/h/.local/state/evloop/history"))
        );
        assert_eq!(p(None, None), None);
    }
}

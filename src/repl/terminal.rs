//! Interactive mode: the only file that talks to rustyline.
//!
//! - **History** is kept in `$XDG_DATA_HOME/evloop/history` (or
//!   `~/.local/share/evloop/history`); `--no-history` keeps none.
//! - **Completion** (Tab): command words first; then, by position, task
//!   names, step names inside a `spawn` body, and the command's `--flags`.
//! - **Hints** (grey, after the cursor): the rest of the command's usage.
//! - **Highlighting**: a known command word is coloured.
//! - **Multi-line input**: a line whose `{` is still open is not submitted;
//!   Enter continues it on the next line.
//! - **Ctrl-C** at the prompt clears the line; during `run` or `await` it
//!   interrupts the loop (see `main.rs`); Ctrl-D or `quit` leaves.

use std::borrow::Cow;
use std::cell::RefCell;
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

use super::error::ParseError;
use super::help;
use super::render::{self, ColorChoice};
use super::session::{Reply, Session};
use super::styled::{Line, Style};

/// What the completer knows about the session.
struct ReplHelper {
    task_names: Rc<RefCell<Vec<String>>>,
    color: ColorChoice,
}

/// The `--flags` a command's usage lines mention.
fn flags_of(command: &str) -> Vec<String> {
    help::find_command(command)
        .map(|c| {
            c.usage
                .iter()
                .flat_map(|u| u.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-')))
                .filter(|w| w.starts_with("--"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl ReplHelper {
    fn candidates(&self, before: &str, word: &str) -> Vec<String> {
        let words: Vec<&str> = before.split_whitespace().collect();
        let Some(first) = words.first() else {
            return help::command_words().map(str::to_string).collect();
        };
        let command = help::find_command(first).map_or(*first, |c| c.name);
        if word.starts_with("--") {
            return flags_of(command);
        }
        let tasks = self.task_names.borrow().clone();
        match command {
            "spawn" if words.len() >= 2 => {
                // Inside a body: a step word after `;` or `{`, else task names.
                let last = before.trim_end();
                if words.len() == 2 || last.ends_with(';') || last.ends_with('{') {
                    help::step_names().map(str::to_string).collect()
                } else {
                    tasks
                }
            }
            "help" => help::command_names()
                .chain(help::step_names())
                .map(str::to_string)
                .collect(),
            "clock" => vec!["real".into(), "virtual".into()],
            "policy" => vec!["fifo".into(), "lifo".into(), "random".into(), "pct".into()],
            "trace" => vec!["on".into(), "off".into()],
            "new" if words.len() == 1 => {
                vec!["semaphore".into(), "queue".into(), "event".into()]
            }
            _ => tasks,
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let upto = &line[..pos];
        let start = upto
            .rfind(|c: char| c.is_whitespace() || c == ';' || c == '{')
            .map_or(0, |i| i + 1);
        let word = &upto[start..];
        let mut found: Vec<String> = self
            .candidates(&upto[..start], word)
            .into_iter()
            .filter(|c| c.starts_with(word))
            .collect();
        found.sort();
        found.dedup();
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
        if pos < line.len() || line.is_empty() {
            return None;
        }
        let mut words = line.split_whitespace();
        let first = words.next()?;
        let rest = words.next();
        if rest.is_none() && !line.ends_with(' ') {
            // Completing the command word: hint the first command it starts.
            let name = help::command_names().find(|n| n.starts_with(first))?;
            let usage = help::find_command(name)?.usage[0];
            return Some(usage[first.len().min(usage.len())..].to_string());
        }
        if rest.is_none() {
            let c = help::find_command(first)?;
            let usage = c.usage[0];
            return Some(
                usage
                    .split_once(' ')
                    .map(|(_, a)| a.to_string())
                    .unwrap_or_default(),
            );
        }
        None
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

/// Where history is kept: `$XDG_DATA_HOME/evloop/history`, else
/// `$HOME/.local/share/evloop/history`.
pub fn history_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?)
            .join(".local")
            .join("share"),
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
    editor.set_helper(Some(ReplHelper {
        task_names: task_names.clone(),
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

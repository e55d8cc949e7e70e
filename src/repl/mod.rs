//! The REPL: reading a line, running it against the executor, and rendering what happened.
//!
//! ```text
//!   "spawn a sleep 1s" ──parse_line──▶ Command ──Session::execute──▶ evloop's public API
//!        lex.rs, command.rs + command/,          session.rs + session/,
//!        body.rs, duration.rs, name.rs           check.rs (what a body may do),
//!                                                program.rs (task bodies),
//!                                                task.rs, env.rs (what they share),
//!                                                toolkit.rs (the combinators),
//!                                                primitive.rs, coordination.rs,
//!                                                task_set.rs, generator.rs,
//!                                                service.rs (the objects)
//!                                                             │
//!                                                             ▼
//!                      Styled lines (styled.rs) ──render.rs──▶ ANSI or plain text
//!                      views.rs (tasks, show, queue, help), timeline.rs, chrome_trace.rs,
//!                      replay_page.rs,
//!                      all from the loop's events as the session recorded them (record.rs)
//! ```
//!
//! Parsing is pure and testable without a terminal; the session uses only
//! evloop's public API; output is data until `render` turns it into bytes.
//! `command/` and `session/` split the commands into the same families —
//! tasks, primitives, driving, inspect, history — so `command/tasks.rs`
//! parses what `session/tasks.rs` runs.
//! Two front ends drive a session: `terminal.rs` (rustyline, the only file
//! that knows about it, with Tab completion and hints from `complete.rs`)
//! and `script.rs` (pipes, `--script`, transcripts).
//! `help.rs` holds the table of commands and steps that `help`, the
//! completer and the parser's error hints are all drawn from.
//!
//! No line can make the REPL run or hold memory without bound (`check.rs`
//! bounds a body before it is spawned; the session bounds each command's
//! polls, poll time and output, and everything it keeps): `fuzz_bounds.rs`
//! checks it, line by line.

pub mod body;
pub mod check;
pub mod chrome_trace;
pub mod command;
pub mod complete;
pub mod coordination;
pub mod describe;
pub mod duration;
pub mod env;
pub mod error;
pub mod functions;
pub mod generator;
pub mod help;
mod lex;
mod name;
pub mod outcome;
pub mod primitive;
pub mod program;
pub mod record;
pub mod render;
pub mod replay_page;
pub mod save_test;
pub mod script;
pub mod service;
pub mod session;
pub mod styled;
mod suggest;
pub mod task;
pub mod task_set;
pub mod terminal;
pub mod timeline;
pub mod toolkit;
pub mod views;

#[cfg(test)]
mod fuzz_bounds;
#[cfg(test)]
mod fuzz_tests;

pub use command::parse_line;

//! The REPL: reading a line, running it against the executor, and rendering what happened.
//!
//! This first layer is pure parsing, testable without a terminal:
//!
//! ```text
//!   "spawn a sleep 1s"  ──parse_line──▶  Command::Spawn { name, body }  ──Display──▶  "spawn a sleep 1s"
//!        lex.rs (tokens)   command.rs, body.rs, duration.rs, name.rs        (canonical text, for save)
//! ```
//!
//! `help.rs` holds the table of commands and steps that `help`, the completer and the parser's
//! error hints are all drawn from; `suggest.rs` finds the "did you mean" word.
#![allow(dead_code)] // wired to the executor in the next step

pub mod body;
pub mod command;
pub mod duration;
pub mod error;
pub mod help;
mod lex;
mod name;
mod suggest;

pub use command::{Command, parse_line};
pub use error::ParseError;

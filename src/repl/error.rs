//! What can go wrong when reading a line, and how the REPL says so.
//!
//! Every rejected line gets two parts: what was wrong (`message`) and the right form (`hint`), so a
//! learner never has to open the help to recover from a typo:
//!
//! ```text
//! bad duration "3" — durations need a unit: 3s, 250ms, 100us, 1m
//! unknown command "spwan" — did you mean "spawn"?
//! ```
//!
//! One error is not a mistake at all: a `{` still open at the end of the input means the user is
//! typing a multi-line body. The parser reports it as [`ParseError::Incomplete`] and the REPL reads
//! a continuation line instead of printing an error.

use std::fmt;

/// Why a line is not (yet) a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A `{` is still open: the input is the beginning of a valid command. The REPL reads another
    /// line, joins it to the input with `\n`, and parses the whole again.
    Incomplete,
    /// The input is wrong however it continues.
    Invalid {
        /// What was wrong, quoting the offending text: `bad duration "3"`.
        message: String,
        /// The right form: `durations need a unit: 3s, 250ms, 100us, 1m`.
        hint: String,
    },
}

impl ParseError {
    pub(crate) fn invalid(message: impl Into<String>, hint: impl Into<String>) -> Self {
        ParseError::Invalid {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Incomplete => {
                f.write_str("incomplete input — a { is still open; close it with }")
            }
            ParseError::Invalid { message, hint } => write!(f, "{message} — {hint}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// `what` with its article, for messages: "a duration", "an event name".
pub(crate) fn a(what: &str) -> String {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_shows_the_message_then_the_right_form() {
        let e = ParseError::invalid("bad duration \"3\"", "durations need a unit: 3s");
        assert_eq!(
            e.to_string(),
            "bad duration \"3\" — durations need a unit: 3s"
        );
    }

    #[test]
    fn articles() {
        assert_eq!(a("duration"), "a duration");
        assert_eq!(a("event name"), "an event name");
    }

    #[test]
    fn incomplete_says_what_is_open() {
        assert!(ParseError::Incomplete.to_string().contains('{'));
    }
}

//! A command's arguments: the checks every command needs (how many, which flags) and the
//! conversions to typed values (names, durations, numbers, choices, file names), each failing
//! with an error that quotes the command's usage.

use std::str::FromStr;
use std::time::Duration;

use crate::repl::duration::parse_duration;
use crate::repl::error::{ParseError, a};
use crate::repl::help::CommandHelp;
use crate::repl::lex::Token;
use crate::repl::name::{name_from, new_name_from};
use crate::repl::suggest::nearest;

/// A command's arguments (words and quoted strings), with the help row that gives its usage.
pub(super) struct Args<'a> {
    pub(super) list: Vec<Token<'a>>,
    pub(super) help: &'static CommandHelp,
}

impl<'a> Args<'a> {
    fn error(&self, message: String) -> ParseError {
        ParseError::invalid(message, self.help.usage_hint())
    }

    /// Rejects flags in commands that take none.
    fn no_flags(&self) -> Result<(), ParseError> {
        match self
            .list
            .iter()
            .find(|t| matches!(t, Token::Word(w) if w.starts_with("--")))
        {
            Some(flag) => Err(self.error(format!(
                "unknown flag {flag} ({} takes no flags)",
                self.help.name
            ))),
            None => Ok(()),
        }
    }

    /// Exactly the arguments named in `what`.
    pub(super) fn exact<const N: usize>(
        &self,
        what: &[&str; N],
    ) -> Result<[&Token<'a>; N], ParseError> {
        self.no_flags()?;
        if let Some(missing) = what.get(self.list.len()) {
            return Err(self.error(format!("{} is missing {}", self.help.name, a(missing))));
        }
        if let Some(extra) = self.list.get(N) {
            return Err(self.error(format!("unexpected {extra} after {}", self.help.name)));
        }
        Ok(std::array::from_fn(|i| &self.list[i]))
    }

    /// The one required argument named in `what`, then one optional argument.
    pub(super) fn exact_then_optional(
        &self,
        what: &[&str; 1],
    ) -> Result<(&Token<'a>, Option<&Token<'a>>), ParseError> {
        self.no_flags()?;
        let Some(first) = self.list.first() else {
            return Err(self.error(format!("{} is missing {}", self.help.name, a(what[0]))));
        };
        if let Some(extra) = self.list.get(2) {
            return Err(self.error(format!("unexpected {extra} after {}", self.help.name)));
        }
        Ok((first, self.list.get(1)))
    }

    /// At most one argument.
    pub(super) fn optional(&self) -> Result<[Option<&Token<'a>>; 1], ParseError> {
        self.no_flags()?;
        if let Some(extra) = self.list.get(1) {
            return Err(self.error(format!("unexpected {extra} after {}", self.help.name)));
        }
        Ok([self.list.first()])
    }

    /// No arguments: the command is `command`.
    pub(super) fn none<T>(&self, command: T) -> Result<T, ParseError> {
        let [] = self.exact(&[])?;
        Ok(command)
    }

    pub(super) fn one_name(&self, what: &str) -> Result<String, ParseError> {
        let [name] = self.exact(&[what])?;
        self.name(name, what)
    }

    pub(super) fn name(&self, token: &Token<'_>, what: &str) -> Result<String, ParseError> {
        name_from(token, what, &self.help.usage_hint())
    }

    /// The name of something new (a primitive): a plain name.
    pub(super) fn new_name(&self, token: &Token<'_>, what: &str) -> Result<String, ParseError> {
        new_name_from(token, what, &self.help.usage_hint(), false)
    }

    /// One or more names, and the flags among them (each allowed once, from `allowed`).
    /// `--timeout` takes the next argument as its value.
    #[allow(clippy::type_complexity)]
    pub(super) fn names_with_flags(
        &self,
        allowed: &[&'static str],
    ) -> Result<(Vec<String>, Vec<(&'static str, Option<Token<'a>>)>), ParseError> {
        let mut names = Vec::new();
        let mut flags: Vec<(&'static str, Option<Token<'a>>)> = Vec::new();
        let mut args = self.list.iter();
        while let Some(arg) = args.next() {
            match arg {
                Token::Word(w) if w.starts_with("--") => {
                    let Some(flag) = allowed.iter().copied().find(|f| f == w) else {
                        let hint = match nearest(w, allowed.iter().copied()) {
                            Some(near) => {
                                format!("did you mean {near:?}? {}", self.help.usage_hint())
                            }
                            None => self.help.usage_hint(),
                        };
                        return Err(ParseError::invalid(format!("unknown flag {w:?}"), hint));
                    };
                    if flags.iter().any(|(f, _)| *f == flag) {
                        return Err(self.error(format!("duplicate flag {flag}")));
                    }
                    let value = if flag == "--timeout" {
                        args.next().cloned()
                    } else {
                        None
                    };
                    flags.push((flag, value));
                }
                other => names.push(self.name(other, "task name")?),
            }
        }
        if names.is_empty() {
            return Err(self.error(format!("{} is missing a task name", self.help.name)));
        }
        Ok((names, flags))
    }

    pub(super) fn duration(&self, token: &Token<'_>) -> Result<Duration, ParseError> {
        match token {
            Token::Word(w) => parse_duration(w),
            other => Err(ParseError::invalid(
                format!("bad duration {other}"),
                "durations are not quoted: 3s, 250ms, 100us, 1m",
            )),
        }
    }

    /// A whole number (unsigned, decimal); zero is rejected where `T` is a `NonZero` type.
    pub(super) fn number<T: FromStr>(
        &self,
        token: &Token<'_>,
        what: &str,
    ) -> Result<T, ParseError> {
        match token {
            Token::Word(w) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => {
                w.parse().map_err(|_| {
                    let why = if w.bytes().all(|b| b == b'0') {
                        "it must be at least 1".to_string()
                    } else {
                        format!("too large (at most {})", u64::MAX)
                    };
                    self.error(format!("bad {what} {token}: {why}"))
                })
            }
            other => Err(self.error(format!("bad {what} {other}: expected a whole number"))),
        }
    }

    /// One of the words in `choices`.
    pub(super) fn choice(
        &self,
        token: &Token<'_>,
        choices: &[&'static str],
    ) -> Result<&'static str, ParseError> {
        if let Token::Word(w) = token
            && let Some(choice) = choices.iter().find(|c| *c == w)
        {
            return Ok(choice);
        }
        let near = match token {
            Token::Word(w) => {
                nearest(w, choices.iter().copied()).map(|n| format!("did you mean {n:?}? "))
            }
            _ => None,
        };
        Err(ParseError::invalid(
            format!("unexpected {token} after {}", self.help.name),
            format!("{}{}", near.unwrap_or_default(), self.help.usage_hint()),
        ))
    }

    /// A file name or schedule: a word or a quoted string, taken as is.
    pub(super) fn text(&self, token: &Token<'_>) -> String {
        match token {
            Token::Word(w) => w.to_string(),
            Token::Quoted(s) => s.clone(),
            other => unreachable!("arguments are words or quoted strings, not {other}"),
        }
    }
}

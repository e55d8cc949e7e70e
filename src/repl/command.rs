//! One line of input → one [`Command`].
//!
//! [`parse_line`] is a pure function: it reads the line, looks nothing up in the executor, and
//! returns typed data that the REPL then runs against the executor's public API. `Display` prints a
//! command back as canonical text (what `save` writes), and parsing that text gives the same command.
//!
//! A line is a command word (or alias, see [`help::COMMANDS`]) and its arguments. Flags start with
//! `--` and may come anywhere after the command word. Blank lines and lines starting with `#` are
//! comments. `spawn` hands the rest of the line to the [body parser](super::body), which is where
//! `{ … }` and `;` have a meaning; anywhere else they are errors.

use std::fmt;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::str::FromStr;
use std::time::Duration;

use super::body::{Body, body_from};
use super::duration::{format_duration, parse_duration};
use super::error::{ParseError, a};
use super::help::{self, CommandHelp};
use super::lex::{Cursor, Token, check_input, word_or_quoted};
use super::name::name_from;
use super::suggest::nearest;

/// What one line asks the REPL to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An empty (or all-whitespace) line.
    Blank,
    /// `# text`: the text after the `#`, kept so a saved session keeps its comments.
    Comment(String),
    Spawn {
        name: String,
        body: Body,
    },
    Await {
        names: Vec<String>,
    },
    Cancel {
        name: String,
    },
    Gather {
        names: Vec<String>,
        return_exceptions: bool,
    },
    Wait {
        names: Vec<String>,
        return_when: ReturnWhen,
        timeout: Option<Duration>,
    },
    AsCompleted {
        names: Vec<String>,
    },
    Timeout {
        limit: Duration,
        name: String,
    },
    Group {
        names: Vec<String>,
    },
    Wake {
        name: String,
    },
    NewSemaphore {
        name: String,
        permits: u64,
    },
    /// `capacity: None` is an unbounded queue, written without a capacity or with `0`
    /// (as `asyncio.Queue(maxsize=0)`).
    NewQueue {
        name: String,
        capacity: Option<NonZeroUsize>,
    },
    NewEvent {
        name: String,
    },
    Step {
        count: NonZeroU64,
    },
    /// `limit: None` runs until no task can progress.
    Run {
        limit: Option<Duration>,
    },
    Advance {
        by: Duration,
    },
    /// `mode: None` shows the clock without switching.
    Clock {
        mode: Option<ClockMode>,
    },
    Policy(Policy),
    /// `polls: None` shows the budget.
    Budget {
        polls: Option<NonZeroU64>,
    },
    Tasks,
    Show {
        name: String,
    },
    Queue,
    Timeline,
    Trace {
        on: bool,
    },
    Warnings,
    ExportTrace {
        file: String,
    },
    Reset,
    Source {
        file: String,
    },
    Save {
        file: String,
    },
    SaveTest {
        file: String,
    },
    Schedule,
    Replay {
        schedule: String,
    },
    Back {
        count: NonZeroU64,
    },
    /// `topic` is the canonical name of a command or step.
    Help {
        topic: Option<&'static str>,
    },
    Quit,
}

/// When `wait` returns, named as asyncio's `return_when`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// `--first-completed`
    FirstCompleted,
    /// `--first-exception`
    FirstException,
    /// `--all` (the default)
    #[default]
    AllCompleted,
}

/// Which time the loop's timers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    Real,
    Virtual,
}

/// Which ready task the loop polls next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// In the order they became ready (what every production runtime does).
    Fifo,
    /// The most recently woken first.
    Lifo,
    /// Uniformly at random, from a seed, so a run can be replayed.
    Random { seed: u64 },
    /// Probabilistic concurrency testing (Burckhardt et al., 2010): random priorities with `depth`
    /// priority changes; `None` leaves the depth to the executor.
    Pct {
        seed: u64,
        depth: Option<NonZeroU32>,
    },
}

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
        return spawn(&mut c, help);
    }
    let args = arguments(&mut c, help)?;
    let args = Args { list: args, help };
    match help.name {
        "await" => Ok(Command::Await {
            names: args.names_with_flags(&[])?.0,
        }),
        "cancel" => Ok(Command::Cancel {
            name: args.one_name("task name")?,
        }),
        "gather" => {
            let (names, flags) = args.names_with_flags(&["--return-exceptions"])?;
            Ok(Command::Gather {
                names,
                return_exceptions: !flags.is_empty(),
            })
        }
        "wait" => wait(args),
        "as-completed" => Ok(Command::AsCompleted {
            names: args.names_with_flags(&[])?.0,
        }),
        "timeout" => {
            let [limit, name] = args.exact(&["duration", "task name"])?;
            Ok(Command::Timeout {
                limit: args.duration(limit)?,
                name: args.name(name, "task name")?,
            })
        }
        "group" => Ok(Command::Group {
            names: args.names_with_flags(&[])?.0,
        }),
        "wake" => Ok(Command::Wake {
            name: args.one_name("task name")?,
        }),
        "new" => new(args),
        "step" => {
            let [count] = args.optional()?;
            Ok(Command::Step {
                count: count.map_or(Ok(NonZeroU64::MIN), |n| args.number(n, "step count"))?,
            })
        }
        "run" => {
            let [limit] = args.optional()?;
            Ok(Command::Run {
                limit: limit.map(|d| args.duration(d)).transpose()?,
            })
        }
        "advance" => Ok(Command::Advance {
            by: args.duration(args.exact(&["duration"])?[0])?,
        }),
        "clock" => {
            let [mode] = args.optional()?;
            let mode = mode
                .map(|m| args.choice(m, &["real", "virtual"]))
                .transpose()?;
            Ok(Command::Clock {
                mode: mode.map(|m| {
                    if m == "real" {
                        ClockMode::Real
                    } else {
                        ClockMode::Virtual
                    }
                }),
            })
        }
        "policy" => policy(args),
        "budget" => {
            let [polls] = args.optional()?;
            Ok(Command::Budget {
                polls: polls.map(|n| args.number(n, "poll budget")).transpose()?,
            })
        }
        "tasks" => args.none(Command::Tasks),
        "show" => Ok(Command::Show {
            name: args.one_name("name")?,
        }),
        "queue" => args.none(Command::Queue),
        "timeline" => args.none(Command::Timeline),
        "trace" => {
            let [on] = args.exact(&["setting (on or off)"])?;
            Ok(Command::Trace {
                on: args.choice(on, &["on", "off"])? == "on",
            })
        }
        "warnings" => args.none(Command::Warnings),
        "export-trace" => Ok(Command::ExportTrace {
            file: args.text(args.exact(&["file"])?[0]),
        }),
        "reset" => args.none(Command::Reset),
        "source" => Ok(Command::Source {
            file: args.text(args.exact(&["file"])?[0]),
        }),
        "save" => match args.list.as_slice() {
            [Token::Word("test"), _, ..] => {
                let rest = Args {
                    list: args.list[1..].to_vec(),
                    help,
                };
                Ok(Command::SaveTest {
                    file: rest.text(rest.exact(&["file"])?[0]),
                })
            }
            [Token::Word("test")] => Err(ParseError::invalid(
                "save test is missing a file",
                "usage: save test FILE (to save to a file named test: save \"test\")",
            )),
            _ => Ok(Command::Save {
                file: args.text(args.exact(&["file"])?[0]),
            }),
        },
        "schedule" => args.none(Command::Schedule),
        "replay" => Ok(Command::Replay {
            schedule: args.text(args.exact(&["schedule"])?[0]),
        }),
        "back" => Ok(Command::Back {
            count: args.number(args.exact(&["count"])?[0], "count")?,
        }),
        "help" => {
            let [topic] = args.optional()?;
            let topic = topic.map(|t| help_topic(t, help)).transpose()?;
            Ok(Command::Help { topic })
        }
        "quit" => args.none(Command::Quit),
        name => unreachable!("command {name} is in the help table but not in the parser"),
    }
}

fn unknown_command(word: &str) -> ParseError {
    let hint = if let Some(step) = help::find_step(word) {
        format!(
            "{word} is a task step; put it in a task body: spawn t {}",
            step.example
        )
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

fn spawn(c: &mut Cursor<'_>, help: &CommandHelp) -> Result<Command, ParseError> {
    let name = match c.next_token() {
        None => {
            return Err(ParseError::invalid(
                "spawn is missing a task name",
                help.usage_hint(),
            ));
        }
        Some(token) => name_from(&token, "task name", &help.usage_hint())?,
    };
    Ok(Command::Spawn {
        name,
        body: body_from(c)?,
    })
}

fn wait(args: Args<'_>) -> Result<Command, ParseError> {
    const MODES: [(&str, ReturnWhen); 3] = [
        ("--first-completed", ReturnWhen::FirstCompleted),
        ("--first-exception", ReturnWhen::FirstException),
        ("--all", ReturnWhen::AllCompleted),
    ];
    let (names, flags) = args.names_with_flags(&[
        "--first-completed",
        "--first-exception",
        "--all",
        "--timeout",
    ])?;
    let mut return_when = None;
    let mut timeout = None;
    for (flag, value) in flags {
        if flag == "--timeout" {
            let Some(value) = value else {
                return Err(ParseError::invalid(
                    "--timeout is missing a duration",
                    args.help.usage_hint(),
                ));
            };
            timeout = Some(args.duration(&value)?);
        } else {
            let mode = MODES.iter().find(|(f, _)| *f == flag).map(|(_, m)| *m);
            if let Some((previous, _)) = return_when {
                return Err(ParseError::invalid(
                    format!("conflicting flags {previous} and {flag}"),
                    "give one of --first-completed, --first-exception, --all",
                ));
            }
            return_when = mode.map(|m| (flag, m));
        }
    }
    Ok(Command::Wait {
        names,
        return_when: return_when.map(|(_, m)| m).unwrap_or_default(),
        timeout,
    })
}

fn new(args: Args<'_>) -> Result<Command, ParseError> {
    const KINDS: [&str; 3] = ["semaphore", "queue", "event"];
    let kind = match args.list.first() {
        None => {
            return Err(ParseError::invalid(
                "new is missing what to create",
                args.help.usage_hint(),
            ));
        }
        Some(Token::Word(w)) if KINDS.contains(w) => *w,
        Some(other) => {
            let near = match other {
                Token::Word(w) => nearest(w, KINDS).map(|k| format!("did you mean {k:?}? ")),
                _ => None,
            };
            return Err(ParseError::invalid(
                format!("can't create {other}"),
                format!("{}{}", near.unwrap_or_default(), args.help.usage_hint()),
            ));
        }
    };
    let hint = args.help.form_hint(&format!("new {kind}"));
    let rest = Args {
        list: args.list[1..].to_vec(),
        help: args.help,
    };
    let wrong = |e: ParseError| match e {
        ParseError::Invalid { message, .. } => ParseError::invalid(message, hint.clone()),
        other => other,
    };
    match kind {
        "semaphore" => {
            let [name, permits] = rest
                .exact(&["semaphore name", "permit count"])
                .map_err(wrong)?;
            Ok(Command::NewSemaphore {
                name: rest.name(name, "semaphore name")?,
                permits: rest.number(permits, "permit count").map_err(wrong)?,
            })
        }
        "queue" => {
            let (name, capacity) = rest.exact_then_optional(&["queue name"]).map_err(wrong)?;
            let capacity: Option<usize> = capacity
                .map(|c| rest.number(c, "queue capacity"))
                .transpose()
                .map_err(wrong)?;
            Ok(Command::NewQueue {
                name: rest.name(name, "queue name")?,
                capacity: capacity.and_then(NonZeroUsize::new),
            })
        }
        _ => {
            let [name] = rest.exact(&["event name"]).map_err(wrong)?;
            Ok(Command::NewEvent {
                name: rest.name(name, "event name")?,
            })
        }
    }
}

fn policy(args: Args<'_>) -> Result<Command, ParseError> {
    let Some(kind) = args.list.first() else {
        return Err(ParseError::invalid(
            "policy is missing fifo, lifo, random or pct",
            args.help.usage_hint(),
        ));
    };
    let kind = args.choice(kind, &["fifo", "lifo", "random", "pct"])?;
    let rest = Args {
        list: args.list[1..].to_vec(),
        help: args.help,
    };
    let policy = match kind {
        "fifo" => rest.none(Policy::Fifo)?,
        "lifo" => rest.none(Policy::Lifo)?,
        "random" => Policy::Random {
            seed: rest.number(rest.exact(&["seed"])?[0], "seed")?,
        },
        _ => {
            let (seed, depth) = rest.exact_then_optional(&["seed"])?;
            Policy::Pct {
                seed: rest.number(seed, "seed")?,
                depth: depth.map(|d| rest.number(d, "depth")).transpose()?,
            }
        }
    };
    Ok(Command::Policy(policy))
}

fn help_topic(token: &Token<'_>, help: &CommandHelp) -> Result<&'static str, ParseError> {
    let Token::Word(word) = token else {
        return Err(ParseError::invalid(
            format!("no help on {token}"),
            help.usage_hint(),
        ));
    };
    help::find_topic(word).ok_or_else(|| {
        let hint = match nearest(word, help::command_words().chain(help::step_names())) {
            Some(near) => format!("did you mean {near:?}?"),
            None => "type help for the list of commands".into(),
        };
        ParseError::invalid(format!("no help on {word:?}"), hint)
    })
}

/// A command's arguments (words and quoted strings), with the help row that gives its usage.
struct Args<'a> {
    list: Vec<Token<'a>>,
    help: &'static CommandHelp,
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
    fn exact<const N: usize>(&self, what: &[&str; N]) -> Result<[&Token<'a>; N], ParseError> {
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
    fn exact_then_optional(
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
    fn optional(&self) -> Result<[Option<&Token<'a>>; 1], ParseError> {
        self.no_flags()?;
        if let Some(extra) = self.list.get(1) {
            return Err(self.error(format!("unexpected {extra} after {}", self.help.name)));
        }
        Ok([self.list.first()])
    }

    /// No arguments: the command is `command`.
    fn none<T>(&self, command: T) -> Result<T, ParseError> {
        let [] = self.exact(&[])?;
        Ok(command)
    }

    fn one_name(&self, what: &str) -> Result<String, ParseError> {
        let [name] = self.exact(&[what])?;
        self.name(name, what)
    }

    fn name(&self, token: &Token<'_>, what: &str) -> Result<String, ParseError> {
        name_from(token, what, &self.help.usage_hint())
    }

    /// One or more names, and the flags among them (each allowed once, from `allowed`).
    /// `--timeout` takes the next argument as its value.
    #[allow(clippy::type_complexity)]
    fn names_with_flags(
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

    fn duration(&self, token: &Token<'_>) -> Result<Duration, ParseError> {
        match token {
            Token::Word(w) => parse_duration(w),
            other => Err(ParseError::invalid(
                format!("bad duration {other}"),
                "durations are not quoted: 3s, 250ms, 100us, 1m",
            )),
        }
    }

    /// A whole number (unsigned, decimal); zero is rejected where `T` is a `NonZero` type.
    fn number<T: FromStr>(&self, token: &Token<'_>, what: &str) -> Result<T, ParseError> {
        match token {
            Token::Word(w) if w.bytes().all(|b| b.is_ascii_digit()) => w
                .parse()
                .map_err(|_| self.error(format!("bad {what} {token} (zero or too large)"))),
            other => Err(self.error(format!("bad {what} {other}: expected a whole number"))),
        }
    }

    /// One of the words in `choices`.
    fn choice(
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
    fn text(&self, token: &Token<'_>) -> String {
        match token {
            Token::Word(w) => w.to_string(),
            Token::Quoted(s) => s.clone(),
            other => unreachable!("arguments are words or quoted strings, not {other}"),
        }
    }
}

fn names(names: &[String]) -> String {
    names.join(" ")
}

/// The canonical text of the command: `parse_line(&command.to_string()) == Ok(command)`.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Blank => Ok(()),
            Command::Comment(text) => write!(f, "#{text}"),
            Command::Spawn { name, body } => write!(f, "spawn {name} {body}"),
            Command::Await { names: n } => write!(f, "await {}", names(n)),
            Command::Cancel { name } => write!(f, "cancel {name}"),
            Command::Gather {
                names: n,
                return_exceptions,
            } => {
                write!(f, "gather {}", names(n))?;
                if *return_exceptions {
                    f.write_str(" --return-exceptions")?;
                }
                Ok(())
            }
            Command::Wait {
                names: n,
                return_when,
                timeout,
            } => {
                write!(f, "wait {}", names(n))?;
                match return_when {
                    ReturnWhen::FirstCompleted => f.write_str(" --first-completed")?,
                    ReturnWhen::FirstException => f.write_str(" --first-exception")?,
                    ReturnWhen::AllCompleted => {}
                }
                if let Some(t) = timeout {
                    write!(f, " --timeout {}", format_duration(*t))?;
                }
                Ok(())
            }
            Command::AsCompleted { names: n } => write!(f, "as-completed {}", names(n)),
            Command::Timeout { limit, name } => {
                write!(f, "timeout {} {name}", format_duration(*limit))
            }
            Command::Group { names: n } => write!(f, "group {}", names(n)),
            Command::Wake { name } => write!(f, "wake {name}"),
            Command::NewSemaphore { name, permits } => write!(f, "new semaphore {name} {permits}"),
            Command::NewQueue {
                name,
                capacity: None,
            } => write!(f, "new queue {name}"),
            Command::NewQueue {
                name,
                capacity: Some(c),
            } => write!(f, "new queue {name} {c}"),
            Command::NewEvent { name } => write!(f, "new event {name}"),
            Command::Step { count } if count.get() == 1 => f.write_str("step"),
            Command::Step { count } => write!(f, "step {count}"),
            Command::Run { limit: None } => f.write_str("run"),
            Command::Run { limit: Some(d) } => write!(f, "run {}", format_duration(*d)),
            Command::Advance { by } => write!(f, "advance {}", format_duration(*by)),
            Command::Clock { mode: None } => f.write_str("clock"),
            Command::Clock {
                mode: Some(ClockMode::Real),
            } => f.write_str("clock real"),
            Command::Clock {
                mode: Some(ClockMode::Virtual),
            } => f.write_str("clock virtual"),
            Command::Policy(Policy::Fifo) => f.write_str("policy fifo"),
            Command::Policy(Policy::Lifo) => f.write_str("policy lifo"),
            Command::Policy(Policy::Random { seed }) => write!(f, "policy random {seed}"),
            Command::Policy(Policy::Pct { seed, depth: None }) => write!(f, "policy pct {seed}"),
            Command::Policy(Policy::Pct {
                seed,
                depth: Some(d),
            }) => write!(f, "policy pct {seed} {d}"),
            Command::Budget { polls: None } => f.write_str("budget"),
            Command::Budget { polls: Some(n) } => write!(f, "budget {n}"),
            Command::Tasks => f.write_str("tasks"),
            Command::Show { name } => write!(f, "show {name}"),
            Command::Queue => f.write_str("queue"),
            Command::Timeline => f.write_str("timeline"),
            Command::Trace { on } => f.write_str(if *on { "trace on" } else { "trace off" }),
            Command::Warnings => f.write_str("warnings"),
            Command::ExportTrace { file } => write!(f, "export-trace {}", word_or_quoted(file)),
            Command::Reset => f.write_str("reset"),
            Command::Source { file } => write!(f, "source {}", word_or_quoted(file)),
            // A bare `test` would read as `save test FILE`.
            Command::Save { file } if file == "test" => f.write_str("save \"test\""),
            Command::Save { file } => write!(f, "save {}", word_or_quoted(file)),
            Command::SaveTest { file } => write!(f, "save test {}", word_or_quoted(file)),
            Command::Schedule => f.write_str("schedule"),
            Command::Replay { schedule } => write!(f, "replay {}", word_or_quoted(schedule)),
            Command::Back { count } => write!(f, "back {count}"),
            Command::Help { topic: None } => f.write_str("help"),
            Command::Help { topic: Some(t) } => write!(f, "help {t}"),
            Command::Quit => f.write_str("quit"),
        }
    }
}

#[cfg(test)]
mod tests;

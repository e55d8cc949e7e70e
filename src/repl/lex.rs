//! Splitting a line into tokens, and the quoting rules that let `Display` print text back.
//!
//! A line is made of five kinds of token:
//!
//! ```text
//! spawn a print "x; y"; repeat 3 { yield }
//! └word┘└w┘└word┘└quoted┘; └word┘└w┘{ └word┘}
//! ```
//!
//! - a **word**: a run of characters other than whitespace, `{`, `}`, `;` and `"`;
//! - a **quoted string**: `"…"` with the escapes `\"`, `\\`, `\n` and `\t`; it can hold `;`, braces
//!   and spaces, and never spans lines;
//! - `{`, `}` and `;`, which give a task body its structure.
//!
//! Words keep no meaning of their own here: whether `3s` is a duration or `worker` a name is decided
//! by the parser, which knows what each position expects.

use std::fmt;

use super::error::ParseError;

/// The longest input `parse_line` accepts, in bytes.
pub const MAX_LINE_BYTES: usize = 4096;

/// One token, borrowing words from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    /// A bare word: `spawn`, `3s`, `worker-1`, `--all`.
    Word(&'a str),
    /// The contents of a quoted string, escapes resolved.
    Quoted(String),
    /// `{`
    Open,
    /// `}`
    Close,
    /// `;`
    Semi,
}

impl Token<'_> {
    /// Whether this is the bare word `word`.
    pub fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if *w == word)
    }
}

/// Tokens as error messages quote them: `"spwan"`, `"{"`.
impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Word(w) => write!(f, "{w:?}"),
            Token::Quoted(s) => write!(f, "{}", quote(s)),
            Token::Open => f.write_str("\"{\""),
            Token::Close => f.write_str("\"}\""),
            Token::Semi => f.write_str("\";\""),
        }
    }
}

/// Rejects input no parser should look at: over-long lines and binary data.
///
/// Tabs and newlines are allowed (the REPL joins continuation lines with `\n`); any other control
/// character means the input is not text typed by a person.
pub fn check_input(input: &str) -> Result<(), ParseError> {
    if input.len() > MAX_LINE_BYTES {
        return Err(ParseError::invalid(
            format!("line too long ({} bytes)", input.len()),
            format!(
                "a line holds at most {MAX_LINE_BYTES} bytes; split a long body into several tasks"
            ),
        ));
    }
    if let Some((at, c)) = input
        .char_indices()
        .find(|&(_, c)| c.is_control() && c != '\t' && c != '\n')
    {
        return Err(ParseError::invalid(
            format!(
                "binary input (control character U+{:04X} at byte {at})",
                u32::from(c)
            ),
            "commands are plain text; type help for the list",
        ));
    }
    Ok(())
}

/// Whether `c` can be part of a bare word.
fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !matches!(c, '{' | '}' | ';' | '"')
}

/// Whether `s` reads back as exactly one bare word.
pub fn is_bare_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_word_char)
}

/// Whether `s` reads back, unquoted, as a run of words separated by single spaces (the form the
/// parser gives to unquoted `TEXT`).
pub fn is_bare_text(s: &str) -> bool {
    !s.is_empty() && s.split(' ').all(is_bare_word)
}

/// `s` as a quoted string that [`tokenize`] reads back as `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as one token: bare if it is a word, quoted otherwise.
pub fn word_or_quoted(s: &str) -> String {
    // A value starting with `--` would read back as a flag: quote it.
    if is_bare_word(s) && !s.starts_with("--") {
        s.to_string()
    } else {
        quote(s)
    }
}

/// Splits `input` into tokens.
///
/// # Errors
///
/// An unclosed quoted string and an unknown escape (`\x`) are `Invalid`.
pub fn tokenize(input: &str) -> Result<Vec<Token<'_>>, ParseError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        let token = match c {
            // A line break inside an open `{ … }` (a multi-line body) ends a step, like `;`.
            '\n' => {
                chars.next();
                Token::Semi
            }
            c if c.is_whitespace() => {
                chars.next();
                continue;
            }
            '{' | '}' | ';' => {
                chars.next();
                match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    _ => Token::Semi,
                }
            }
            '"' => {
                chars.next();
                Token::Quoted(quoted_rest(input, start, &mut chars)?)
            }
            _ => {
                let mut end = input.len();
                while let Some(&(i, c)) = chars.peek() {
                    if !is_word_char(c) {
                        end = i;
                        break;
                    }
                    chars.next();
                }
                Token::Word(&input[start..end])
            }
        };
        out.push(token);
    }
    Ok(out)
}

/// Reads a quoted string after its opening `"` (at byte `start`), through the closing `"`.
fn quoted_rest(
    input: &str,
    start: usize,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<String, ParseError> {
    let unclosed = || {
        let shown: String = input[start..]
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(40)
            .collect();
        ParseError::invalid(
            format!("unclosed quote in {shown}"),
            "end the string with \" on the same line: print \"a; b\"",
        )
    };
    let mut s = String::new();
    loop {
        match chars.next() {
            None | Some((_, '\n')) => return Err(unclosed()),
            Some((_, '"')) => return Ok(s),
            Some((_, '\\')) => match chars.next() {
                Some((_, '"')) => s.push('"'),
                Some((_, '\\')) => s.push('\\'),
                Some((_, 'n')) => s.push('\n'),
                Some((_, 't')) => s.push('\t'),
                Some((_, other)) => {
                    return Err(ParseError::invalid(
                        format!("unknown escape \"\\{other}\" in a quoted string"),
                        "strings know \\\" \\\\ \\n \\t: print \"say \\\"hi\\\"\"",
                    ));
                }
                None => return Err(unclosed()),
            },
            Some((_, c)) => s.push(c),
        }
    }
}

/// A position in a token list, shared by the command and the body parser.
pub struct Cursor<'a> {
    tokens: Vec<Token<'a>>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Tokenizes `input` and starts before the first token.
    pub fn new(input: &'a str) -> Result<Self, ParseError> {
        Ok(Cursor {
            tokens: tokenize(input)?,
            pos: 0,
        })
    }

    /// The next token, without consuming it.
    pub fn peek(&self) -> Option<&Token<'a>> {
        self.peek_nth(0)
    }

    /// The token `n` places after the next one.
    pub fn peek_nth(&self, n: usize) -> Option<&Token<'a>> {
        self.tokens.get(self.pos + n)
    }

    /// Consumes the next token.
    pub fn next_token(&mut self) -> Option<Token<'a>> {
        let token = self.tokens.get(self.pos)?.clone();
        self.pos += 1;
        Some(token)
    }

    /// Whether the next two tokens are `finally {`, the start of a body's cleanup block.
    pub fn at_finally(&self) -> bool {
        self.peek().is_some_and(|t| t.is_word("finally")) && self.peek_nth(1) == Some(&Token::Open)
    }

    /// Consumes the words and quoted strings up to the next `;`, `{`, `}`, `finally {` or the end:
    /// the arguments of one step or one command.
    pub fn arguments(&mut self) -> Vec<Token<'a>> {
        let mut args = Vec::new();
        while matches!(self.peek(), Some(Token::Word(_) | Token::Quoted(_))) && !self.at_finally() {
            args.extend(self.next_token());
        }
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: &str) -> Vec<Token<'_>> {
        tokenize(input).unwrap()
    }

    #[test]
    fn words_braces_semicolons_and_strings() {
        use Token::*;
        assert_eq!(
            tokens("spawn a print \"x; y\";repeat 3{yield}"),
            vec![
                Word("spawn"),
                Word("a"),
                Word("print"),
                Quoted("x; y".into()),
                Semi,
                Word("repeat"),
                Word("3"),
                Open,
                Word("yield"),
                Close
            ]
        );
    }

    #[test]
    fn escapes_resolve_and_quote_reverses_them() {
        let s = "say \"hi\" \\ then\nbye\t.";
        let quoted = quote(s);
        assert_eq!(tokens(&quoted), vec![Token::Quoted(s.into())]);
        assert_eq!(tokens(r#""\t""#), vec![Token::Quoted("\t".into())]);
    }

    #[test]
    fn unclosed_quote_and_unknown_escape_are_invalid() {
        let Err(ParseError::Invalid { message, .. }) = tokenize("print \"abc") else {
            panic!()
        };
        assert!(message.contains("unclosed quote"), "{message}");
        let Err(ParseError::Invalid { message, .. }) = tokenize("print \"a\nb\"") else {
            panic!()
        };
        assert!(message.contains("unclosed quote"), "{message}");
        let Err(ParseError::Invalid { message, hint }) = tokenize(r#""\q""#) else {
            panic!()
        };
        assert!(message.contains("unknown escape"), "{message}");
        assert!(hint.contains("\\n"), "{hint}");
    }

    #[test]
    fn check_input_rejects_long_and_binary_lines() {
        assert!(check_input(&"a".repeat(MAX_LINE_BYTES)).is_ok());
        let Err(ParseError::Invalid { message, .. }) = check_input(&"a".repeat(MAX_LINE_BYTES + 1))
        else {
            panic!()
        };
        assert!(message.contains("too long"), "{message}");
        let Err(ParseError::Invalid { message, .. }) = check_input("ls\u{1b}[A") else {
            panic!()
        };
        assert!(message.contains("binary input"), "{message}");
        assert!(check_input("print\ta\nb").is_ok());
        assert!(check_input("a\rb").is_err());
    }

    #[test]
    fn bare_words_and_text() {
        assert!(is_bare_word("worker-1"));
        assert!(is_bare_word("--all"));
        assert!(!is_bare_word(""));
        assert!(!is_bare_word("a b"));
        assert!(!is_bare_word("a;"));
        assert!(is_bare_text("hello big world"));
        assert!(!is_bare_text("hello  world"));
        assert!(!is_bare_text(" hello"));
        assert!(!is_bare_text("a{b"));
        assert_eq!(word_or_quoted("a b"), "\"a b\"");
        assert_eq!(word_or_quoted("ab"), "ab");
    }
}

//! Names of tasks, semaphores, queues and events.
//!
//! A name is a Unicode identifier: a letter (of any script: `worker`, `tâche`, `ñame`, `日本語`)
//! or `_`, then letters, digits, `_`, `.` and `-`; at most [`MAX_NAME_LEN`] characters, and not
//! one of the [`RESERVED`] words. Names are never quoted, and can't start with `-`, so `--all` is
//! always a flag.
//!
//! "Letter" and "digit" are Unicode's `Alphabetic` and `Numeric` properties (std's
//! [`char::is_alphabetic`] and [`char::is_alphanumeric`]), which cover the letters of every script
//! and the marks that combine with them; punctuation, symbols, emoji and spaces of any script are
//! not name characters.

use super::error::ParseError;
use super::lex::Token;

/// The longest name accepted.
pub const MAX_NAME_LEN: usize = 64;

/// Words that look like names but can't be one:
///
/// - `finally` opens a body's cleanup block: `spawn t await finally finally { … }` would be legal
///   but unreadable, and `spawn t await finally { … }` would not mean what it says;
/// - `all` and `none` are kept for commands over every task (`cancel all`, `trace none`) so that
///   adding them later doesn't change the meaning of existing scripts.
pub const RESERVED: &[&str] = &["all", "none", "finally"];

const NAME_FORM: &str = "names start with a letter (of any script) or _ and go on with letters, \
     digits, _ . -: worker_1, tâche, 日本語";

/// Checks that `word` is a valid name.
///
/// # Errors
///
/// `Invalid`, saying which rule the word breaks.
pub fn check_name(word: &str) -> Result<(), ParseError> {
    let mut chars = word.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !first_ok
        || !chars.all(|c| c.is_alphanumeric() || is_combining(c) || matches!(c, '_' | '.' | '-'))
    {
        return Err(ParseError::invalid(format!("bad name {word:?}"), NAME_FORM));
    }
    let length = word.chars().count();
    if length > MAX_NAME_LEN {
        return Err(ParseError::invalid(
            format!("name too long ({length} characters)"),
            format!("names have at most {MAX_NAME_LEN} characters"),
        ));
    }
    if RESERVED.contains(&word) {
        return Err(ParseError::invalid(
            format!("{word:?} is a reserved word"),
            format!(
                "pick another name, e.g. {word}_1 (reserved: {})",
                RESERVED.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Whether `c` is a combining mark of the main blocks (`e` + U+0301 is `é` typed in two
/// characters): a name may carry them after its first letter.
fn is_combining(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}'
        | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}' | '\u{3099}'..='\u{309a}')
}

/// The most names one range may stand for.
pub const MAX_RANGE: u64 = 10_000;

/// The names a range stands for: `fetch-[1..3]` is `fetch-1`, `fetch-2`,
/// `fetch-3`; `None` when `word` has no range.
///
/// # Errors
///
/// A range that is backwards, too long, or makes bad names.
pub fn expand_range(word: &str) -> Option<Result<Vec<String>, ParseError>> {
    let open = word.find('[')?;
    let close = open + word[open..].find(']')?;
    let (from, to) = word[open + 1..close].split_once("..")?;
    let digits = |s: &str| !s.is_empty() && s.len() < 19 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(from) || !digits(to) {
        return None;
    }
    let (from, to): (u64, u64) = (from.parse().ok()?, to.parse().ok()?);
    let (prefix, suffix) = (&word[..open], &word[close + 1..]);
    let bad = |message: String| {
        Some(Err(ParseError::invalid(
            message,
            "a range of names is PREFIX[FIRST..LAST]: fetch-[1..100] is fetch-1 … fetch-100",
        )))
    };
    if from > to {
        return bad(format!("range {word:?} runs backwards"));
    }
    if to - from >= MAX_RANGE {
        return bad(format!(
            "range {word:?} stands for {} names; a range stands for at most {MAX_RANGE}",
            to - from + 1
        ));
    }
    let names: Vec<String> = (from..=to)
        .map(|n| format!("{prefix}{n}{suffix}"))
        .collect();
    if let Err(e) = check_name(&names[0]).and_then(|()| check_name(&names[names.len() - 1])) {
        return Some(Err(e));
    }
    Some(Ok(names))
}

/// Whether `word` stands for several names: a range (`fetch-[1..10]`) or
/// a glob (`fetch-*`: every task whose name matches, `*` standing for any
/// run of characters).
pub fn is_pattern(word: &str) -> bool {
    word.contains('*') || matches!(expand_range(word), Some(Ok(_)))
}

/// Whether `name` matches the glob `pattern` (`*` is any run of characters).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Checks that `word` names something that may exist: a name, a name of
/// one of the REPL's own tasks (`group/fetch`, `worker/finally`: names
/// joined by `/`), or a task id (`#4`), which tells apart tasks of the
/// same name.
///
/// # Errors
///
/// `Invalid`, saying which rule the word breaks.
pub fn check_reference(word: &str) -> Result<(), ParseError> {
    if let Some(names) = expand_range(word) {
        return names.map(drop);
    }
    if word.contains('*') {
        // A glob: what is left around its stars must read as a name.
        let letters: String = word.replace('*', "");
        let shape = format!("x{}", letters.replace('/', "x"));
        return check_name(&shape).map_err(|_| {
            ParseError::invalid(
                format!("bad pattern {word:?}"),
                "* stands for any run of characters in a name: fetch-*, *-worker",
            )
        });
    }
    if let Some(id) = word.strip_prefix('#') {
        return if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && id.len() < 20 {
            Ok(())
        } else {
            Err(ParseError::invalid(
                format!("bad task id {word:?}"),
                "a task id is # and its number, as tasks lists it: show #4",
            ))
        };
    }
    let mut parts = word.split('/');
    check_name(parts.next().unwrap_or_default())?;
    for part in parts {
        // `finally` is reserved for new names, not in `worker/finally`.
        if part != "finally" {
            check_name(part)?;
        }
    }
    Ok(())
}

/// The name of something new in `token` (a task to spawn, a primitive):
/// a plain name, not a reference (`/` and `#` are kept for the REPL's own
/// tasks and for ids). `ranges` allows a range (`fetch-[1..100]`, for
/// `spawn`).
pub fn new_name_from(
    token: &Token<'_>,
    what: &str,
    usage: &str,
    ranges: bool,
) -> Result<String, ParseError> {
    let name = name_from(token, what, usage)?;
    if ranges && expand_range(&name).is_some() {
        return Ok(name);
    }
    if name.contains('*') || name.contains('[') {
        return Err(ParseError::invalid(
            format!("bad name {name:?} for a new {what}"),
            if ranges {
                "a new name is plain (worker_1), or a range of names: fetch-[1..100]"
            } else {
                "a new name is plain: worker_1"
            },
        ));
    }
    if name.contains('/') || name.starts_with('#') {
        return Err(ParseError::invalid(
            format!("bad name {name:?} for a new {what}"),
            "/ and # are kept for the tasks the REPL makes (group/NAME, NAME/finally) and for ids (#4); \
             a new name is a plain one: worker_1",
        ));
    }
    Ok(name)
}

/// The name in `token`, or why it isn't one. `what` says what the name is for ("task name").
/// It may be a [reference](check_reference) to something that exists.
pub fn name_from(token: &Token<'_>, what: &str, usage: &str) -> Result<String, ParseError> {
    match token {
        Token::Word(w) if w.starts_with("--") => Err(ParseError::invalid(
            format!("unknown flag {w:?}"),
            usage.to_string(),
        )),
        Token::Word(w) => check_reference(w).map(|()| w.to_string()),
        Token::Quoted(s) => Err(ParseError::invalid(
            format!("{what} {} is quoted", token),
            format!(
                "names are written bare: {}",
                if s.is_empty() { "worker" } else { s }
            ),
        )),
        other => Err(ParseError::invalid(
            format!("expected a {what}, found {other}"),
            usage.to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(word: &str) -> String {
        match check_name(word) {
            Err(ParseError::Invalid { message, .. }) => message,
            other => panic!("{word:?}: {other:?}"),
        }
    }

    #[test]
    fn valid_names() {
        for name in [
            "a",
            "_",
            "worker_1",
            "q.in",
            "long-name",
            "A9",
            &"x".repeat(MAX_NAME_LEN),
            // Issue 17 item 11: names are Unicode identifiers.
            "日本語",
            "ñame",
            "tâche",
            "ta\u{302}che",
            "Σ_2",
            "задача-1",
            &"é".repeat(MAX_NAME_LEN),
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn invalid_names_say_why() {
        assert!(message("1a").contains("bad name"));
        assert!(message("-a").contains("bad name"));
        assert!(message("a b").contains("bad name"));
        assert!(message("1é").contains("bad name"));
        assert!(message("a\u{a0}b").contains("bad name"));
        assert!(message("🙂").contains("bad name"));
        assert!(message("a🙂").contains("bad name"));
        assert!(message("a·b").contains("bad name"));
        assert!(message("").contains("bad name"));
        assert!(message(&"x".repeat(MAX_NAME_LEN + 1)).contains("too long"));
        assert!(message("finally").contains("reserved"));
        assert!(message("all").contains("reserved"));
    }

    #[test]
    fn quoted_names_and_flags_are_rejected() {
        let Err(ParseError::Invalid { message, hint }) =
            name_from(&Token::Quoted("a".into()), "task name", "")
        else {
            panic!()
        };
        assert!(message.contains("quoted"), "{message}");
        assert!(hint.contains("bare: a"), "{hint}");
        let Err(ParseError::Invalid { message, .. }) =
            name_from(&Token::Word("--x"), "task name", "")
        else {
            panic!()
        };
        assert!(message.contains("unknown flag"), "{message}");
    }
}

//! What Tab offers and what the grey hint says, as pure functions of the
//! line typed so far (the terminal front end, `terminal.rs`, only hands
//! them to rustyline).
//!
//! ```text
//!   "spawn a sle|"      ─complete─▶  start 8, ["sleep"]
//!   "await |"           ─complete─▶  start 6, the task names
//!   "gather a --r|"     ─complete─▶  start 9, ["--return-exceptions"]
//!   "wai|"              ─hint──────▶ "t NAME… [--first-completed|…]"
//! ```
//!
//! Positions are byte offsets into the line, as rustyline gives them; every
//! offset returned lies on a character boundary, whatever the line holds
//! (a no-break space, a Japanese name, an emoji): completion is tested on
//! arbitrary Unicode input, because one slice inside a multi-byte
//! character would panic and lose the session.

use super::help;

/// Where the word being completed starts (a byte offset on a character
/// boundary), and the candidates that extend it, sorted, without repeats.
///
/// `pos` is the cursor; a cursor inside a character or past the end is
/// moved back to the nearest boundary.
#[cfg(test)]
pub fn complete(line: &str, pos: usize, task_names: &[String]) -> (usize, Vec<String>) {
    complete_names(line, pos, task_names, &[])
}

/// As `complete` (which tests call with no primitives), knowing the session's primitives too: a step that
/// names a semaphore, queue, task set… is offered their names.
pub fn complete_names(
    line: &str,
    pos: usize,
    task_names: &[String],
    primitives: &[String],
) -> (usize, Vec<String>) {
    let upto = &line[..floor_boundary(line, pos)];
    let start = upto
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || c == ';' || c == '{')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &upto[start..];
    let mut found: Vec<String> = candidates(&upto[..start], word, task_names, primitives)
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    found.sort();
    found.dedup();
    (start, found)
}

/// The largest character boundary of `line` at or before `pos`.
fn floor_boundary(line: &str, pos: usize) -> usize {
    let mut pos = pos.min(line.len());
    while !line.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
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

/// Every word that may come next, given the words `before` it.
fn candidates(before: &str, word: &str, tasks: &[String], primitives: &[String]) -> Vec<String> {
    let words: Vec<&str> = before.split_whitespace().collect();
    let Some(first) = words.first() else {
        return help::command_words().map(str::to_string).collect();
    };
    let command = help::find_command(first).map_or(*first, |c| c.name);
    if word.starts_with("--") {
        return flags_of(command);
    }
    let words_of = |list: &[&str]| list.iter().map(|w| w.to_string()).collect();
    match command {
        "spawn" if words.len() >= 2 => {
            // Inside a body: a step word after `;` or `{`, else task names.
            let last = before.trim_end();
            // `spawn NAME --in SET STEP…`: the body starts two words later.
            let body = if words.get(2) == Some(&"--in") { 4 } else { 2 };
            if words.len() == body || last.ends_with(';') || last.ends_with('{') {
                return help::step_names()
                    .map(str::to_string)
                    .chain(super::functions::names())
                    .collect();
            }
            // The step being given arguments: the last word after `;` or `{`.
            let step = match last.rfind([';', '{']) {
                Some(i) => last[i + 1..].split_whitespace().next(),
                None => words.get(body.min(words.len() - 1)).copied(),
            }
            .unwrap_or_default();
            match step {
                "--in" => primitives.to_vec(),
                "await" | "shield" | "gather" => tasks.to_vec(),
                s if help::find_step(s).is_some() => primitives.to_vec(),
                _ => tasks.to_vec(),
            }
        }
        "show" | "cancel" => tasks.iter().chain(primitives).cloned().collect(),
        "join-next" | "cancel-all" => primitives.to_vec(),
        "help" => help::command_names()
            .chain(help::step_names())
            .map(str::to_string)
            .chain(super::functions::names())
            .collect(),
        "clock" => words_of(&["real", "virtual"]),
        "policy" => words_of(&["fifo", "lifo", "random", "pct"]),
        "trace" | "debug" => words_of(&["on", "off"]),
        "explore" => words_of(&["all"]),
        "minimize" => Vec::new(),
        "new" if words.len() == 1 => words_of(&[
            "semaphore",
            "queue",
            "event",
            "future",
            "generator",
            "service",
        ])
        .into_iter()
        .chain(
            super::primitive::OtherKind::ALL
                .iter()
                .map(|(_, w, _)| w.to_string()),
        )
        .collect(),
        _ => tasks.to_vec(),
    }
}

/// The grey text after the cursor: the rest of the command's usage, while
/// the command word or its first argument is being typed; `None` elsewhere.
pub fn hint(line: &str, pos: usize) -> Option<String> {
    if pos < line.len() || line.is_empty() {
        return None;
    }
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let rest = words.next();
    if rest.is_none() && !line.ends_with(char::is_whitespace) {
        // Completing the command word: hint the first command it starts.
        let name = help::command_names().find(|n| n.starts_with(first))?;
        let usage = help::find_command(name)?.usage[0];
        // `first` is a prefix of the (ASCII) name, so this is a boundary.
        return usage.get(first.len()..).map(str::to_string);
    }
    if rest.is_none() {
        let usage = help::find_command(first)?.usage[0];
        return Some(
            usage
                .split_once(' ')
                .map(|(_, a)| a.to_string())
                .unwrap_or_default(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn commands_then_steps_then_task_names_then_flags() {
        let tasks = names(&["worker", "writer", "日本語"]);
        assert_eq!(complete("spa", 3, &tasks), (0, names(&["spawn"])));
        assert_eq!(complete("spawn a sl", 10, &tasks), (8, names(&["sleep"])));
        assert_eq!(
            complete("spawn a sleep 1s; pr", 20, &tasks),
            (18, names(&["print"]))
        );
        assert_eq!(
            complete("await w", 7, &tasks),
            (6, names(&["worker", "writer"]))
        );
        assert_eq!(complete("await 日", 9, &tasks), (6, names(&["日本語"])));
        assert_eq!(
            complete("gather a --r", 12, &tasks),
            (9, names(&["--return-exceptions"]))
        );
        assert_eq!(complete("clock r", 7, &tasks), (6, names(&["real"])));
        assert_eq!(complete("explore a", 9, &tasks), (8, names(&["all"])));
        assert_eq!(complete("minimize ", 9, &tasks), (9, names(&[])));
    }

    #[test]
    fn primitive_steps_offer_primitive_names() {
        let tasks = names(&["worker"]);
        let prims = names(&["ready", "pool"]);
        let line = "spawn a wait-for r";
        assert_eq!(
            complete_names(line, line.len(), &tasks, &prims),
            (17, names(&["ready"]))
        );
        let line = "spawn a sleep 1s; notify r";
        assert_eq!(
            complete_names(line, line.len(), &tasks, &prims),
            (25, names(&["ready"]))
        );
        let line = "spawn a --in p";
        assert_eq!(
            complete_names(line, line.len(), &tasks, &prims),
            (13, names(&["pool"]))
        );
        let line = "spawn a sleep 1s; await w";
        assert_eq!(
            complete_names(line, line.len(), &tasks, &prims),
            (24, names(&["worker"]))
        );
        let line = "spawn a --in pool sl";
        assert_eq!(
            complete_names(line, line.len(), &tasks, &prims),
            (18, names(&["sleep"]))
        );
        let line = "join-next p";
        assert_eq!(
            complete_names(line, line.len(), &tasks, &prims),
            (10, names(&["pool"]))
        );
        let line = "new bar";
        assert_eq!(complete(line, line.len(), &tasks), (4, names(&["barrier"])));
    }

    /// Item 0 of issue 17: `spawn`, a no-break space, `x`, Tab panicked
    /// (a byte offset inside the two-byte separator) and lost the session.
    #[test]
    fn completion_after_a_multibyte_separator_does_not_panic() {
        let line = "spawn\u{a0}x";
        let (start, found) = complete(line, line.len(), &names(&["x1"]));
        assert_eq!(&line[start..], "x");
        assert_eq!(found, names(&["x1"]));
        for sep in ['\u{a0}', '\u{3000}', '\u{2003}', '\u{85}'] {
            let line = format!("await{sep}{sep}é");
            let (start, _) = complete(&line, line.len(), &[]);
            assert!(line.is_char_boundary(start));
        }
    }

    #[test]
    fn a_cursor_inside_a_character_is_moved_back() {
        let line = "await 日本";
        let (start, _) = complete(line, 7, &[]);
        assert_eq!(start, 6);
    }

    #[test]
    fn hints_finish_the_usage() {
        assert_eq!(
            hint("wai", 3).as_deref(),
            Some("t NAME… [--first-completed|--first-exception|--all] [--timeout DUR]")
        );
        assert_eq!(hint("cancel ", 7).as_deref(), Some("NAME"));
        assert_eq!(hint("cancel\u{a0}", 8).as_deref(), Some("NAME"));
        assert_eq!(hint("cancel x", 8), None);
        assert_eq!(hint("日本", 6), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            // A failure is reported, not written into the source tree.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Completion and hints on arbitrary Unicode input, at every cursor
        /// position, never panic, and the word start is a boundary.
        #[test]
        fn completion_never_panics_on_unicode(
            line in "(\\PC|[\u{a0}\u{3000}\u{2028}\u{85}\u{200b} ;{}])*",
            tasks in prop::collection::vec("\\PC{1,6}", 0..4),
        ) {
            for pos in 0..=line.len() + 1 {
                let (start, found) = complete(&line, pos, &tasks);
                prop_assert!(line.is_char_boundary(start));
                prop_assert!(start <= pos.min(line.len()));
                for f in found {
                    prop_assert!(!f.is_empty());
                }
                let _ = hint(&line, pos);
            }
        }

        #[test]
        fn completion_never_panics_after_commands(
            command in prop::sample::select(help::command_words().collect::<Vec<_>>()),
            rest in "\\PC{0,12}",
        ) {
            let line = format!("{command}{rest}");
            for pos in 0..=line.len() {
                let (start, _) = complete(&line, pos, &[]);
                prop_assert!(line.is_char_boundary(start));
            }
        }
    }
}

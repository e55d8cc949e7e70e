//! Commands: every form, every error path, Display round trips, and never panicking.

use super::*;
use crate::repl::body::tests::{duration, name, step, text};
use crate::repl::body::{Step, Value};
use crate::repl::error::ParseError;
use crate::repl::help;
use crate::repl::lex::MAX_LINE_BYTES;
use proptest::prelude::*;

fn parse(line: &str) -> Command {
    parse_line(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

/// The message and hint of a rejected line.
fn invalid(line: &str) -> (String, String) {
    match parse_line(line) {
        Err(ParseError::Invalid { message, hint }) => (message, hint),
        other => panic!("{line:?} gave {other:?}"),
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

fn nz(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap()
}

#[test]
fn every_command_form() {
    let sec = Duration::from_secs;
    let cases = [
        ("", Command::Blank),
        ("   \t", Command::Blank),
        ("# a comment", Command::Comment(s(" a comment"))),
        ("  #x", Command::Comment(s("x"))),
        (
            "spawn a sleep 1s; print done",
            Command::Spawn {
                name: s("a"),
                body: Body {
                    steps: vec![Step::Sleep(sec(1)), Step::Print(s("done"))],
                    finally: vec![],
                },
            },
        ),
        (
            "await a",
            Command::Await {
                names: names(&["a"]),
            },
        ),
        (
            "await a b c",
            Command::Await {
                names: names(&["a", "b", "c"]),
            },
        ),
        ("cancel a", Command::Cancel { name: s("a") }),
        (
            "gather a b",
            Command::Gather {
                names: names(&["a", "b"]),
                return_exceptions: false,
            },
        ),
        (
            "gather a --return-exceptions b",
            Command::Gather {
                names: names(&["a", "b"]),
                return_exceptions: true,
            },
        ),
        (
            "wait a b",
            Command::Wait {
                names: names(&["a", "b"]),
                return_when: ReturnWhen::AllCompleted,
                timeout: None,
            },
        ),
        (
            "wait a --first-completed",
            Command::Wait {
                names: names(&["a"]),
                return_when: ReturnWhen::FirstCompleted,
                timeout: None,
            },
        ),
        (
            "wait --first-exception a",
            Command::Wait {
                names: names(&["a"]),
                return_when: ReturnWhen::FirstException,
                timeout: None,
            },
        ),
        (
            "wait a --all --timeout 2s",
            Command::Wait {
                names: names(&["a"]),
                return_when: ReturnWhen::AllCompleted,
                timeout: Some(sec(2)),
            },
        ),
        (
            "as-completed a b",
            Command::AsCompleted {
                names: names(&["a", "b"]),
            },
        ),
        (
            "timeout 500ms a",
            Command::Timeout {
                limit: Duration::from_millis(500),
                name: s("a"),
            },
        ),
        (
            "group a b",
            Command::Group {
                names: names(&["a", "b"]),
            },
        ),
        ("wake a", Command::Wake { name: s("a") }),
        (
            "new semaphore pool 2",
            Command::NewSemaphore {
                name: s("pool"),
                permits: 2,
            },
        ),
        (
            "new semaphore gate 0",
            Command::NewSemaphore {
                name: s("gate"),
                permits: 0,
            },
        ),
        (
            "new queue q 3",
            Command::NewQueue {
                name: s("q"),
                capacity: NonZeroUsize::new(3),
            },
        ),
        (
            "new queue q 0",
            Command::NewQueue {
                name: s("q"),
                capacity: None,
            },
        ),
        (
            "new queue q",
            Command::NewQueue {
                name: s("q"),
                capacity: None,
            },
        ),
        ("new event ready", Command::NewEvent { name: s("ready") }),
        ("step", Command::Step { count: nz(1) }),
        ("s", Command::Step { count: nz(1) }),
        ("step 5", Command::Step { count: nz(5) }),
        ("run", Command::Run { limit: None }),
        (
            "r 1.5s",
            Command::Run {
                limit: Some(Duration::from_millis(1500)),
            },
        ),
        ("advance 1m", Command::Advance { by: sec(60) }),
        ("clock", Command::Clock { mode: None }),
        (
            "clock real",
            Command::Clock {
                mode: Some(ClockMode::Real),
            },
        ),
        (
            "clock virtual",
            Command::Clock {
                mode: Some(ClockMode::Virtual),
            },
        ),
        ("policy fifo", Command::Policy(Some(Policy::Fifo))),
        ("policy lifo", Command::Policy(Some(Policy::Lifo))),
        (
            "policy random 42",
            Command::Policy(Some(Policy::Random { seed: 42 })),
        ),
        (
            "policy pct 7",
            Command::Policy(Some(Policy::Pct {
                seed: 7,
                depth: None,
            })),
        ),
        (
            "policy pct 7 3",
            Command::Policy(Some(Policy::Pct {
                seed: 7,
                depth: NonZeroU32::new(3),
            })),
        ),
        ("policy", Command::Policy(None)),
        (
            "debug",
            Command::Debug {
                on: None,
                threshold: None,
            },
        ),
        (
            "debug off",
            Command::Debug {
                on: Some(false),
                threshold: None,
            },
        ),
        (
            "debug on 50ms",
            Command::Debug {
                on: Some(true),
                threshold: Some(Duration::from_millis(50)),
            },
        ),
        ("tasks", Command::Tasks),
        ("ls", Command::Tasks),
        ("show a", Command::Show { name: s("a") }),
        ("queue", Command::Queue),
        ("timeline", Command::Timeline),
        ("trace on", Command::Trace { on: true }),
        ("trace off", Command::Trace { on: false }),
        ("warnings", Command::Warnings),
        (
            "export-trace out.json",
            Command::ExportTrace {
                file: s("out.json"),
            },
        ),
        (
            "export-html out.html",
            Command::ExportHtml {
                file: s("out.html"),
            },
        ),
        ("reset", Command::Reset),
        (
            "source demo.evl",
            Command::Source {
                file: s("demo.evl"),
            },
        ),
        (
            "source \"my demo.evl\"",
            Command::Source {
                file: s("my demo.evl"),
            },
        ),
        ("save s.evl", Command::Save { file: s("s.evl") }),
        ("save \"test\"", Command::Save { file: s("test") }),
        ("save test t.rs", Command::SaveTest { file: s("t.rs") }),
        ("schedule", Command::Schedule),
        (
            "replay 0.1.1.0",
            Command::Replay {
                schedule: s("0.1.1.0"),
            },
        ),
        (
            "replay \"0 1 1\"",
            Command::Replay {
                schedule: s("0 1 1"),
            },
        ),
        ("back 2", Command::Back { count: nz(2) }),
        ("explore", Command::Explore { sample: None }),
        ("explore all", Command::Explore { sample: None }),
        (
            "explore 20",
            Command::Explore {
                sample: NonZeroUsize::new(20),
            },
        ),
        ("minimize", Command::Minimize),
        ("minimise", Command::Minimize),
        ("help", Command::Help { topic: None }),
        (
            "? spawn",
            Command::Help {
                topic: Some("spawn"),
            },
        ),
        (
            "help ls",
            Command::Help {
                topic: Some("tasks"),
            },
        ),
        (
            "h sleep",
            Command::Help {
                topic: Some("sleep"),
            },
        ),
        ("quit", Command::Quit),
        ("q", Command::Quit),
        ("exit", Command::Quit),
    ];
    for (line, expected) in cases {
        assert_eq!(parse(line), expected, "{line:?}");
    }
}

#[test]
fn spawn_takes_a_full_body_across_lines() {
    assert_eq!(parse_line("spawn w forever {"), Err(ParseError::Incomplete));
    assert_eq!(
        parse_line("spawn w forever {\n  get jobs;"),
        Err(ParseError::Incomplete)
    );
    assert_eq!(
        parse("spawn w forever {\n  get jobs;\n  yield\n} finally { print bye }"),
        Command::Spawn {
            name: s("w"),
            body: Body {
                steps: vec![Step::Forever(vec![Step::Get(s("jobs")), Step::Yield])],
                finally: vec![Step::Print(s("bye"))],
            },
        }
    );
    assert_eq!(
        parse("spawn t put q \"a; b\""),
        Command::Spawn {
            name: s("t"),
            body: Body {
                steps: vec![Step::Put(s("q"), Value::Str(s("a; b")))],
                finally: vec![]
            },
        }
    );
}

/// Issue 17 item 11: a line pasted from a session in the docs keeps its
/// `> ` echo (and `. ` before continuation lines); it runs as typed.
#[test]
fn a_pasted_session_line_runs_as_typed() {
    assert_eq!(parse("> cancel a"), Command::Cancel { name: s("a") });
    assert_eq!(parse("  > cancel a"), Command::Cancel { name: s("a") });
    assert_eq!(parse(">> cancel a"), Command::Cancel { name: s("a") });
    assert_eq!(parse(">"), Command::Blank);
    assert_eq!(parse("> # note"), Command::Comment(s(" note")));
    assert_eq!(
        parse_line("> spawn w forever {\n. yield"),
        Err(ParseError::Incomplete)
    );
    assert_eq!(
        parse("> spawn w forever {\n. yield\n. }"),
        parse("spawn w forever {\nyield\n}")
    );
    // Only the echo's prefix: `>x` is not a command.
    assert!(invalid(">x").0.contains("unknown command"));
}

/// Issue 17 item 11: names are Unicode identifiers.
#[test]
fn names_of_any_script() {
    for name in ["日本語", "ñame", "tâche"] {
        assert_eq!(
            parse(&format!("spawn {name} sleep 1s")),
            Command::Spawn {
                name: s(name),
                body: Body {
                    steps: vec![Step::Sleep(Duration::from_secs(1))],
                    finally: vec![],
                },
            }
        );
        assert_eq!(
            parse(&format!("cancel {name}")),
            Command::Cancel { name: s(name) }
        );
    }
}

#[test]
fn unknown_commands_suggest_the_nearest() {
    assert_eq!(
        parse_line("spwan a yield").unwrap_err().to_string(),
        "unknown command \"spwan\" — did you mean \"spawn\"?"
    );
    assert_eq!(invalid("taks").1, "did you mean \"tasks\"?");
    assert_eq!(invalid("qiut").1, "did you mean \"quit\"?");
    assert_eq!(invalid("exti").1, "did you mean \"exit\"?");
    assert_eq!(
        invalid("frobnicate").1,
        "type help for the list of commands"
    );
    let (message, hint) = invalid("sleep 1s");
    assert_eq!(message, "unknown command \"sleep\"");
    assert!(
        hint.contains("task step") && hint.contains("spawn t sleep 250ms"),
        "{hint}"
    );
}

#[test]
fn asyncio_spellings_are_answered_with_the_repl_s() {
    assert_eq!(
        invalid("create_task worker sleep 1s").1,
        "asyncio's create_task is spawn here: spawn worker sleep 1s; print done"
    );
    assert_eq!(
        invalid("loop.run_until_complete(main())").1,
        "asyncio's run_until_complete is await here: await worker"
    );
    assert_eq!(
        invalid("Queue jobs 10").1,
        "asyncio's Queue is new queue here: new queue jobs 10"
    );
    let (message, hint) = invalid("asyncio.sleep(1)");
    assert_eq!(message, "unknown command \"asyncio.sleep(1)\"");
    assert!(hint.starts_with("sleep is a task step"), "{hint}");
    let (message, hint) = invalid("gather(a, b)");
    assert_eq!(message, "unknown command \"gather(a,\"");
    assert!(
        hint.starts_with("a command takes its arguments after a space")
            && hint.contains("usage: gather NAME"),
        "{hint}"
    );
    // In a task body.
    let (message, hint) = invalid("spawn t sleep(1s)");
    assert_eq!(message, "unknown step \"sleep(1s)\"");
    assert_eq!(
        hint,
        "a step takes its arguments after a space, without parentheses: sleep 250ms"
    );
    assert!(
        invalid("spawn t create_task x")
            .1
            .ends_with("(a command, not a task step)")
    );
    // help knows them too.
    assert_eq!(
        parse("help create_task"),
        parse("help spawn"),
        "help on asyncio's name is help on the REPL's"
    );
}

#[test]
fn the_duration_error_of_the_issue() {
    assert_eq!(
        parse_line("advance 3").unwrap_err().to_string(),
        "bad duration \"3\" — durations need a unit: 3s, 250ms, 100us, 1m"
    );
}

#[test]
fn errors_name_the_fault_and_show_the_right_form() {
    let cases: &[(&str, &str, &str)] = &[
        // Missing arguments.
        ("spawn", "spawn is missing a task name", "usage: spawn NAME"),
        ("spawn a", "missing task body", "usage: spawn NAME"),
        (
            "await",
            "await is missing a task name",
            "usage: await NAME…",
        ),
        (
            "cancel",
            "cancel is missing a task name",
            "usage: cancel NAME (e.g. cancel worker)",
        ),
        (
            "gather --return-exceptions",
            "gather is missing a task name",
            "usage: gather",
        ),
        (
            "timeout 1s",
            "timeout is missing a task name",
            "usage: timeout DUR NAME",
        ),
        (
            "timeout",
            "timeout is missing a duration",
            "usage: timeout DUR NAME",
        ),
        (
            "advance",
            "advance is missing a duration",
            "usage: advance DUR",
        ),
        (
            "trace",
            "trace is missing a setting (on or off)",
            "usage: trace on|off",
        ),
        (
            "new",
            "new is missing what to create",
            "new semaphore NAME PERMITS",
        ),
        (
            "new semaphore s",
            "new is missing a permit count",
            "usage: new semaphore NAME PERMITS",
        ),
        (
            "new queue",
            "new is missing a queue name",
            "usage: new queue NAME [CAPACITY]",
        ),
        (
            "new event",
            "new is missing an event name",
            "usage: new event NAME",
        ),
        (
            "debug maybe",
            "unexpected \"maybe\" after debug",
            "usage: debug [on|off]",
        ),
        (
            "debug off 5ms",
            "unexpected \"5ms\" after debug off",
            "debug on 50ms",
        ),
        ("policy random", "policy is missing a seed", "usage: policy"),
        ("policy pct", "policy is missing a seed", "usage: policy"),
        ("source", "source is missing a file", "usage: source FILE"),
        (
            "save",
            "save is missing a file",
            "usage: save FILE | save test FILE",
        ),
        ("save test", "save test is missing a file", "save \"test\""),
        (
            "replay",
            "replay is missing a schedule",
            "usage: replay STRING",
        ),
        ("back", "back is missing a count", "usage: back N"),
        (
            "explore 0",
            "bad number of schedules \"0\": it must be at least 1",
            "usage: explore [all|N]",
        ),
        (
            "explore some",
            "bad number of schedules \"some\": expected a whole number",
            "usage: explore [all|N]",
        ),
        (
            "explore all 20",
            "unexpected \"20\" after explore",
            "usage: explore [all|N]",
        ),
        (
            "minimize 3",
            "unexpected \"3\" after minimize",
            "usage: minimize",
        ),
        (
            "wait a --timeout",
            "--timeout is missing a duration",
            "usage: wait",
        ),
        // Too many arguments.
        (
            "cancel a b",
            "unexpected \"b\" after cancel",
            "usage: cancel NAME",
        ),
        (
            "tasks now",
            "unexpected \"now\" after tasks",
            "usage: tasks",
        ),
        ("step 1 2", "unexpected \"2\" after step", "usage: step [N]"),
        (
            "new queue q 1 2",
            "unexpected \"2\" after new",
            "usage: new queue",
        ),
        (
            "policy fifo 1",
            "unexpected \"1\" after policy",
            "usage: policy",
        ),
        (
            "policy pct 1 2 3",
            "unexpected \"3\" after policy",
            "usage: policy",
        ),
        (
            "save test a b",
            "unexpected \"b\" after save",
            "usage: save",
        ),
        // Bad values.
        (
            "step 0",
            "bad step count \"0\": it must be at least 1",
            "usage: step [N]",
        ),
        (
            "step -1",
            "bad step count \"-1\": expected a whole number",
            "usage: step [N]",
        ),
        ("step x", "bad step count \"x\"", "usage: step [N]"),
        ("back 0", "bad count \"0\"", "usage: back N"),
        (
            "step 99999999999999999999999",
            "bad step count \"99999999999999999999999\": too large (at most 18446744073709551615)",
            "usage: step",
        ),
        // Issue 17 item 14: the first wrong argument is named, not a missing one.
        ("timeout x", "bad duration \"x\"", "3s, 250ms"),
        ("timeout x worker", "bad duration \"x\"", "3s, 250ms"),
        (
            "new semaphore s many",
            "bad permit count \"many\"",
            "usage: new semaphore",
        ),
        (
            "new queue q -1",
            "bad queue capacity \"-1\"",
            "usage: new queue",
        ),
        ("policy pct 1 0", "bad depth \"0\"", "usage: policy"),
        ("policy random \"1\"", "bad seed \"1\"", "usage: policy"),
        (
            "new sempahore s 1",
            "can't create \"sempahore\"",
            "did you mean \"semaphore\"?",
        ),
        (
            "new thing x",
            "can't create \"thing\"",
            "usage: new semaphore",
        ),
        (
            "clock fake",
            "unexpected \"fake\" after clock",
            "usage: clock",
        ),
        (
            "clock virtal",
            "unexpected \"virtal\" after clock",
            "did you mean \"virtual\"?",
        ),
        (
            "trace yes",
            "unexpected \"yes\" after trace",
            "usage: trace on|off",
        ),
        (
            "policy fif",
            "unexpected \"fif\" after policy",
            "did you mean \"fifo\"?",
        ),
        ("run 5", "bad duration \"5\"", "durations need a unit: 5s"),
        ("run -1s", "bad duration \"-1s\"", "negative"),
        ("timeout a 1s", "bad duration \"a\"", "3s, 250ms"),
        (
            "wait a --timeout soon",
            "bad duration \"soon\"",
            "3s, 250ms",
        ),
        ("run \"1s\"", "bad duration \"1s\"", "not quoted"),
        (
            "help spwan",
            "no help on \"spwan\"",
            "did you mean \"spawn\"?",
        ),
        ("help \"spawn\"", "no help on \"spawn\"", "usage: help"),
        ("help zzzzzzz", "no help on \"zzzzzzz\"", "type help"),
        // Names.
        (
            "cancel 9lives",
            "bad name \"9lives\"",
            "names start with a letter",
        ),
        (
            "cancel all",
            "\"all\" is a reserved word",
            "pick another name",
        ),
        ("cancel \"a\"", "task name \"a\" is quoted", "bare: a"),
        (
            "spawn finally yield",
            "\"finally\" is a reserved word",
            "pick another name",
        ),
        ("spawn \"x\" yield", "task name \"x\" is quoted", "bare: x"),
        // Flags.
        (
            "gather a --return-exceptions --return-exceptions",
            "duplicate flag --return-exceptions",
            "usage: gather",
        ),
        ("wait a --all --all", "duplicate flag --all", "usage: wait"),
        (
            "wait a --timeout 1s --timeout 2s",
            "duplicate flag --timeout",
            "usage: wait",
        ),
        (
            "wait a --all --first-completed",
            "conflicting flags --all and --first-completed",
            "give one of",
        ),
        (
            "wait a --first-complete",
            "unknown flag \"--first-complete\"",
            "did you mean \"--first-completed\"?",
        ),
        (
            "gather a --bogus-flag-x",
            "unknown flag \"--bogus-flag-x\"",
            "usage: gather",
        ),
        (
            "cancel a --force",
            "unknown flag \"--force\" (cancel takes no flags)",
            "usage: cancel",
        ),
        ("await --all", "unknown flag \"--all\"", "usage: await"),
        (
            "tasks --all",
            "unknown flag \"--all\" (tasks takes no flags)",
            "usage: tasks",
        ),
        // Structure.
        (
            "cancel a; cancel b",
            "unexpected \";\" after cancel",
            "belong in task bodies",
        ),
        (
            "tasks {",
            "unexpected \"{\" after tasks",
            "belong in task bodies",
        ),
        (
            "tasks }",
            "unexpected \"}\" after tasks",
            "belong in task bodies",
        ),
        (
            "show finally { }",
            "unexpected \"{\" after show",
            "usage: show",
        ),
        ("spawn a yield }", "unmatched \"}\"", "every } closes a {"),
        ("spawn a }", "unmatched \"}\"", "every } closes a {"),
        (
            "{ spawn }",
            "a line can't start with \"{\"",
            "start with a command",
        ),
        (
            "\"spawn\" a",
            "a line can't start with \"spawn\"",
            "start with a command",
        ),
        (
            "; tasks",
            "a line can't start with \";\"",
            "start with a command",
        ),
        ("print \"abc", "unclosed quote", "same line"),
    ];
    for (line, message, hint) in cases {
        let (m, h) = invalid(line);
        assert!(
            m.contains(message),
            "{line:?}: message {m:?} lacks {message:?}"
        );
        assert!(h.contains(hint), "{line:?}: hint {h:?} lacks {hint:?}");
    }
}

#[test]
fn unclosed_braces_are_incomplete_not_invalid() {
    for line in [
        "spawn a repeat 3 {",
        "spawn a repeat 3 { yield; forever {",
        "spawn a yield finally {",
        "spawn a forever { print \"{\"",
    ] {
        assert_eq!(parse_line(line), Err(ParseError::Incomplete), "{line:?}");
    }
    // A mistake before the open brace is reported at once.
    assert!(matches!(
        parse_line("spwan a forever {"),
        Err(ParseError::Invalid { .. })
    ));
    assert!(matches!(
        parse_line("spawn a sleep x; forever {"),
        Err(ParseError::Invalid { .. })
    ));
}

#[test]
fn over_long_and_binary_lines_are_rejected() {
    let long = format!("spawn a print {}", "x".repeat(MAX_LINE_BYTES));
    assert!(invalid(&long).0.starts_with("line too long"));
    let fits = format!("spawn a print {}", "x".repeat(MAX_LINE_BYTES - 14));
    assert!(parse_line(&fits).is_ok());
    assert!(invalid("tasks\0").0.starts_with("binary input"));
    assert!(invalid("\u{7f}").0.starts_with("binary input"));
    assert!(invalid("# comment \u{1b}").0.starts_with("binary input"));
}

#[test]
fn display_prints_the_canonical_text() {
    let cases = [
        ("", ""),
        ("  # note ", "# note"),
        (
            "spawn  a sleep 1000ms ;print  x",
            "spawn a sleep 1s; print x",
        ),
        ("await a  b", "await a b"),
        (
            "gather --return-exceptions a",
            "gather a --return-exceptions",
        ),
        ("wait a --all", "wait a"),
        (
            "wait --timeout 120s --first-completed a",
            "wait a --first-completed --timeout 2m",
        ),
        ("wait a --first-exception", "wait a --first-exception"),
        ("timeout 0.5s a", "timeout 500ms a"),
        ("new queue q 0", "new queue q"),
        ("new queue q 4", "new queue q 4"),
        ("s", "step"),
        ("step 1", "step"),
        ("step 3", "step 3"),
        ("r", "run"),
        ("run 90s", "run 90s"),
        ("clock", "clock"),
        ("policy pct 1", "policy pct 1"),
        ("policy pct 1 2", "policy pct 1 2"),
        ("ls", "tasks"),
        ("export-trace \"a b.json\"", "export-trace \"a b.json\""),
        ("export-html \"a b.html\"", "export-html \"a b.html\""),
        ("save \"test\"", "save \"test\""),
        ("save \"x\"", "save x"),
        ("save test \"test\"", "save test test"),
        ("replay \"\"", "replay \"\""),
        ("explore", "explore all"),
        ("minimise", "minimize"),
        ("? ls", "help tasks"),
        ("exit", "quit"),
    ];
    for (line, canonical) in cases {
        let command = parse(line);
        assert_eq!(command.to_string(), canonical, "{line:?}");
        assert_eq!(parse(canonical), command, "{canonical:?}");
    }
}

#[test]
fn every_table_command_and_example_parses() {
    for help in help::COMMANDS {
        parse(help.example);
        for word in std::iter::once(help.name).chain(help.aliases.iter().copied()) {
            // Every command word is dispatched: the parser never reaches its unreachable arm.
            let _ = parse_line(word);
        }
    }
    for step in help::STEPS {
        parse(&format!("spawn t {}", step.example));
    }
}

/// Words the random lines are made of: command and step words, structure, arguments, flags.
fn vocabulary() -> Vec<String> {
    let mut words: Vec<String> = help::command_words()
        .chain(help::step_names())
        .map(String::from)
        .collect();
    words.extend(
        [
            "{",
            "}",
            ";",
            "finally",
            "semaphore",
            "queue",
            "event",
            "test",
            "on",
            "off",
            "real",
            "virtual",
            "fifo",
            "lifo",
            "random",
            "pct",
            "0",
            "1",
            "3",
            "-1",
            "42",
            "99999999999999999999",
            "1s",
            "250ms",
            "100us",
            "1.5s",
            "1m",
            "3",
            "-2s",
            "1h",
            "x9",
            "a",
            "b",
            "worker",
            "all",
            "\"a; b\"",
            "\"\"",
            "\"x",
            "\\",
            "--all",
            "--first-completed",
            "--first-exception",
            "--timeout",
            "--return-exceptions",
            "--bogus",
            "#",
            "\n",
            "\t",
        ]
        .map(String::from),
    );
    words
}

fn random_line() -> impl Strategy<Value = String> {
    let words = vocabulary();
    prop::collection::vec(prop::sample::select(words), 0..16).prop_map(|w| w.join(" "))
}

/// Random commands of every kind.
fn command() -> impl Strategy<Value = Command> {
    let names = || prop::collection::vec(name(), 1..4);
    let file = || prop_oneof![text(), Just(s("test"))];
    let topic = prop::sample::select(
        help::command_names()
            .chain(help::step_names())
            .collect::<Vec<_>>(),
    );
    let return_when = prop_oneof![
        Just(ReturnWhen::FirstCompleted),
        Just(ReturnWhen::FirstException),
        Just(ReturnWhen::AllCompleted)
    ];
    let policy = prop_oneof![
        Just(Policy::Fifo),
        Just(Policy::Lifo),
        any::<u64>().prop_map(|seed| Policy::Random { seed }),
        (any::<u64>(), any::<Option<NonZeroU32>>())
            .prop_map(|(seed, depth)| Policy::Pct { seed, depth }),
    ];
    let body = || {
        (
            prop::collection::vec(step(), 1..4),
            prop::collection::vec(step(), 0..2),
        )
            .prop_map(|(steps, finally)| Body { steps, finally })
    };
    prop_oneof![
        Just(Command::Blank),
        // A parsed comment never ends in whitespace: the line is trimmed.
        "[ -~]{0,10}".prop_map(|t| Command::Comment(t.trim_end().to_string())),
        (name(), body()).prop_map(|(name, body)| Command::Spawn { name, body }),
        names().prop_map(|names| Command::Await { names }),
        name().prop_map(|name| Command::Cancel { name }),
        (names(), any::<bool>()).prop_map(|(names, return_exceptions)| Command::Gather {
            names,
            return_exceptions
        }),
        (names(), return_when, prop::option::of(duration())).prop_map(
            |(names, return_when, timeout)| Command::Wait {
                names,
                return_when,
                timeout
            }
        ),
        names().prop_map(|names| Command::AsCompleted { names }),
        (duration(), name()).prop_map(|(limit, name)| Command::Timeout { limit, name }),
        names().prop_map(|names| Command::Group { names }),
        name().prop_map(|name| Command::Wake { name }),
        (name(), any::<u64>()).prop_map(|(name, permits)| Command::NewSemaphore { name, permits }),
        (name(), any::<Option<NonZeroUsize>>())
            .prop_map(|(name, capacity)| Command::NewQueue { name, capacity }),
        name().prop_map(|name| Command::NewEvent { name }),
        (
            prop::sample::select(&crate::repl::primitive::OtherKind::ALL[..]),
            name(),
            any::<bool>(),
            0..i64::MAX,
            crate::repl::body::tests::value(),
        )
            .prop_map(|((kind, _, arg), name, given, n, v)| {
                let arg = match arg {
                    None => None,
                    Some((_, required)) if !required && !given => None,
                    Some(_) if kind.counts() => Some(crate::repl::body::Value::Int(n.max(1))),
                    Some(_) => Some(v),
                };
                Command::NewOther { kind, name, arg }
            }),
        (name(), name(), body()).prop_map(|(set, name, body)| Command::SpawnIn { set, name, body }),
        name().prop_map(|set| Command::JoinNext { set }),
        name().prop_map(|set| Command::CancelAll { set }),
        any::<NonZeroU64>().prop_map(|count| Command::Step { count }),
        prop::option::of(duration()).prop_map(|limit| Command::Run { limit }),
        duration().prop_map(|by| Command::Advance { by }),
        prop::option::of(prop_oneof![Just(ClockMode::Real), Just(ClockMode::Virtual)])
            .prop_map(|mode| Command::Clock { mode }),
        prop::option::of(policy).prop_map(Command::Policy),
        (
            prop::option::of(any::<NonZeroU64>()),
            prop::option::of(
                (0..=crate::repl::duration::MAX_DURATION.as_nanos() as u64)
                    .prop_map(Duration::from_nanos)
            )
        )
            .prop_map(|(polls, time)| Command::Budget { polls, time }),
        Just(Command::Tasks),
        name().prop_map(|name| Command::Show { name }),
        Just(Command::Queue),
        Just(Command::Timeline),
        any::<bool>().prop_map(|on| Command::Trace { on }),
        Just(Command::Warnings),
        file().prop_map(|file| Command::ExportTrace { file }),
        file().prop_map(|file| Command::ExportHtml { file }),
        Just(Command::Reset),
        file().prop_map(|file| Command::Source { file }),
        file().prop_map(|file| Command::Save { file }),
        file().prop_map(|file| Command::SaveTest { file }),
        Just(Command::Schedule),
        text().prop_map(|schedule| Command::Replay { schedule }),
        any::<NonZeroU64>().prop_map(|count| Command::Back { count }),
        prop::option::of(any::<NonZeroUsize>()).prop_map(|sample| Command::Explore { sample }),
        Just(Command::Minimize),
        prop::option::of(topic).prop_map(|topic| Command::Help { topic }),
        Just(Command::Quit),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        // A failure is reported, not written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn display_then_parse_is_the_identity(command in command()) {
        let text = command.to_string();
        prop_assert_eq!(parse_line(&text), Ok(command), "{:?}", text);
    }


    #[test]
    fn never_panics_on_arbitrary_text(line in "\\PC{0,80}") {
        let _ = parse_line(&line);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let _ = parse_line(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn vocabulary_lines_never_panic_and_round_trip(line in random_line()) {
        if let Ok(command) = parse_line(&line) {
            let text = command.to_string();
            prop_assert_eq!(parse_line(&text), Ok(command), "{:?} → {:?}", line, text);
        }
    }

    #[test]
    fn spawn_lines_round_trip(line in random_line()) {
        let line = format!("spawn t {line}");
        if let Ok(command) = parse_line(&line) {
            let text = command.to_string();
            prop_assert_eq!(parse_line(&text), Ok(command), "{:?} → {:?}", line, text);
        }
    }
}

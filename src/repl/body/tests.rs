//! Task bodies: every step form, every error, and Display round trips.

use super::*;
use proptest::prelude::*;

fn body(input: &str) -> Body {
    parse_body(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

fn steps(input: &str) -> Vec<Step> {
    body(input).steps
}

fn one(input: &str) -> Step {
    let mut steps = steps(input);
    assert_eq!(steps.len(), 1, "{input:?}");
    steps.remove(0)
}

/// The message and hint of a rejected body.
fn invalid(input: &str) -> (String, String) {
    match parse_body(input) {
        Err(ParseError::Invalid { message, hint }) => (message, hint),
        other => panic!("{input:?} gave {other:?}"),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn every_step_form() {
    use Step::*;
    let s = |x: &str| x.to_string();
    let cases = [
        ("sleep 250ms", Sleep(ms(250))),
        ("yield", Yield),
        ("spin 1.5s", Spin(ms(1500))),
        ("thread 100us", Thread(Duration::from_micros(100))),
        ("print hello", Print(s("hello"))),
        ("fail disk full", Fail(s("disk full"))),
        ("panic oops", Panic(s("oops"))),
        ("return 42", Return(Value::Int(42))),
        ("return -7", Return(Value::Int(-7))),
        ("return \"a string\"", Return(Value::Str(s("a string")))),
        ("return word", Return(Value::Str(s("word")))),
        ("await worker", Await(s("worker"))),
        ("shield saver", Shield(s("saver"))),
        ("acquire pool", Acquire(s("pool"))),
        ("release pool", Release(s("pool"))),
        ("put jobs 7", Put(s("jobs"), Value::Int(7))),
        ("put jobs \"x y\"", Put(s("jobs"), Value::Str(s("x y")))),
        ("get jobs", Get(s("jobs"))),
        ("set ready", Set(s("ready"))),
        ("wait-event ready", WaitEvent(s("ready"))),
        ("repeat 3 { yield }", Repeat(3, vec![Yield])),
        ("repeat 0 { }", Repeat(0, vec![])),
        (
            "forever { get jobs; yield }",
            Forever(vec![Get(s("jobs")), Yield]),
        ),
        ("lose-waker", LoseWaker),
        ("breakpoint", Breakpoint),
    ];
    for (input, expected) in cases {
        assert_eq!(one(input), expected, "{input}");
    }
}

#[test]
fn steps_are_separated_by_semicolons_and_empty_steps_are_skipped() {
    assert_eq!(
        steps(";sleep 1s;; yield ;"),
        vec![Step::Sleep(Duration::from_secs(1)), Step::Yield]
    );
}

#[test]
fn text_runs_to_the_semicolon_and_quotes_keep_it() {
    assert_eq!(
        steps("print a b; print \"a; b\""),
        vec![Step::Print("a b".into()), Step::Print("a; b".into())]
    );
    // Bare words are joined by single spaces; quoting keeps the spacing.
    assert_eq!(one("print a   b"), Step::Print("a b".into()));
    assert_eq!(one("print \"a   b\""), Step::Print("a   b".into()));
    assert_eq!(one("print \"\""), Step::Print(String::new()));
    assert_eq!(
        one("print \"say \\\"hi\\\" \\\\\""),
        Step::Print("say \"hi\" \\".into())
    );
    // After the semicolon comes a new step: `b` is not one.
    assert!(invalid("print a; b").0.contains("unknown step \"b\""));
}

#[test]
fn values_are_integers_strings_or_words() {
    assert_eq!(one("return \"42\""), Step::Return(Value::Str("42".into())));
    assert_eq!(one("return 4x"), Step::Return(Value::Str("4x".into())));
    assert_eq!(one("return -"), Step::Return(Value::Str("-".into())));
    assert_eq!(
        one(&format!("return {}", i64::MIN)),
        Step::Return(Value::Int(i64::MIN))
    );
    let (message, hint) = invalid("return 99999999999999999999");
    assert!(message.contains("out of range"), "{message}");
    assert!(hint.contains("\"99999999999999999999\""), "{hint}");
}

#[test]
fn blocks_nest() {
    assert_eq!(
        one("repeat 2 { forever { repeat 1 { yield } }; print x }"),
        Step::Repeat(
            2,
            vec![
                Step::Forever(vec![Step::Repeat(1, vec![Step::Yield])]),
                Step::Print("x".into())
            ]
        )
    );
}

#[test]
fn finally_closes_the_body() {
    let b = body("sleep 1s; print done finally { print bye; release pool }");
    assert_eq!(
        b.steps,
        vec![
            Step::Sleep(Duration::from_secs(1)),
            Step::Print("done".into())
        ]
    );
    assert_eq!(
        b.finally,
        vec![Step::Print("bye".into()), Step::Release("pool".into())]
    );
    // Also after a semicolon, and with a trailing one.
    assert_eq!(
        body("yield; finally { yield };"),
        body("yield finally { yield }")
    );
    // `finally` is only the keyword when a `{` follows.
    assert_eq!(one("print the finally"), Step::Print("the finally".into()));
    assert_eq!(
        body("put q finally finally { yield }").steps,
        vec![Step::Put("q".into(), Value::Str("finally".into()))]
    );
}

#[test]
fn a_body_may_be_written_in_braces() {
    // As an `async { … }` block holds its statements: the same body.
    assert_eq!(body("{ sleep 1s; print hi }"), body("sleep 1s; print hi"));
    assert_eq!(
        body("{ repeat 2 { yield } } finally { print bye }"),
        body("repeat 2 { yield } finally { print bye }")
    );
    // Typed over several lines: each line break ends a step.
    assert_eq!(
        body("{\n  sleep 1s\n  print hi\n}"),
        body("sleep 1s; print hi")
    );
    assert_eq!(body("{ yield };"), body("yield"));
    assert_eq!(parse_body("{ sleep 1s"), Err(ParseError::Incomplete));
    assert_eq!(parse_body("{"), Err(ParseError::Incomplete));
}

#[test]
fn an_open_brace_at_the_end_is_incomplete() {
    for input in [
        "repeat 3 {",
        "repeat 3 { yield;",
        "forever { repeat 2 { yield }",
        "yield finally {",
        "yield finally { print a",
        "forever {\n  sleep 1s;\n",
    ] {
        assert_eq!(parse_body(input), Err(ParseError::Incomplete), "{input:?}");
    }
    // An earlier mistake wins over the open brace: more input can't fix it.
    assert!(matches!(
        parse_body("sleep 3; forever {"),
        Err(ParseError::Invalid { .. })
    ));
}

#[test]
fn errors_name_the_fault_and_show_the_usage() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "missing task body", "usage: spawn NAME"),
        (
            "finally { yield }",
            "no steps before finally",
            "usage: spawn NAME",
        ),
        ("sleep 3", "bad duration \"3\"", "durations need a unit: 3s"),
        // Issue 17 item 14: each names what is really wrong.
        (
            "repeat 99999999999999999999 { yield }",
            "repeat count \"99999999999999999999\" is too large",
            "at most 18446744073709551615 times",
        ),
        (
            "return {server: A}",
            "unexpected \"{\" after return",
            "return \"{server: A, status: OK}\"",
        ),
        (
            "put jobs {x}",
            "unexpected \"{\" after put",
            "quote text with braces",
        ),
        (
            "print {x}",
            "unexpected \"{\" after print",
            "a block opens only after repeat N, forever, for GEN, read RWLOCK or write RWLOCK",
        ),
        (
            "sleep",
            "sleep is missing a duration",
            "usage: sleep DUR (e.g. sleep 250ms)",
        ),
        (
            "sleep 1s 2s",
            "unexpected \"2s\" after sleep",
            "usage: sleep DUR",
        ),
        ("sleep \"1s\"", "bad duration \"1s\"", "not quoted"),
        (
            "yield now",
            "unexpected \"now\" after yield",
            "usage: yield",
        ),
        (
            "slep 1s",
            "unknown step \"slep\"",
            "did you mean \"sleep\"?",
        ),
        (
            "tasks",
            "unknown step \"tasks\"",
            "REPL command, not a task step",
        ),
        (
            "zzzzzz",
            "unknown step \"zzzzzz\"",
            "steps are: sleep, yield",
        ),
        ("print", "print is missing its text", "usage: print TEXT"),
        (
            "print a \"b\"",
            "print text mixes quoted and bare words",
            "quote the whole text",
        ),
        ("put q", "put is missing a value", "usage: put QUEUE VALUE"),
        (
            "put",
            "put is missing a queue name",
            "usage: put QUEUE VALUE",
        ),
        ("await 1x", "bad name \"1x\"", "names start with a letter"),
        ("await \"w\"", "task name \"w\" is quoted", "bare: w"),
        (
            "acquire finally",
            "\"finally\" is a reserved word",
            "finally_1",
        ),
        (
            "repeat { yield }",
            "repeat is missing a count",
            "usage: repeat N",
        ),
        (
            "repeat x { yield }",
            "bad repeat count \"x\"",
            "whole number",
        ),
        (
            "repeat -1 { yield }",
            "bad repeat count \"-1\"",
            "whole number",
        ),
        (
            "repeat 3 yield",
            "unexpected \"yield\" after repeat",
            "usage: repeat N",
        ),
        ("repeat 3", "repeat needs a { … } block", "usage: repeat N"),
        (
            "forever yield",
            "unexpected \"yield\" after forever",
            "usage: forever",
        ),
        ("forever", "forever needs a { … } block", "usage: forever"),
        ("yield }", "unmatched \"}\"", "every } closes a {"),
        ("}", "unmatched \"}\"", "every } closes a {"),
        (
            "yield {",
            "unexpected \"{\"",
            "only after repeat N, forever",
        ),
        (
            "repeat 2 { yield } print x",
            "missing \";\" before \"print\"",
            "separate steps with ;",
        ),
        (
            "yield; { yield }",
            "expected a step, found \"{\"",
            "steps are:",
        ),
        (
            "{ yield } yield",
            "unexpected \"yield\" after the body's closing \"}\"",
            "only finally { … } may follow it",
        ),
        ("{ }", "missing task body", "usage: spawn NAME"),
        ("\"x\"", "expected a step, found \"x\"", "steps are:"),
        (
            "forever { finally { yield } }",
            "finally inside a block",
            "end of the whole body",
        ),
        (
            "yield finally { yield } yield",
            "unexpected \"yield\" after the finally block",
            "comes last",
        ),
        (
            "yield finally { yield } finally { yield }",
            "unexpected \"finally\" after the finally block",
            "comes last",
        ),
        ("print \"abc", "unclosed quote", "same line"),
    ];
    for (input, message, hint) in cases {
        let (m, h) = invalid(input);
        assert!(
            m.contains(message),
            "{input:?}: message {m:?} lacks {message:?}"
        );
        assert!(h.contains(hint), "{input:?}: hint {h:?} lacks {hint:?}");
    }
}

#[test]
fn display_prints_the_canonical_source() {
    let cases = [
        ("sleep 1500ms;print  a  b", "sleep 1.5s; print a b"),
        ("print \"a; b\"", "print \"a; b\""),
        ("print \"plain\"", "print plain"),
        ("print \"a  b\"", "print \"a  b\""),
        ("print \"\"", "print \"\""),
        ("print \"x\\ny\"", "print \"x\\ny\""),
        ("return \"42\"", "return \"42\""),
        ("return \"a b\"", "return \"a b\""),
        ("return word", "return word"),
        ("put q -3", "put q -3"),
        ("repeat 2{yield;spin 1m}", "repeat 2 { yield; spin 1m }"),
        ("forever { }", "forever { }"),
        (
            "lose-waker; thread 60s finally {yield}",
            "lose-waker; thread 1m finally { yield }",
        ),
        ("yield finally { }", "yield"),
    ];
    for (input, canonical) in cases {
        let b = body(input);
        assert_eq!(b.to_string(), canonical, "{input:?}");
        assert_eq!(body(canonical), b, "{canonical:?}");
    }
}

pub(crate) fn name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_.-]{0,6}".prop_filter("reserved", |n| super::super::name::check_name(n).is_ok())
}

pub(crate) fn text() -> impl Strategy<Value = String> {
    "[ -~\t\né✓]{0,12}"
}

pub(crate) fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        text().prop_map(Value::Str)
    ]
}

pub(crate) fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0..10_000u64).prop_map(Duration::from_millis),
        (0..u64::from(u32::MAX)).prop_map(Duration::from_nanos),
        (0..1_000u64).prop_map(|m| Duration::from_secs(60 * m)),
    ]
}

/// Random steps, nested up to three blocks deep.
pub(crate) fn step() -> impl Strategy<Value = Step> {
    let leaf = prop_oneof![
        duration().prop_map(Step::Sleep),
        Just(Step::Yield),
        duration().prop_map(Step::Spin),
        duration().prop_map(Step::Thread),
        text()
            .prop_filter("print needs text", |t| !t.is_empty())
            .prop_map(Step::Print),
        value().prop_map(Step::Return),
        text().prop_map(Step::Fail),
        text().prop_map(Step::Panic),
        name().prop_map(Step::Await),
        name().prop_map(Step::Shield),
        name().prop_map(Step::Acquire),
        name().prop_map(Step::Release),
        (name(), value()).prop_map(|(q, v)| Step::Put(q, v)),
        name().prop_map(Step::Get),
        name().prop_map(Step::Set),
        name().prop_map(Step::WaitEvent),
        Just(Step::LoseWaker),
    ];
    let count = || 1..=u64::MAX;
    let more = prop_oneof![
        (name(), count()).prop_map(|(s, k)| Step::AcquireMany(s, k)),
        name().prop_map(Step::WaitCond),
        (name(), value()).prop_map(|(c, v)| Step::WaitFor(c, v)),
        (name(), value()).prop_map(|(c, v)| Step::CondSet(c, v)),
        (name(), count()).prop_map(|(c, n)| Step::Notify(c, n)),
        name().prop_map(Step::NotifyAll),
        name().prop_map(Step::BarrierWait),
        name().prop_map(Step::NotifyOne),
        name().prop_map(Step::NotifyWaiters),
        name().prop_map(Step::Notified),
        (name(), value()).prop_map(|(w, v)| Step::WatchSet(w, v)),
        name().prop_map(Step::Changed),
        (name(), value()).prop_map(|(b, v)| Step::Send(b, v)),
        name().prop_map(Step::Subscribe),
        name().prop_map(Step::Recv),
        name().prop_map(Step::JoinNext),
        name().prop_map(Step::CancelAll),
        name().prop_map(Step::CancelToken),
        name().prop_map(Step::WaitCancelled),
    ];
    prop_oneof![3 => leaf, 1 => more].prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (any::<u64>(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(n, s)| Step::Repeat(n, s)),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Step::Forever),
            (name(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(l, s)| Step::Read(l, s)),
            (name(), prop::collection::vec(inner, 0..4)).prop_map(|(l, s)| Step::Write(l, s)),
        ]
    })
}

proptest! {
    // A failure is reported, not written into the source tree.
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn display_then_parse_is_the_identity(
        steps in prop::collection::vec(step(), 1..5),
        finally in prop::collection::vec(step(), 0..3),
    ) {
        let b = Body { steps, finally };
        let source = b.to_string();
        prop_assert_eq!(parse_body(&source), Ok(b), "{}", source);
    }
}

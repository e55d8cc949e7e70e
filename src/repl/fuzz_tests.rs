//! No input panics the REPL: random lines and random token sequences, run
//! through a whole [`Session`] (parser, task bodies, the loop, the views).

use proptest::prelude::*;

use super::session::{Options, Reply, Session};

/// Words the REPL knows, and some it doesn't. Left out: words that write
/// files (`save`, `source`, `export-trace`, `export-html`) or wait for real time
/// (`real`, long `spin`s).
const VOCABULARY: &[&str] = &[
    "spawn",
    "await",
    "cancel",
    "gather",
    "wait",
    "as-completed",
    "timeout",
    "group",
    "wake",
    "new",
    "semaphore",
    "queue",
    "event",
    "step",
    "run",
    "advance",
    "clock",
    "virtual",
    "policy",
    "fifo",
    "lifo",
    "random",
    "pct",
    "budget",
    "tasks",
    "show",
    "timeline",
    "trace",
    "on",
    "off",
    "warnings",
    "reset",
    "schedule",
    "replay",
    "back",
    "help",
    "sleep",
    "yield",
    "print",
    "return",
    "fail",
    "panic",
    "shield",
    "acquire",
    "release",
    "put",
    "get",
    "set",
    "wait-event",
    "repeat",
    "forever",
    "lose-waker",
    "breakpoint",
    "finally",
    "a",
    "b",
    "c",
    "0",
    "1",
    "3",
    "42",
    "0s",
    "1ms",
    "2s",
    "1.5s",
    "{",
    "}",
    ";",
    "--all",
    "--first-completed",
    "--return-exceptions",
    "--timeout",
    "\"x y\"",
    "\"",
    "#",
    "spwan",
    "-1",
    "99999999999999999999",
];

/// One of each kind `new` makes beyond semaphores, queues, events, futures,
/// generators and services, with the names the fuzzed steps use.
pub(super) const NEW_TOOLKIT: [&str; 11] = [
    "new condition c 0",
    "new barrier b 2",
    "new bounded-semaphore bs 1",
    "new lifo-queue l",
    "new priority-queue pq 2",
    "new notify n",
    "new watch w 1",
    "new broadcast bc 2",
    "new rwlock rw",
    "new task-set ts",
    "new cancel-token tok",
];

fn token_line() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCABULARY), 0..12).prop_map(|w| w.join(" "))
}

/// Lines that mostly make sense: a spawn of a small body, or a driving command.
fn plausible_line() -> impl Strategy<Value = String> {
    let name = prop::sample::select(&["a", "b", "c"][..]);
    let step = prop_oneof![
        Just("yield".to_string()),
        Just("sleep 1s".to_string()),
        Just("spin 1ms".to_string()),
        Just("print hi".to_string()),
        Just("return 1".to_string()),
        Just("fail no".to_string()),
        Just("panic boom".to_string()),
        Just("lose-waker".to_string()),
        Just("breakpoint".to_string()),
        name.clone().prop_map(|n| format!("await {n}")),
        name.clone().prop_map(|n| format!("shield {n}")),
        Just("repeat 2 { yield; print r }".to_string()),
        Just("forever { sleep 1s }".to_string()),
        Just("wait-for c 1".to_string()),
        Just("wait-cond c".to_string()),
        Just("cond-set c 1; notify-all c".to_string()),
        Just("barrier-wait b".to_string()),
        Just("acquire-many s 2; release s".to_string()),
        Just("release bs".to_string()),
        Just("put l 3; get l; put pq 2; get pq".to_string()),
        Just("notified n; notify-one n".to_string()),
        Just("watch-set w 2; changed w".to_string()),
        Just("subscribe bc; send bc 1; recv bc".to_string()),
        Just("read rw { sleep 1s }; write rw { yield }".to_string()),
        Just("join-next ts; cancel-all ts".to_string()),
        Just("cancel-token tok; wait-cancelled tok".to_string()),
    ];
    let body = prop::collection::vec(step, 1..4).prop_map(|s| s.join("; "));
    prop_oneof![
        (name.clone(), body.clone(), any::<bool>()).prop_map(|(n, b, fin)| if fin {
            format!("spawn {n} {b} finally {{ print bye }}")
        } else {
            format!("spawn {n} {b}")
        }),
        name.clone().prop_map(|n| format!("await {n}")),
        name.clone().prop_map(|n| format!("cancel {n}")),
        name.clone().prop_map(|n| format!("wake {n}")),
        name.prop_map(|n| format!("show {n}")),
        prop::sample::select(
            &[
                "step",
                "step 5",
                "run",
                "run 1s",
                "advance 2s",
                "tasks",
                "queue",
                "timeline",
                "warnings",
                "trace on",
                "trace off",
                "back 1",
                "back 3",
                "reset",
                "policy lifo",
                "policy random 3",
                "policy fifo",
                "help",
                "new semaphore s 3",
                "spawn m --in ts sleep 1s; return 1",
                "join-next ts",
                "cancel-all ts",
                "cancel tok",
                "show ts",
                "show c",
            ][..]
        )
        .prop_map(str::to_string),
        prop::sample::select(&NEW_TOOLKIT[..]).prop_map(str::to_string),
    ]
}

fn session() -> Session {
    Session::new(Options {
        budget: 2_000,
        deterministic: true,
        ..Options::default()
    })
}

fn check(session: &mut Session, line: &str) {
    let before = session.task_names();
    let parses = super::parse_line(line).is_ok();
    match session.run_line(line) {
        Reply::Failed(lines) => {
            assert!(!lines.is_empty(), "a failure says why: {line:?}");
            if !parses {
                assert_eq!(
                    session.task_names(),
                    before,
                    "a bad line changed the session: {line:?}"
                );
            }
        }
        Reply::Done(_) | Reply::Quit => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        // A failure is reported, not written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_token_lines_never_panic(lines in prop::collection::vec(token_line(), 1..12)) {
        let mut s = session();
        for line in &lines {
            check(&mut s, line);
        }
    }

    #[test]
    fn random_text_never_panics(lines in prop::collection::vec("\\PC{0,60}", 1..6)) {
        let mut s = session();
        for line in &lines {
            check(&mut s, line);
        }
    }

    #[test]
    fn random_programs_never_panic(lines in prop::collection::vec(plausible_line(), 1..16)) {
        let mut s = session();
        for line in &lines {
            check(&mut s, line);
        }
        // Whatever happened, the loop can still be driven and looked at.
        check(&mut s, "run");
        check(&mut s, "tasks");
        check(&mut s, "timeline");
    }
}

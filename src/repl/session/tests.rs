//! The session's behaviour, command by command, as plain text: what a
//! person at the REPL would read. (Transcript tests in `tests/transcripts/`
//! check whole sessions byte for byte; these check what a transcript can't:
//! the real clock, timing, memory, interrupts.)

use super::{Options, Reply, Session};

/// A session as the interactive REPL has it (real-time measurements shown).
fn live() -> Session {
    Session::new(Options {
        deterministic: false,
        ..Options::default()
    })
}

/// Runs a line that must succeed; its output as plain text.
fn ok(s: &mut Session, line: &str) -> String {
    match s.run_line(line) {
        Reply::Done(lines) => text(&lines),
        other => panic!("{line:?} failed: {other:?}"),
    }
}

fn text(lines: &[super::Line]) -> String {
    lines.iter().map(|l| l.text() + "\n").collect::<String>()
}

/// Issue 17 item 13: on the real clock the status line said how far the
/// clock moved with nanosecond digits (`(+14145ns)`); every time printed is
/// cut to the microsecond, as the clock itself is.
#[test]
fn real_clock_spans_print_to_the_microsecond() {
    let mut s = live();
    ok(&mut s, "clock real");
    ok(&mut s, "spawn t sleep 1ms; print done");
    let out = ok(&mut s, "run") + &ok(&mut s, "tasks") + &ok(&mut s, "step");
    for word in out.split([' ', '(', ')', '+']) {
        assert!(!word.ends_with("ns"), "{word:?} in:\n{out}");
        if let Some(secs) = word.strip_suffix('s')
            && let Some((_, decimals)) = secs.split_once('.')
            && decimals.bytes().all(|b| b.is_ascii_digit())
        {
            assert!(decimals.len() <= 6, "{word:?} in:\n{out}");
        }
    }
}

//! The session's behaviour, command by command, as plain text: what a
//! person at the REPL would read. (Transcript tests in `tests/transcripts/`
//! check whole sessions byte for byte; these check what a transcript can't:
//! the real clock, timing, memory, interrupts.)

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Limits, Options, Reply, Session};

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

/// `clock` on the real clock before and after a task with `body` ran.
fn clock_before_and_after(body: &str) -> (String, String) {
    let mut s = live();
    ok(&mut s, "clock real");
    let before = ok(&mut s, "clock");
    ok(&mut s, &format!("spawn t {body}"));
    ok(&mut s, "run");
    (before, ok(&mut s, "clock"))
}

/// `clock`, after sleeps on the real clock, says how late they end here
/// and how many deadlines were waited for awake (`Runtime::sleeps`).
#[test]
fn the_clock_tells_how_late_sleeps_end_here() {
    let (before, after) = clock_before_and_after("sleep 1ms; sleep 1ms");
    assert!(!before.contains("sleeps:"), "{before}");
    assert!(
        after.contains("sleeps: 2 until a deadline, ending "),
        "{after}"
    );
    assert!(after.contains(" late on average here; "), "{after}");
}

/// `clock` also says how the loop's waits for other threads ended: seen
/// while it was still awake, or after it parked (`Runtime::sleeps`).
#[test]
fn the_clock_tells_how_waits_for_other_threads_ended() {
    let (before, after) = clock_before_and_after("thread 1ms; thread 1ms");
    assert!(!before.contains("waits for other threads"), "{before}");
    assert!(after.contains("waits for other threads: "), "{after}");
    assert!(
        after.contains(" answered while the loop was still awake, "),
        "{after}"
    );
}

/// `clock` says how many of those waits parked at once because the loop's
/// spins had stopped paying (`Sleeps::rested`): a worker that answers 1 ms
/// in is never seen by a 20 µs spin, so after a few misses the loop rests.
#[test]
fn the_clock_tells_when_the_loops_spins_stopped_paying() {
    let (_, after) = clock_before_and_after("repeat 30 { thread 1ms }");
    assert!(after.contains("waits for other threads: "), "{after}");
    let one_cpu = std::thread::available_parallelism().map_or(true, |n| n.get() == 1);
    // On one CPU the loop never spins, so it has nothing to rest from.
    assert_eq!(
        after.contains(" of them at once: the loop's spins had stopped paying)"),
        !one_cpu,
        "{after}"
    );
}

/// Lines as they came, each with when.
type Seen = Rc<RefCell<Vec<(Instant, String)>>>;

/// A session whose lines go to a shared list as they happen.
fn recorded(options: Options) -> (Session, Seen) {
    let mut s = Session::new(options);
    let got: Seen = Rc::default();
    let sink = got.clone();
    s.set_live_output(Box::new(move |lines| {
        for l in lines {
            sink.borrow_mut().push((Instant::now(), l.text()));
        }
    }));
    (s, got)
}

/// When the line containing `text` came.
fn when(got: &[(Instant, String)], text: &str) -> Instant {
    got.iter()
        .find(|(_, l)| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?} in {got:#?}"))
        .0
}

/// Issue 17 item 3: on `clock real`, what a task printed (and `trace on`
/// events) appeared only when the whole `run` ended.
#[test]
fn on_the_real_clock_output_appears_as_it_happens() {
    let (mut s, got) = recorded(Options::default());
    for line in [
        "clock real",
        "trace on",
        "spawn t print first; sleep 400ms; print second",
    ] {
        assert!(matches!(s.run_line(line), Reply::Done(_)));
    }
    let started = Instant::now();
    assert!(matches!(s.run_line("run"), Reply::Done(rest) if rest.is_empty()));
    let got = got.borrow();
    let first = when(&got, "t: first");
    let second = when(&got, "t: second");
    let polled = when(&got, "trace [0.");
    assert!(first - started < Duration::from_millis(200), "{got:#?}");
    assert!(polled - started < Duration::from_millis(200), "{got:#?}");
    assert!(second - first >= Duration::from_millis(350), "{got:#?}");
    // The order is the order of a held reply.
    let texts: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
    let first_at = texts.iter().position(|l| l.contains("t: first")).unwrap();
    let status_at = texts
        .iter()
        .position(|l| l.starts_with("── clock"))
        .unwrap();
    assert!(first_at < status_at);
}

/// On `clock real`, a task that blocks the loop at every poll (`spin`) and
/// yields kept a due timer waiting for a turn of 61 polls, and `run 300ms`
/// never ended while it was ready (the 1-minute budget stopped it). Now a
/// turn ends once its polls have taken 10 ms, and a span ends at the first
/// turn that finds it over.
#[test]
fn on_the_real_clock_a_blocking_task_delays_a_ticker_by_its_own_polls_alone() {
    let (mut s, got) = recorded(Options::default());
    for line in [
        "clock real",
        "spawn ticker forever { sleep 10ms; print tick }",
        "spawn hog forever { spin 30ms; yield }",
    ] {
        assert!(matches!(s.run_line(line), Reply::Done(_)));
    }
    assert!(matches!(s.run_line("run 300ms"), Reply::Done(_)));
    let said = |text: &str| got.borrow().iter().any(|(_, l)| l.contains(text));
    assert!(said("the clock is now"), "{:#?}", got.borrow());
    assert!(!said("budget"), "{:#?}", got.borrow());
    // About five ticks in 300 ms (each waits for at most two 30 ms spins);
    // a turn of 61 polls would allow none.
    let ticks = got
        .borrow()
        .iter()
        .filter(|(_, l)| l.contains("ticker: tick"))
        .count();
    assert!(ticks >= 2, "{ticks} ticks: {:#?}", got.borrow());
}

/// Issue 17 item 25: `repeat 1000000 { print <4000 bytes> }` needed gigabytes
/// for one step. What one command shows is bounded; the rest is counted.
#[test]
fn one_command_shows_a_bounded_amount() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    let text = "x".repeat(4000);
    ok(
        &mut s,
        &format!("spawn p repeat 49000 {{ print {text} }}; print end"),
    );
    let reply = ok(&mut s, "step");
    assert!(reply.len() < 2 << 20, "{} bytes", reply.len());
    assert!(
        reply.contains("more line(s) not shown"),
        "{}",
        &reply[reply.len() - 400..]
    );
    assert!(reply.contains("poll p (first poll) → Ready"));
    // The rest of the session goes on, and save test says why it can't.
    match s.run_line("save test t.rs") {
        Reply::Failed(lines) => assert!(text_of(&lines).contains("were not kept")),
        other => panic!("{other:?}"),
    }
}

fn text_of(lines: &[super::Line]) -> String {
    text(lines)
}

/// Issue 17 item 27: every printed line of a long session was kept (5
/// million prints: 652 MB). The prints kept for `save test` are bounded.
#[test]
fn a_long_session_keeps_a_bounded_history() {
    let limits = Limits {
        prints: 1_000,
        events: 1_000,
        log_bytes: 4096,
        ..Limits::default()
    };
    let mut s = Session::new(Options {
        deterministic: true,
        budget: 5_000,
        limits,
        ..Options::default()
    });
    ok(&mut s, "spawn p forever { print tick; yield }");
    for _ in 0..10 {
        let _ = s.run_line("run");
    }
    assert_eq!(s.env.prints.borrow().len(), 1_000);
    assert!(s.env.prints_dropped.get() >= 49_000);
    assert_eq!(s.events.borrow().len(), 1_000);
    // The log too: past its bound, what needs it says so.
    for i in 0..200 {
        ok(&mut s, &format!("# a comment to fill the log {i}"));
    }
    match s.run_line("back 1") {
        Reply::Failed(lines) => assert!(text_of(&lines).contains("longer than the log keeps")),
        other => panic!("{other:?}"),
    }
}

/// Issue 17 item 26: the poll budget counted polls, not time (100,000 polls
/// of a 10 s spin were allowed). A run's polls have a time budget, and a
/// spin ends when it runs out.
#[test]
fn a_run_has_a_time_budget() {
    let mut s = Session::new(Options {
        deterministic: true,
        time_budget: Duration::from_millis(300),
        ..Options::default()
    });
    ok(&mut s, "spawn s forever { spin 100ms; yield }");
    let started = Instant::now();
    let out = ok(&mut s, "run");
    assert!(
        out.contains("the time budget (300ms of real time in polls) ran out"),
        "{out}"
    );
    ok(&mut s, "reset");
    ok(&mut s, "budget 200ms");
    ok(&mut s, "spawn long spin 10s; print after");
    let out = ok(&mut s, "run");
    assert!(out.contains("the time budget (200ms"), "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The spin was cut short, and the task went on to its next step.
    assert!(out.contains("long: after"), "{out}");
}

/// Issue 17 item 26: Ctrl-C during a long `spin` waited for the spin to
/// end; it ends the spin, and the loop stops after that poll.
#[test]
fn ctrl_c_ends_a_long_spin() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    let interrupter: Arc<Mutex<Option<evloop::Interrupter>>> = Arc::default();
    let keep = interrupter.clone();
    s.on_new_loop(move |i| *keep.lock().unwrap() = Some(i));
    ok(&mut s, "spawn s spin 10s; print after");
    let started = Instant::now();
    let ctrl_c = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        interrupter.lock().unwrap().as_ref().unwrap().interrupt();
    });
    let out = ok(&mut s, "run");
    ctrl_c.join().unwrap();
    assert!(out.contains("interrupted (Ctrl-C)"), "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// Issue 17 item 2: a task blocking the loop in every poll gave one warning
/// line per poll; repeats are folded.
#[test]
fn repeated_slow_polls_are_one_line() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    // A threshold far below the spin: a poll preempted so much that its CPU
    // time stays below the threshold is not reported, even on a busy machine.
    ok(&mut s, "debug on 10ms");
    ok(&mut s, "spawn hog repeat 4 { spin 150ms; yield }");
    let out = ok(&mut s, "run");
    let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{out}");
    assert!(warnings[0].ends_with(" … ×4"), "{out}");
    let all = ok(&mut s, "warnings");
    assert_eq!(all.lines().count(), 1, "{all}");
}

/// The row of `task` in a timeline, between its bars.
fn row<'t>(timeline: &'t str, task: &str) -> &'t str {
    let line = timeline
        .lines()
        .find(|l| l.starts_with(&format!("{task} ")))
        .unwrap_or_else(|| panic!("no row {task} in\n{timeline}"));
    let start = line.find('|').unwrap() + 1;
    &line[start..line.len() - 1]
}

/// The columns where a row shows `c`, as (first, last).
fn span_of(row: &str, c: char) -> (usize, usize) {
    let cols: Vec<usize> = row
        .chars()
        .enumerate()
        .filter(|(_, x)| *x == c)
        .map(|(i, _)| i)
        .collect();
    (*cols.first().unwrap(), *cols.last().unwrap())
}

/// Issue 17 item 4: on the real clock a long blocking poll was drawn as
/// ready (`rrrr`) and never as polled. Three `spin 300ms` tasks under
/// `gather` draw the staircase of code that never yields: each runs while
/// the others wait, one after the other.
#[test]
fn the_timeline_draws_blocking_polls_as_a_staircase() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    ok(&mut s, "clock real");
    for t in ["a", "b", "c"] {
        ok(&mut s, &format!("spawn {t} spin 300ms"));
    }
    ok(&mut s, "gather a b c");
    let timeline = ok(&mut s, "timeline");
    let (a, b, c) = (
        row(&timeline, "a"),
        row(&timeline, "b"),
        row(&timeline, "c"),
    );
    let (a0, a1) = span_of(a, '#');
    let (b0, b1) = span_of(b, '#');
    let (c0, c1) = span_of(c, '#');
    // Each poll is wide: polled, not ready. (About a third of the picture
    // each on a quiet machine; `spin` counts CPU time, so on a loaded one
    // the three stretch unevenly, and a fifth of the picture was seen at
    // 11 columns. The bug drew each poll as one column.)
    for (first, last) in [(a0, a1), (b0, b1), (c0, c1)] {
        assert!(last - first >= 5, "{timeline}");
    }
    // A staircase: each starts where the one before ended.
    assert!(
        a0 <= 2 && b0 + 1 >= a1 && c0 + 1 >= b1 && c1 >= 55,
        "{timeline}"
    );
    // Before its poll, each was ready, waiting its turn.
    assert!(b[..b0].chars().all(|x| x == 'r'), "{timeline}");
    assert!(c[..c0].chars().all(|x| x == 'r'), "{timeline}");
}

/// Issue 17 item 10: once the bounded event memory let go of the spawns,
/// `timeline` said "no tasks yet". Rows start at the first event kept.
#[test]
fn the_timeline_survives_a_full_event_memory() {
    let mut s = Session::new(Options {
        deterministic: true,
        limits: Limits {
            events: 50,
            ..Limits::default()
        },
        ..Options::default()
    });
    ok(&mut s, "spawn t repeat 100 { sleep 1s }");
    ok(&mut s, "run");
    let timeline = ok(&mut s, "timeline");
    assert!(!timeline.contains("no tasks yet"), "{timeline}");
    assert!(timeline.contains("events are no longer kept"), "{timeline}");
    assert!(row(&timeline, "t").ends_with('D'), "{timeline}");
}

/// `explore` runs the session on other loops: the session itself is left as
/// it was (its schedule, its tasks, its log), and its breakpoints, which the
/// runs turned off for themselves, still stop its own loop.
#[test]
fn explore_leaves_the_session_as_it_was() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    ok(&mut s, "spawn a print a1; yield; print a2");
    ok(&mut s, "spawn b print b1; breakpoint; print b2");
    ok(&mut s, "step 1");
    let before = (ok(&mut s, "schedule"), ok(&mut s, "tasks"), s.log.clone());
    let out = ok(&mut s, "explore all");
    // Two tasks of two polls each, b's second after its breakpoint: the six
    // interleavings of aa and bb, one outcome (prints are per task).
    assert!(
        out.starts_with(
            "explore all: all 6 schedule(s) run (space exhausted); 1 distinct outcome(s), 0 failing"
        ),
        "{out}"
    );
    let after = (ok(&mut s, "schedule"), ok(&mut s, "tasks"), s.log.clone());
    assert_eq!(before, after);
    let run = ok(&mut s, "run");
    assert!(run.contains("breakpoint: b stopped"), "{run}");
}

/// `minimize` finds the fewest deviations even where the greedy shrinker
/// alone stops early (`2211` shrinks to nothing simpler one choice at a
/// time; the bounded walk finds `12`).
#[test]
fn minimize_finds_fewer_deviations_than_the_greedy_shrinker() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    ok(&mut s, "new condition ready");
    ok(
        &mut s,
        "spawn waiter print waiting; wait-cond ready; print woke",
    );
    ok(
        &mut s,
        "spawn notifier print notifying; yield; notify ready",
    );
    ok(&mut s, "spawn bystander print hi; yield; print bye");
    ok(&mut s, "replay 2211");
    ok(&mut s, "run");
    let out = ok(&mut s, "minimize");
    assert!(
        out.contains(
            "2 deviation(s) from FIFO, 2 choice(s) (the current run's: 4 deviation(s), 4 choice(s))"
        ),
        "{out}"
    );
    assert!(out.contains("to see it: replay 12, then run"), "{out}");
}

/// On the real clock a run is not a function of its schedule: `explore`
/// and `minimize` refuse, saying why.
#[test]
fn explore_refuses_a_session_that_ran_on_the_real_clock() {
    let mut s = Session::new(Options {
        deterministic: true,
        ..Options::default()
    });
    ok(&mut s, "clock real");
    ok(&mut s, "spawn a print x");
    ok(&mut s, "clock virtual");
    for line in ["explore 2", "minimize"] {
        match s.run_line(line) {
            Reply::Failed(lines) => assert!(
                text(&lines).contains("switched to the real clock (clock real)"),
                "{}",
                text(&lines)
            ),
            other => panic!("{line}: {other:?}"),
        }
    }
}

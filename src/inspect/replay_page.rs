//! The replay page: one HTML file that replays an event log poll by poll.
//!
//! The timeline shows a whole run at once; a learner also wants to stand at
//! one moment and look around, as `step` and `queue` do in the REPL, then
//! step back. The page does that from a recorded log, in any browser, with
//! nothing installed: one self-contained file (no network, no external
//! scripts, fonts or styles), which a learner can mail or attach to a bug.
//!
//! ```text
//!   events ──▶ replay_page ──▶ page.html
//!                              ├─ <script type="application/json">  the log as compact data
//!                              └─ <script>  a small hand-written replayer
//!                                  │  rebuilds the loop's state step by step
//!                                  ▼
//!   step 3 of 9 ◀ ▶  clock · the poll just made and what it woke
//!                    ready queue · timers · I/O · tasks · timeline (step marked)
//! ```
//!
//! # Steps
//!
//! One step is one poll, with what came right before it (timers that
//! fired, the clock moving, wakes from I/O or from outside) and what the
//! poll caused (the wakes it made, the tasks it spawned, its task's end).
//! Step 0 is the state before the first poll. So step *k* shows what the
//! loop holds after [`Runtime::step`](crate::Runtime::step) returned for the
//! *k*-th time. The page is addressable: `page.html#step=12` opens at step
//! 12, and each panel has a stable id (`ready`, `timers`, `io`, `tasks`,
//! `poll`, `woke`, `events`, `step-info`), so a test can read them.
//!
//! # Staying fast on long runs
//!
//! Stepping forward applies one step's events to the state; jumping (the
//! slider, `End`, a URL) starts from the nearest checkpoint, a copy of the
//! state kept every 64 steps, and applies at most 63 steps. The timeline is
//! drawn once onto a canvas; each step only moves its marker. Each list
//! shows its first 200 entries.
//!
//! # Where this simplifies
//!
//! The event log does not record the timer heap or the reactor's
//! registrations, so the page rebuilds them from what each task noted it
//! waits on at its last poll (a `timer @…`, an `fd N readable`): a timer
//! leaves the heap when it fires or when its task is polled again. So a
//! task shows one wait, the one it noted last (a `timeout` around a
//! semaphore shows the semaphore, not the deadline's timer); a timer set
//! outside any task (a `call_later`) is not shown; and a timer that a
//! dropped `timeout` cancelled leaves at its task's next poll, not at the
//! moment it was cancelled. The loop's
//! [`Snapshot`](super::Snapshot) is exact, and a production runtime's
//! tracing (tokio-console) records each registration as an event of its own.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::chrome_trace::json_string;
use super::text::{Labels, Names, Tone};
use super::timeline::TimelineEvent;
use super::{LoopEvent, LoopEventKind, PollResult};
use crate::task::{TaskId, WaitOn, WakeCause};
use crate::time::{ClockKind, Instant};

/// The page, with a marker where the data goes.
const TEMPLATE: &str = include_str!("replay_page.html");
const DATA_MARK: &str = "/*EVLOOP-DATA*/";

/// The HTML text of a page that replays `events` poll by poll, up to `now`;
/// `dropped` is how many older events a bounded log let go of (the page
/// says so). Tasks, waits and wakes are named by `labels`.
///
/// Open the file in a browser: Left and Right step, Home and End go to
/// either end, the slider and a click on the timeline jump;
/// `page.html#step=N` opens at step N.
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Names, TimelineEvent, replay_page};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(1000);
/// rt.spawn_named("nap", evloop::sleep(std::time::Duration::from_millis(2)));
/// rt.run_until_done().unwrap();
/// let events = rt.events().recorded();
/// let html = replay_page(
///     events.iter().map(|e| TimelineEvent::new(e, rt.clock())),
///     rt.now(),
///     0,
///     &Names::from_events(&events),
/// );
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains(r#""names":[[1,"nap"]]"#));
/// // Where each step ends: step 0 is the spawn; step 1 the first poll;
/// // step 2 the clock's jump, the timer firing, the wake and the last poll.
/// assert!(html.contains(r#""steps":[1,2,7]"#));
/// ```
pub fn replay_page<'a>(
    events: impl IntoIterator<Item = TimelineEvent<'a>>,
    now: Instant,
    dropped: u64,
    labels: &dyn Labels,
) -> String {
    let events: Vec<TimelineEvent<'a>> = events.into_iter().collect();
    let mut tasks: BTreeMap<TaskId, ()> = BTreeMap::new();
    let mut items: Vec<String> = Vec::with_capacity(events.len());
    let mut real_clock = false;
    for r in &events {
        real_clock |= r.real_clock;
        if let Some(task) = r.event.kind.task() {
            tasks.insert(task, ());
        }
        if let LoopEventKind::TimerFired {
            owner: Some(task), ..
        } = r.event.kind
        {
            tasks.insert(task, ());
        }
        items.push(event_json(r, labels));
    }
    let steps = step_ends(&events.iter().map(|r| r.event).collect::<Vec<_>>());

    let mut data = String::with_capacity(64 * items.len() + 256);
    let _ = write!(
        data,
        "{{\"format\":1,\"clock\":\"{}\",\"now\":{},\"dropped\":{dropped},\"names\":[",
        if real_clock { "real" } else { "virtual" },
        micros(now)
    );
    for (i, task) in tasks.keys().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        let _ = write!(
            data,
            "{comma}[{},{}]",
            task.as_u64(),
            json_string(&labels.task(*task))
        );
    }
    data.push_str("],\"outputs\":[");
    let mut first = true;
    for task in tasks.keys() {
        if let Some((tone, text)) = labels.output(*task) {
            let comma = if first { "" } else { "," };
            first = false;
            let _ = write!(
                data,
                "{comma}[{},{},{}]",
                task.as_u64(),
                json_string(&text),
                tone == Tone::Failed
            );
        }
    }
    data.push_str("],\"steps\":[");
    for (i, end) in steps.iter().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        let _ = write!(data, "{comma}{end}");
    }
    data.push_str("],\"events\":[\n");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            data.push_str(",\n");
        }
        data.push_str(item);
    }
    data.push_str("\n]}");
    TEMPLATE.replacen(DATA_MARK, &script_safe(&data), 1)
}

/// [`replay_page`] of a whole event log on one clock, naming tasks as they
/// were spawned.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(1000);
/// rt.spawn_named("quick", async {});
/// rt.run_until_done().unwrap();
/// let dir = std::env::temp_dir().join(format!("evloop-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let page = dir.join("quick.html");
/// let html = evloop::inspect::replay_page_of(&rt.events().recorded(), rt.now(), rt.clock());
/// std::fs::write(&page, html).unwrap(); // open it in a browser
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn replay_page_of(events: &[LoopEvent], now: Instant, clock: ClockKind) -> String {
    replay_page(
        events.iter().map(|e| TimelineEvent::new(e, clock)),
        now,
        0,
        &Names::from_events(events),
    )
}

/// Where each step ends: the index after its last event. Step 0 ends where
/// the first poll's step begins; step k (k ≥ 1) holds the k-th poll, what
/// came after the previous step up to it (the turn's timers, clock and
/// wakes; the tasks the poll spawns, whose events come before its own) and
/// what the poll caused (the wakes it made, its task's end). A last step
/// holds what came after the last poll's consequences, if anything did.
fn step_ends(events: &[&LoopEvent]) -> Vec<usize> {
    let mut ends = Vec::new();
    // Whether the events being read follow a poll (are its consequences).
    let mut after_poll = false;
    for (i, e) in events.iter().enumerate() {
        let polled = matches!(e.kind, LoopEventKind::Polled { .. });
        if polled && ends.is_empty() {
            // The first poll's step starts with the tasks it spawned.
            let task = e.kind.task();
            let spawned_by_it = events[..i].iter().rev().take_while(
                |e| matches!(e.kind, LoopEventKind::Spawned { parent, .. } if parent == task),
            );
            ends.push(i - spawned_by_it.count());
        }
        if after_poll && (polled || starts_a_turn(&e.kind)) {
            ends.push(i);
            after_poll = false;
        }
        after_poll |= polled;
    }
    if ends.last() != Some(&events.len()) {
        ends.push(events.len());
    }
    ends
}

/// Whether an event begins the next step rather than being caused by the
/// poll before it: a poll's own wakes name it (or a yield) and come after
/// it, as its task's end does; a spawn comes during the poll of its parent,
/// so before that poll's event.
fn starts_a_turn(kind: &LoopEventKind) -> bool {
    match kind {
        LoopEventKind::TimerFired { .. }
        | LoopEventKind::ClockAdvanced { .. }
        | LoopEventKind::Spawned { .. } => true,
        LoopEventKind::Woken { cause, .. } => {
            !matches!(cause, WakeCause::Task(_) | WakeCause::Yield)
        }
        LoopEventKind::Polled { .. }
        | LoopEventKind::Completed { .. }
        | LoopEventKind::Cancelled { .. }
        | LoopEventKind::Failed { .. }
        | LoopEventKind::Panicked { .. }
        | LoopEventKind::Diagnostic(_) => false,
    }
}

/// One event as a compact JSON array: `[at, kind, task, …]`, times in
/// microseconds of the loop's clock.
fn event_json(r: &TimelineEvent<'_>, labels: &dyn Labels) -> String {
    let e = r.event;
    let at = micros(e.at);
    let id = |t: Option<TaskId>| t.map_or("null".to_string(), |t| t.as_u64().to_string());
    match &e.kind {
        LoopEventKind::Spawned { task, parent, .. } => {
            format!("[{at},\"spawn\",{},{}]", task.as_u64(), id(*parent))
        }
        LoopEventKind::Woken { task, cause } => {
            let (kind, by) = match cause {
                WakeCause::Spawned => ("spawn", None),
                WakeCause::Yield => ("yield", None),
                WakeCause::Task(t) => ("task", Some(*t)),
                WakeCause::Timer => ("timer", None),
                WakeCause::Io { .. } => ("io", None),
                WakeCause::Thread => ("thread", None),
                WakeCause::Outside => ("outside", None),
            };
            format!(
                "[{at},\"ready\",{},{},\"{kind}\",{}]",
                task.as_u64(),
                json_string(&labels.cause(cause)),
                id(by)
            )
        }
        LoopEventKind::Polled {
            task,
            result,
            took,
            waiting_on,
        } => {
            let result = match result {
                PollResult::Pending => "\"Pending\"".to_string(),
                PollResult::Ready => "\"Ready\"".to_string(),
                PollResult::Panicked(m) => json_string(&format!("panicked: {m}")),
            };
            // Zero when poll timing is off: then say nothing of it.
            let took = labels
                .real(*took)
                .filter(|_| !took.is_zero())
                .map_or("null".to_string(), |t| json_string(&t));
            format!(
                "[{at},\"poll\",{},{result},{took},{}]",
                task.as_u64(),
                wait_json(r, waiting_on.as_ref(), labels)
            )
        }
        LoopEventKind::TimerFired { owner, deadline } => {
            format!("[{at},\"timer\",{},{}]", id(*owner), micros(*deadline))
        }
        LoopEventKind::ClockAdvanced { from, to } => {
            format!("[{at},\"clock\",null,{},{}]", micros(*from), micros(*to))
        }
        LoopEventKind::Completed { task } => {
            let failed = labels
                .output(*task)
                .is_some_and(|(tone, _)| tone == Tone::Failed);
            format!("[{at},\"done\",{},{failed}]", task.as_u64())
        }
        LoopEventKind::Cancelled { task } => format!("[{at},\"cancel\",{}]", task.as_u64()),
        LoopEventKind::Failed { task, message } => {
            format!("[{at},\"fail\",{},{}]", task.as_u64(), json_string(message))
        }
        LoopEventKind::Panicked { task, message } => format!(
            "[{at},\"panic\",{},{}]",
            task.as_u64(),
            json_string(message)
        ),
        LoopEventKind::Diagnostic(d) => {
            format!("[{at},\"warn\",null,{}]", json_string(&labels.warning(d)))
        }
    }
}

/// What a pending poll left its task waiting on: `null`, or
/// `[glyph, text, kind, x, y]` — the timeline's glyph, the wait in words,
/// and for a timer its deadline (`x`), for I/O its descriptor (`x`) and
/// direction (`y`: `r`, `w` or `rw`), for a task its id (`x`).
fn wait_json(r: &TimelineEvent<'_>, wait: Option<&WaitOn>, labels: &dyn Labels) -> String {
    let glyph = match r.wait {
        Some(super::WaitKind::Timer) => '.',
        Some(super::WaitKind::Task) => '-',
        Some(super::WaitKind::Primitive) => '=',
        Some(super::WaitKind::Thread) => '~',
        Some(super::WaitKind::Nothing) => '?',
        None => ':',
    };
    let Some(wait) = wait else {
        return match r.wait {
            None => "null".to_string(),
            Some(kind) => format!("[\"{glyph}\",{},\"noted\"]", json_string(kind_words(kind))),
        };
    };
    let text = json_string(&labels.wait(wait));
    match wait {
        WaitOn::Timer(at) => format!("[\"{glyph}\",{text},\"timer\",{}]", micros(*at)),
        WaitOn::Task(t) => format!("[\"{glyph}\",{text},\"task\",{}]", t.as_u64()),
        WaitOn::Io {
            fd,
            readable,
            writable,
        } => {
            let dir = match (readable, writable) {
                (true, true) => "rw",
                (true, false) => "r",
                (false, true) => "w",
                (false, false) => "",
            };
            format!("[\"{glyph}\",{text},\"io\",{fd},\"{dir}\"]")
        }
        WaitOn::Primitive { .. } => format!("[\"{glyph}\",{text},\"primitive\"]"),
        WaitOn::Thread => format!("[\"{glyph}\",{text},\"thread\"]"),
        WaitOn::Other => format!("[\"{glyph}\",{text},\"other\"]"),
    }
}

/// A wait the REPL noted only by its kind.
fn kind_words(kind: super::WaitKind) -> &'static str {
    match kind {
        super::WaitKind::Timer => "a timer",
        super::WaitKind::Task => "a task",
        super::WaitKind::Primitive => "a semaphore, queue, event or future",
        super::WaitKind::Thread => "a worker thread",
        super::WaitKind::Nothing => "nothing (a lost waker?)",
    }
}

fn micros(at: Instant) -> u128 {
    at.since_start().as_micros()
}

/// JSON text that can sit inside a `<script>` element: `<`, `>` and `&`
/// (so no `</script>` or `<!--` can end or change it) and the two line
/// separators JavaScript once rejected in strings become `\u` escapes.
/// They occur only inside strings, where the escapes mean the same.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::script_safe;

    #[test]
    fn script_endings_are_escaped() {
        assert_eq!(
            script_safe(r#"["</script><!--&"]"#),
            r#"["\u003c/script\u003e\u003c!--\u0026"]"#
        );
    }
}

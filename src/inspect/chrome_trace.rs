//! The Chrome trace-event JSON of an event log, which Perfetto
//! (<https://ui.perfetto.dev>) and `chrome://tracing` open as a timeline.
//!
//! Each task is a thread (`tid` = task id) of one process. Its life is one
//! complete event (`"ph":"X"`) from spawn to finish, each poll a nested
//! complete event (its real duration, at least 1 µs so it can be seen on the
//! virtual clock), and each wake, timer and warning an instant event
//! (`"ph":"i"`). Timestamps are the loop's clock in microseconds.
//!
//! Format: "Trace Event Format", Google, the `traceEvents` array form.

use std::collections::HashMap;
use std::fmt::Write;

use super::text::Labels;
use super::timeline::TimelineEvent;
use super::{LoopEvent, LoopEventKind};
use crate::task::TaskId;
use crate::time::{ClockKind, Instant};

/// The JSON text of the trace of `events`, up to `now` (tasks still alive
/// at the end span to `now`).
///
/// # Examples
///
/// ```
/// use evloop::inspect::{Names, TimelineEvent, chrome_trace};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(1000);
/// rt.spawn_named("nap", evloop::sleep(std::time::Duration::from_millis(2)));
/// rt.run_until_done().unwrap();
/// let events = rt.events().recorded();
/// let json = chrome_trace(
///     events.iter().map(|e| TimelineEvent::new(e, rt.clock())),
///     rt.now(),
///     &Names::from_events(&events),
/// );
/// assert!(json.starts_with("{\"traceEvents\":["));
/// assert!(json.contains(r#"{"name":"nap","cat":"task","ph":"X","pid":1,"tid":1,"ts":0,"dur":2000,"args":{"end":"done"}}"#));
/// ```
pub fn chrome_trace<'a>(
    events: impl IntoIterator<Item = TimelineEvent<'a>>,
    now: Instant,
    labels: &dyn Labels,
) -> String {
    let mut items: Vec<String> = Vec::new();
    let mut spawned: HashMap<TaskId, u128> = HashMap::new();
    let us = |at: Instant| at.since_start().as_micros();
    items.push(r#"{"name":"process_name","ph":"M","pid":1,"args":{"name":"evloop"}}"#.into());
    for r in events {
        let e = r.event;
        let ts = us(e.at);
        match &e.kind {
            LoopEventKind::Spawned { task, name, .. } => {
                spawned.insert(*task, ts);
                items.push(format!(
                    r#"{{"name":"thread_name","ph":"M","pid":1,"tid":{},"args":{{"name":{}}}}}"#,
                    task.as_u64(),
                    json_string(&format!("{name} ({task})"))
                ));
            }
            // On the real clock a poll's event comes at its end: it began
            // `took` earlier. (The virtual clock stands still in a poll.)
            LoopEventKind::Polled {
                task, result, took, ..
            } => items.push(format!(
                r#"{{"name":"poll","cat":"poll","ph":"X","pid":1,"tid":{},"ts":{},"dur":{},"args":{{"result":{}}}}}"#,
                task.as_u64(),
                if r.real_clock {
                    ts.saturating_sub(took.as_micros())
                } else {
                    ts
                },
                took.as_micros().max(1),
                json_string(&result.to_string())
            )),
            LoopEventKind::Woken { task, cause } => items.push(instant(
                task.as_u64(),
                ts,
                &format!("ready: {}", labels.cause(cause)),
            )),
            LoopEventKind::TimerFired { owner, deadline } => items.push(instant(
                owner.map_or(0, TaskId::as_u64),
                ts,
                &format!("timer @{deadline} fired"),
            )),
            LoopEventKind::Completed { task }
            | LoopEventKind::Cancelled { task }
            | LoopEventKind::Failed { task, .. }
            | LoopEventKind::Panicked { task, .. } => {
                let end = match &e.kind {
                    LoopEventKind::Cancelled { .. } => "cancelled".to_string(),
                    LoopEventKind::Panicked { message, .. } => format!("panicked: {message}"),
                    LoopEventKind::Failed { message, .. } => format!("failed: {message}"),
                    _ => "done".to_string(),
                };
                let start = spawned.remove(task).unwrap_or(ts);
                items.push(format!(
                    r#"{{"name":{},"cat":"task","ph":"X","pid":1,"tid":{},"ts":{start},"dur":{},"args":{{"end":{}}}}}"#,
                    json_string(&labels.task(*task)),
                    task.as_u64(),
                    (ts - start).max(1),
                    json_string(&end)
                ));
            }
            LoopEventKind::Diagnostic(w) => items.push(instant(0, ts, &labels.warning(w))),
            LoopEventKind::ClockAdvanced { .. } => {}
        }
    }
    // Tasks still alive: their span runs to now.
    let now = us(now);
    let mut alive: Vec<_> = spawned.into_iter().collect();
    alive.sort();
    for (task, start) in alive {
        items.push(format!(
            r#"{{"name":{},"cat":"task","ph":"X","pid":1,"tid":{},"ts":{start},"dur":{},"args":{{"end":"still running"}}}}"#,
            json_string(&labels.task(task)),
            task.as_u64(),
            now.saturating_sub(start).max(1)
        ));
    }
    let mut out = String::from("{\"traceEvents\":[\n");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(item);
    }
    out.push_str("\n],\"displayTimeUnit\":\"ms\"}\n");
    out
}

/// [`chrome_trace`] of a whole event log on one clock, naming tasks as
/// they were spawned. A poll is drawn as long as it took, so record with
/// poll timing on ([`Builder::poll_timing`](crate::Builder::poll_timing) or
/// debug mode) to see the polls as wide as they were on the real clock.
///
/// # Examples
///
/// ```
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(1000);
/// rt.spawn_named("quick", async {});
/// rt.run_until_done().unwrap();
/// let json = evloop::inspect::chrome_trace_of(&rt.events().recorded(), rt.now(), rt.clock());
/// assert!(json.contains(r#""args":{"name":"quick (#1)"}"#));
/// ```
pub fn chrome_trace_of(events: &[LoopEvent], now: Instant, clock: ClockKind) -> String {
    chrome_trace(
        events.iter().map(|e| TimelineEvent::new(e, clock)),
        now,
        &super::Names::from_events(events),
    )
}

fn instant(tid: u64, ts: u128, name: &str) -> String {
    format!(
        r#"{{"name":{},"ph":"i","s":"t","pid":1,"tid":{tid},"ts":{ts}}}"#,
        json_string(name)
    )
}

/// A JSON string literal.
pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\u0001""#);
    }
}

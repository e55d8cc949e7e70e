//! `export-trace FILE`: the session's events in the Chrome trace-event JSON
//! format, which Perfetto (<https://ui.perfetto.dev>) and `chrome://tracing`
//! open as a timeline.
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

use evloop::TaskId;
use evloop::inspect::LoopEventKind;

use super::views::View;

/// The JSON text of the trace.
pub fn export(v: &View<'_>) -> String {
    let d = v.describe();
    let mut items: Vec<String> = Vec::new();
    let mut spawned: HashMap<TaskId, u128> = HashMap::new();
    let us = |at: evloop::time::Instant| at.since_start().as_micros();
    items.push(r#"{"name":"process_name","ph":"M","pid":1,"args":{"name":"evloop"}}"#.into());
    for r in v.events.iter() {
        let e = &r.event;
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
            LoopEventKind::Polled { task, result, took } => items.push(format!(
                r#"{{"name":"poll","cat":"poll","ph":"X","pid":1,"tid":{},"ts":{},"dur":{},"args":{{"result":{}}}}}"#,
                task.as_u64(),
                if r.real { ts.saturating_sub(took.as_micros()) } else { ts },
                took.as_micros().max(1),
                json_string(&super::describe::poll_result(result))
            )),
            LoopEventKind::Woken { task, cause } => items.push(instant(
                task.as_u64(),
                ts,
                &format!("ready: {}", d.cause(cause)),
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
                    LoopEventKind::Completed { .. } => "done".to_string(),
                    LoopEventKind::Cancelled { .. } => "cancelled".to_string(),
                    LoopEventKind::Panicked { message, .. } => format!("panicked: {message}"),
                    LoopEventKind::Failed { message, .. } => format!("failed: {message}"),
                    _ => unreachable!(),
                };
                let start = spawned.remove(task).unwrap_or(ts);
                items.push(format!(
                    r#"{{"name":{},"cat":"task","ph":"X","pid":1,"tid":{},"ts":{start},"dur":{},"args":{{"end":{}}}}}"#,
                    json_string(&d.task(*task)),
                    task.as_u64(),
                    (ts - start).max(1),
                    json_string(&end)
                ));
            }
            LoopEventKind::Diagnostic(w) => items.push(instant(0, ts, &d.warning(w).text())),
            LoopEventKind::ClockAdvanced { .. } => {}
        }
    }
    // Tasks still alive: their span runs to now.
    let now = us(v.snapshot.now);
    let mut alive: Vec<_> = spawned.into_iter().collect();
    alive.sort();
    for (task, start) in alive {
        items.push(format!(
            r#"{{"name":{},"cat":"task","ph":"X","pid":1,"tid":{},"ts":{start},"dur":{},"args":{{"end":"still running"}}}}"#,
            json_string(&d.task(task)),
            task.as_u64(),
            (now - start).max(1)
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

fn instant(tid: u64, ts: u128, name: &str) -> String {
    format!(
        r#"{{"name":{},"ph":"i","s":"t","pid":1,"tid":{tid},"ts":{ts}}}"#,
        json_string(name)
    )
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
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

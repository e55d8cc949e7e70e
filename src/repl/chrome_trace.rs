//! `export-trace FILE`: the library's [Chrome trace](evloop::inspect::chrome_trace)
//! of the session's record of the event stream, with the REPL's names.

use evloop::inspect::{self, TimelineEvent};

use super::views::View;

/// The JSON text of the trace.
pub fn export(v: &View<'_>) -> String {
    let events = v.events.iter().map(|r| TimelineEvent {
        event: &r.event,
        wait: r.wait,
        real_clock: r.real,
    });
    inspect::chrome_trace(events, v.snapshot.now, &v.words())
}

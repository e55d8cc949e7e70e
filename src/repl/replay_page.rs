//! `export-html FILE`: the library's [replay page](evloop::inspect::replay_page)
//! of the session's record of the event stream, with the REPL's names.

use evloop::inspect::{self, TimelineEvent};

use super::views::View;

/// The HTML text of the page.
pub fn export(v: &View<'_>) -> String {
    let events = v.events.iter().map(|r| TimelineEvent {
        event: &r.event,
        wait: r.wait,
        real_clock: r.real,
    });
    inspect::replay_page(events, v.snapshot.now, v.events_dropped, &v.words())
}

//! `timeline`: the library's [timeline](evloop::inspect::timeline) of the
//! session's record of the event stream, in colour.
//!
//! The record (see `record.rs`) adds what the REPL's own task bodies noted
//! they wait on, and which clock ran when each event came.

use evloop::inspect::{self, TimelineEvent};

use super::styled::{Line, Styled, draw};
use super::views::View;

/// Draws the timeline of every task seen in the events.
pub fn draw_timeline(v: &View<'_>) -> Styled {
    let mut drawn = false;
    let lines = draw(|out| {
        let events = v.events.iter().map(|r| TimelineEvent {
            event: &r.event,
            wait: r.wait,
            real_clock: r.real,
        });
        drawn = inspect::timeline(events, v.snapshot.now, v.events_dropped, &v.words(), out);
    });
    if drawn {
        lines
    } else {
        vec![Line::plain("no tasks yet — spawn one, then step or run")]
    }
}

//! `timeline`: each task's life over clock time, drawn with text.
//!
//! Built from the session's record of the event stream (see `record.rs`).
//! Time runs left to right from 0 to the current clock, cut into equal
//! columns; each task gets one row, and each column shows what the task did
//! in that slice of time:
//!
//! ```text
//!   #  polled (running)      r  ready (in the ready queue)
//!   waiting, by what it waits on:
//!   .  a timer (sleep)       -  another task (await, gather, group)
//!   =  a semaphore, queue, event or future      ~  a worker thread
//!   ?  nothing that can wake it (a lost waker)  :  something else
//!   D  returned   F failed   X cancelled   !  panicked   (blank) not there
//! ```
//!
//! So a producer held back by a full queue reads `====`, not busy, and a
//! task waiting for another reads `----`.
//!
//! # How long a poll is
//!
//! On the real clock a poll takes clock time: its event comes when it ends,
//! and the poll is drawn from its start (`took` earlier) to its end, however
//! many columns that is. Three `spin 300ms` tasks under `gather` draw the
//! staircase that teaches "code that never yields runs serially": each row's
//! `###` starts where the one above ends. On the virtual clock time stands
//! still while a task runs, so a poll is one column wide, however long.
//! Several things in one column show the most important (end > poll >
//! ready > waiting).

use std::collections::HashMap;
use std::time::Duration;

use evloop::TaskId;
use evloop::inspect::{LoopEventKind, PollResult};

use super::duration::format_measured;
use super::outcome::Outcome;
use super::record::Wait;
use super::styled::{Line, Style, Styled, width};
use super::views::View;

/// Columns of the picture.
pub const WIDTH: usize = 60;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Blank,
    Waiting(Option<Wait>),
    Ready,
    Polled,
    End(char),
}

impl Mark {
    fn rank(self) -> u8 {
        match self {
            Mark::Blank => 0,
            Mark::Waiting(_) => 1,
            Mark::Ready => 2,
            Mark::Polled => 3,
            Mark::End(_) => 4,
        }
    }
    fn glyph(self) -> (char, Style) {
        match self {
            Mark::Blank => (' ', Style::Plain),
            Mark::Waiting(Some(Wait::Timer)) => ('.', Style::Waiting),
            Mark::Waiting(Some(Wait::Task)) => ('-', Style::Waiting),
            Mark::Waiting(Some(Wait::Primitive)) => ('=', Style::Waiting),
            Mark::Waiting(Some(Wait::Thread)) => ('~', Style::Waiting),
            Mark::Waiting(Some(Wait::Nothing)) => ('?', Style::Warning),
            Mark::Waiting(None) => (':', Style::Waiting),
            Mark::Ready => ('r', Style::Ready),
            Mark::Polled => ('#', Style::Running),
            Mark::End('D') => ('D', Style::Done),
            Mark::End('X') => ('X', Style::Cancelled),
            Mark::End(c) => (c, Style::Failed),
        }
    }
}

/// The state a task is in between events.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Between {
    Ready,
    Waiting(Option<Wait>),
    Gone,
}

struct Row {
    id: TaskId,
    marks: Vec<Mark>,
    state: Between,
    /// The column up to which `marks` has been filled with `state`.
    filled: usize,
}

impl Row {
    fn new(id: TaskId, col: usize) -> Row {
        Row {
            id,
            marks: vec![Mark::Blank; WIDTH],
            state: Between::Gone,
            filled: col,
        }
    }
    fn fill_to(&mut self, col: usize) {
        let mark = match self.state {
            Between::Ready => Mark::Ready,
            Between::Waiting(w) => Mark::Waiting(w),
            Between::Gone => Mark::Blank,
        };
        while self.filled < col {
            self.put(self.filled, mark);
            self.filled += 1;
        }
    }
    fn put(&mut self, col: usize, mark: Mark) {
        if mark.rank() > self.marks[col].rank() {
            self.marks[col] = mark;
        }
    }
}

/// The task an event is about, if it is about one.
fn subject(kind: &LoopEventKind) -> Option<TaskId> {
    match kind {
        LoopEventKind::Spawned { task, .. }
        | LoopEventKind::Woken { task, .. }
        | LoopEventKind::Polled { task, .. }
        | LoopEventKind::Completed { task }
        | LoopEventKind::Cancelled { task }
        | LoopEventKind::Failed { task, .. }
        | LoopEventKind::Panicked { task, .. } => Some(*task),
        _ => None,
    }
}

/// Draws the timeline of every task seen in the events.
pub fn draw(v: &View<'_>) -> Styled {
    let now = v.snapshot.now.since_start();
    let span = now.max(Duration::from_millis(1));
    let column = span / WIDTH as u32;
    let col_of = |at: Duration| -> usize {
        let c = (at.as_nanos() * WIDTH as u128 / span.as_nanos().max(1)) as usize;
        c.min(WIDTH - 1)
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut index: HashMap<TaskId, usize> = HashMap::new();
    for r in v.events.iter() {
        let e = &r.event;
        let Some(task) = subject(&e.kind) else {
            continue;
        };
        let col = col_of(e.at.since_start());
        // A task whose spawn the bounded memory let go of still gets its row,
        // from its first event kept.
        let i = *index.entry(task).or_insert_with(|| {
            rows.push(Row::new(task, col));
            rows.len() - 1
        });
        let row = &mut rows[i];
        match &e.kind {
            // A wake during a poll (a yield) comes after that poll's event,
            // so the task is left ready.
            LoopEventKind::Spawned { .. } | LoopEventKind::Woken { .. } => {
                row.fill_to(col);
                row.state = Between::Ready;
                row.put(col, Mark::Ready);
            }
            LoopEventKind::Polled { result, took, .. } => {
                // On the real clock the poll began `took` before its event.
                let start = if r.real {
                    col_of(e.at.since_start().saturating_sub(*took))
                } else {
                    col
                };
                row.fill_to(start);
                for c in start..=col {
                    row.put(c, Mark::Polled);
                }
                row.filled = row.filled.max(col);
                row.state = match result {
                    PollResult::Pending if row.state != Between::Gone => Between::Waiting(r.wait),
                    PollResult::Pending => Between::Gone,
                    _ => Between::Gone,
                };
            }
            LoopEventKind::Completed { .. } => {
                row.fill_to(col);
                let failed = v
                    .repl_task(task)
                    .and_then(|t| t.slot.outcome())
                    .is_some_and(|o| matches!(o, Outcome::Failed(_)));
                row.put(col, Mark::End(if failed { 'F' } else { 'D' }));
                row.state = Between::Gone;
            }
            LoopEventKind::Failed { .. } => {
                row.fill_to(col);
                row.put(col, Mark::End('F'));
                row.state = Between::Gone;
            }
            LoopEventKind::Cancelled { .. } => {
                row.fill_to(col);
                row.put(col, Mark::End('X'));
                row.state = Between::Gone;
            }
            LoopEventKind::Panicked { .. } => {
                row.fill_to(col);
                row.put(col, Mark::End('!'));
                row.state = Between::Gone;
            }
            _ => {}
        }
    }
    if rows.is_empty() {
        return vec![Line::plain("no tasks yet — spawn one, then step or run")];
    }
    let d = v.describe();
    let label_width = rows
        .iter()
        .map(|r| width(&d.task(r.id)))
        .max()
        .unwrap_or(0)
        .max(4);
    let mut title = if now.is_zero() {
        "timeline: the clock is still at 0s, so each row is one moment (run or advance to spread it out)"
            .to_string()
    } else {
        format!(
            "timeline 0s → {}, one column ≈ {}",
            v.snapshot.now,
            format_measured(column.max(Duration::from_micros(1)))
        )
    };
    if v.events_dropped > 0 {
        title.push_str(&format!(
            " (the oldest {} events are no longer kept: rows start at the first kept)",
            v.events_dropped
        ));
    }
    let mut out = vec![
        Line::new(Style::Heading, title),
        Line::new(
            Style::Dim,
            "  # polled   r ready   D done   F failed   X cancelled   ! panicked",
        ),
        Line::new(
            Style::Dim,
            "  waiting on: . a timer   - a task   = a semaphore, queue, event or future   ~ a thread   ? nothing   : other",
        ),
    ];
    for mut row in rows {
        row.fill_to(WIDTH);
        let name = d.task(row.id);
        let pad = " ".repeat(label_width - width(&name) + 1);
        let mut line = Line::new(Style::Heading, format!("{name}{pad}"));
        line.push(Style::Dim, "|");
        let mut run = String::new();
        let mut run_style = Style::Plain;
        for mark in &row.marks {
            let (c, style) = mark.glyph();
            if style != run_style && !run.is_empty() {
                line.push(run_style, std::mem::take(&mut run));
            }
            run_style = style;
            run.push(c);
        }
        line.push(run_style, run);
        line.push(Style::Dim, "|");
        out.push(line);
    }
    out
}

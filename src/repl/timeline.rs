//! `timeline`: each task's life over clock time, drawn with text.
//!
//! Built from the event stream alone. Time runs left to right from 0 to the
//! current clock, cut into equal columns; each task gets one row, and each
//! column shows what the task did in that slice of time:
//!
//! ```text
//!   (blank) not spawned yet, or finished     .  waiting (parked until woken)
//!   r       ready (in the ready queue)        #  polled (running) in this slice
//!   D       returned   F failed   X cancelled   !  panicked
//! ```
//!
//! On the virtual clock polls take no time, so a slice where a task was
//! polled shows `#` however short the poll; several things in one slice show
//! the most important (end > poll > ready > waiting).

use std::collections::HashMap;
use std::time::Duration;

use evloop::TaskId;
use evloop::inspect::{LoopEventKind, PollResult};

use super::duration::format_measured;
use super::outcome::Outcome;
use super::styled::{Line, Style, Styled};
use super::views::View;

/// Columns of the picture.
pub const WIDTH: usize = 60;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Blank,
    Waiting,
    Ready,
    Polled,
    End(char),
}

impl Mark {
    fn rank(self) -> u8 {
        match self {
            Mark::Blank => 0,
            Mark::Waiting => 1,
            Mark::Ready => 2,
            Mark::Polled => 3,
            Mark::End(_) => 4,
        }
    }
    fn glyph(self) -> (char, Style) {
        match self {
            Mark::Blank => (' ', Style::Plain),
            Mark::Waiting => ('.', Style::Waiting),
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
    Waiting,
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
    fn fill_to(&mut self, col: usize) {
        let mark = match self.state {
            Between::Ready => Mark::Ready,
            Between::Waiting => Mark::Waiting,
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
    for e in v.events.iter() {
        let col = col_of(e.at.since_start());
        let task = match &e.kind {
            LoopEventKind::Spawned { task, .. } => {
                index.insert(*task, rows.len());
                rows.push(Row {
                    id: *task,
                    marks: vec![Mark::Blank; WIDTH],
                    state: Between::Gone,
                    filled: col,
                });
                *task
            }
            LoopEventKind::Woken { task, .. }
            | LoopEventKind::Polled { task, .. }
            | LoopEventKind::Completed { task }
            | LoopEventKind::Cancelled { task }
            | LoopEventKind::Panicked { task, .. } => *task,
            _ => continue,
        };
        let Some(&i) = index.get(&task) else { continue };
        let row = &mut rows[i];
        row.fill_to(col);
        match &e.kind {
            // A wake during a poll (a yield) comes after that poll's event,
            // so the task is left ready.
            LoopEventKind::Spawned { .. } | LoopEventKind::Woken { .. } => {
                row.state = Between::Ready;
                row.put(col, Mark::Ready);
            }
            LoopEventKind::Polled { result, .. } => {
                row.put(col, Mark::Polled);
                row.state = match result {
                    PollResult::Pending if row.state != Between::Gone => Between::Waiting,
                    _ => Between::Gone,
                };
            }
            LoopEventKind::Completed { .. } => {
                let failed = v
                    .repl_task(task)
                    .and_then(|t| t.slot.outcome())
                    .is_some_and(|o| matches!(o, Outcome::Failed(_)));
                row.put(col, Mark::End(if failed { 'F' } else { 'D' }));
                row.state = Between::Gone;
            }
            LoopEventKind::Cancelled { .. } => {
                row.put(col, Mark::End('X'));
                row.state = Between::Gone;
            }
            LoopEventKind::Panicked { .. } => {
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
        .map(|r| super::styled::width(&d.task(r.id)))
        .max()
        .unwrap_or(0)
        .max(4);
    let title = if now.is_zero() {
        "timeline: the clock is still at 0s, so each row is one moment (run or advance to spread it out)"
            .to_string()
    } else {
        format!(
            "timeline 0s → {}, one column ≈ {}",
            v.snapshot.now,
            format_measured(column.max(Duration::from_micros(1)))
        )
    };
    let mut out = vec![
        Line::new(Style::Heading, title),
        Line::new(
            Style::Dim,
            "  # polled   r ready   . waiting   D done   F failed   X cancelled   ! panicked",
        ),
    ];
    for mut row in rows {
        row.fill_to(WIDTH);
        let name = d.task(row.id);
        let pad = " ".repeat(label_width - super::styled::width(&name) + 1);
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

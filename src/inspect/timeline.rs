//! The timeline: each task's life over clock time, drawn with text.
//!
//! Time runs left to right from 0 to now, cut into [`TIMELINE_WIDTH`] equal
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
//! many columns that is. Three tasks that each compute for 300 ms under a
//! `gather` draw the staircase that teaches "code that never yields runs
//! serially": each row's `###` starts where the one above ends. On the
//! virtual clock time stands still while a task runs, so a poll is one
//! column wide, however long. Several things in one column show the most
//! important (end > poll > ready > waiting).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::text::{Canvas, Labels, Names, Tone, format_measured, text_width};
use super::{LoopEvent, LoopEventKind, PollResult};
use crate::task::{TaskId, WaitOn};
use crate::time::{ClockKind, Instant};

/// Columns of the picture.
pub const TIMELINE_WIDTH: usize = 60;

/// What a waiting task waits on, as the timeline tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitKind {
    /// A timer: a sleep, or a timeout's deadline (`.`).
    Timer,
    /// Another task: awaiting its handle, a combinator's inputs (`-`).
    Task,
    /// A semaphore, a queue, an event, a lock or a future (`=`).
    Primitive,
    /// A worker thread (`~`).
    Thread,
    /// Nothing: a future that kept no waker (`?`).
    Nothing,
}

impl WaitKind {
    /// The kind of a noted wait; `None` for I/O and futures evloop cannot
    /// see into (drawn `:`, "something else").
    pub fn of(wait: &WaitOn) -> Option<WaitKind> {
        match wait {
            WaitOn::Timer(_) => Some(WaitKind::Timer),
            WaitOn::Task(_) => Some(WaitKind::Task),
            WaitOn::Primitive { .. } => Some(WaitKind::Primitive),
            WaitOn::Thread => Some(WaitKind::Thread),
            WaitOn::Io { .. } | WaitOn::Other => None,
        }
    }
}

/// One event as the timeline reads it.
#[derive(Clone, Copy, Debug)]
pub struct TimelineEvent<'a> {
    /// The event.
    pub event: &'a LoopEvent,
    /// For a poll that returned `Pending`: what the task went on to wait on.
    pub wait: Option<WaitKind>,
    /// Whether the real clock was running (a poll then takes clock time).
    pub real_clock: bool,
}

impl<'a> TimelineEvent<'a> {
    /// The event, with the wait its `Polled` event noted.
    pub fn new(event: &'a LoopEvent, clock: ClockKind) -> TimelineEvent<'a> {
        let wait = match &event.kind {
            LoopEventKind::Polled {
                waiting_on: Some(w),
                ..
            } => WaitKind::of(w),
            _ => None,
        };
        TimelineEvent {
            event,
            wait,
            real_clock: clock == ClockKind::Real,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Blank,
    Waiting(Option<WaitKind>),
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

    fn glyph(self) -> (char, Tone) {
        match self {
            Mark::Blank => (' ', Tone::Plain),
            Mark::Waiting(Some(WaitKind::Timer)) => ('.', Tone::Waiting),
            Mark::Waiting(Some(WaitKind::Task)) => ('-', Tone::Waiting),
            Mark::Waiting(Some(WaitKind::Primitive)) => ('=', Tone::Waiting),
            Mark::Waiting(Some(WaitKind::Thread)) => ('~', Tone::Waiting),
            Mark::Waiting(Some(WaitKind::Nothing)) => ('?', Tone::Warning),
            Mark::Waiting(None) => (':', Tone::Waiting),
            Mark::Ready => ('r', Tone::Ready),
            Mark::Polled => ('#', Tone::Running),
            Mark::End('D') => ('D', Tone::Done),
            Mark::End('X') => ('X', Tone::Cancelled),
            Mark::End(c) => (c, Tone::Failed),
        }
    }
}

/// The state a task is in between events.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Between {
    Ready,
    Waiting(Option<WaitKind>),
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
            marks: vec![Mark::Blank; TIMELINE_WIDTH],
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

    fn end(&mut self, col: usize, glyph: char) {
        self.fill_to(col);
        self.put(col, Mark::End(glyph));
        self.state = Between::Gone;
    }
}

/// Draws the timeline of every task the events are about, from 0 to `now`;
/// `dropped` is how many older events a bounded log let go of (the title
/// says so). Returns `false`, having written nothing, when no event is
/// about a task.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::inspect::{Names, TimelineEvent, timeline};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(1000);
/// rt.spawn_named("nap", evloop::sleep(Duration::from_millis(30)));
/// rt.run_until_done().unwrap();
/// let events = rt.events().recorded();
/// let mut text = String::new();
/// let drawn = timeline(
///     events.iter().map(|e| TimelineEvent::new(e, rt.clock())),
///     rt.now(),
///     0,
///     &Names::from_events(&events),
///     &mut text,
/// );
/// assert!(drawn);
/// let row = text.lines().last().unwrap();
/// assert_eq!(row, format!("nap  |#{}D|", ".".repeat(58)));
/// ```
pub fn timeline<'a>(
    events: impl IntoIterator<Item = TimelineEvent<'a>>,
    now: Instant,
    dropped: u64,
    labels: &dyn Labels,
    out: &mut dyn Canvas,
) -> bool {
    let end = now.since_start();
    let span = end.max(Duration::from_millis(1));
    let column = span / TIMELINE_WIDTH as u32;
    let col_of = |at: Duration| -> usize {
        let c = (at.as_nanos() * TIMELINE_WIDTH as u128 / span.as_nanos().max(1)) as usize;
        c.min(TIMELINE_WIDTH - 1)
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut index: HashMap<TaskId, usize> = HashMap::new();
    for r in events {
        let e = r.event;
        let Some(task) = e.kind.task() else {
            continue;
        };
        let col = col_of(e.at.since_start());
        // A task whose spawn a bounded log let go of still gets its row,
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
                let start = if r.real_clock {
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
                    _ => Between::Gone,
                };
            }
            LoopEventKind::Completed { .. } => {
                let failed = labels
                    .output(task)
                    .is_some_and(|(tone, _)| tone == Tone::Failed);
                row.end(col, if failed { 'F' } else { 'D' });
            }
            LoopEventKind::Failed { .. } => row.end(col, 'F'),
            LoopEventKind::Cancelled { .. } => row.end(col, 'X'),
            LoopEventKind::Panicked { .. } => row.end(col, '!'),
            _ => {}
        }
    }
    if rows.is_empty() {
        return false;
    }
    let label_width = rows
        .iter()
        .map(|r| text_width(&labels.task(r.id)))
        .max()
        .unwrap_or(0)
        .max(4);
    let mut title = if end.is_zero() {
        "timeline: the clock is still at 0s, so each row is one moment (run or advance to spread it out)"
            .to_string()
    } else {
        format!(
            "timeline 0s → {now}, one column ≈ {}",
            format_measured(column.max(Duration::from_micros(1)))
        )
    };
    if dropped > 0 {
        title.push_str(&format!(
            " (the oldest {dropped} events are no longer kept: rows start at the first kept)"
        ));
    }
    out.put(Tone::Heading, &title);
    out.end_line();
    out.put(
        Tone::Dim,
        "  # polled   r ready   D done   F failed   X cancelled   ! panicked",
    );
    out.end_line();
    out.put(
        Tone::Dim,
        "  waiting on: . a timer   - a task   = a semaphore, queue, event or future   ~ a thread   ? nothing   : other",
    );
    out.end_line();
    for mut row in rows {
        row.fill_to(TIMELINE_WIDTH);
        let name = labels.task(row.id);
        let pad = " ".repeat(label_width - text_width(&name) + 1);
        out.put(Tone::Heading, &format!("{name}{pad}"));
        out.put(Tone::Dim, "|");
        let mut run = String::new();
        let mut run_tone = Tone::Plain;
        for mark in &row.marks {
            let (c, tone) = mark.glyph();
            if tone != run_tone && !run.is_empty() {
                out.put(run_tone, &std::mem::take(&mut run));
            }
            run_tone = tone;
            run.push(c);
        }
        out.put(run_tone, &run);
        out.put(Tone::Dim, "|");
        out.end_line();
    }
    true
}

/// A timeline of an event log, to print with `{}`: the tasks named as they
/// were spawned, the waits as the loop noted them.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::inspect::Timeline;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.events().record(1000);
/// let gate = evloop::sync::Event::new();
/// let g = gate.clone();
/// rt.spawn_named("waiter", async move { g.wait().await });
/// rt.spawn_named("setter", async move {
///     evloop::sleep(Duration::from_millis(10)).await;
///     gate.set();
/// });
/// rt.run_until_done().unwrap();
/// let events = rt.events().recorded();
/// let text = Timeline::new(&events, rt.now(), rt.clock()).to_string();
/// assert!(text.contains("waiter |#==="), "{text}");
/// assert!(text.contains("setter |#..."), "{text}");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Timeline<'a> {
    events: &'a [LoopEvent],
    now: Instant,
    clock: ClockKind,
}

impl<'a> Timeline<'a> {
    /// The timeline of `events`, from 0 to `now`, on `clock`.
    pub fn new(events: &'a [LoopEvent], now: Instant, clock: ClockKind) -> Timeline<'a> {
        Timeline { events, now, clock }
    }
}

impl fmt::Display for Timeline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        let events = self
            .events
            .iter()
            .map(|e| TimelineEvent::new(e, self.clock));
        if !timeline(
            events,
            self.now,
            0,
            &Names::from_events(self.events),
            &mut text,
        ) {
            text.push_str("no tasks in these events\n");
        }
        f.write_str(&text)
    }
}

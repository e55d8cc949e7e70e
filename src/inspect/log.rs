//! The event log: fixed-size records in a ring, turned back into events
//! only when someone reads the log.
//!
//! # Why records, not events
//!
//! A [`LoopEvent`] is 104 bytes, and some kinds own heap data (a panic
//! message, a primitive's name). Logging one by cloning it into a queue of
//! events costs a clone, and, once the log is full, the drop glue of the
//! event that falls off, on *every* event: with the log on, a yield cost
//! 2.5 times a plain one, which teaches that being seen inside is dear.
//!
//! But nearly every event the loop emits is a few small numbers: "task 7
//! ready: yielded", "polled 7 → Pending, waits on a timer at 3 ms". So the
//! log keeps each event as a [`Record`]: 32 bytes, `Copy`, nothing to drop,
//! in the encodings the task header already uses (a packed wake cause, the
//! header's word for a wait). The ring is a `Vec` of records that grows up
//! to `capacity`; after that the oldest record's slot takes the newest, with
//! no allocation and no destructor.
//!
//! The few events that own something (a name given at spawn, a panic or
//! failure message, a wait on a primitive, a debug-mode warning) do not fit:
//! their record says "full", and the event itself waits, in order, in a
//! second queue beside the ring. Each full record stands for the oldest
//! event there, so when it falls off the ring, that event goes too.
//!
//! ```text
//!   records: [ woken 7 | polled 7 | FULL | completed 7 | FULL | woken 9 ]
//!                                    │                    │
//!   full:    [ spawned 8 'fetch' ] ──┘  [ 9 panicked ] ──┘
//! ```
//!
//! Reading the log ([`Events::recorded`](crate::Events::recorded),
//! [`take`](crate::Events::take)) decodes each record back into the event it
//! was, equal to the one listeners saw (`tests` below round-trip every kind).

use std::collections::VecDeque;
use std::time::Duration;

use super::{LoopEvent, LoopEventKind, PollResult, Ring};
use crate::task::{Header, PackedCause, TaskId, TaskName, Wait, WaitOn, WakeCause};
use crate::time::Instant;

/// One event, as the log keeps it (see the module docs): four words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// When, in nanoseconds since the loop started.
    at: u64,
    /// What the record is, in the top four bits, and the task the event is
    /// about below them (a timer's owner; 0 for none: ids count from 1).
    head: u64,
    /// The kind's first number: a parent's id (0 for none), a packed wake
    /// cause, a poll's duration, a deadline, the clock's old time.
    a: u64,
    /// The kind's second number: a wait (the task header's word for it, 0
    /// for none), the clock's new time.
    b: u64,
}

/// Where the kind sits in `head`; an id must fit below it.
const KIND_SHIFT: u32 = 60;
const ID_MASK: u64 = (1 << KIND_SHIFT) - 1;

/// The kinds. `FULL` is 0, so that the all-zero record is the full one.
const FULL: u64 = 0;
const SPAWNED: u64 = 1;
const WOKEN: u64 = 2;
/// "Polled" has two kinds, by what the poll returned.
const PENDING: u64 = 3;
const READY: u64 = 4;
const TIMER_FIRED: u64 = 5;
const CLOCK_ADVANCED: u64 = 6;
const COMPLETED: u64 = 7;
const CANCELLED: u64 = 8;

/// Nanoseconds in 64 bits, if they fit (584 years do). Whole seconds
/// below 2^64 ns are checked first: no 128-bit arithmetic on the way.
#[inline(always)]
fn nanos(d: Duration) -> Option<u64> {
    const SAFE_SECS: u64 = u64::MAX / 1_000_000_000; // 18,446,744,073 s
    if d.as_secs() < SAFE_SECS {
        Some(d.as_secs() * 1_000_000_000 + u64::from(d.subsec_nanos()))
    } else {
        u64::try_from(d.as_nanos()).ok()
    }
}

#[inline(always)]
fn instant(nanos: u64) -> Instant {
    Instant::from_start(Duration::from_nanos(nanos))
}

/// An id as a record keeps it: nonzero (0 says "none") and below the kind.
/// Ids count from 1 and never reach 2^60; an id that did would make its
/// event full, not wrong.
#[inline(always)]
fn id(task: TaskId) -> Option<u64> {
    (task.0 != 0 && task.0 <= ID_MASK).then_some(task.0)
}

/// An optional id: 0 for none.
#[inline(always)]
fn optional_id(task: Option<TaskId>) -> Option<u64> {
    match task {
        None => Some(0),
        Some(task) => id(task),
    }
}

/// Zero for none, as `optional_id` wrote it.
#[inline(always)]
fn some_id(word: u64) -> Option<TaskId> {
    (word != 0).then_some(TaskId(word))
}

impl Record {
    const FULL: Record = Record {
        at: 0,
        head: 0,
        a: 0,
        b: 0,
    };

    #[inline(always)]
    fn new(at: u64, kind: u64, task: u64, a: u64, b: u64) -> Record {
        Record {
            at,
            head: (kind << KIND_SHIFT) | task,
            a,
            b,
        }
    }

    #[inline(always)]
    fn kind(&self) -> u64 {
        self.head >> KIND_SHIFT
    }

    /// The event kept in the second queue, not here.
    #[inline(always)]
    pub(crate) fn is_full(&self) -> bool {
        self.kind() == FULL
    }

    /// An event's time as records keep it (`None`: it does not fit, and
    /// the event is full). The loop reads it once for all the records of
    /// one poll.
    #[inline(always)]
    pub(crate) fn time(at: Instant) -> Option<u64> {
        nanos(at.since_start())
    }

    /// The record of `event`: its numbers, or "full" when it owns
    /// something or a number does not fit.
    #[inline(always)]
    pub(crate) fn of(event: &LoopEvent) -> Record {
        Record::try_of(event).unwrap_or(Record::FULL)
    }

    #[inline(always)]
    fn try_of(event: &LoopEvent) -> Option<Record> {
        let at = Record::time(event.at)?;
        Some(match &event.kind {
            LoopEventKind::Spawned { task, name, parent } => {
                Record::spawned(Some(at), *task, name.is_default_for(*task), *parent)
            }
            LoopEventKind::Woken { task, cause } => {
                // A cause names a task by its id too.
                if let WakeCause::Task(by) = cause {
                    id(*by)?;
                }
                Record::woken(Some(at), *task, PackedCause::pack(*cause))
            }
            LoopEventKind::Polled {
                task,
                result,
                took,
                waiting_on,
            } => {
                let kind = match result {
                    PollResult::Pending => PENDING,
                    PollResult::Ready => READY,
                    PollResult::Panicked(_) => return None,
                };
                // The task header's own encoding of a wait (a primitive's
                // shares its name: full), if it says this wait exactly.
                let wait = match waiting_on {
                    None => 0,
                    Some(WaitOn::Primitive { .. }) => return None,
                    Some(w) => {
                        let packed = Wait::from(w.clone());
                        if packed.unpack() != *w {
                            return None;
                        }
                        packed.plain_bits()?
                    }
                };
                Record::new(at, kind, id(*task)?, nanos(*took)?, wait)
            }
            LoopEventKind::TimerFired { owner, deadline } => {
                Record::timer_fired(Some(at), *owner, *deadline)
            }
            LoopEventKind::ClockAdvanced { from, to } => Record::new(
                at,
                CLOCK_ADVANCED,
                0,
                nanos(from.since_start())?,
                nanos(to.since_start())?,
            ),
            LoopEventKind::Completed { task } => Record::ended(Some(at), *task, false),
            LoopEventKind::Cancelled { task } => Record::ended(Some(at), *task, true),
            LoopEventKind::Failed { .. }
            | LoopEventKind::Panicked { .. }
            | LoopEventKind::Diagnostic(_) => return None,
        })
    }

    /// The record of "spawned `task`" (`default_name`: under its own
    /// `task-N`; a name given is kept whole, and the record is full).
    #[inline(always)]
    pub(crate) fn spawned(
        at: Option<u64>,
        task: TaskId,
        default_name: bool,
        parent: Option<TaskId>,
    ) -> Record {
        match (at, id(task), optional_id(parent)) {
            (Some(at), Some(task), Some(parent)) if default_name => {
                Record::new(at, SPAWNED, task, parent, 0)
            }
            _ => Record::FULL,
        }
    }

    /// The record of "spawned", for the task whose header this is (as
    /// [`spawned`](Self::spawned), from its birth record).
    #[inline(always)]
    pub(crate) fn spawned_from(header: &Header) -> Record {
        let (default_name, parent, at) = header.origin_facts();
        Record::spawned(Record::time(at), header.id, default_name, parent)
    }

    /// The record of "`task` completed", or "cancelled".
    #[inline(always)]
    pub(crate) fn ended(at: Option<u64>, task: TaskId, cancelled: bool) -> Record {
        let kind = if cancelled { CANCELLED } else { COMPLETED };
        match (at, id(task)) {
            (Some(at), Some(task)) => Record::new(at, kind, task, 0, 0),
            _ => Record::FULL,
        }
    }

    /// The record of "a timer of `owner` due at `deadline` fired".
    #[inline(always)]
    pub(crate) fn timer_fired(at: Option<u64>, owner: Option<TaskId>, deadline: Instant) -> Record {
        match (at, optional_id(owner), nanos(deadline.since_start())) {
            (Some(at), Some(owner), Some(deadline)) => {
                Record::new(at, TIMER_FIRED, owner, deadline, 0)
            }
            _ => Record::FULL,
        }
    }

    /// The record of "`task` ready: `cause`", from the cause as the task's
    /// header keeps it: the loop's hottest event, recorded without being
    /// built. `at` is [`time`](Self::time)'s.
    #[inline(always)]
    pub(crate) fn woken(at: Option<u64>, task: TaskId, cause: PackedCause) -> Record {
        match (at, id(task)) {
            (Some(at), Some(task)) => Record::new(at, WOKEN, task, cause.bits(), 0),
            _ => Record::FULL,
        }
    }

    /// The record of "polled `task`" (not panicked), from the loop's own
    /// forms of how long the poll took and what the task waits on.
    #[inline(always)]
    pub(crate) fn polled(
        at: Option<u64>,
        task: TaskId,
        ready: bool,
        took_nanos: u64,
        wait: Option<&Wait>,
    ) -> Record {
        let wait = match wait {
            None => Some(0),
            Some(w) => w.plain_bits(),
        };
        let kind = if ready { READY } else { PENDING };
        match (at, id(task), wait) {
            (Some(at), Some(task), Some(wait)) => Record::new(at, kind, task, took_nanos, wait),
            _ => Record::FULL,
        }
    }

    /// The event this record was made from (`None` for a full record).
    pub(crate) fn event(&self) -> Option<LoopEvent> {
        let task = TaskId(self.head & ID_MASK);
        let kind = match self.kind() {
            SPAWNED => LoopEventKind::Spawned {
                task,
                name: TaskName::default_for(task),
                parent: some_id(self.a),
            },
            WOKEN => LoopEventKind::Woken {
                task,
                cause: PackedCause::from_bits(self.a).unpack(),
            },
            PENDING | READY => LoopEventKind::Polled {
                task,
                result: if self.kind() == READY {
                    PollResult::Ready
                } else {
                    PollResult::Pending
                },
                took: Duration::from_nanos(self.a),
                waiting_on: Wait::unpack_plain(self.b),
            },
            TIMER_FIRED => LoopEventKind::TimerFired {
                owner: some_id(task.0),
                deadline: instant(self.a),
            },
            CLOCK_ADVANCED => LoopEventKind::ClockAdvanced {
                from: instant(self.a),
                to: instant(self.b),
            },
            COMPLETED => LoopEventKind::Completed { task },
            CANCELLED => LoopEventKind::Cancelled { task },
            _ => return None,
        };
        Some(LoopEvent {
            at: instant(self.at),
            kind,
        })
    }
}

/// A bounded log of the most recent events (the oldest fall off): records
/// in a ring, and beside it the events too big for a record (see the module
/// docs).
#[derive(Debug)]
pub(crate) struct EventLog {
    records: Ring<Record>,
    /// The events of the full records, oldest first.
    full: VecDeque<LoopEvent>,
    capacity: usize,
}

/// A full record fell off the ring: its event, the oldest kept whole, goes
/// too (the rare way, out of line).
#[cold]
#[inline(never)]
fn full_fell_off(full: &mut VecDeque<LoopEvent>) {
    full.pop_front();
}

/// Records set aside when the log starts: a log that asks for a million
/// events grows as they come, instead of taking 32 MB at once.
const FIRST_ROOM: usize = 4096;

impl EventLog {
    pub(crate) fn new(capacity: usize) -> EventLog {
        EventLog {
            records: Ring::with_room(capacity.min(FIRST_ROOM)),
            full: VecDeque::new(),
            capacity,
        }
    }

    /// Keeps `event`, letting the oldest go when the log is full.
    #[inline]
    pub(crate) fn push(&mut self, event: &LoopEvent) {
        self.push_record(Record::of(event), || event.clone());
    }

    /// Keeps `record`, built by the loop from its own packed values (see
    /// `log_polled`); `event` gives the event itself, asked for only when
    /// the record is full, and in debug builds, to check that the record
    /// says that event.
    #[inline(always)]
    pub(crate) fn record(&mut self, record: Record, event: impl FnOnce() -> LoopEvent) {
        if cfg!(debug_assertions) {
            let event = event();
            let expected = Record::of(&event);
            debug_assert!(
                record == expected || (record.is_full() && expected.is_full()),
                "{record:?} is not {expected:?}, the record of {event:?}"
            );
            self.push_record(record, || event);
        } else {
            self.push_record(record, event);
        }
    }

    /// Keeps `record` in the ring; `event` gives the event itself if the
    /// record is full. A full record that falls off takes the oldest event
    /// of the second queue with it (the rare ways go out of line).
    #[inline(always)]
    fn push_record(&mut self, record: Record, event: impl FnOnce() -> LoopEvent) {
        let is_full = record.is_full();
        // What the ring lets go may be a full record: its event goes too.
        // (A log of capacity 0 lets every record go at once, and keeps no
        // event whole.)
        let full = &mut self.full;
        self.records.push(record, self.capacity, |old| {
            if old.is_full() {
                full_fell_off(full);
            }
        });
        if is_full && self.capacity > 0 {
            self.keep_full(event());
        }
    }

    #[cold]
    #[inline(never)]
    fn keep_full(&mut self, event: LoopEvent) {
        self.full.push_back(event);
    }

    /// The events, oldest first, copied out.
    pub(crate) fn events(&self) -> Vec<LoopEvent> {
        let mut full = self.full.iter();
        self.records
            .iter()
            .filter_map(|r| r.event().or_else(|| full.next().cloned()))
            .collect()
    }

    /// The events, oldest first, taken out (the log stays on, empty).
    pub(crate) fn take(&mut self) -> Vec<LoopEvent> {
        let mut full = std::mem::take(&mut self.full).into_iter();
        let events = self
            .records
            .iter()
            .filter_map(|r| r.event().or_else(|| full.next()))
            .collect();
        self.records.clear();
        events
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::debug::Diagnostic;
    use crate::task::WakeCause;

    fn at(ms: u64) -> Instant {
        Instant::from_start(Duration::from_millis(ms))
    }

    fn event(ms: u64, kind: LoopEventKind) -> LoopEvent {
        LoopEvent { at: at(ms), kind }
    }

    /// One event of every kind, and every variant inside them, with the
    /// edges of each number.
    fn every_kind() -> Vec<LoopEvent> {
        let t = TaskId(7);
        let mut kinds = vec![
            LoopEventKind::Spawned {
                task: t,
                name: TaskName::default_for(t),
                parent: None,
            },
            LoopEventKind::Spawned {
                task: t,
                name: TaskName::default_for(t),
                parent: Some(TaskId(1)),
            },
            LoopEventKind::Spawned {
                task: t,
                name: TaskName::given("fetch"),
                parent: Some(TaskId(1)),
            },
            LoopEventKind::Spawned {
                task: t,
                name: TaskName::fixed("main"),
                parent: None,
            },
            // A default name that is another task's is not this task's.
            LoopEventKind::Spawned {
                task: t,
                name: TaskName::default_for(TaskId(8)),
                parent: None,
            },
        ];
        for cause in [
            WakeCause::Spawned,
            WakeCause::Yield,
            WakeCause::Task(TaskId(3)),
            WakeCause::Timer,
            WakeCause::Io {
                fd: 9,
                readable: true,
                writable: false,
            },
            WakeCause::Io {
                fd: i32::MAX,
                readable: false,
                writable: true,
            },
            WakeCause::Thread,
            WakeCause::Outside,
        ] {
            kinds.push(LoopEventKind::Woken { task: t, cause });
        }
        let waits = [
            None,
            Some(WaitOn::Timer(at(3))),
            Some(WaitOn::Timer(Instant::FAR_FUTURE)),
            Some(WaitOn::Timer(Instant::from_start(Duration::MAX / 2))),
            Some(WaitOn::Task(TaskId(2))),
            Some(WaitOn::Io {
                fd: 4,
                readable: true,
                writable: true,
            }),
            Some(WaitOn::Thread),
            Some(WaitOn::Other),
            Some(WaitOn::Primitive {
                kind: "queue",
                name: Rc::from("jobs"),
            }),
        ];
        for waiting_on in waits {
            for result in [PollResult::Pending, PollResult::Ready] {
                kinds.push(LoopEventKind::Polled {
                    task: t,
                    result,
                    took: Duration::from_micros(15),
                    waiting_on: waiting_on.clone(),
                });
            }
        }
        kinds.extend([
            LoopEventKind::Polled {
                task: t,
                result: PollResult::Panicked("boom".into()),
                took: Duration::ZERO,
                waiting_on: None,
            },
            LoopEventKind::Polled {
                task: t,
                result: PollResult::Pending,
                took: Duration::MAX,
                waiting_on: None,
            },
            LoopEventKind::TimerFired {
                owner: Some(t),
                deadline: at(5),
            },
            LoopEventKind::TimerFired {
                owner: None,
                deadline: at(6),
            },
            LoopEventKind::ClockAdvanced {
                from: at(1),
                to: at(2),
            },
            LoopEventKind::ClockAdvanced {
                from: at(1),
                to: Instant::FAR_FUTURE,
            },
            LoopEventKind::Completed { task: t },
            LoopEventKind::Cancelled { task: t },
            LoopEventKind::Failed {
                task: t,
                message: "no".into(),
            },
            LoopEventKind::Panicked {
                task: t,
                message: "boom".into(),
            },
            LoopEventKind::Diagnostic(Diagnostic::LostWaker {
                task: t,
                name: "task-7".into(),
            }),
        ]);
        let mut events: Vec<LoopEvent> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| event(i as u64, kind))
            .collect();
        // Ids a record cannot hold: 0 (it says "none") and from 2^60 (the
        // kind sits there). The loop never makes them; a record that met
        // one would still be exact.
        let huge = TaskId(1 << 60);
        events.extend([
            event(40, LoopEventKind::Completed { task: TaskId(0) }),
            event(41, LoopEventKind::Completed { task: huge }),
            event(
                42,
                LoopEventKind::Woken {
                    task: t,
                    cause: WakeCause::Task(huge),
                },
            ),
            event(
                43,
                LoopEventKind::Spawned {
                    task: t,
                    name: TaskName::default_for(t),
                    parent: Some(TaskId(0)),
                },
            ),
            event(
                44,
                LoopEventKind::TimerFired {
                    owner: Some(huge),
                    deadline: at(1),
                },
            ),
            event(
                45,
                LoopEventKind::Woken {
                    task: TaskId(ID_MASK),
                    cause: WakeCause::Task(TaskId(ID_MASK)),
                },
            ),
        ]);
        events.push(event(0, LoopEventKind::Completed { task: t }));
        events.push(LoopEvent {
            at: Instant::FAR_FUTURE,
            kind: LoopEventKind::Completed { task: t },
        });
        events
    }

    #[test]
    fn a_record_is_four_words_and_owns_nothing() {
        assert_eq!(std::mem::size_of::<Record>(), 32);
        assert!(!std::mem::needs_drop::<Record>());
    }

    #[test]
    fn nanoseconds_are_exact_on_both_sides_of_the_fast_check() {
        let edges = [
            Duration::ZERO,
            Duration::new(18_446_744_072, 999_999_999),
            Duration::new(18_446_744_073, 0),
            Duration::new(18_446_744_073, 709_551_615),
            Duration::new(18_446_744_073, 709_551_616),
            Duration::MAX,
        ];
        for d in edges {
            assert_eq!(nanos(d), u64::try_from(d.as_nanos()).ok(), "{d:?}");
        }
    }

    #[test]
    fn every_event_reads_back_as_it_was_logged() {
        let events = every_kind();
        let mut log = EventLog::new(usize::MAX);
        for e in &events {
            log.push(e);
        }
        assert_eq!(log.events(), events);
        assert_eq!(log.take(), events);
        assert!(log.events().is_empty());
    }

    #[test]
    fn only_events_that_own_something_or_do_not_fit_are_full() {
        let full: Vec<String> = every_kind()
            .iter()
            .filter(|e| Record::of(e).is_full())
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            full,
            [
                "[0.002000s] spawned #7 'fetch' (by #1)",
                "[0.003000s] spawned #7 'main'",
                "[0.004000s] spawned #7 'task-8'",
                // A deadline past 584 years of loop time (but not the far
                // future) does not fit in 64 bits of nanoseconds.
                "[0.019000s] polled #7 → Pending in 15µs",
                "[0.020000s] polled #7 → Ready in 15µs",
                // A wait on a primitive shares the primitive's name.
                "[0.029000s] polled #7 → Pending in 15µs",
                "[0.030000s] polled #7 → Ready in 15µs",
                "[0.031000s] polled #7 → panicked: boom",
                "[0.032000s] polled #7 → Pending in 18446744073709551615.999999999s",
                "[0.036000s] clock 0.001000s → never",
                "[0.039000s] #7 failed: no",
                "[0.040000s] #7 panicked: boom",
                "[0.041000s] warning: task 'task-7' (#7) returned Pending but kept no waker: \
                 nothing can ever wake it (a future must store cx.waker() before returning Pending)",
                "[0.040000s] #0 done",
                "[0.041000s] #1152921504606846976 done",
                "[0.042000s] #7 ready: woken by task #1152921504606846976",
                "[0.043000s] spawned #7 'task-7' (by #0)",
                "[0.044000s] timer @0.001000s of #1152921504606846976 fired",
                "[never] #7 done",
            ]
        );
    }

    #[test]
    fn a_full_log_lets_the_oldest_go_with_its_full_event() {
        let events = every_kind();
        for capacity in [1, 2, 5, 13, events.len() - 1] {
            let mut log = EventLog::new(capacity);
            for (i, e) in events.iter().enumerate() {
                log.push(e);
                let kept = &events[(i + 1).saturating_sub(capacity)..=i];
                assert_eq!(log.events(), kept, "capacity {capacity}, after {i}");
                assert_eq!(log.records.len(), kept.len());
                assert_eq!(
                    log.full.len(),
                    kept.iter().filter(|e| Record::of(e).is_full()).count()
                );
            }
        }
    }

    #[test]
    fn a_log_of_nothing_keeps_nothing() {
        let mut log = EventLog::new(0);
        for e in &every_kind() {
            log.push(e);
        }
        assert!(log.events().is_empty());
        assert!(log.full.is_empty());
        assert_eq!(log.records.len(), 0);
    }

    #[test]
    fn a_taken_log_records_on() {
        let events = every_kind();
        let mut log = EventLog::new(4);
        for e in &events[..10] {
            log.push(e);
        }
        assert_eq!(log.take(), &events[6..10]);
        for e in &events[10..12] {
            log.push(e);
        }
        assert_eq!(log.take(), &events[10..12]);
    }
}

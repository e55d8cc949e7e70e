//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::debug::Diagnostic;
use evloop::inspect::{Event, EventKind};
use evloop::{Builder, Runtime};

/// A virtual-clock runtime whose diagnostics are collected, not printed.
pub fn virtual_rt() -> (Runtime, Rc<RefCell<Vec<Diagnostic>>>) {
    virtual_builder()
}

pub fn virtual_builder() -> (Runtime, Rc<RefCell<Vec<Diagnostic>>>) {
    let found = Rc::new(RefCell::new(Vec::new()));
    let sink = found.clone();
    let rt = Builder::new()
        .virtual_clock()
        .debug(true)
        // Tests about slow polls set their own threshold; for the others a
        // loaded machine (or a panic hook printing a backtrace) must not
        // turn an ordinary poll into a finding.
        .slow_poll_threshold(Duration::from_secs(10))
        .diagnostics(move |d| sink.borrow_mut().push(d.clone()))
        .build();
    (rt, found)
}

/// A shared list that tasks push trace lines into.
#[derive(Clone, Default)]
pub struct Trace(Rc<RefCell<Vec<String>>>);

impl Trace {
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// The event stream as lines without timing, for comparing runs.
pub fn lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| e.without_timing().to_string())
        .collect()
}

pub fn polled_ids(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Polled { task, .. } => Some(task.as_u64()),
            _ => None,
        })
        .collect()
}

/// How many descriptors this process has open, from `/proc/self/fd`; `None`
/// (with a message) where there is no `/proc`.
pub fn open_fds() -> Option<usize> {
    match std::fs::read_dir("/proc/self/fd") {
        // The count includes the directory handle read_dir itself holds,
        // which is the same on every call.
        Ok(dir) => Some(dir.count()),
        Err(e) => {
            eprintln!("skipping the descriptor count: /proc/self/fd is unavailable ({e})");
            None
        }
    }
}

/// A real-clock runtime with an event log, for I/O tests.
pub fn io_rt() -> Runtime {
    Builder::new().event_log(100_000).build()
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

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

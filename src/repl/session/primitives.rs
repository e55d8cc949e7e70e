//! `new semaphore`, `new queue`, `new event`: the synchronization
//! primitives task bodies share by name (see `primitive.rs`).

use std::num::NonZeroUsize;

use super::{Action, Failure, Session};
use crate::repl::primitive::{self, NewPrimitive};
use crate::repl::styled::Line;

impl Session {
    /// `new semaphore NAME PERMITS`.
    pub(super) fn new_semaphore(&mut self, name: String, permits: u64) -> Result<Action, Failure> {
        let permits = usize::try_from(permits).map_err(|_| {
            Failure::line(format!(
                "{permits} permits is more than this machine can count"
            ))
        })?;
        self.new_primitive(NewPrimitive::Semaphore(name, permits))
    }

    /// `new queue NAME [CAPACITY]`.
    pub(super) fn new_queue(
        &mut self,
        name: String,
        capacity: Option<NonZeroUsize>,
    ) -> Result<Action, Failure> {
        self.new_primitive(NewPrimitive::Queue(
            name,
            capacity.map_or(0, NonZeroUsize::get),
        ))
    }

    /// `new event NAME`.
    pub(super) fn new_event(&mut self, name: String) -> Result<Action, Failure> {
        self.new_primitive(NewPrimitive::Event(name))
    }

    /// Creates the primitive and says how task bodies use it.
    fn new_primitive(&mut self, make: NewPrimitive) -> Result<Action, Failure> {
        let p = primitive::create(&self.env, &self.rt, make).map_err(Failure::line)?;
        let what = match &p {
            primitive::Primitive::Semaphore(s) => {
                format!(
                    "{} permit(s); acquire {} / release {} in a task body",
                    s.available_permits(),
                    p.name(),
                    p.name()
                )
            }
            primitive::Primitive::Queue(q) => match q.capacity() {
                Some(c) => format!(
                    "holds at most {c}: put waits while it is full (backpressure); put {} VALUE / get {}",
                    p.name(),
                    p.name()
                ),
                None => format!(
                    "unbounded: put never waits; put {} VALUE / get {}",
                    p.name(),
                    p.name()
                ),
            },
            primitive::Primitive::Event(_) => {
                format!(
                    "cleared; wait-event {} waits until set {} runs",
                    p.name(),
                    p.name()
                )
            }
        };
        Ok(Action::Show(vec![Line::plain(format!(
            "new {} {}: {what}",
            p.kind(),
            p.name()
        ))]))
    }
}

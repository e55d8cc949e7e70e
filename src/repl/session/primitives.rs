//! `new semaphore`, `new queue`, `new event`: the synchronization
//! primitives task bodies share by name (see `primitive.rs`).

use std::num::NonZeroUsize;

use std::time::Duration;

use super::{Action, Failure, Session};
use std::rc::Rc;

use crate::repl::body::{Body, Step};
use crate::repl::check::check_generator;
use crate::repl::duration::format_duration;
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

    /// `new generator NAME BODY`: an async generator (`async def` with
    /// `yield`), which `for NAME { … }` steps iterate.
    pub(super) fn new_generator(&mut self, name: String, body: Body) -> Result<Action, Failure> {
        if self.env.generator(&name).is_some() {
            return Err(Failure::line(format!(
                "a generator named {name} already exists — pick another name, or reset to start over"
            )));
        }
        check_generator(&body, &self.env).map_err(Failure::line)?;
        self.env
            .generators
            .borrow_mut()
            .push((name.clone(), Rc::new(body)));
        Ok(Action::Show(vec![Line::plain(format!(
            "new generator {name}: nothing runs yet; each for {name} {{ … }} step runs it anew, \
             inside the task that iterates it (async for)"
        ))]))
    }

    /// `new service NAME LATENCY CAPACITY [SEED]`: a pretend service.
    pub(super) fn new_service(
        &mut self,
        name: String,
        latency: Duration,
        capacity: u32,
        seed: u64,
    ) -> Result<Action, Failure> {
        self.new_primitive(NewPrimitive::Service(name, latency, capacity, seed))
    }

    /// `new future NAME`: asyncio's `loop.create_future()`.
    pub(super) fn new_future(&mut self, name: String) -> Result<Action, Failure> {
        self.new_primitive(NewPrimitive::Future(name))
    }

    /// `call-soon STEP` and `call-later DUR STEP`: the library's
    /// [`call_soon`](evloop::call_soon) and [`call_later`](evloop::call_later),
    /// whose callback runs one step (`set-result`, `set-exception`, `set`,
    /// `print`) on the loop. A callback is a tiny task of the library's,
    /// named `call_soon` or `call_later`: `cancel #ID` cancels it.
    pub(super) fn call(&mut self, delay: Option<Duration>, step: Step) -> Result<Action, Failure> {
        if !primitive::is_callback_step(&step) {
            return Err(Failure::line(format!(
                "a callback runs a plain function, and {step} awaits or ends a task; \
                 a callback runs set-result, set-exception, set or print: call-later 1s set-result fut done"
            )));
        }
        primitive::check_step(&step, &self.env).map_err(Failure::line)?;
        let env = self.env.clone();
        let what = if delay.is_some() {
            "call_later"
        } else {
            "call_soon"
        };
        let shown = step.to_string();
        let id = {
            let _entered = self.rt.enter();
            let callback = move || primitive::run_callback(&env, what, &step);
            match delay {
                Some(d) => evloop::call_later(d, callback).id(),
                None => evloop::call_soon(callback).id(),
            }
        };
        let when = match delay {
            Some(d) => format!("in {} of clock time", format_duration(d)),
            None => "at the loop's next turn".to_string(),
        };
        Ok(Action::Show(vec![Line::plain(format!(
            "{shown} runs {when}, on the loop: a callback, a tiny task of its own ({what} {id}); cancel {id} cancels it"
        ))]))
    }

    /// Creates the primitive and says how task bodies use it.
    pub(super) fn new_primitive(&mut self, make: NewPrimitive) -> Result<Action, Failure> {
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
            primitive::Primitive::Service(s) => format!(
                "a call takes {} while at most {} calls are in flight, then (users/{})² times that, \
                 ±10% (seeded: it replays); call {} in a task body",
                format_duration(s.latency),
                s.capacity,
                s.capacity,
                p.name()
            ),
            primitive::Primitive::Future(_) => format!(
                "pending — nothing runs to fill it in (it is no task); set-result {n} VALUE does, \
                 in a task or a callback (call-later 1s set-result {n} done); await {n} waits for it",
                n = p.name()
            ),
            other => other_usage(other),
        };
        Ok(Action::Show(vec![Line::plain(format!(
            "new {} {}: {what}",
            p.kind(),
            p.name()
        ))]))
    }
}

/// How task bodies use one of the other primitives, as `new` says it.
fn other_usage(p: &primitive::Primitive) -> String {
    use primitive::Primitive as P;
    let n = p.name();
    match p {
        P::BoundedSemaphore(s) => format!(
            "{} permit(s), and never more: acquire {n} / release {n}; a release with no permit taken is an error",
            s.bound()
        ),
        P::LifoQueue(q) | P::PriorityQueue(q) => {
            let order = if matches!(p, P::LifoQueue(_)) {
                "the last value put comes out first (a stack)"
            } else {
                "the smallest value comes out first (numbers before words)"
            };
            let bound = q
                .capacity()
                .map_or("unbounded".to_string(), |c| format!("holds at most {c}"));
            format!("{bound}; {order}; put {n} VALUE / get {n}")
        }
        P::Condition(_) => format!(
            "a value under a lock; wait-for {n} VALUE waits until it is VALUE, cond-set {n} VALUE \
             changes it, notify {n} / notify-all {n} wake the waiters"
        ),
        P::Barrier(b) => format!(
            "barrier-wait {n} waits until {} tasks have arrived, then all go on",
            b.parties()
        ),
        P::Notify(_) => format!(
            "notified {n} waits; notify-one {n} wakes one (or leaves a permit for the next), \
             notify-waiters {n} wakes all that wait now"
        ),
        P::Watch(w) => format!(
            "holds {}; watch-set {n} VALUE replaces it, changed {n} waits for a new one",
            *w.rx.borrow()
        ),
        P::Broadcast(_) => format!(
            "subscribe {n} in each receiving task, then send {n} VALUE reaches all, recv {n} takes the next"
        ),
        P::RwLock(_) => format!(
            "read {n} {{ … }} runs a block sharing the lock with other readers; write {n} {{ … }} runs one alone"
        ),
        P::CancelToken(_) => format!(
            "not cancelled; wait-cancelled {n} waits until cancel-token {n} (or the command cancel {n})"
        ),
        P::TaskSet(_) => format!(
            "empty; spawn NAME --in {n} STEP; … adds a member, join-next {n} takes the next result, \
             cancel-all {n} cancels the members still running"
        ),
        P::Semaphore(_) | P::Queue(_) | P::Event(_) | P::Future(_) | P::Service(_) => {
            unreachable!("new_primitive describes these")
        }
    }
}

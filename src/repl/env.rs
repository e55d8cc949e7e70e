//! What task bodies share with the session: the tasks and primitives by
//! name, the feed of lines printed while the loop runs, and the bounds of
//! the command in progress (how much it may show, how long its polls may
//! take).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::time::Duration;

use evloop::inspect::LoopEvent;
use evloop::time::Instant;

use super::outcome::{Outcome, Slot};
use super::primitive::Primitive;
use super::session::Limits;
use super::task::ReplTask;

/// Something that happened while the loop ran, in order.
#[derive(Clone, Debug)]
pub enum Feed {
    /// A `print` step.
    Print {
        /// The printing task.
        task: String,
        /// The loop's clock.
        at: Instant,
        /// What it printed.
        text: String,
    },
    /// An event (only while `trace on`).
    Event(LoopEvent),
    /// A user's task ended badly and nothing awaited it.
    Unretrieved {
        /// The task.
        task: String,
        /// How it ended.
        outcome: Outcome,
        /// When.
        at: Instant,
    },
}

/// What task bodies share with the session.
#[derive(Default)]
pub struct Env {
    /// Every line a `print` step (or a `get`) made, as shown: what `save
    /// test` asserts; at most `prints_limit`, then only counted.
    pub prints: RefCell<Vec<String>>,
    prints_limit: usize,
    /// Prints not kept in `prints`.
    pub prints_dropped: Cell<u64>,
    /// What the current command may still show: lines and bytes of
    /// prints and steps (see [`Limits`](Limits)).
    room: Cell<(usize, usize)>,
    /// Lines of prints and steps the current command did not show.
    pub left_out: Cell<u64>,
    limits: Limits,
    /// Failures nothing has read yet (see [`Env::may_go_unseen`]).
    unseen: RefCell<Vec<Feed>>,
    unseen_slots: RefCell<Vec<Rc<Slot>>>,
    /// Steps run by the poll in progress (see [`Env::count_step`]).
    steps_in_poll: Cell<u128>,
    /// Set while a `step` jumps the clock: the loop is interrupted as soon
    /// as the clock moves.
    pub stop_at_clock_move: Cell<bool>,
    /// Whether the loop runs on the real clock (the session says so when
    /// it switches).
    pub real_clock: Cell<bool>,
    /// The real time the polls of the current command may still take.
    pub poll_time_left: Cell<Duration>,
    /// Set when the current command ran out of it (and interrupted the loop).
    pub out_of_time: Cell<bool>,
    /// The loop's interrupter: a long `spin` looks at it (Ctrl-C), and the
    /// time budget uses it to stop the loop.
    pub interrupter: RefCell<Option<evloop::Interrupter>>,
    /// The session's tasks, in spawn order: the user's and the REPL's own
    /// (see [`task`](super::task)).
    pub tasks: RefCell<Vec<Rc<ReplTask>>>,
    /// The same, by name.
    by_name: RefCell<HashMap<String, Rc<ReplTask>>>,
    /// What happened while the loop ran, not yet shown.
    pub feed: RefCell<Vec<Feed>>,
    /// Set while the runtime is being dropped: guards must not spawn or cancel.
    pub closing: Cell<bool>,
    /// The session's generators (`new generator`), by name.
    pub generators: RefCell<Vec<(String, Rc<super::body::Body>)>>,
    /// The session's semaphores, queues and events, in creation order.
    pub primitives: RefCell<Vec<Primitive>>,
    /// The runtime, to cancel a task by id while a command holds its handle.
    pub runtime: RefCell<Weak<evloop::Runtime>>,
    /// The console program's state, made for this loop (see
    /// [`functions`](super::functions)).
    pub state: RefCell<Option<super::functions::State>>,
    /// The task that reached a breakpoint, until the session shows it.
    pub breakpoint_hit: Cell<Option<evloop::TaskId>>,
}

impl Env {
    /// The task called `name`.
    pub fn task(&self, name: &str) -> Option<Rc<ReplTask>> {
        if let Some(id) = name.strip_prefix('#') {
            return self
                .tasks
                .borrow()
                .iter()
                .find(|t| t.id.as_u64().to_string() == id)
                .cloned();
        }
        self.by_name.borrow().get(name).cloned()
    }

    /// The tasks `names` stand for, in order: a name, a range
    /// (`fetch-[1..10]`, each of which must exist) or a glob (`fetch-*`:
    /// the user's tasks that match, in spawn order).
    ///
    /// # Errors
    ///
    /// The first name (or pattern) that stands for no task.
    pub fn expand(&self, names: &[String]) -> Result<Vec<Rc<ReplTask>>, String> {
        let mut found = Vec::new();
        for name in names {
            if let Some(Ok(range)) = super::name::expand_range(name) {
                for n in range {
                    found.push(self.task(&n).ok_or(n)?);
                }
            } else if name.contains('*') {
                let matching: Vec<Rc<ReplTask>> = self
                    .tasks
                    .borrow()
                    .iter()
                    .filter(|t| t.is_users() && super::name::glob_matches(name, &t.name))
                    .cloned()
                    .collect();
                if matching.is_empty() {
                    return Err(name.clone());
                }
                found.extend(matching);
            } else {
                found.push(self.task(name).ok_or_else(|| name.clone())?);
            }
        }
        Ok(found)
    }

    /// Adds a task to the session's (its name must be free).
    pub fn register(&self, task: ReplTask) -> Rc<ReplTask> {
        let task = Rc::new(task);
        self.tasks.borrow_mut().push(task.clone());
        self.by_name
            .borrow_mut()
            .insert(task.name.clone(), task.clone());
        task
    }

    /// `base` if no task has that name, else the first free of `base-2`,
    /// `base-3`…: the names of the REPL's own tasks, so each can be named.
    pub fn unique_name(&self, base: &str) -> String {
        if self.task(base).is_none() {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|name| self.task(name).is_none())
            .expect("some number is free")
    }

    /// The generator called `name`.
    pub fn generator(&self, name: &str) -> Option<Rc<super::body::Body>> {
        self.generators
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
    }

    /// The primitive called `name`.
    pub fn primitive(&self, name: &str) -> Option<Primitive> {
        self.primitives
            .borrow()
            .iter()
            .find(|p| p.name() == name)
            .cloned()
    }

    /// An environment within `limits`.
    pub fn with_limits(limits: Limits) -> Env {
        Env {
            prints_limit: limits.prints,
            room: Cell::new((limits.lines_per_command, limits.bytes_per_command)),
            limits,
            ..Env::default()
        }
    }

    /// Whether the current command may show one more line of `bytes`
    /// bytes; counts it either way. A command shows at most so much of
    /// prints and steps, however much it prints: the rest is counted.
    pub fn take_room(&self, bytes: usize) -> bool {
        let (lines, left) = self.room.get();
        if lines == 0 || bytes > left {
            self.left_out.set(self.left_out.get() + 1);
            return false;
        }
        self.room.set((lines - 1, left - bytes));
        true
    }

    /// Keeps a printed line for `save test`, if there is room.
    pub fn record_print(&self, line: String) {
        let mut prints = self.prints.borrow_mut();
        if prints.len() < self.prints_limit {
            prints.push(line);
        } else {
            self.prints_dropped.set(self.prints_dropped.get() + 1);
        }
    }

    /// A command starts: its polls may take `budget` of real time.
    pub fn start_command(&self, budget: Duration) {
        self.poll_time_left.set(budget);
        self.out_of_time.set(false);
        self.room
            .set((self.limits.lines_per_command, self.limits.bytes_per_command));
        self.left_out.set(0);
    }

    /// Counts a step of the poll in progress; true once the poll has run
    /// [`MAX_STEPS_PER_POLL`](super::check::MAX_STEPS_PER_POLL) of them,
    /// when the task must give the loop back (the count starts over).
    pub fn count_step(&self) -> bool {
        let n = self.steps_in_poll.get() + 1;
        if n > super::check::MAX_STEPS_PER_POLL {
            self.steps_in_poll.set(0);
            return true;
        }
        self.steps_in_poll.set(n);
        false
    }

    /// A poll took `took`: once the command's time is spent, the loop is
    /// interrupted (after the poll in progress).
    pub fn spend_poll_time(&self, took: Duration) {
        self.steps_in_poll.set(0);
        let left = self.poll_time_left.get().saturating_sub(took);
        self.poll_time_left.set(left);
        if left.is_zero() {
            self.time_out();
        }
    }

    /// Stops the loop: the command's time is spent.
    pub fn time_out(&self) {
        if !self.out_of_time.replace(true)
            && let Some(i) = &*self.interrupter.borrow()
        {
            i.interrupt();
        }
    }

    /// Whether an interrupt is waiting (Ctrl-C): a long `spin` ends early
    /// then, and the loop stops after the poll in progress.
    pub fn interrupt_pending(&self) -> bool {
        self.interrupter
            .borrow()
            .as_ref()
            .is_some_and(evloop::Interrupter::is_interrupted)
    }

    /// A user's task ended badly while nothing awaited it: unless
    /// something reads its outcome before the clock moves on (a task group
    /// or a gather over it, later in the same instant), it is reported
    /// where it happened (see [`Env::report_unseen`]).
    pub fn may_go_unseen(&self, task: &str, slot: Rc<Slot>, outcome: Outcome) {
        self.unseen.borrow_mut().push(Feed::Unretrieved {
            task: task.to_string(),
            outcome,
            at: Instant::now(),
        });
        self.unseen_slots.borrow_mut().push(slot);
    }

    /// Reports the failures that nothing read, in the feed: called when the
    /// clock moves on and when a command ends.
    pub fn report_unseen(&self) {
        let reports = std::mem::take(&mut *self.unseen.borrow_mut());
        let slots = std::mem::take(&mut *self.unseen_slots.borrow_mut());
        for (report, slot) in reports.into_iter().zip(slots) {
            if !slot.is_watched() {
                self.feed.borrow_mut().push(report);
            }
        }
    }

    /// A line in the session's output, as `print` makes, from `who`.
    ///
    /// Within the command's room (see [`Env::take_room`]): a print left
    /// out is not kept for `save test` either, which then refuses.
    pub fn say(&self, who: &str, text: &str) {
        if !self.take_room(text.len() + who.len()) {
            self.prints_dropped.set(self.prints_dropped.get() + 1);
            return;
        }
        self.answer(who, text.to_string());
    }

    /// A line in the session's output from a command's own task (the
    /// answer of `gather`, `wait`…): always shown.
    pub fn answer(&self, who: &str, text: String) {
        self.feed.borrow_mut().push(Feed::Print {
            task: who.to_string(),
            at: Instant::now(),
            text,
        });
    }
}

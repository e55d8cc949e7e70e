//! The session's tasks: a [`ReplTask`] is a task with a name the REPL
//! knows, a handle to run until it ends, and a [`Slot`] where its outcome
//! lands for everyone who asks. Tasks typed with `spawn` are the user's;
//! the REPL's own (a command's `gather`, a group's `group/NAME`, a
//! cancelled task's `NAME/finally`) are registered the same way, so every
//! command can name them.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use evloop::{JoinHandle, RunError, RunReport, TaskId};

use super::body::Value;
use super::env::Env;
use super::outcome::{Outcome, Slot};

/// What a REPL task's `JoinHandle` gives: `return`'s value, or `fail`'s text.
pub type TaskOutput = Result<Option<Value>, String>;

/// One task the session spawned.
pub struct ReplTask {
    /// Its REPL name.
    pub name: String,
    /// Its id.
    pub id: TaskId,
    /// For running until it ends and reading its state. `None` while a
    /// `wait` or `as-completed` command holds it (the library's `wait` and
    /// `as_completed` take handles by value), and after `as-completed` took
    /// its output.
    pub handle: RefCell<Option<Handle>>,
    /// The command that took the task's result from its handle, if one did
    /// (`as-completed`, `timeout`): the handle is gone for good then.
    pub taken_by: Cell<Option<&'static str>>,
    /// Its outcome, for everyone.
    pub slot: Rc<Slot>,
    /// The command that made it, for the REPL's own tasks (`gather`,
    /// `group`, `finally`…); `None` for a task typed with `spawn`.
    pub made_by: Option<&'static str>,
}

impl ReplTask {
    /// A task and what the session needs of it.
    pub fn new(
        name: String,
        handle: impl Into<Handle>,
        slot: Rc<Slot>,
        made_by: Option<&'static str>,
    ) -> ReplTask {
        let handle = handle.into();
        ReplTask {
            name,
            id: handle.id(),
            handle: RefCell::new(Some(handle)),
            taken_by: Cell::new(None),
            slot,
            made_by,
        }
    }

    /// Whether the user spawned it (not a command).
    pub fn is_users(&self) -> bool {
        self.made_by.is_none()
    }
    /// True once the task has ended, however it ended.
    pub fn is_finished(&self) -> bool {
        match &*self.handle.borrow() {
            Some(h) => h.is_finished(),
            None => self.slot.outcome().is_some(),
        }
    }

    /// Runs `rt` until the task ends; `None` while a command holds its
    /// handle.
    pub fn run_until(&self, rt: &evloop::Runtime) -> Option<Result<RunReport, RunError>> {
        match &*self.handle.borrow() {
            Some(Handle::Task(h)) => Some(rt.run_until(h)),
            Some(Handle::Child(h)) => Some(rt.run_until(h)),
            Some(Handle::Member(_)) | None => None,
        }
    }

    /// Whether its handle can be lent (it is here, and gives a task's output).
    pub fn can_lend(&self) -> bool {
        matches!(&*self.handle.borrow(), Some(Handle::Task(_)))
    }

    /// Cancels the task, through its handle or, while a command holds the
    /// handle, through the runtime by id.
    pub fn cancel(&self, env: &Env) -> evloop::Cancel {
        if let Some(h) = &*self.handle.borrow() {
            return h.cancel();
        }
        match env.runtime.borrow().upgrade() {
            Some(rt) => rt
                .cancel(self.id)
                .unwrap_or(evloop::Cancel::AlreadyFinished),
            None => evloop::Cancel::AlreadyFinished,
        }
    }

    /// The handle, taken out to give to a library combinator (which will
    /// see the outcome).
    pub fn lend(&self) -> Option<JoinHandle<TaskOutput>> {
        if !self.can_lend() {
            return None;
        }
        self.slot.watch();
        match self.handle.borrow_mut().take() {
            Some(Handle::Task(h)) => Some(h),
            _ => None,
        }
    }

    /// Puts back a handle lent with [`ReplTask::lend`].
    pub fn give_back(&self, handle: JoinHandle<TaskOutput>) {
        *self.handle.borrow_mut() = Some(Handle::Task(handle));
    }
}

/// A REPL task's handle.
pub enum Handle {
    /// A task that gives a [`TaskOutput`]: all but a task group's children.
    Task(JoinHandle<TaskOutput>),
    /// A task group's child, whose failure goes to the group.
    Child(JoinHandle<Option<Value>>),
    /// A task set's member: the set holds its `JoinHandle`, for `join-next`.
    Member(evloop::CancelHandle),
}

impl Handle {
    fn id(&self) -> TaskId {
        match self {
            Handle::Task(h) => h.id(),
            Handle::Child(h) => h.id(),
            Handle::Member(h) => h.id(),
        }
    }

    fn is_finished(&self) -> bool {
        match self {
            Handle::Task(h) => h.is_finished(),
            Handle::Child(h) => h.is_finished(),
            Handle::Member(h) => h.is_finished(),
        }
    }

    fn cancel(&self) -> evloop::Cancel {
        match self {
            Handle::Task(h) => h.cancel(),
            Handle::Child(h) => h.cancel(),
            Handle::Member(h) => h.cancel(),
        }
    }
}

impl From<JoinHandle<TaskOutput>> for Handle {
    fn from(h: JoinHandle<TaskOutput>) -> Handle {
        Handle::Task(h)
    }
}

impl From<evloop::CancelHandle> for Handle {
    fn from(h: evloop::CancelHandle) -> Handle {
        Handle::Member(h)
    }
}

impl From<JoinHandle<Option<Value>>> for Handle {
    fn from(h: JoinHandle<Option<Value>>) -> Handle {
        Handle::Child(h)
    }
}

/// A future of one of the REPL's own tasks, made to record how it ends in
/// a [`Slot`] (as a user's task body does): `Ok` is `returned`, `Err`
/// `failed`; dropped before it ended, `cancelled` (or `panicked`).
pub fn tracked(
    future: impl Future<Output = TaskOutput> + 'static,
) -> (Rc<Slot>, impl Future<Output = TaskOutput> + 'static) {
    let slot = Rc::new(Slot::default());
    let mut guard = Ended {
        slot: slot.clone(),
        done: false,
    };
    let future = async move {
        let out = future.await;
        guard.done = true;
        guard.slot.finish(match &out {
            Ok(v) => Outcome::Returned(v.clone()),
            Err(e) => Outcome::Failed(e.clone()),
        });
        out
    };
    (slot, future)
}

/// Records a tracked task's end when its future is dropped before it ended.
struct Ended {
    slot: Rc<Slot>,
    done: bool,
}

impl Drop for Ended {
    fn drop(&mut self) {
        if !self.done {
            self.slot.finish(if std::thread::panicking() {
                Outcome::Panicked("(a panic in the REPL's own task)".into())
            } else {
                Outcome::Cancelled
            });
        }
    }
}

/// Waits for `target`'s outcome; with `propagate`, dropping the wait (the
/// awaiting task is cancelled, a timeout ran out, a task group gave up)
/// cancels `target`, as asyncio does for an awaited task.
///
/// The guard exists from the call on, so a wait dropped before it was ever
/// polled (a task group child cancelled before its first turn) still
/// cancels `target`.
pub fn watch(env: Rc<Env>, target: Rc<ReplTask>, propagate: bool) -> impl Future<Output = Outcome> {
    let mut propagation = CancelOnDrop {
        env,
        target,
        armed: propagate,
    };
    async move {
        let target = propagation.target.clone();
        let outcome = target.slot.wait(target.id).await;
        propagation.disarm();
        outcome
    }
}

/// Cancels the awaited task when the awaiting one is cancelled.
struct CancelOnDrop {
    env: Rc<Env>,
    target: Rc<ReplTask>,
    armed: bool,
}

impl CancelOnDrop {
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed && !self.env.closing.get() && !std::thread::panicking() {
            let _ = self.target.cancel(&self.env);
        }
    }
}

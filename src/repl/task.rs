//! The session's tasks: a [`ReplTask`] is a task with a name the REPL
//! knows, a handle to run until it ends, and a [`Slot`] where its outcome
//! lands for everyone who asks. Tasks typed with `spawn` are the user's;
//! the REPL's own (a command's `gather`, a group's `group/NAME`, a
//! cancelled task's `NAME/finally`) are registered the same way, so every
//! command can name them.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use evloop::{JoinHandle, TaskId};

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
    pub handle: RefCell<Option<JoinHandle<TaskOutput>>>,
    /// The command that took the task's result from its handle, if one did
    /// (`as-completed`, `timeout`): the handle is gone for good then.
    pub taken_by: Cell<Option<&'static str>>,
    /// Its outcome, for everyone.
    pub slot: Rc<Slot>,
}

impl ReplTask {
    /// True once the task has ended, however it ended.
    pub fn is_finished(&self) -> bool {
        match &*self.handle.borrow() {
            Some(h) => h.is_finished(),
            None => self.slot.outcome().is_some(),
        }
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

    /// The handle, taken out to give to a library combinator.
    pub fn lend(&self) -> Option<JoinHandle<TaskOutput>> {
        self.handle.borrow_mut().take()
    }

    /// Puts back a handle lent with [`ReplTask::lend`].
    pub fn give_back(&self, handle: JoinHandle<TaskOutput>) {
        *self.handle.borrow_mut() = Some(handle);
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

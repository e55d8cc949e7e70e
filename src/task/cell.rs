//! One allocation per task: the future, then its output, behind a header.
//!
//! ```text
//!   Rc<TaskCell<F>> ── seen by the executor as  Rc<dyn AnyTask>      (poll, cancel)
//!                   └─ seen by the JoinHandle as Rc<dyn JoinTask<T>>  (take the output)
//!
//!   stage:  Running(F) ──poll→Ready──▶ Finished(Ok(T)) ──handle takes it──▶ Consumed
//!              │  ──poll panics──────▶ Finished(Err(Panicked))
//!              └──cancel()───────────▶ Finished(Err(Cancelled))
//! ```
//!
//! The future is stored inline and pinned in place (the `Rc` never moves its
//! contents), which saves the second allocation a `Pin<Box<F>>` would cost.
//! That is the one piece of unsafe code here; the rules that make it sound:
//!
//! 1. `stage` is only ever reached through `&self` of an `Rc<TaskCell<F>>`, so
//!    its address is fixed from spawn until the last `Rc` drops.
//! 2. While the stage is `Running`, the future is never moved: it is polled
//!    through `Pin::new_unchecked` and leaves the `Running` stage only by
//!    being dropped in place ([`TaskCell::drop_future`]).
//! 3. `drop_future` runs the future's destructor with `ptr::drop_in_place`
//!    and then writes the new stage with `ptr::write`, so a destructor that
//!    panics can never cause a double drop.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll};

use super::header::Header;
use super::join::JoinError;

pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

pub(crate) struct TaskCell<F: Future> {
    pub(crate) header: Header,
    stage: RefCell<Stage<F>>,
}

/// What one poll of a task did.
pub(crate) enum Polled {
    Pending,
    Ready,
    Panicked(String),
}

/// The executor's view of a task: poll it, cancel it.
pub(crate) trait AnyTask {
    fn header(&self) -> &Header;
    fn poll(&self) -> Polled;
    /// Drops the future where it is parked. False if it had already finished.
    /// (The executor wakes the joiner afterwards, in `Core::finish`.)
    fn cancel(&self) -> bool;
    /// The panic message of a failure nobody has taken out yet.
    fn unretrieved_failure(&self) -> Option<String>;
}

/// The handle's view of a task: take the output once.
pub(crate) trait JoinTask<T> {
    fn header(&self) -> &Header;
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>>;
    fn is_finished(&self) -> bool;
    fn unretrieved_failure(&self) -> Option<String>;
    /// Like `poll_join`, without taking the output: `Ready` once finished.
    fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()>;
    /// Finished without an output (panicked, cancelled, or an error result
    /// for a flattened task).
    fn is_failed(&self) -> bool;
}

impl<F: Future> TaskCell<F> {
    pub(crate) fn new(header: Header, future: F) -> TaskCell<F> {
        TaskCell {
            header,
            stage: RefCell::new(Stage::Running(future)),
        }
    }

    /// Replaces the `Running` stage by `next`, running the future's destructor
    /// in place. A panicking destructor is caught and reported as the message.
    fn drop_future(&self, stage: &mut Stage<F>, next: Stage<F>) -> Option<String> {
        let place: *mut Stage<F> = stage;
        // SAFETY: `place` comes from a live `&mut Stage<F>`, so it is valid and
        // aligned. The old value is dropped exactly once, here, and never
        // touched again: whether or not its destructor panics, the slot is
        // overwritten with `ptr::write` below without dropping it a second
        // time. Dropping in place keeps the pinning promise (rule 2).
        let dropped = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::drop_in_place(place) }));
        // SAFETY: the slot's old value was dropped above; writing without
        // dropping is what a dropped slot needs.
        unsafe { ptr::write(place, next) };
        dropped.err().map(|p| panic_message(&*p))
    }
}

impl<F: Future> AnyTask for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll(&self) -> Polled {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            // Only reachable if a task's own code re-enters its poll, which
            // the executor never does; treat it as a spurious wake.
            return Polled::Pending;
        };
        let Stage::Running(future) = &mut *stage else {
            return Polled::Ready;
        };
        // SAFETY: rule 1 and 2 of the module docs: the future lives at a fixed
        // address inside the Rc and is never moved out of the Running stage.
        let future = unsafe { Pin::new_unchecked(future) };
        let mut cx = Context::from_waker(&self.header.waker);
        match catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))) {
            Ok(Poll::Pending) => Polled::Pending,
            Ok(Poll::Ready(output)) => {
                // The future returned: drop it in place (its destructors run
                // now, as its last act) and keep the output for the handle.
                let _ = self.drop_future(&mut stage, Stage::Finished(Ok(output)));
                Polled::Ready
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                let error = JoinError::panicked(&self.header, message.clone());
                let _ = self.drop_future(&mut stage, Stage::Finished(Err(error)));
                Polled::Panicked(message)
            }
        }
    }

    fn cancel(&self) -> bool {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            return false;
        };
        if !matches!(*stage, Stage::Running(_)) {
            return false;
        }
        let error = JoinError::cancelled(&self.header);
        let _ = self.drop_future(&mut stage, Stage::Finished(Err(error)));
        true
    }

    fn unretrieved_failure(&self) -> Option<String> {
        match &*self.stage.try_borrow().ok()? {
            Stage::Finished(Err(e)) => e.panic_message().map(str::to_owned),
            _ => None,
        }
    }
}

impl<F: Future> JoinTask<F::Output> for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Option<Result<F::Output, JoinError>>> {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            // The stage is borrowed only while the task itself is polled:
            // the task is awaiting its own handle.
            panic!(
                "task '{}' ({}) awaited its own JoinHandle; a task cannot wait for itself to finish",
                self.header.name, self.header.id
            );
        };
        match &*stage {
            Stage::Running(_) => {
                self.set_join_waker(cx);
                Poll::Pending
            }
            Stage::Finished(_) => match std::mem::replace(&mut *stage, Stage::Consumed) {
                Stage::Finished(out) => Poll::Ready(Some(out)),
                _ => unreachable!("the stage was Finished a line above"),
            },
            Stage::Consumed => Poll::Ready(None),
        }
    }

    fn is_finished(&self) -> bool {
        match self.stage.try_borrow() {
            Ok(stage) => !matches!(*stage, Stage::Running(_)),
            Err(_) => false,
        }
    }

    fn unretrieved_failure(&self) -> Option<String> {
        AnyTask::unretrieved_failure(self)
    }

    fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_finished() {
            return Poll::Ready(());
        }
        self.set_join_waker(cx);
        Poll::Pending
    }

    fn is_failed(&self) -> bool {
        self.stage
            .try_borrow()
            .is_ok_and(|s| matches!(*s, Stage::Finished(Err(_))))
    }
}

impl<F: Future> TaskCell<F> {
    fn set_join_waker(&self, cx: &Context<'_>) {
        let new = cx.waker();
        let old = self.header.join_waker.take();
        self.header.join_waker.set(Some(match old {
            Some(w) if w.will_wake(new) => w,
            _ => new.clone(),
        }));
    }
}

/// A task whose future returns `Result<T, JoinError>`, seen by its handle as
/// a task of output `T`: an `Err` it returns is its [`JoinError`]. This is
/// how a [`TaskGroup`](crate::combinators::TaskGroup) child that returned an
/// error gives a handle of the child's own success type.
pub(crate) struct Flattened<F: Future>(pub(crate) std::rc::Rc<TaskCell<F>>);

impl<T, F: Future<Output = Result<T, JoinError>>> JoinTask<T> for Flattened<F> {
    fn header(&self) -> &Header {
        &self.0.header
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.0
            .poll_join(cx)
            .map(|out| out.map(|r| r.and_then(|inner| inner)))
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    fn unretrieved_failure(&self) -> Option<String> {
        AnyTask::unretrieved_failure(&*self.0)
    }

    fn poll_finished(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.poll_finished(cx)
    }

    fn is_failed(&self) -> bool {
        self.0
            .stage
            .try_borrow()
            .is_ok_and(|s| matches!(*s, Stage::Finished(Err(_) | Ok(Err(_)))))
    }
}

/// The text of a panic payload (`&str` or `String`; anything else is named).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

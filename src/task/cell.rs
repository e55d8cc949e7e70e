//! One allocation per task: the header, then the future, then its output.
//!
//! ```text
//!   Arc<TaskCell<F>> ── seen by the executor as  TaskRef<dyn AnyTask>      (poll, cancel)
//!                    ├─ seen by the JoinHandle as TaskRef<dyn JoinTask<T>>  (take the output)
//!                    └─ seen by its wakers as     RawWaker data pointer     (any thread)
//!
//!   stage:  Running(F) ──poll→Ready──▶ Finished(Ok(T)) ──handle takes it──▶ Consumed
//!              │  ──poll panics──────▶ Finished(Err(Panicked))
//!              └──cancel()───────────▶ Finished(Err(Cancelled))
//!   (the last TaskRef going drops whatever stage is left: released → Consumed)
//! ```
//!
//! The allocation is an `Arc` so that the task can be its own waker (see
//! [`waker`](super::waker) for why that is sound with a `!Send` future, and
//! [`task_ref`](super::task_ref) for how the loop's side counts without
//! atomics). The future is stored inline and pinned in place (the `Arc`
//! never moves its contents), which saves the allocation a `Pin<Box<F>>`
//! would cost. The rules that make the pinning sound:
//!
//! 1. A `TaskCell` is only ever made inside an `Arc` ([`TaskCell::spawn`]),
//!    and `stage` is only reached through `&self`, so its address is fixed
//!    from spawn until the allocation is freed.
//! 2. While the stage is `Running`, the future is never moved: it is polled
//!    through `Pin::new_unchecked` and leaves the `Running` stage only by
//!    being dropped in place ([`TaskCell::drop_future`]).
//! 3. `drop_future` runs the future's destructor with `ptr::drop_in_place`
//!    and then writes the new stage with `ptr::write`, so a destructor that
//!    panics can never cause a double drop.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::task::{Context, Poll, RawWakerVTable, Waker};

use super::header::Header;
use super::join::JoinError;
use super::task_ref::{Owned, TaskRef};
use super::waker::{Wakeable, vtable};

pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

pub(crate) struct TaskCell<F: Future> {
    pub(crate) header: Header,
    stage: RefCell<Stage<F>>,
}

// SAFETY: `header` is a field of the cell, reached by a raw place
// projection that creates no reference to the cell.
unsafe impl<F: Future> Wakeable for TaskCell<F> {
    fn header(this: *const Self) -> *const Header {
        // SAFETY: `this` points to a live cell (the caller's waker count keeps
        // it alive); `&raw const` projects to the field without a reference.
        unsafe { &raw const (*this).header }
    }
}

/// What one poll of a task did.
pub(crate) enum Polled {
    Pending,
    Ready,
    Panicked(String),
}

/// The executor's view of a task: poll it, cancel it.
pub(crate) trait AnyTask: Owned {
    fn header(&self) -> &Header;
    /// Polls the future once with `waker` (the task's own, lent).
    fn poll(&self, waker: &Waker) -> Polled;
    /// Drops the future where it is parked. False if it had already finished.
    /// (The executor wakes the joiner afterwards, in `Core::finish`.)
    fn cancel(&self) -> bool;
    /// The panic message of a failure nobody has taken out yet.
    fn unretrieved_failure(&self) -> Option<String>;
}

/// The handle's view of a task: take the output once.
pub(crate) trait JoinTask<T>: Owned {
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

impl<F: Future + 'static> TaskCell<F> {
    /// Makes the task's allocation (the only way a `TaskCell` is made: rule 1).
    pub(crate) fn spawn(header: Header, future: F) -> TaskRef<TaskCell<F>> {
        TaskRef::new(Arc::new(TaskCell {
            header,
            stage: RefCell::new(Stage::Running(future)),
        }))
    }

    /// The executor's view of `task`.
    pub(crate) fn as_any(task: TaskRef<TaskCell<F>>) -> TaskRef<dyn AnyTask> {
        // SAFETY: the closure only unsizes the pointer.
        unsafe { task.unsize(|p| -> NonNull<dyn AnyTask> { p }) }
    }

    /// The handle's view of `task`.
    pub(crate) fn as_join(task: TaskRef<TaskCell<F>>) -> TaskRef<dyn JoinTask<F::Output>> {
        // SAFETY: the closure only unsizes the pointer.
        unsafe { task.unsize(|p| -> NonNull<dyn JoinTask<F::Output>> { p }) }
    }
}

impl<F: Future> Owned for TaskCell<F> {
    fn local(&self) -> &Cell<u32> {
        &self.header.local
    }

    fn release(&self) {
        // Whatever is left (a future never finished, an output never
        // taken) is dropped here, on the loop's thread.
        if let Ok(mut stage) = self.stage.try_borrow_mut()
            && !matches!(*stage, Stage::Consumed)
        {
            let _ = self.drop_future(&mut stage, Stage::Consumed);
        }
        self.header.release();
    }

    fn waker_vtable(&self) -> &'static RawWakerVTable {
        vtable::<TaskCell<F>>()
    }
}

impl<F: Future> TaskCell<F> {
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

    fn poll(&self, waker: &Waker) -> Polled {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            // Only reachable if a task's own code re-enters its poll, which
            // the executor never does; treat it as a spurious wake.
            return Polled::Pending;
        };
        let Stage::Running(future) = &mut *stage else {
            return Polled::Ready;
        };
        // SAFETY: rule 1 and 2 of the module docs: the future lives at a fixed
        // address inside the Arc and is never moved out of the Running stage.
        let future = unsafe { Pin::new_unchecked(future) };
        let mut cx = Context::from_waker(waker);
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
///
/// It is the cell itself seen through another type (`repr(transparent)`:
/// same layout, same allocation), so it costs no allocation of its own.
#[repr(transparent)]
pub(crate) struct Flattened<F: Future>(TaskCell<F>);

impl<T: 'static, F: Future<Output = Result<T, JoinError>> + 'static> Flattened<F> {
    /// The handle's view of `task`, with its `Err` output flattened.
    pub(crate) fn as_join(task: TaskRef<TaskCell<F>>) -> TaskRef<dyn JoinTask<T>> {
        // SAFETY: `Flattened<F>` is a transparent wrapper of `TaskCell<F>`:
        // the cast keeps the allocation and its layout; the rest is unsizing.
        unsafe { task.unsize(|p| -> NonNull<dyn JoinTask<T>> { p.cast::<Flattened<F>>() }) }
    }
}

impl<F: Future> Owned for Flattened<F> {
    fn local(&self) -> &Cell<u32> {
        self.0.local()
    }

    fn release(&self) {
        self.0.release();
    }

    fn waker_vtable(&self) -> &'static RawWakerVTable {
        // The data pointer is the cell's: its wakers are the cell's.
        self.0.waker_vtable()
    }
}

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
        AnyTask::unretrieved_failure(&self.0)
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

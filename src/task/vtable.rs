//! `TaskVTable`: what the loop can do with a task whose future's type it
//! does not know.
//!
//! The loop keeps tasks of every future type in one table, so it holds them
//! type-erased: a pointer to the [`Header`] (the first field of every task's
//! allocation) whose `vtable` field points to one `TaskVTable` per future
//! type, built by [`TaskCell`](super::cell::TaskCell) (async-task's
//! `TaskVTable` is the model). Each function takes the header pointer and
//! knows the real type behind it.
//!
//! ```text
//!   TaskRef / waker ──▶ Header ─ vtable ──▶ TaskVTable of TaskCell<F, S>
//!                       (offset 0 of         poll · drop_future · failure ·
//!                        TaskCell<F, S>)     release · give_back · strong_count ·
//!                                            take_output · failed · host ·
//!                                            waker (the RawWakerVTable)
//! ```
//!
//! The handle knows the output's type `T` and the loop does not, so the one
//! typed entry, `take_output`, writes the output through a pointer the
//! handle gives it, to a place of the handle's own type. A typed function
//! in every handle instead would make every handle two words larger.

use std::ptr::NonNull;
use std::rc::Rc;
use std::task::RawWakerVTable;

use super::Header;
use super::schedule::Host;

/// One per future type; every function's `NonNull<Header>` must point into a
/// live task of that type (see each caller's `SAFETY` note).
pub(crate) struct TaskVTable {
    /// Polls the future once with the task's own waker (lent, uncounted),
    /// catching a panic. A future that returns or panics is dropped in place
    /// and its output (or the panic) kept for the handle. Loop's thread.
    pub(crate) poll: unsafe fn(NonNull<Header>) -> Polled,
    /// Drops the future where it is parked (cancellation) and keeps a
    /// "cancelled" error for the handle. `Some(message)` if a destructor
    /// panicked. Loop's thread.
    pub(crate) drop_future: unsafe fn(NonNull<Header>) -> Option<String>,
    /// The text of a failure nobody has taken out yet (a panic's message;
    /// for a task group child, also the error it returned). Loop's thread.
    pub(crate) failure: unsafe fn(NonNull<Header>) -> Option<String>,
    /// Drops every value of the task that is not `Send` (what is left of the
    /// future or output, the header's loop-side values): the last `TaskRef`
    /// is going. Loop's thread.
    pub(crate) release: unsafe fn(NonNull<Header>),
    /// Gives back one count of the allocation; the last frees it (see
    /// [`count`](super::count)).
    pub(crate) give_back: unsafe fn(NonNull<Header>),
    /// The allocation's count: the loop side's one, plus one per waker.
    pub(crate) strong_count: unsafe fn(NonNull<Header>) -> usize,
    /// Moves the output out of a finished task: writes, at `out`, an
    /// `Option<Result<T, JoinError>>` (`Some` once, then `None`), where `T`
    /// is the output type of the task's handle (the future's output, or for
    /// a task group child the success type inside it). `out` points to an
    /// initialised value of that type that owns nothing (a `None`).
    /// Loop's thread.
    pub(crate) take_output: unsafe fn(NonNull<Header>, out: NonNull<()>),
    /// Finished without an output (panicked, cancelled, or returned an error
    /// its handle reports as its `JoinError`). Loop's thread.
    pub(crate) failed: unsafe fn(NonNull<Header>) -> bool,
    /// The loop that runs the task, if it is still there (its hook's
    /// [`Schedule::host`](super::schedule::Schedule::host)). Loop's thread.
    pub(crate) host: unsafe fn(NonNull<Header>) -> Option<Rc<dyn Host>>,
    /// The task's wakers (their data pointer is the header pointer).
    pub(crate) waker: &'static RawWakerVTable,
}

/// What one poll of a task did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Polled {
    Pending,
    Ready,
    Panicked(String),
    /// Ready with an error its handle reports as a failure (a task group
    /// child returning `Err`): the error's text.
    Failed(String),
}

impl Polled {
    /// How the poll ended, for the state machine.
    pub(crate) fn end(&self) -> super::state::PollEnd {
        use super::state::PollEnd;
        match self {
            Polled::Pending => PollEnd::Pending,
            Polled::Ready => PollEnd::Ready,
            Polled::Panicked(_) => PollEnd::Panicked,
            Polled::Failed(_) => PollEnd::Failed,
        }
    }
}

/// The text of a panic payload (`&str` or `String`; anything else is named).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

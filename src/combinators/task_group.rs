//! `TaskGroup`: children that live and die together (structured concurrency).
//!
//! ```text
//!   group.spawn(a) ─┐
//!   group.spawn(b) ─┼─▶ children run ──▶ b returns Err ──▶ a, c cancelled
//!   group.spawn(c) ─┘                                      join() → Err([b])
//!
//!   group (or its join future) dropped early ──▶ every child cancelled
//! ```
//!
//! Each child's future is wrapped in a [`Child`] that reports how it ended
//! to the group's shared state: a returned `Err` or a panic is recorded as a
//! failure and cancels the siblings; whatever way the child ends (output,
//! error, panic, cancellation) its wrapper's `Drop` counts it out, which is
//! what `join` waits for. A child cancelled before it ever ran is counted
//! out too, because the wrapper exists from the spawn on.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::executor::context;
use crate::task::{Canceller, TaskName, WaitOn, panic_message};
use crate::{JoinError, JoinHandle, TaskId};

/// A group of child tasks that are joined together (asyncio's
/// `async with asyncio.TaskGroup() as tg`).
///
/// - [`spawn`](TaskGroup::spawn) children; each returns `Result<T, E>`.
/// - [`join`](TaskGroup::join) waits for all of them.
/// - The first child that fails (returns `Err` or panics) cancels every other
///   child; `join` then returns a [`GroupError`] listing every failure.
/// - Dropping the group, or the `join` future, before the children finished
///   cancels them: no child outlives its group.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::TaskGroup, sleep};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let err = rt.block_on(async {
///     let group = TaskGroup::new();
///     let slow = group.spawn_named("slow", async {
///         sleep(Duration::from_secs(10)).await;
///         Ok::<_, String>("never")
///     });
///     group.spawn_named("broken", async {
///         sleep(Duration::from_secs(1)).await;
///         Err::<(), _>("disk full".to_string())
///     });
///     let err = group.join().await.unwrap_err();
///     assert!(slow.await.unwrap_err().is_cancelled()); // cancelled by the failure
///     err
/// });
/// assert_eq!(err.failures().len(), 1);
/// assert_eq!(err.failures()[0].name, "broken");
/// assert_eq!(err.to_string(), "1 child of the task group failed: 'broken' (#3): disk full");
/// ```
#[doc(alias = "nursery")]
pub struct TaskGroup {
    state: Rc<GroupState>,
}

#[derive(Default)]
struct GroupState {
    children: RefCell<Vec<ChildRecord>>,
    failures: RefCell<Vec<ChildFailure>>,
    live: Cell<usize>,
    cancelling: Cell<bool>,
    joiner: RefCell<Option<Waker>>,
}

struct ChildRecord {
    id: TaskId,
    name: String,
    canceller: Option<Canceller>,
    ended: bool,
}

impl Default for TaskGroup {
    fn default() -> TaskGroup {
        TaskGroup::new()
    }
}

impl TaskGroup {
    /// An empty group.
    pub fn new() -> TaskGroup {
        TaskGroup {
            state: Rc::default(),
        }
    }

    /// Spawns a child (named `task-N`). See [`spawn_named`](TaskGroup::spawn_named).
    ///
    /// # Panics
    ///
    /// Outside a running loop, as [`spawn`](crate::spawn).
    #[doc(alias = "create_task")]
    #[doc(alias = "start_soon")]
    pub fn spawn<F, T, E>(&self, future: F) -> JoinHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
        E: fmt::Display + 'static,
    {
        self.spawn_inner(None, future)
    }

    /// Spawns a named child. Its handle gives `Ok(value)`, or a
    /// [`JoinError`]: [`is_error`](JoinError::is_error) if it returned `Err`,
    /// a panic, or cancelled (by a sibling's failure or the group's end).
    /// The error itself goes to the group's [`GroupError`].
    ///
    /// A child spawned while the group is cancelling (a sibling failed) is
    /// cancelled at once (asyncio raises `RuntimeError` there).
    ///
    /// # Panics
    ///
    /// Outside a running loop, as [`spawn`](crate::spawn).
    pub fn spawn_named<F, T, E>(&self, name: impl Into<String>, future: F) -> JoinHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
        E: fmt::Display + 'static,
    {
        let name: String = name.into();
        self.spawn_inner(Some(TaskName::given(name)), future)
    }

    fn spawn_inner<F, T, E>(&self, name: Option<TaskName>, future: F) -> JoinHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
        E: fmt::Display + 'static,
    {
        let index = {
            let mut children = self.state.children.borrow_mut();
            children.push(ChildRecord {
                id: TaskId(0),
                name: String::new(),
                canceller: None,
                ended: false,
            });
            children.len() - 1
        };
        self.state.live.set(self.state.live.get() + 1);
        let child = Child {
            future: Box::pin(future),
            group: self.state.clone(),
            index,
        };
        let handle =
            context::expect_core("TaskGroup::spawn", |core| core.spawn_flattened(name, child));
        let canceller = handle.canceller();
        {
            let mut children = self.state.children.borrow_mut();
            let record = &mut children[index];
            record.id = handle.id();
            record.name = handle.name();
            record.canceller = Some(canceller.clone());
        }
        if self.state.cancelling.get() {
            canceller.cancel();
        }
        handle
    }

    /// Waits for every child. `Ok(())` if none failed, else every failure.
    ///
    /// Consumes the group: once joined, nothing can be added. Dropping the
    /// returned future before it completes cancels the remaining children.
    ///
    /// # Errors
    ///
    /// [`GroupError`] listing each failed child's id, name and error, in the
    /// order they failed.
    ///
    /// # Cancel safety
    ///
    /// Dropping it before it completes cancels every child still running.
    pub fn join(self) -> GroupJoin {
        GroupJoin { group: Some(self) }
    }

    /// Cancels every running child (the group itself stays usable).
    pub fn cancel_all(&self) {
        self.state.cancel_children(None);
    }

    /// Children not yet finished.
    pub fn live(&self) -> usize {
        self.state.live.get()
    }

    /// True once a child failed and the others are being cancelled.
    pub fn is_cancelling(&self) -> bool {
        self.state.cancelling.get()
    }
}

impl GroupState {
    /// Cancels every child that has not ended, except `except`. The list is
    /// copied out first: each cancel runs the child's destructors, which
    /// come back here.
    fn cancel_children(&self, except: Option<usize>) {
        let targets: Vec<Canceller> = self
            .children
            .borrow()
            .iter()
            .enumerate()
            .filter(|(i, c)| !c.ended && Some(*i) != except)
            .filter_map(|(_, c)| c.canceller.clone())
            .collect();
        for c in targets {
            c.cancel();
        }
    }

    fn fail(
        &self,
        index: usize,
        kind: ChildFailureKind,
        message: String,
        error: Option<Box<dyn Any>>,
    ) {
        let (id, name) = {
            let children = self.children.borrow();
            let child = &children[index];
            // The group keeps the failure: it is retrieved (join returns it).
            if let Some(canceller) = &child.canceller {
                canceller.mark_retrieved();
            }
            (child.id, child.name.clone())
        };
        self.failures.borrow_mut().push(ChildFailure {
            id,
            name,
            kind,
            message,
            error,
        });
        if !self.cancelling.replace(true) {
            self.cancel_children(Some(index));
        }
    }

    fn ended(&self, index: usize) {
        if let Ok(mut children) = self.children.try_borrow_mut()
            && let Some(c) = children.get_mut(index)
        {
            c.ended = true;
        }
        self.live.set(self.live.get().saturating_sub(1));
        if self.live.get() == 0
            && let Some(w) = self.joiner.borrow_mut().take()
        {
            w.wake();
        }
    }
}

impl Drop for TaskGroup {
    fn drop(&mut self) {
        self.state.cancel_children(None);
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("live", &self.live())
            .field("failures", &self.state.failures.borrow().len())
            .field("cancelling", &self.is_cancelling())
            .finish()
    }
}

/// A child's future, wrapped to report its failure and its end.
struct Child<F> {
    future: Pin<Box<F>>,
    group: Rc<GroupState>,
    index: usize,
}

impl<F, T, E> Future for Child<F>
where
    F: Future<Output = Result<T, E>>,
    E: fmt::Display + 'static,
{
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = catch_unwind(AssertUnwindSafe(|| self.future.as_mut().poll(cx)));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(v))) => Poll::Ready(Ok(v)),
            Ok(Poll::Ready(Err(e))) => {
                let message = e.to_string();
                self.group.fail(
                    self.index,
                    ChildFailureKind::Error,
                    message.clone(),
                    Some(Box::new(e)),
                );
                let (id, name) = {
                    let children = self.group.children.borrow();
                    let c = &children[self.index];
                    (c.id, c.name.clone())
                };
                Poll::Ready(Err(JoinError::failed(id, name, message)))
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                self.group
                    .fail(self.index, ChildFailureKind::Panicked, message, None);
                // Let the loop see the panic as this task's own.
                resume_unwind(payload)
            }
        }
    }
}

impl<F> Drop for Child<F> {
    fn drop(&mut self) {
        self.group.ended(self.index);
    }
}

/// The future returned by [`TaskGroup::join`].
///
/// # Cancel safety
///
/// Dropping it before it completes cancels every child still running.
#[must_use = "futures do nothing unless awaited or spawned; dropping this cancels the group's children"]
pub struct GroupJoin {
    group: Option<TaskGroup>,
}

impl Future for GroupJoin {
    type Output = Result<(), GroupError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(group) = self.group.as_ref() else {
            panic!("a GroupJoin future was polled after it completed");
        };
        let state = &group.state;
        if state.live.get() > 0 {
            *state.joiner.borrow_mut() = Some(cx.waker().clone());
            let waiting_on = state
                .children
                .borrow()
                .iter()
                .find(|c| !c.ended)
                .map(|c| c.id);
            if let Some(id) = waiting_on {
                crate::task::note_wait(WaitOn::Task(id));
            }
            return Poll::Pending;
        }
        let failures = std::mem::take(&mut *state.failures.borrow_mut());
        self.group = None;
        if failures.is_empty() {
            Poll::Ready(Ok(()))
        } else {
            Poll::Ready(Err(GroupError { failures }))
        }
    }
}

/// How a child failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildFailureKind {
    /// Its future returned `Err`.
    Error,
    /// It panicked.
    Panicked,
}

/// One failed child of a [`TaskGroup`].
pub struct ChildFailure {
    /// The child's task id.
    pub id: TaskId,
    /// The child's name.
    pub name: String,
    /// Error or panic.
    pub kind: ChildFailureKind,
    /// The error's `Display` text, or the panic message.
    pub message: String,
    error: Option<Box<dyn Any>>,
}

impl ChildFailure {
    /// The error the child returned, if it was an `E` (asyncio's
    /// `except* SomeError`).
    pub fn downcast_ref<E: 'static>(&self) -> Option<&E> {
        self.error.as_ref()?.downcast_ref()
    }
}

impl fmt::Debug for ChildFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildFailure")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for ChildFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ChildFailureKind::Error => write!(f, "'{}' ({}): {}", self.name, self.id, self.message),
            ChildFailureKind::Panicked => write!(
                f,
                "'{}' ({}) panicked: {}",
                self.name, self.id, self.message
            ),
        }
    }
}

/// Every failure of a [`TaskGroup`] (asyncio's `ExceptionGroup`), in the
/// order the children failed.
#[derive(Debug)]
pub struct GroupError {
    failures: Vec<ChildFailure>,
}

impl GroupError {
    /// The failures, first first.
    pub fn failures(&self) -> &[ChildFailure] {
        &self.failures
    }

    /// Consumes the error, returning the failures.
    pub fn into_failures(self) -> Vec<ChildFailure> {
        self.failures
    }
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(
            f,
            "{n} {} of the task group failed: ",
            if n == 1 { "child" } else { "children" }
        )?;
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GroupError {}

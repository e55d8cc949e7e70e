//! `TaskSet`: a pool of tasks to spawn into at any time and collect in
//! the order they finish (tokio's `JoinSet`; asyncio's `TaskGroup` used as
//! a pool, or a `set()` of tasks with `asyncio.wait(FIRST_COMPLETED)`).
//!
//! ```text
//!   set.spawn(a) ─┐                     done, in finishing order
//!   set.spawn(b) ─┼─▶ members run ──▶ [ b, a, … ] ──▶ join_next() → b's result
//!   set.spawn(c) ─┘                                  join_next() → a's result
//!
//!   set dropped (or cancel_all) ──▶ every member not finished is cancelled
//! ```
//!
//! Each member's future carries a small guard. Whatever way the member ends
//! (it returns, panics or is cancelled, even before its first poll), the
//! guard's `Drop` puts the member's slot on the `done` list and grants the
//! first task waiting in `join_next`, so collecting the next result costs
//! O(1), not a look at every member.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::executor::context;
use crate::inspect::{InspectPrimitive, PrimitiveInfo};
use crate::sync::meta::Meta;
use crate::sync::waiters::{WaitList, Waiter, wake_all};
use crate::task::TaskName;
use crate::{CancelHandle, JoinError, JoinHandle, TaskId};

mod join_next;

pub use join_next::{JoinNext, JoinNextWithId};

/// A set of tasks that all return a `T`: spawn into it at any time, collect
/// results as members finish, and no member outlives the set (tokio's
/// `JoinSet`).
///
/// - [`spawn`](TaskSet::spawn) / [`spawn_named`](TaskSet::spawn_named) a
///   member, getting a [`CancelHandle`] for it;
/// - [`join_next`](TaskSet::join_next) gives the next member's result in
///   finishing order, `None` once the set is empty;
/// - [`cancel_all`](TaskSet::cancel_all), [`shutdown`](TaskSet::shutdown);
/// - dropping the set cancels every member still running.
///
/// Unlike a [`TaskGroup`](super::TaskGroup), a member's failure does not
/// cancel the others: the set is a pool, and you decide.
///
/// Snapshots show the set as a primitive of kind `task set`, held by its
/// running members, with the tasks waiting in `join_next` as its waiters.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::{combinators::TaskSet, sleep};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let order = rt.block_on(async {
///     let set = TaskSet::named("fetches");
///     for s in [3, 1, 2] {
///         set.spawn(async move { sleep(Duration::from_secs(s)).await; s });
///     }
///     let mut order = Vec::new();
///     while let Some(result) = set.join_next().await {
///         order.push(result.unwrap());
///     }
///     order
/// });
/// assert_eq!(order, [1, 2, 3]); // finishing order
/// ```
#[doc(alias = "JoinSet")]
pub struct TaskSet<T> {
    shared: Rc<Shared>,
    /// Each member's handle, by slot; a slot is reused once joined.
    handles: RefCell<Slots<JoinHandle<T>>>,
}

/// What the members' guards and the waiters share (not generic in `T`).
struct Shared {
    meta: Meta,
    state: RefCell<State>,
}

struct State {
    /// The members still running: slot → task.
    running: BTreeMap<usize, TaskId>,
    /// Slots of members that finished, first finished first.
    done: VecDeque<usize>,
    /// Tasks waiting in `join_next`.
    line: WaitList,
}

/// A slab: values by index, with freed indices reused.
struct Slots<V> {
    values: Vec<Option<V>>,
    free: Vec<usize>,
    len: usize,
}

impl<V> Slots<V> {
    fn new() -> Slots<V> {
        Slots {
            values: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    fn reserve(&mut self) -> usize {
        self.len += 1;
        match self.free.pop() {
            Some(i) => i,
            None => {
                self.values.push(None);
                self.values.len() - 1
            }
        }
    }

    fn fill(&mut self, index: usize, value: V) {
        self.values[index] = Some(value);
    }

    fn take(&mut self, index: usize) -> Option<V> {
        let value = self.values.get_mut(index)?.take()?;
        self.free.push(index);
        self.len -= 1;
        Some(value)
    }

    fn iter(&self) -> impl Iterator<Item = &V> {
        self.values.iter().flatten()
    }
}

impl<T: 'static> Default for TaskSet<T> {
    fn default() -> TaskSet<T> {
        TaskSet::new()
    }
}

impl<T: 'static> TaskSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::TaskSet<u8> = evloop::TaskSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> TaskSet<T> {
        TaskSet::build(None)
    }

    /// An empty named set (the name shows in snapshots).
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::TaskSet<u8> = evloop::TaskSet::named("workers");
    /// assert_eq!(set.name(), "workers");
    /// ```
    pub fn named(name: impl Into<String>) -> TaskSet<T> {
        TaskSet::build(Some(name.into()))
    }

    fn build(name: Option<String>) -> TaskSet<T> {
        let shared = Rc::new(Shared {
            meta: Meta::new("task set", name),
            state: RefCell::new(State {
                running: BTreeMap::new(),
                done: VecDeque::new(),
                line: WaitList::default(),
            }),
        });
        shared.meta.register(&shared);
        TaskSet {
            shared,
            handles: RefCell::new(Slots::new()),
        }
    }

    /// Spawns a member (named `task-N`); see [`spawn_named`](TaskSet::spawn_named).
    ///
    /// # Panics
    ///
    /// Outside a running loop, as [`spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     set.spawn(async { 1 });
    ///     set.spawn(async { 2 });
    ///     assert_eq!(set.len(), 2);
    ///     let mut sum = 0;
    ///     while let Some(r) = set.join_next().await {
    ///         sum += r.unwrap();
    ///     }
    ///     assert_eq!(sum, 3);
    /// });
    /// ```
    #[doc(alias = "create_task")]
    pub fn spawn<F>(&self, future: F) -> CancelHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.spawn_inner(None, future)
    }

    /// Spawns a named member and returns a handle that can cancel it. Its
    /// result comes out of [`join_next`](TaskSet::join_next) when it
    /// finishes, whatever its type `T` is.
    ///
    /// # Panics
    ///
    /// Outside a running loop, as [`spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     let handle = set.spawn_named("fetch", std::future::pending::<()>());
    ///     assert_eq!(handle.name(), "fetch");
    ///     handle.cancel();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> CancelHandle
    where
        F: Future<Output = T> + 'static,
    {
        let name: String = name.into();
        self.spawn_inner(Some(TaskName::given(name)), future)
    }

    fn spawn_inner<F>(&self, name: Option<TaskName>, future: F) -> CancelHandle
    where
        F: Future<Output = T> + 'static,
    {
        let slot = self.handles.borrow_mut().reserve();
        let guard = Member {
            shared: self.shared.clone(),
            slot,
        };
        // The guard is captured, not made inside: it ends with the future
        // even if the member is cancelled before its first poll.
        let member = async move {
            let _guard = guard;
            future.await
        };
        let handle = context::expect_core("TaskSet::spawn", |core| core.spawn(name, member));
        let cancel = handle.cancel_handle();
        self.shared
            .state
            .borrow_mut()
            .running
            .insert(slot, handle.id());
        self.handles.borrow_mut().fill(slot, handle);
        cancel
    }

    /// Waits for the next member to finish and gives its result: `Ok(value)`,
    /// or a [`JoinError`] if it panicked or was cancelled. Members come out
    /// in the order they finished. `None` once the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `join_next` takes no result; the next call
    /// gets it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// rt.block_on(async {
    ///     let set = evloop::TaskSet::new();
    ///     set.spawn(async { evloop::sleep(Duration::from_secs(2)).await; "slow" });
    ///     set.spawn(async { evloop::sleep(Duration::from_secs(1)).await; "fast" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "fast");
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "slow");
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub fn join_next(&self) -> JoinNext<'_, T> {
        JoinNext {
            set: self,
            waiter: None,
        }
    }

    /// Like [`join_next`](TaskSet::join_next), with the member's task id.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as `join_next`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     let id = set.spawn(async { 5 }).id();
    ///     let (got, result) = set.join_next_with_id().await.unwrap();
    ///     assert_eq!((got, result.unwrap()), (id, 5));
    /// });
    /// ```
    pub fn join_next_with_id(&self) -> JoinNextWithId<'_, T> {
        JoinNextWithId(self.join_next())
    }

    /// The next finished member's result, if one has finished (no waiting).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     set.spawn(async { 1 });
    ///     assert!(set.try_join_next().is_none(), "not run yet");
    ///     evloop::yield_now().await;
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 1);
    /// });
    /// ```
    pub fn try_join_next(&self) -> Option<Result<T, JoinError>> {
        match self.poll_join_next(&mut None, None) {
            Poll::Ready(Some((_, result))) => Some(result),
            _ => None,
        }
    }

    /// Cancels every member and waits until each has finished, dropping the
    /// results: the set is empty afterwards.
    ///
    /// # Cancel safety
    ///
    /// Dropping it early leaves the results not yet collected in the set.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&self) {
        self.cancel_all();
        while self.join_next().await.is_some() {}
    }

    /// Members not yet joined (running, or finished with a result waiting).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.handles.borrow().len
    }

    /// True if the set has no member left to join.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::TaskSet<()> = evloop::TaskSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The set's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let set: evloop::TaskSet<()> = evloop::TaskSet::named("pool");
    /// assert_eq!(set.name(), "pool");
    /// ```
    pub fn name(&self) -> &str {
        &self.shared.meta.name
    }

    /// One step of joining: the next finished member, `None` if the set is
    /// empty, `Pending` (in line, when `cx` is given) otherwise.
    fn poll_join_next(
        &self,
        waiter: &mut Option<Rc<Waiter>>,
        cx: Option<&mut Context<'_>>,
    ) -> Poll<Option<(TaskId, Result<T, JoinError>)>> {
        let next = self.shared.state.borrow_mut().done.pop_front();
        if let Some(slot) = next {
            let mut handle = self
                .handles
                .borrow_mut()
                .take(slot)
                .expect("a finished member's slot holds its handle until joined");
            let id = handle.id();
            let noop = Waker::noop();
            let mut here = Context::from_waker(noop);
            match Pin::new(&mut handle).poll(&mut here) {
                Poll::Ready(result) => {
                    let mut s = self.shared.state.borrow_mut();
                    if let Some(w) = waiter.take() {
                        s.line.leave(&w);
                    }
                    return Poll::Ready(Some((id, result)));
                }
                // Its guard ran, but the task is still finishing (only seen
                // from a destructor inside that very finish): not yet.
                Poll::Pending => {
                    self.handles.borrow_mut().fill(slot, handle);
                    self.shared.state.borrow_mut().done.push_front(slot);
                }
            }
        } else if self.is_empty() {
            if let Some(w) = waiter.take() {
                self.shared.state.borrow_mut().line.leave(&w);
            }
            return Poll::Ready(None);
        }
        let Some(cx) = cx else {
            return Poll::Pending;
        };
        {
            let mut s = self.shared.state.borrow_mut();
            match waiter {
                Some(w) if s.line.contains(w) => w.set_waker(cx.waker()),
                _ => *waiter = Some(s.line.join(cx.waker())),
            }
        }
        self.shared.meta.note_pending(&self.shared);
        Poll::Pending
    }
}

impl<T> TaskSet<T> {
    /// Cancels every member still running (tokio's `abort_all`); their
    /// results (`JoinError::is_cancelled`) still come out of `join_next`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let set = evloop::TaskSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.cancel_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[doc(alias = "abort_all")]
    pub fn cancel_all(&self) {
        // Copied out first: a cancel runs destructors, which may spawn.
        let members: Vec<CancelHandle> = self
            .handles
            .borrow()
            .iter()
            .filter(|h| !h.is_finished())
            .map(JoinHandle::cancel_handle)
            .collect();
        for m in members {
            m.cancel();
        }
    }
}

impl<T> Drop for TaskSet<T> {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

impl<T> fmt::Debug for TaskSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.state.borrow();
        f.debug_struct("TaskSet")
            .field("name", &self.shared.meta.name)
            .field("running", &s.running.len())
            .field("finished", &s.done.len())
            .finish()
    }
}

/// Rides inside each member's future: its end (of any kind) is recorded.
struct Member {
    shared: Rc<Shared>,
    slot: usize,
}

impl Drop for Member {
    fn drop(&mut self) {
        let woken = {
            let mut s = self.shared.state.borrow_mut();
            s.running.remove(&self.slot);
            s.done.push_back(self.slot);
            s.line.grant_next().flatten()
        };
        wake_all(woken);
    }
}

impl InspectPrimitive for Shared {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state: format!(
                "{} running, {} finished and not joined",
                s.running.len(),
                s.done.len()
            ),
            waiters: s.line.tasks().collect(),
            holders: s.running.values().copied().collect(),
        }
    }
}

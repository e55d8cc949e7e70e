//! Synchronization between tasks of one loop.
//!
//! | asyncio / tokio                         | evloop                                  |
//! |-----------------------------------------|-----------------------------------------|
//! | `Semaphore`, `BoundedSemaphore`         | [`Semaphore`] (also `acquire_many`), [`BoundedSemaphore`] |
//! | `Lock`, `Condition`                     | [`Lock`], [`Condition`]                 |
//! | `Event`, tokio's `Notify`               | [`Event`], [`Notify`]                   |
//! | `Barrier`                               | [`Barrier`]                             |
//! | tokio's `RwLock`                        | [`RwLock`]                              |
//! | `Queue`, `LifoQueue`, `PriorityQueue`   | [`Queue`], [`LifoQueue`], [`PriorityQueue`] |
//! | an mpmc channel (`async-channel`)       | [`Queue::split`]: [`QueueSender`], [`QueueReceiver`] |
//! | tokio's `watch`, `broadcast`, `oneshot` | [`watch`], [`broadcast`], [`oneshot`]   |
//! | tokio-util's `CancellationToken`        | [`CancelToken`]                         |
//! | a thread-to-loop channel (`mpsc`)       | [`mpsc`]: `Send` senders, a receiver on the loop |
//!
//! All of them but [`mpsc`] are single-threaded: their state is a `RefCell` behind an
//! `Rc`, and cloning a primitive gives another handle on the same one (as
//! passing an asyncio object around does). No atomics, no locks: only tasks
//! of one loop, on one thread, ever touch them.
//!
//! # The waiting line, and why cancellation cannot lose anything
//!
//! Every primitive keeps its waiters in a FIFO `WaitList` (`waiters.rs`). When the
//! resource frees up (a permit released, an item put, a slot freed), the
//! front waiter is *granted* it: the resource is reserved for that waiter,
//! and its task is woken. The waiter takes it at its next poll.
//!
//! ```text
//!   release() ──▶ front waiter granted ──▶ its task polled ──▶ takes the permit
//!                        │
//!                        └─ its future dropped first (task cancelled, timeout)
//!                           ──▶ Drop passes the grant on to the next waiter
//! ```
//!
//! A future dropped while still in line just leaves it (marked gone where
//! it stands, in O(1): see `waiters.rs`). A future dropped
//! after being granted hands the grant to the next waiter. So however tasks
//! are cancelled, no permit, item or slot is lost and no waiter is left
//! asleep while the resource is free. (tokio's `batch_semaphore` follows the
//! same rule; asyncio re-wakes the next waiter in its `except CancelledError`.)
//!
//! A place in line is a small shared allocation (an `Rc<Waiter>`, held by
//! the line and by the waiting future). The line keeps the one it granted
//! last, and once that future has let go of it, the next task to wait
//! reuses it: two tasks passing values back and forth over a queue wait
//! without allocating. (tokio avoids the allocation altogether with an
//! intrusive list: the place in line lives inside the pinned future.)
//!
//! # Seeing them
//!
//! Each primitive has a name (given, or `semaphore-3`…) and registers with
//! the loop it is created in (or first waited on in), so
//! [`Runtime::snapshot`](crate::Runtime::snapshot) lists it in
//! [`Snapshot::primitives`](crate::inspect::Snapshot::primitives) with the tasks
//! waiting on it and holding it, and a task parked on one shows
//! [`WaitOn::Primitive`](crate::WaitOn::Primitive).

mod barrier;
pub mod broadcast;
mod cancel_token;
mod condition;
mod event;
mod lock;
pub(crate) mod meta;
pub mod mpsc;
mod notify;
pub mod oneshot;
mod queue;
mod rwlock;
mod semaphore;
pub(crate) mod tracked;
pub(crate) mod waiters;
pub mod watch;

pub use barrier::{Barrier, BarrierWait, BrokenBarrier};
pub use cancel_token::{CancelOnDropGuard, CancelToken, TokenCancelled};
pub use condition::{Condition, ConditionGuard, ConditionLock, ConditionWait, ConditionWaitFor};
pub use event::{Event, EventWait};
pub use lock::{Lock, LockFuture, LockGuard, TryLockError};
pub use notify::{Notified, Notify};
pub use queue::{
    Closed, LifoQueue, PriorityQueue, Queue, QueueGet, QueueJoin, QueuePut, QueueReceiver,
    QueueSender, QueueStream, TaskDoneError, TryGetError, TryPutError,
};
pub use rwlock::{RwLock, RwLockRead, RwLockReadGuard, RwLockWrite, RwLockWriteGuard};
pub use semaphore::{
    Acquire, BoundedSemaphore, ReleaseError, Semaphore, SemaphorePermit, TryAcquireError,
};

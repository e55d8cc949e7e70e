//! Callbacks and bare futures: the loop-level tools asyncio starts from
//! (`loop.call_soon`, `loop.call_later`, `loop.create_future`).
//!
//! ```
//! use std::time::Duration;
//! use evloop::callback::{call_later, create_future};
//!
//! let rt = evloop::Runtime::builder().virtual_clock().build();
//! let result = rt.block_on(async {
//!     let (promise, fut) = create_future();
//!     // fill it in 1 s from now
//!     call_later(Duration::from_secs(1), move || promise.set_result("done"));
//!     fut.await
//! });
//! assert_eq!(result.unwrap(), "done");
//! ```
//!
//! # One mechanism: a callback is a tiny task
//!
//! asyncio keeps callbacks in a deque of `Handle`s beside its tasks (a task
//! is itself driven by `call_soon` callbacks). evloop turns it around: a
//! callback is a task whose future calls the function at its first poll
//! (`call_soon`) or after a [`sleep`](crate::sleep) (`call_later`). So a
//! callback is scheduled by the ready queue and the timer heap that already
//! exist, runs in FIFO order with the tasks woken before it, shows in
//! snapshots and in the event stream (named `call_soon` / `call_later`),
//! and is cancelled like any task: the sleep is dropped and its timer
//! removed. The cost is one task allocation per callback, where asyncio
//! allocates one `Handle`; a loop running millions of callbacks per second
//! would want the dedicated queue.

mod call;
mod promise;

pub use call::{CallbackHandle, call_later, call_soon};
pub use promise::{Promise, PromiseError, PromiseFuture, create_future};

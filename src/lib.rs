//! # evloop: a single-threaded async executor you can see inside
//!
//! evloop polls `std::future::Future`s on one thread, the way asyncio runs
//! coroutines: a ready queue, a timer heap, a reactor for I/O. Every part of
//! it can be looked at while it runs ([`Runtime::snapshot`], the event
//! stream, [`Runtime::step`]), and it can run on a virtual clock so that
//! tests of timing are instant and exact.
//!
//! ```
//! use std::time::Duration;
//! use evloop::{Runtime, time::Instant};
//!
//! let rt = Runtime::builder().virtual_clock().build();
//! rt.block_on(async {
//!     let start = Instant::now();
//!     let slow = evloop::spawn_named("slow", async {
//!         evloop::sleep(Duration::from_secs(3)).await;
//!         "slow"
//!     });
//!     let fast = evloop::spawn_named("fast", async {
//!         evloop::sleep(Duration::from_secs(1)).await;
//!         "fast"
//!     });
//!     assert_eq!(fast.await.unwrap(), "fast");
//!     assert_eq!(slow.await.unwrap(), "slow");
//!     assert_eq!(start.elapsed(), Duration::from_secs(3)); // not 4: they ran concurrently
//! });
//! ```
//!
//! The tour of the source follows the chapters of `docs/`:
//! [`task`] (what a task is), [`executor`] (the loop), [`time`] (timers and
//! clocks), [`io`] (the reactor and async I/O), [`net`] (sockets),
//! [`blocking`] (`to_thread`), [`inspect`] (seeing inside), [`debug`] (what
//! debug mode catches), and the asyncio toolkit: [`combinators`] (gather,
//! wait, TaskGroup…), [`sync`] (Semaphore, Queue, Event, Lock), [`stream`]
//! (async generators), [`callback`] (call_soon, call_later, create_future).

pub mod blocking;
pub mod callback;
pub mod combinators;
pub mod debug;
pub mod executor;
pub mod inspect;
pub mod io;
pub mod net;
pub mod stream;
pub mod sync;
#[allow(unsafe_code)]
pub(crate) mod sys;
#[allow(unsafe_code)]
pub mod task;
#[allow(unsafe_code)]
pub mod time;

pub use blocking::{spawn_blocking, to_thread};
pub use executor::interrupt_on_ctrl_c;
pub use executor::{
    Builder, ClockError, ExternalWork, Interrupter, Policy, RunReport, Runtime, StallReport,
    StepReport, StopReason, Subscription, UnknownTask, run, spawn, spawn_named,
};
pub use task::{Cancel, JoinError, JoinHandle, TaskId, TaskState, WaitOn, WakeCause, yield_now};
pub use time::{sleep, timeout};

pub use callback::{call_later, call_soon, create_future};
pub use combinators::{
    ReturnWhen, TaskGroup, as_completed, gather, gather_all, race, select, shield, wait,
};

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The code blocks of docs/event-loop.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/event-loop.md")]
pub struct EventLoopChapterDoctests;
/// The code in `docs/reactor.md` runs as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/reactor.md")]
pub struct ReactorChapter;

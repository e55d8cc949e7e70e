//! A runtime costs nothing until it is used.
//!
//! `Runtime::new()` only keeps its settings; the loop (the task table, the
//! hook and its queues, the timer driver, the reactor, the inspector, the
//! pool) is built at its first use. And the first use is often a
//! `block_on` whose future needs no loop at all: code written for
//! `futures_lite::future::block_on` calls `Runtime::new().block_on(f)` once
//! per operation, and `f` is often ready at once. So the first `block_on`
//! of a runtime nothing has used polls its future once *before* building
//! anything:
//!
//! ```text
//!   block_on(f) on an unbuilt runtime
//!      │  point this thread at a Probe (the runtime's settings; later, its loop);
//!      │  lend f a FirstWaker (task/first_waker.rs)
//!      ▼
//!   poll f in place ── f touches the loop (spawn, sleep, a socket: an empty
//!      │               slot in current.rs), or keeps the waker to wait ──▶ build the loop
//!      │               now, with the root in its table, running: its first poll
//!      ▼
//!   Ready, nothing built ──▶ return: no allocation, no loop, the settings untouched
//!   Pending, or built    ──▶ build (if not yet), then end the root's first poll as
//!                            the loop ends any poll (poll.rs: park, requeue or finish),
//!                            and drive the loop as block_on always does
//! ```
//!
//! The future polled is the caller's own, not the `async` wrapper that keeps
//! a task's output: a ready one hands its output straight back, and the
//! wrapper is pinned (around the same pinned future) only once the loop
//! exists, to be polled by it from the second poll on.
//!
//! What the first poll does not do is what nobody can see: it is not timed,
//! and no "polled" event is delivered for it (nobody could have subscribed
//! to a loop that did not exist). A runtime that watches its first poll (debug
//! mode, an event log, poll timing, a policy other than FIFO, a recorded or
//! replayed schedule) is built at once by [`Builder::build`](super::Builder::build),
//! and never takes this path. A future that finishes in its first poll
//! leaves no task behind: the loop, when something builds it later, starts
//! from task #1.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::builder::Settings;
use super::context::{Enter, enter};
use super::core::Core;
use super::tasks::Slot;
use crate::task::first_waker::FirstWaker;
use crate::task::{Source, TaskId, TaskRef, current};

/// The root's id: the first task of a loop built for its first poll.
const ROOT: TaskId = TaskId(1);

/// What a first poll in progress has: the runtime's settings (still in the
/// runtime), then the loop built from them.
struct Probe<'rt> {
    settings: &'rt Cell<Option<Settings>>,
    /// Boxed: a first poll that builds nothing moves one word, not the
    /// whole loop's handles.
    built: RefCell<Option<Box<Built>>>,
}

/// A loop built for a first poll, entered, with its root running.
pub(super) struct Built {
    pub(super) core: Rc<Core>,
    pub(super) root: TaskRef,
    /// The loop stays this thread's current one until `block_on` ends.
    _enter: Enter,
    /// Who was calling wakers before the root's poll began.
    source: Source,
}

/// How a first poll ended.
pub(super) enum FirstPoll<'rt, T> {
    /// Ready, with nothing built and nothing left to let go: the future's
    /// output.
    Finished(T),
    /// Anything else: what is left to do ([`Rest::finish`]), for
    /// `block_on` to do out of line as the last thing it does.
    More(Rest<'rt, T>),
}

/// What a first poll that did not simply finish leaves: everything
/// [`Rest::finish`] needs, moved, so that the poll's own path calls
/// nothing. (A call there, even one never made, kept values in the
/// registers a call preserves, which the function then saved and
/// restored on every `block_on`: 12 of its 79 instructions, workload R.)
pub(super) struct Rest<'rt, T> {
    settings: &'rt Cell<Option<Settings>>,
    built: Option<Box<Built>>,
    polled: std::thread::Result<Poll<T>>,
    noted: bool,
    first: FirstWaker,
}

/// How [`Rest::finish`] ends a first poll.
pub(super) enum Finished<T> {
    /// Ready, with nothing built: the future's output.
    Output(T),
    /// It panicked with nothing built: the panic continues out of
    /// `block_on`.
    Panicked(Box<dyn Any + Send>),
    /// The loop exists, the root's first poll is accounted for: drive it
    /// (the output is there if the future finished in that poll).
    Built(Box<Built>, Option<T>),
}

/// Polls `future` once, for a runtime whose loop is not built yet:
/// `settings` is its (full) settings cell, from which the loop is built if
/// the poll needs it. The future is polled itself, not a task's wrapper of
/// it: a ready one returns its output straight from here.
// ANCHOR: first_poll
#[inline]
pub(super) fn first_poll<'rt, F: Future>(
    settings: &'rt Cell<Option<Settings>>,
    future: Pin<&mut F>,
) -> FirstPoll<'rt, F::Output> {
    let probe = Probe {
        settings,
        built: RefCell::new(None),
    };
    let first = FirstWaker::new(std::ptr::from_ref(&probe).addr(), root_waker);
    let (polled, noted) = {
        // Lent to `current.rs` (which `with_probe` reads back) for as
        // long as the poll runs.
        let _lent = crate::current::lend_first_poll(std::ptr::from_ref(&probe).cast(), fill_slots);
        let scope = current::polling(ROOT, None);
        let polled = first.lend(|waker| {
            catch_unwind(AssertUnwindSafe(|| {
                future.poll(&mut Context::from_waker(waker))
            }))
        });
        (polled, scope.end_noting())
    };
    let built = probe.built.into_inner();
    match polled {
        Ok(Poll::Ready(output)) if built.is_none() && !noted && first.owns_nothing() => {
            // Nothing to let go of: no drop glue runs here.
            std::mem::forget(first);
            FirstPoll::Finished(output)
        }
        polled => FirstPoll::More(Rest {
            settings,
            built,
            polled,
            noted,
            first,
        }),
    }
}
// ANCHOR_END: first_poll

impl<T> Rest<'_, T> {
    /// Ends a first poll that left something to do: a note to drop, a
    /// panic to pass on, or a loop (built, or to build now) whose root's
    /// first poll is ended as the loop ends any poll.
    #[cold]
    pub(super) fn finish(self) -> Finished<T> {
        let Rest {
            settings,
            built,
            polled,
            noted,
            first,
        } = self;
        match (built, polled) {
            (None, Ok(Poll::Ready(output))) => {
                drop_note(noted);
                Finished::Output(output)
            }
            (None, Err(panic)) => {
                drop_note(noted);
                Finished::Panicked(panic)
            }
            (built, polled) => {
                let (polled, output) = match polled {
                    Ok(Poll::Ready(output)) => (Ok(Poll::Ready(())), Some(output)),
                    Ok(Poll::Pending) => (Ok(Poll::Pending), None),
                    Err(panic) => (Err(panic), None),
                };
                Finished::Built(end(settings, built, polled, noted, &first), output)
            }
        }
    }
}

/// A note the poll left that no task will read is not kept on this thread.
#[inline]
fn drop_note(noted: bool) {
    if noted {
        drop(current::take_note());
    }
}

/// Runs `f` on the first poll in progress on this thread, if any.
fn with_probe<R>(f: impl FnOnce(&Probe<'_>) -> R) -> Option<R> {
    let probe = crate::current::first_poll_state();
    // SAFETY: a non-null first poll state points to the `Probe` on the stack
    // of the `first_poll` running on this thread: it is lent after the probe
    // is made, and the guard takes it back before the probe goes (also when
    // unwinding); first polls do not nest (`block_on` cannot). Only shared
    // references are made; the probe's state is in `Cell`s.
    let probe = unsafe { probe.cast::<Probe<'_>>().as_ref()? };
    Some(f(probe))
}

impl Probe<'_> {
    /// The loop, built now if nothing has.
    fn built(&self) -> Option<Rc<Core>> {
        let mut built = self.built.try_borrow_mut().ok()?;
        if built.is_none() {
            *built = Some(build(self.settings.take()?.resolve()));
        }
        built.as_ref().map(|b| b.core.clone())
    }
}

/// The loop the first poll of the runtime with these `settings` built
/// (building it now); `None` when that runtime is not in its first poll.
pub(super) fn lent_loop(settings: &Cell<Option<Settings>>) -> Option<Rc<Core>> {
    with_probe(|probe| {
        if std::ptr::eq(probe.settings, settings) {
            probe.built()
        } else {
            None
        }
    })
    .flatten()
}

/// What `current.rs` calls when a slot is empty during a first poll (with
/// the state lent it, read back by `with_probe`).
fn fill_slots(_: *const ()) -> bool {
    with_probe(|probe| probe.built().is_some()).unwrap_or(false)
}

/// What the first waker of first poll `poll` (its probe's address) calls
/// when the future clones it: on the thread where that poll runs, the
/// root's own waker (building the loop for it).
fn root_waker(poll: usize) -> Option<Waker> {
    with_probe(|probe| {
        if std::ptr::from_ref(probe).addr() != poll {
            return None;
        }
        probe.built()?;
        let built = probe.built.borrow();
        built.as_ref().map(|b| b.root.waker().clone())
    })
    .flatten()
}

/// Builds the loop, enters it, and puts the root in its table, running.
fn build(settings: super::core::CoreConfig) -> Box<Built> {
    let core = Core::new(settings);
    let entered = enter(&core);
    let root = core.insert_running_root();
    debug_assert_eq!(root.id, ROOT);
    let source = core
        .here()
        .source
        .replace(Source::Task(root.key(), root.id));
    Box::new(Built {
        core,
        root,
        _enter: entered,
        source,
    })
}

/// Ends the root's first poll as the loop ends any poll, building the loop
/// first if the poll did not (it returned `Pending` without touching it).
#[cold]
#[inline(never)]
fn end(
    settings: &Cell<Option<Settings>>,
    built: Option<Box<Built>>,
    polled: std::thread::Result<Poll<()>>,
    noted: bool,
    first: &FirstWaker,
) -> Box<Built> {
    let noted = if noted { current::take_note() } else { None };
    let built = match (built, settings.take()) {
        (Some(built), _) => built,
        (None, Some(settings)) => build(settings.resolve()),
        (None, None) => unreachable!("a runtime whose first poll built nothing has its settings"),
    };
    let core = &built.core;
    let polled = core.root_polled(polled);
    {
        let waker = built.root.waker();
        if first.was_woken() {
            // It woke itself during the poll: a yield.
            waker.wake_by_ref();
        }
        first.forward_to(&waker);
    }
    core.here().source.set(built.source);
    let slot = Slot::Root(built.root.clone());
    core.end_poll(&slot, &polled, 0, None, None, noted);
    built
}

//! What the session remembers of the loop: each event of the event stream,
//! with two things the stream alone does not say, which `timeline` needs —
//! what a task went on to wait for after a poll, and which clock was
//! running.
//!
//! ```text
//!   a REPL task's poll: … note(Wait::Primitive) … returns Pending
//!                                     │ (a thread-local, read once)
//!   the loop: "polled q → Pending" ───┴──▶ Recorded { event, wait: Primitive, real }
//! ```
//!
//! The REPL's task bodies and commands [`note`] what they are about to
//! await just before they return `Pending` (a sleep, a task, a semaphore…);
//! the session's event listener [`take_note`]s it when the poll's event
//! arrives, right after the poll. The loop itself knows this too
//! (`evloop::task::note_wait` feeds its snapshot), but its event stream
//! does not carry it; a task the REPL did not write (a `call_later`
//! callback) leaves no note and is drawn as plainly waiting.

use std::cell::Cell;
use std::future::Future;

use evloop::inspect::LoopEvent;

/// What a task waits on, as the timeline tells them apart (the library's
/// [`WaitKind`](evloop::inspect::WaitKind)).
pub use evloop::inspect::WaitKind as Wait;

/// One event and what the session knows around it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The event.
    pub event: LoopEvent,
    /// For a poll that returned `Pending`: what the task went on to wait
    /// for, if it said.
    pub wait: Option<Wait>,
    /// Whether the real clock was running (a poll then takes clock time).
    pub real: bool,
}

thread_local! {
    static NOTED: Cell<Option<Wait>> = const { Cell::new(None) };
}

/// Says what the task being polled is about to wait on.
pub fn note(wait: Wait) {
    NOTED.with(|n| n.set(Some(wait)));
}

/// Forgets a note (`yield`: the task is ready again, not waiting).
pub fn clear_note() {
    NOTED.with(|n| n.set(None));
}

/// The last note of the poll that just ended, read once.
pub fn take_note() -> Option<Wait> {
    NOTED.with(Cell::take)
}

/// Awaits `future`, noting `wait` each time it returns `Pending` (for a
/// wait inside the library, which notes nothing of the REPL's).
pub async fn noting<F: Future>(wait: Wait, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let polled = future.as_mut().poll(cx);
        if polled.is_pending() {
            note(wait);
        }
        polled
    })
    .await
}

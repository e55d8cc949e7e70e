//! `breakpoint().await`: stop the loop at this point of a task, when a
//! console is attached.
//!
//! ```text
//!   a task: … breakpoint().await …
//!                  │
//!     nobody attached ──▶ Ready at once (one load, one branch: the cost of
//!                         leaving breakpoints in code)
//!     a console attached (this thread) ──▶ tell it which task, wake the
//!                         task, return Pending: the console interrupts the
//!                         loop after this poll, and its prompt opens with
//!                         the task selected; the next poll returns Ready
//! ```
//!
//! The handler is the thread's (a console drives its loop on one thread);
//! a process-wide flag says whether any thread has one, so a breakpoint
//! nobody listens to costs one relaxed atomic load and a branch.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use crate::task::{TaskId, current};

/// How many handlers are attached, on all threads.
static ATTACHED: AtomicUsize = AtomicUsize::new(0);

type Handler = Rc<dyn Fn(TaskId)>;

thread_local! {
    /// This thread's handler, with the number of the attachment that set it.
    static HANDLER: RefCell<Option<(u64, Handler)>> = const { RefCell::new(None) };
    static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Stops the loop here when a console is attached to this thread
/// ([`on_breakpoint`]); otherwise does nothing (it is `Ready` at once, for
/// the cost of one branch). Await it inside any task:
///
/// ```text
/// async fn checkout(cart: Cart) -> Result<Receipt, Error> {
///     let total = cart.total();
///     evloop::debug::breakpoint().await; // the console stops here: step, look, run
///     pay(total).await
/// }
/// ```
///
/// With a console attached, the first poll tells it which task stopped and
/// returns `Pending` (having woken the task: it is ready again at once), so
/// the console can stop the loop between polls; the next poll returns
/// `Ready`.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let stopped = Rc::new(RefCell::new(Vec::new()));
/// let seen = stopped.clone();
/// let attached = evloop::debug::on_breakpoint(move |task| seen.borrow_mut().push(task));
/// let task = rt.spawn_named("checkout", async {
///     evloop::debug::breakpoint().await;
///     "paid"
/// });
/// let first = rt.step().unwrap();
/// assert_eq!(*stopped.borrow(), [task.id()]);
/// assert_eq!(first.woke, [task.id()], "ready again at once");
/// drop(attached);
/// rt.run_until_done().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), "paid");
/// // Detached, a breakpoint is a no-op: one poll, and nobody is told.
/// let again = rt.spawn(async { evloop::debug::breakpoint().await });
/// assert!(rt.step().unwrap().woke.is_empty());
/// assert!(again.is_finished());
/// assert_eq!(stopped.borrow().len(), 1);
/// ```
#[inline]
pub fn breakpoint() -> Breakpoint {
    Breakpoint { stopped: false }
}

/// The future of [`breakpoint`].
#[derive(Debug)]
#[must_use = "a breakpoint does nothing unless awaited"]
pub struct Breakpoint {
    stopped: bool,
}

impl Future for Breakpoint {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The one branch a breakpoint costs when nobody listens (inlined
        // into the caller's state machine; the rest is out of line).
        if self.stopped || ATTACHED.load(Ordering::Relaxed) == 0 {
            return Poll::Ready(());
        }
        self.stop(cx)
    }
}

impl Breakpoint {
    /// Someone listens: tell this thread's handler, if any, which task
    /// stopped, and return `Pending` once (ready again at once).
    #[cold]
    #[inline(never)]
    fn stop(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let handler = HANDLER
            .try_with(|h| h.borrow().as_ref().map(|(_, f)| f.clone()))
            .ok()
            .flatten();
        match (handler, current::task()) {
            (Some(handler), Some(task)) => {
                self.stopped = true;
                cx.waker().wake_by_ref();
                handler(task);
                Poll::Pending
            }
            // Another thread's console, or awaited outside any task.
            _ => Poll::Ready(()),
        }
    }
}

/// Attaches `handler` to this thread's breakpoints until the guard drops:
/// every [`breakpoint`] a task of this thread reaches calls it with the
/// task's id (what a console does: it interrupts its loop and opens its
/// prompt on that task). A later attachment replaces an earlier one.
pub fn on_breakpoint(handler: impl Fn(TaskId) + 'static) -> BreakpointHandler {
    let number = NEXT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let previous = HANDLER.with(|h| h.borrow_mut().replace((number, Rc::new(handler))));
    if previous.is_none() {
        ATTACHED.fetch_add(1, Ordering::Relaxed);
    }
    BreakpointHandler { number }
}

/// The guard of [`on_breakpoint`]: dropping it detaches the handler (if no
/// later attachment replaced it).
#[derive(Debug)]
#[must_use = "the handler is detached when the guard drops"]
pub struct BreakpointHandler {
    number: u64,
}

impl Drop for BreakpointHandler {
    fn drop(&mut self) {
        let _ = HANDLER.try_with(|h| {
            let mut h = h.borrow_mut();
            if h.as_ref().is_some_and(|(n, _)| *n == self.number) {
                *h = None;
                ATTACHED.fetch_sub(1, Ordering::Relaxed);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A later attachment replaces an earlier one, and dropping the
    /// earlier guard afterwards (a console replacing its loop) leaves the
    /// later one attached.
    #[test]
    fn the_latest_handler_stays_until_its_own_guard_drops() {
        let rt = crate::Runtime::builder().virtual_clock().build();
        let hits = Rc::new(Cell::new((0, 0)));
        let (h1, h2) = (hits.clone(), hits.clone());
        let first = on_breakpoint(move |_| h1.set((h1.get().0 + 1, h1.get().1)));
        let second = on_breakpoint(move |_| h2.set((h2.get().0, h2.get().1 + 1)));
        drop(first);
        rt.spawn(breakpoint()).detach();
        rt.run_until_done().unwrap();
        assert_eq!(hits.get(), (0, 1));
        drop(second);
        assert!(HANDLER.with(|h| h.borrow().is_none()));
        rt.spawn(breakpoint()).detach();
        assert_eq!(rt.run_until_done().unwrap().polls, 1, "a no-op: one poll");
        assert_eq!(hits.get(), (0, 1));
    }
}

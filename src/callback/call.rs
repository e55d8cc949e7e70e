//! `call_soon` and `call_later`.

use std::fmt;
use std::time::Duration;

use crate::executor::context;
use crate::task::TaskName;
use crate::{Cancel, JoinHandle, TaskId};

/// Runs `f` on the loop at its next turn, after the tasks already ready
/// (asyncio's `loop.call_soon(f)`). What `f` returns is dropped, as asyncio
/// ignores a callback's return value.
///
/// # Panics
///
/// Outside a running loop (as [`spawn`](crate::spawn)). A panic inside `f`
/// does not escape: it is the callback task's panic, reported in debug mode
/// as an unretrieved failure.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use evloop::callback::call_soon;
///
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let l = log.clone();
/// evloop::run(async move {
///     let l2 = l.clone();
///     call_soon(move || l2.borrow_mut().push("callback"));
///     l.borrow_mut().push("after call_soon");
///     evloop::yield_now().await; // the callback runs at the next turn
///     l.borrow_mut().push("after yield");
/// });
/// assert_eq!(*log.borrow(), ["after call_soon", "callback", "after yield"]);
/// ```
pub fn call_soon<F, R>(f: F) -> CallbackHandle
where
    F: FnOnce() -> R + 'static,
{
    CallbackHandle {
        handle: context::expect_core("evloop::callback::call_soon()", |core| {
            core.spawn(Some(TaskName::fixed("call_soon")), async move {
                drop(f());
            })
        }),
    }
}

/// Runs `f` on the loop once `delay` has passed (asyncio's
/// `loop.call_later(delay, f)`).
///
/// # Panics
///
/// Outside a running loop (as [`spawn`](crate::spawn)).
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use evloop::callback::call_later;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let fired = Rc::new(Cell::new(false));
/// let f = fired.clone();
/// let h = rt.block_on(async move { call_later(Duration::from_secs(5), move || f.set(true)) });
/// rt.advance(Duration::from_secs(4)).unwrap();
/// assert!(!fired.get());
/// rt.advance(Duration::from_secs(1)).unwrap();
/// assert!(fired.get() && h.is_finished());
/// ```
pub fn call_later<F, R>(delay: Duration, f: F) -> CallbackHandle
where
    F: FnOnce() -> R + 'static,
{
    let sleep = crate::sleep(delay);
    CallbackHandle {
        handle: context::expect_core("evloop::callback::call_later()", |core| {
            core.spawn(Some(TaskName::fixed("call_later")), async move {
                sleep.await;
                drop(f());
            })
        }),
    }
}

/// A scheduled callback (asyncio's `Handle`/`TimerHandle`). Dropping it
/// does not cancel the callback.
pub struct CallbackHandle {
    handle: JoinHandle<()>,
}

impl CallbackHandle {
    /// Cancels the callback if it has not run: true if this call cancelled it,
    /// false if it already ran (or was cancelled before).
    pub fn cancel(&self) -> bool {
        self.handle.cancel() == Cancel::Cancelled
    }

    /// True once the callback ran or was cancelled.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// The id of the task that runs the callback.
    pub fn id(&self) -> TaskId {
        self.handle.id()
    }
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

//! The running loop of this thread, for the free functions (`spawn`,
//! `sleep`, `Instant::now`) that have no runtime argument.
//!
//! `CURRENT` holds the core while one of the runtime's driving methods
//! (`block_on`, `step`, `run_*`, `advance`) runs on this thread, as asyncio's
//! `get_running_loop()` does. Wakers also look here: a wake on the loop's
//! thread while its loop runs takes the lock-free path.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use super::{Core, Shared};
use crate::task::header::Header;
use crate::task::{Cancel, WaitOn};

thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the running loop's core, if there is one.
pub(crate) fn with_core<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| c.try_borrow().ok().and_then(|c| c.as_ref().map(f)))
        .ok()
        .flatten()
}

fn outside_loop(what: &str) -> ! {
    panic!(
        "{what} was called outside a running evloop loop; call it from inside a future given to \
         evloop::run or Runtime::block_on, or from a spawned task (from outside, use the Runtime's own methods)"
    )
}

/// Like [`with_core`], panicking with a message naming `what` outside a loop.
pub(crate) fn expect_core<R>(what: &str, f: impl FnOnce(&Rc<Core>) -> R) -> R {
    match with_core(f) {
        Some(r) => r,
        None => outside_loop(what),
    }
}

pub(crate) fn expect_core_rc(what: &str) -> Rc<Core> {
    expect_core(what, Rc::clone)
}

/// Notes what the task being polled waits on (see [`WaitOn`]).
pub(crate) fn note_wait(wait: WaitOn) {
    with_core(|core| core.note_wait(wait));
}

/// The task being polled right now on this thread's running loop.
pub(crate) fn current_task_id() -> Option<crate::task::TaskId> {
    with_core(|core| core.current_task().map(|(_, id)| id)).flatten()
}

/// The lock-free wake path: runs `wake` with the loop running on this
/// thread if it is the one whose shared part is `shared` (the task's own
/// loop); false if it is not (the wake must go through `shared`).
pub(crate) fn with_local_core(shared: &Arc<Shared>, wake: impl FnOnce(&Core)) -> bool {
    with_core(|core| {
        if Arc::ptr_eq(&core.shared, shared) {
            wake(core);
            true
        } else {
            false
        }
    })
    .unwrap_or(false)
}

pub(crate) fn cancel_task(header: &Header, core: Option<Rc<Core>>) -> Cancel {
    match core {
        Some(core) => core.cancel(header.key()),
        None => Cancel::AlreadyFinished,
    }
}

/// Makes `core` the running loop of this thread until the guard drops.
pub(crate) struct Enter {
    previous: Option<Rc<Core>>,
}

pub(crate) fn enter(core: &Rc<Core>) -> Enter {
    let previous = CURRENT.with(|c| c.replace(Some(core.clone())));
    Enter { previous }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| c.replace(previous));
    }
}

/// Marks this thread as driving a loop; driving methods cannot nest.
pub(crate) struct Driving(());

pub(crate) fn start_driving(what: &str) -> Driving {
    if DRIVING.with(|d| d.replace(true)) {
        panic!(
            "{what} was called while this thread is already running an evloop loop (from inside a task or \
             callback); a task cannot block the loop it runs on: `.await` the future or spawn it instead"
        );
    }
    Driving(())
}

impl Drop for Driving {
    fn drop(&mut self) {
        let _ = DRIVING.try_with(|d| d.set(false));
    }
}

//! The running loop of this thread, for the free functions (`spawn`,
//! `to_thread`, a primitive registering itself) that have no runtime
//! argument.
//!
//! While one of the runtime's driving methods (`block_on`, `step`, `run_*`,
//! `advance`) runs on this thread, or inside [`Runtime::enter`](crate::Runtime::enter),
//! the loop is this thread's current one, as asyncio's `get_running_loop()`
//! has it. Entering fills every layer's slot (see [`crate::current`]): the
//! loop's own here, the timer driver's in `time/`, the reactor's in `io/`.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use super::core::Core;
use crate::current::{Current, Entered};
use crate::io::reactor::{self, Reactor};
use crate::time::{self, TimerDriver};

thread_local! {
    static CORE: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    static DRIVING: Cell<bool> = const { Cell::new(false) };
    /// Every loop built on this thread (weakly): while one runs, the others
    /// cannot, so a waker one of them holds can only fire when this thread
    /// lets it (see `Core::only_this_thread_can_wake`).
    static LOOPS: RefCell<Vec<Weak<Core>>> = const { RefCell::new(Vec::new()) };
}

/// Notes a new loop of this thread.
pub(crate) fn register_loop(core: &Rc<Core>) {
    let _ = LOOPS.try_with(|loops| {
        let mut loops = loops.borrow_mut();
        loops.retain(|l| l.strong_count() > 0);
        loops.push(Rc::downgrade(core));
    });
}

/// The loops built on this thread that are still alive.
pub(crate) fn loops_on_this_thread() -> Vec<Rc<Core>> {
    LOOPS
        .try_with(|loops| loops.borrow().iter().filter_map(Weak::upgrade).collect())
        .unwrap_or_default()
}
const CURRENT: Current<Core> = Current::new(&CORE);

/// Runs `f` with the running loop's core, if there is one.
pub(crate) fn with_core<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT.with(f)
}

/// Like [`with_core`], panicking with a message naming `what` outside a loop.
pub(crate) fn expect_core<R>(what: &str, f: impl FnOnce(&Rc<Core>) -> R) -> R {
    match with_core(f) {
        Some(r) => r,
        None => panic!(
            "{what} was called outside a running evloop loop; call it from inside a future given to \
             evloop::run or Runtime::block_on, or from a spawned task (from outside, use the Runtime's own methods)"
        ),
    }
}

/// Makes `core` the running loop of this thread until the guard drops.
pub(crate) struct Enter {
    _core: Entered<Core>,
    _timers: Entered<TimerDriver>,
    _reactor: Entered<Reactor>,
}

pub(crate) fn enter(core: &Rc<Core>) -> Enter {
    Enter {
        _core: CURRENT.enter(core.clone()),
        _timers: time::enter_driver(core.timers().clone()),
        _reactor: reactor::enter(core.reactor().clone()),
    }
}

/// Marks this thread as driving a loop; driving methods cannot nest.
pub(crate) struct Driving(());

#[inline]
pub(crate) fn start_driving(what: &str) -> Driving {
    if DRIVING.try_with(|d| d.replace(true)).unwrap_or(false) {
        already_driving(what);
    }
    Driving(())
}

#[cold]
#[inline(never)]
fn already_driving(what: &str) -> ! {
    panic!(
        "{what} was called while this thread is already running an evloop loop (from inside a task or \
         callback); a task cannot block the loop it runs on: `.await` the future or spawn it instead"
    );
}

impl Drop for Driving {
    #[inline]
    fn drop(&mut self) {
        let _ = DRIVING.try_with(|d| d.set(false));
    }
}

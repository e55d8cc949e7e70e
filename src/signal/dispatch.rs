//! The process-wide half of signals: one handler, one pipe, one thread.
//!
//! A signal belongs to the process, not to a loop: the kernel runs one
//! handler, on whichever thread it picks. So everything here is global and
//! made once, at the first need (a [`signal`](super::signal) listener,
//! [`ctrl_c`](super::ctrl_c), [`interrupt_on_ctrl_c`](crate::interrupt_on_ctrl_c),
//! a child process):
//!
//! ```text
//!   handler (sys::signal) ─byte─▶ pipe ─▶ evloop-signals thread
//!                                           │ sys::signal::take(n) for each n
//!                                           ├─▶ every listener of n: arrived = true, wake its task
//!                                           ├─▶ SIGINT: the Interrupter of interrupt_on_ctrl_c
//!                                           ├─▶ SIGCHLD: reap the orphans (dropped, unwaited children)
//!                                           └─▶ nobody listens: handle n as before evloop (the default
//!                                               action ends the process, as if evloop had not been there)
//! ```
//!
//! A listener is a [`Slot`]: a flag and a waker behind a mutex, shared by the
//! [`Signal`](super::Signal) (or child) that awaits it and, weakly, by the
//! registry here. Waking a task is all the thread does for a loop: the
//! task's waker puts it on its loop's queue and pokes that loop, whichever
//! thread it runs on. So every listener in every loop of the process hears
//! every delivery, each keeping its own flag.
//!
//! Where this simplifies: Tokio's signal driver reads the pipe from inside
//! each runtime's reactor, so a signal costs no thread switch; evloop spends
//! one thread for all loops of the process, which also serves loops that
//! have no reactor.

use std::ffi::c_int;
use std::io::{self, Read};
use std::process::Child;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::task::{Context, Poll, Waker};

use crate::executor::Interrupter;
use crate::sys::signal as sys;

/// One listener: "has the signal come since I last looked?" and the waker
/// of the task that wants to know.
pub(crate) struct Slot {
    signum: c_int,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    arrived: bool,
    waker: Option<Waker>,
}

impl Slot {
    fn state(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Ready` (and forgets it) if the signal came since the last `Ready`;
    /// otherwise keeps `cx`'s waker for the next delivery.
    pub(crate) fn poll_arrived(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state();
        if std::mem::take(&mut state.arrived) {
            return Poll::Ready(());
        }
        if !state
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[derive(Default)]
struct Registry {
    listeners: Vec<Weak<Slot>>,
    /// Which signals have evloop's handler (index = number).
    installed: Vec<bool>,
    /// The loop Ctrl-C interrupts ([`interrupt_on_ctrl_c`](crate::interrupt_on_ctrl_c)).
    interrupter: Option<Interrupter>,
    /// Children dropped before anyone waited for them, reaped at each
    /// `SIGCHLD` so they do not linger as zombies.
    orphans: Vec<Child>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    listeners: Vec::new(),
    installed: Vec::new(),
    interrupter: None,
    orphans: Vec::new(),
});

/// The pipe and the thread, made once; the error says which failed.
static STARTED: OnceLock<Result<(), String>> = OnceLock::new();

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Makes the pipe and starts the thread, the first time.
fn start() -> io::Result<()> {
    STARTED
        .get_or_init(|| {
            let pipe = sys::open_pipe().map_err(|e| format!("signal pipe: {e}"))?;
            std::thread::Builder::new()
                .name("evloop-signals".into())
                .spawn(move || read_forever(pipe))
                .map(drop)
                .map_err(|e| format!("evloop-signals thread: {e}"))
        })
        .clone()
        .map_err(io::Error::other)
}

/// Installs evloop's handler for `signum` unless it already has it.
fn install(registry: &mut Registry, signum: c_int) -> io::Result<()> {
    let i = usize::try_from(signum).unwrap_or(0);
    if registry.installed.get(i) == Some(&true) {
        return Ok(());
    }
    sys::install(signum)?;
    if registry.installed.len() <= i {
        registry.installed.resize(i + 1, false);
    }
    registry.installed[i] = true;
    Ok(())
}

/// A new listener of `signum`: from now on every delivery sets its flag.
///
/// # Errors
///
/// When the pipe or the thread can't be made, or the OS refuses the handler.
pub(crate) fn listen(signum: c_int) -> io::Result<Arc<Slot>> {
    start()?;
    let mut registry = registry();
    install(&mut registry, signum)?;
    let slot = Arc::new(Slot {
        signum,
        state: Mutex::new(SlotState::default()),
    });
    registry.listeners.retain(|l| l.strong_count() > 0);
    registry.listeners.push(Arc::downgrade(&slot));
    Ok(slot)
}

/// From now on Ctrl-C (`SIGINT`) interrupts the loop of `interrupter`.
///
/// # Errors
///
/// As [`listen`].
pub(crate) fn interrupt_on_sigint(interrupter: Interrupter) -> io::Result<()> {
    start()?;
    let mut registry = registry();
    install(&mut registry, sys::SIGINT)?;
    registry.interrupter = Some(interrupter);
    Ok(())
}

/// Takes a child nobody will wait for: reaped now if it has exited, else at
/// a later `SIGCHLD`. Call with a `SIGCHLD` listener alive (the child's own),
/// so the handler is installed.
pub(crate) fn adopt_orphan(mut child: Child) {
    let mut registry = registry();
    // Under the lock: a SIGCHLD delivered before this line finds the child
    // exited here; one after finds it in the list.
    if matches!(child.try_wait(), Ok(None)) {
        registry.orphans.push(child);
    }
}

fn read_forever(mut pipe: std::fs::File) {
    let mut buf = [0u8; 64];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {
                for signum in 1..=sys::MAX {
                    if sys::take(signum) {
                        deliver(signum);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Tells everyone who listens to `signum` that it came.
fn deliver(signum: c_int) {
    let (wakers, interrupter, heard) = {
        let mut registry = registry();
        let mut wakers = Vec::new();
        let mut heard = false;
        registry.listeners.retain(|l| {
            let Some(slot) = l.upgrade() else {
                return false;
            };
            if slot.signum == signum {
                heard = true;
                let mut state = slot.state();
                state.arrived = true;
                wakers.extend(state.waker.take());
            }
            true
        });
        let interrupter = if signum == sys::SIGINT {
            registry.interrupter.clone()
        } else {
            None
        };
        if signum == sys::SIGCHLD {
            registry
                .orphans
                .retain_mut(|child| matches!(child.try_wait(), Ok(None)));
        }
        (wakers, interrupter, heard)
    };
    // Wake with no lock held: a waker may run arbitrary code.
    for waker in wakers {
        waker.wake();
    }
    if let Some(interrupter) = &interrupter {
        interrupter.interrupt();
    }
    if !heard && interrupter.is_none() {
        // Nobody listens any more: the signal does what it did before
        // evloop's handler (SIGTERM ends the process, SIGCHLD nothing).
        let _ = sys::raise_as_before(signum);
    }
}

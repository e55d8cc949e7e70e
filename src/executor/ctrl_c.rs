//! Ctrl-C stops the loop, not the program.
//!
//! A REPL (or any tool driving a loop by hand) wants Ctrl-C during a long
//! `run` to come back to its prompt with every task intact, where the
//! default action of `SIGINT` kills the process. std has no signal API, so
//! `sys::signal` installs a handler that writes a byte to a pipe, and a
//! small thread (`evloop-ctrl-c`) reading that pipe calls
//! [`Interrupter::interrupt`] on the loop chosen here:
//!
//! ```text
//!   Ctrl-C ─▶ SIGINT handler ─write─▶ pipe ─read─▶ evloop-ctrl-c thread ─▶ Interrupter::interrupt()
//!                                                                            └─▶ run() returns Interrupted
//! ```
//!
//! A Ctrl-C while no loop is running is remembered by the loop and stops
//! the next driving call at its first turn: a tool that reads its own input
//! in raw mode (rustyline does) sees Ctrl-C there as a key, not a signal.

use std::io::{self, Read};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::remote::Interrupter;
use crate::sys;

static TARGET: Mutex<Option<Interrupter>> = Mutex::new(None);
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// From now on, Ctrl-C (`SIGINT`) interrupts the loop of `interrupter`
/// instead of ending the process: its current `run`, `run_until`,
/// `block_on`… returns [`RunErrorKind::Interrupted`](crate::RunErrorKind::Interrupted)
/// (or, for `block_on`, panics saying so). A later call moves Ctrl-C to
/// another loop. The handler is process-wide and stays installed.
///
/// # Errors
///
/// When the signal pipe or its thread can't be created (the error says
/// which); Ctrl-C then keeps its default action.
///
/// # Examples
///
/// ```no_run
/// let rt = evloop::Runtime::new();
/// evloop::interrupt_on_ctrl_c(rt.interrupter()).expect("Ctrl-C handler");
/// let result = rt.run_until_done(); // Ctrl-C here: Err, with RunErrorKind::Interrupted
/// ```
pub fn interrupt_on_ctrl_c(interrupter: Interrupter) -> io::Result<()> {
    *TARGET.lock().unwrap_or_else(PoisonError::into_inner) = Some(interrupter);
    INSTALLED
        .get_or_init(|| {
            let mut pipe = sys::signal::sigint_pipe().map_err(|e| format!("signal pipe: {e}"))?;
            std::thread::Builder::new()
                .name("evloop-ctrl-c".into())
                .spawn(move || {
                    let mut buf = [0u8; 64];
                    loop {
                        match pipe.read(&mut buf) {
                            Ok(0) => return,
                            Ok(_) => {
                                let target = TARGET
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .clone();
                                if let Some(t) = target {
                                    t.interrupt();
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(_) => return,
                        }
                    }
                })
                .map(drop)
                .map_err(|e| format!("Ctrl-C thread: {e}"))
        })
        .clone()
        .map_err(io::Error::other)
}

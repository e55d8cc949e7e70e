//! Ctrl-C stops the loop, not the program.
//!
//! A REPL (or any tool driving a loop by hand) wants Ctrl-C during a long
//! `run` to come back to its prompt with every task intact, where the
//! default action of `SIGINT` kills the process. The signal thread of
//! `dispatch` calls [`Interrupter::interrupt`] on the loop chosen here:
//!
//! ```text
//!   Ctrl-C ─▶ SIGINT handler ─write─▶ pipe ─read─▶ evloop-signals thread ─▶ Interrupter::interrupt()
//!                                                                            └─▶ run() returns Interrupted
//! ```
//!
//! A Ctrl-C while no loop is running is remembered by the loop and stops
//! the next driving call at its first turn: a tool that reads its own input
//! in raw mode (rustyline does) sees Ctrl-C there as a key, not a signal.

use std::io;

use super::dispatch;
use crate::executor::Interrupter;

/// From now on, Ctrl-C (`SIGINT`) interrupts the loop of `interrupter`
/// instead of ending the process: its current `run`, `run_until`,
/// `block_on`… returns [`RunErrorKind::Interrupted`](crate::RunErrorKind::Interrupted)
/// (or, for `block_on`, panics saying so). A later call moves Ctrl-C to
/// another loop. The handler is process-wide and stays installed. Tasks
/// awaiting [`ctrl_c`](crate::signal::ctrl_c) or a
/// [`signal`](crate::signal::signal) listener of `SIGINT` hear the same
/// Ctrl-C.
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
    dispatch::interrupt_on_sigint(interrupter)
}

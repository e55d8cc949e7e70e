//! Signals: await `SIGTERM`, `SIGHUP`, Ctrl-C… as futures.
//!
//! A signal interrupts a thread at any instruction, and its handler may do
//! almost nothing (no lock, no allocation, no waking a task). So evloop's
//! handler only notes the signal and writes a byte to a pipe; a thread reads
//! the pipe and wakes the tasks that listen (the *self-pipe trick*):
//!
//! ```text
//!   kill -TERM 4242
//!     │ kernel interrupts some thread of 4242
//!     ▼
//!   handler: PENDING[SIGTERM] = true; write(pipe, 1 byte)          (sys/signal.rs)
//!     ▼
//!   evloop-signals thread: read(pipe) → SIGTERM came               (dispatch.rs)
//!     ├─▶ every Signal of SIGTERM: arrived = true, waker.wake()
//!     └─▶ nobody listens: SIGTERM does what it did before evloop (the default: exit)
//!     ▼
//!   task polled: term.recv() → Ready                                (listener.rs)
//! ```
//!
//! - [`signal`]: a listener of one signal, [`Signal`], whose
//!   [`recv`](Signal::recv) completes once per delivery (Tokio's
//!   `tokio::signal::unix::signal`).
//! - [`ctrl_c`]: a future that completes at the next Ctrl-C (Tokio's
//!   `tokio::signal::ctrl_c`).
//! - [`raise`]: sends a signal to this process (Python's
//!   `signal.raise_signal`), for tests and for a program that wants to end
//!   the way a signal would end it.
//! - [`interrupt_on_ctrl_c`]: Ctrl-C stops a
//!   running loop instead of ending the process (the REPL uses it).
//!
//! # Process-wide, and what that means
//!
//! A signal is sent to a process, and a handler is installed for the
//! process, so everything here is shared by every loop and thread:
//!
//! - **Every listener hears every delivery.** Two `Signal`s of `SIGHUP`, in
//!   the same loop or in two loops on two threads, both complete. A
//!   `ctrl_c()` and an [`interrupt_on_ctrl_c`]
//!   both act on the same Ctrl-C.
//! - **The handler stays.** The first listener of a signal installs
//!   evloop's handler for good (one handler per signal and process; the
//!   pipe and the thread too). But a signal that arrives while *nobody*
//!   listens (every listener dropped, no interrupter) is handled as it was
//!   before evloop: the signal thread puts the old disposition back and
//!   raises the signal again. So Ctrl-C after the last `ctrl_c()` resolved
//!   ends the program, as it would have without evloop. (Tokio keeps the
//!   signal swallowed instead; a Ctrl-C then does nothing.)
//! - **Deliveries coalesce.** Like the kernel, which keeps one pending
//!   instance of a signal, a listener that is not waiting counts several
//!   deliveries as one.
//! - **It works without a reactor.** Waking a task is all the signal thread
//!   does, so listeners work in a loop built with
//!   [`Builder::reactor(false)`](crate::Builder::reactor) too.
//! - While a task awaits a signal, the loop treats it as outside work (an
//!   [`ExternalWork`](crate::ExternalWork)): an idle loop waits for the
//!   signal rather than reporting a stall, and the virtual clock does not
//!   jump ahead of it.
//!
//! `SIGKILL` and `SIGSTOP` cannot be caught, and the fault signals
//! (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`) must not be: [`signal`] refuses
//! them with `InvalidInput`, saying why.
//!
//! # Where this simplifies
//!
//! The handler is installed with `signal(2)`, not `sigaction(2)`, so that no
//! C struct layout has to be declared (see `sys/signal.rs`); a production
//! runtime uses `sigaction` to choose its flags (`SA_RESTART`, `SA_SIGINFO`
//! to learn who sent it). Listening on Linux could also use a `signalfd`,
//! which needs the signal blocked in *every* thread, something a library
//! cannot promise for threads it did not start.

mod dispatch;
mod interrupt;
mod kind;
mod listener;

use std::io;

pub(crate) use dispatch::adopt_orphan;
pub use interrupt::interrupt_on_ctrl_c;
pub use kind::SignalKind;
pub(crate) use listener::Waiting;
pub use listener::{CtrlC, Recv, Signal};

/// Listens for `kind` from now on: each delivery to the process makes one
/// [`Signal::recv`] complete (Tokio's `unix::signal`). Needs no running loop
/// to be created.
///
/// # Errors
///
/// - `InvalidInput` for `SIGKILL`, `SIGSTOP`, the fault signals and numbers
///   that are not signals (the message says which and why);
/// - the OS's, if it refuses the handler (the C library keeps a few
///   real-time signals for itself) or the signal pipe or thread cannot be
///   made.
///
/// # Examples
///
/// A server that stops at `SIGTERM` (here it sends itself one):
///
/// ```
/// use evloop::signal::{self, SignalKind};
///
/// evloop::run(async {
///     let mut term = signal::signal(SignalKind::terminate()).unwrap();
///     let server = evloop::spawn(async { /* serve… */ });
///     signal::raise(SignalKind::terminate()).unwrap(); // as `kill -TERM <pid>` would
///     term.recv().await;
///     server.cancel();
/// });
/// ```
///
/// Misuse is an error, not a panic:
///
/// ```
/// use evloop::signal::{self, SignalKind};
///
/// let err = signal::signal(SignalKind::from_raw(9)).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("SIGKILL cannot be caught"), "{err}");
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    Signal::new(kind)
}

/// A future that completes at the next Ctrl-C (`SIGINT`) after this call
/// (Tokio's `ctrl_c`). It listens from the call on, not from the first
/// poll, so a Ctrl-C in between is not lost.
///
/// While no `ctrl_c()` future (nor other listener of `SIGINT`, nor
/// [`interrupt_on_ctrl_c`]) is alive, Ctrl-C
/// ends the program as usual (see the module doc).
///
/// # Errors
///
/// The future resolves to an error if the handler, the pipe or the signal
/// thread cannot be made.
///
/// # Examples
///
/// ```
/// use evloop::signal;
///
/// evloop::run(async {
///     let ctrl_c = signal::ctrl_c();
///     signal::raise(signal::SignalKind::interrupt()).unwrap(); // as if the user pressed Ctrl-C
///     ctrl_c.await.unwrap();
///     println!("bye");
/// });
/// ```
pub fn ctrl_c() -> CtrlC {
    CtrlC::new()
}

/// Sends `kind` to this process, as `kill -SIG <own pid>` would (Python's
/// `signal.raise_signal`). Listeners hear it, or, if there are none, it
/// does what the signal does (`SIGTERM` ends the process).
///
/// # Errors
///
/// `InvalidInput` for a number that is not a signal on this OS; otherwise
/// the OS's.
///
/// # Examples
///
/// ```
/// use evloop::signal::{self, SignalKind};
///
/// let err = signal::raise(SignalKind::from_raw(0)).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// ```
pub fn raise(kind: SignalKind) -> io::Result<()> {
    crate::sys::signal::send(std::process::id(), kind.as_raw_value())
}

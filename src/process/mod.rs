//! Child processes and this process's own stdin, stdout and stderr.
//!
//! - [`spawn`] starts a `std::process::Command` as a [`Child`] whose piped
//!   stdin/stdout/stderr are async pipe ends ([`PipeWriter`](crate::io::PipeWriter),
//!   [`PipeReader`](crate::io::PipeReader)) and whose exit can be awaited
//!   ([`Child::wait`]); [`output`] runs one to the end and collects what it
//!   printed. asyncio's `create_subprocess_exec` and `Process`.
//! - [`stdin`], [`stdout`], [`stderr`]: the process's own standard streams,
//!   for the REPL-like programs people write, read and written on a worker
//!   thread (see [`Stdin`] for why).
//!
//! ```text
//!   spawn(cmd) ── listen for SIGCHLD ── fork/exec ── pipes → Async (reactor)
//!   child.wait().await:
//!       try_wait() → None ─▶ Pending (ExternalWork held)
//!          ▲                    │ child exits → SIGCHLD → signal thread wakes the task
//!          └────────────────────┘
//!       try_wait() → Some(status) ─▶ Ready
//! ```
//!
//! # Where this simplifies
//!
//! On Linux 5.3+ a production runtime (Tokio, since its pull request 6152)
//! waits on a *pidfd*, a descriptor that turns readable when the child
//! exits and that the reactor watches like a socket, with no signal handler
//! at all. evloop uses `SIGCHLD` on every OS instead: one mechanism, the one
//! it already has for signals, which also serves loops without a reactor.
//! Its cost: each exit of any child makes every waiting `Child` call
//! `try_wait` once. The chapter `docs/processes.md` compares the three ways
//! to learn of an exit.

mod child;
mod stdio;

pub use child::{Child, Wait, output, spawn};
pub use stdio::{Stderr, Stdin, Stdout, stderr, stdin, stdout};

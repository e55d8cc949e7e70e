//! The runtimes under test, each behind the same small vocabulary.
//!
//! A workload is written once, as a `macro_rules!` body that names its
//! runtime module (`runtimes::$rt::spawn(…)`), and expanded once per runtime.
//! A macro rather than a trait because the runtimes disagree on `Send`:
//! tokio's plain `spawn` needs `Send` futures while evloop's timers and
//! queues are `Rc`-based; each expansion is type-checked on its own, so every
//! runtime runs the same source with its own types.
//!
//! Every module offers the same names:
//!
//! ```text
//!   block_on(f)            a fresh runtime, run f to completion, drop the runtime
//!   spawn(f) -> handle     a task; awaiting the handle gives f's output
//!   spawn_detached(f)      a task nobody joins
//!   yield_now()            the runtime's own yield
//!   channel(cap)           the runtime's own bounded channel; send / recv
//!   sleep(d)               the runtime's timer (not futures' LocalPool: it has none)
//!   listen / connect / accept / write_all / read_exact   TCP (not LocalPool)
//! ```
//!
//! One column has no module: futures-lite, whose `block_on` runs a single
//! future with no executor behind it. It runs only R (a fresh runtime per
//! `block_on`), where it is the floor (`workloads/fresh_runtime.rs`).

pub mod evloop;
pub mod evloop_events;
pub mod evloop_log;
pub mod futures_pool;
pub mod smol;
pub mod tokio;
pub mod tokio_local;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A join handle that gives its task's output, not a `Result` of it (a
/// benchmark task does not panic): what `spawn` returns for the runtimes
/// whose handles give a `Result` (evloop, tokio), so that it is the same
/// thing smol's `Task` and futures' `RemoteHandle` are.
///
/// A struct of one field rather than `async move { handle.await.expect(..) }`:
/// such a block keeps the handle twice (what it captured, and what it awaits)
/// beside its state, three words for a one-word handle, and a workload that
/// keeps its handles in a `Vec` (A) wrote and read three times the memory
/// for evloop and tokio that it does for smol.
pub struct Unwrapped<H>(pub H);

impl<H, T, E> Future for Unwrapped<H>
where
    H: Future<Output = Result<T, E>> + Unpin,
    E: fmt::Debug,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|out| out.expect("a benchmark task does not panic"))
    }
}

/// One runtime configuration, as a column of the results table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// tokio's current-thread runtime, plain `tokio::spawn`.
    Tokio,
    /// tokio's current-thread runtime, a `LocalSet` and `spawn_local`.
    TokioLocal,
    /// `async_executor::LocalExecutor` driven by `async_io::block_on`.
    Smol,
    /// `futures::executor::LocalPool` (no timers, no I/O).
    Futures,
    /// `futures_lite::future::block_on` alone: no executor, no tasks, so it
    /// runs only R (a fresh runtime per `block_on`), as the floor there.
    FuturesLite,
    /// evloop: real clock, debug mode off, nobody listening.
    Evloop,
    /// evloop with a subscriber counting every event.
    EvloopEvents,
    /// evloop with the event log on (nobody listening).
    EvloopLog,
}

impl Kind {
    /// Every column, in table order.
    pub const ALL: [Kind; 8] = [
        Kind::Tokio,
        Kind::TokioLocal,
        Kind::Smol,
        Kind::Futures,
        Kind::FuturesLite,
        Kind::Evloop,
        Kind::EvloopEvents,
        Kind::EvloopLog,
    ];

    /// Every runtime that can spawn tasks (all but futures-lite).
    pub const EXECUTORS: [Kind; 7] = [
        Kind::Tokio,
        Kind::TokioLocal,
        Kind::Smol,
        Kind::Futures,
        Kind::Evloop,
        Kind::EvloopEvents,
        Kind::EvloopLog,
    ];

    /// Every runtime that has timers and I/O (all but LocalPool).
    pub const WITH_REACTOR: [Kind; 6] = [
        Kind::Tokio,
        Kind::TokioLocal,
        Kind::Smol,
        Kind::Evloop,
        Kind::EvloopEvents,
        Kind::EvloopLog,
    ];

    /// The column name, also what `--only` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tokio => "tokio",
            Kind::TokioLocal => "tokio-local",
            Kind::Smol => "smol",
            Kind::Futures => "futures",
            Kind::FuturesLite => "futures-lite",
            Kind::Evloop => "evloop",
            Kind::EvloopEvents => "evloop+events",
            Kind::EvloopLog => "evloop+log",
        }
    }

    /// The runtimes evloop is compared with (evloop's own columns are not).
    pub fn is_peer(self) -> bool {
        !matches!(self, Kind::Evloop | Kind::EvloopEvents | Kind::EvloopLog)
    }

    /// Parses a column name.
    ///
    /// # Errors
    ///
    /// An unknown name, with the list of known ones.
    pub fn parse(name: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown runtime `{name}`: expected one of {}",
                    known.join(", ")
                )
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Expands the workload body macro `$body!($module, (args…))` on the runtime
/// `$kind` if it is one of the listed `Variant => module` pairs, and runs it
/// with that module's `block_on`. `None` for a runtime not listed.
macro_rules! run_on {
    ($kind:expr, $body:ident $args:tt, [$($variant:ident => $module:ident),* $(,)?]) => {
        match $kind {
            $(
                $crate::runtimes::Kind::$variant => Some($crate::runtimes::$module::block_on(
                    $body!($module, $args),
                )),
            )*
            #[allow(unreachable_patterns)]
            _ => None,
        }
    };
}

/// [`run_on!`] over every runtime.
macro_rules! run_on_every {
    ($kind:expr, $body:ident $args:tt) => {
        $crate::runtimes::run_on!($kind, $body $args, [
            Tokio => tokio,
            TokioLocal => tokio_local,
            Smol => smol,
            Futures => futures_pool,
            Evloop => evloop,
            EvloopEvents => evloop_events,
            EvloopLog => evloop_log,
        ])
    };
}

/// [`run_on!`] over the runtimes with timers and I/O.
macro_rules! run_on_reactors {
    ($kind:expr, $body:ident $args:tt) => {
        $crate::runtimes::run_on!($kind, $body $args, [
            Tokio => tokio,
            TokioLocal => tokio_local,
            Smol => smol,
            Evloop => evloop,
            EvloopEvents => evloop_events,
            EvloopLog => evloop_log,
        ])
    };
}

pub(crate) use {run_on, run_on_every, run_on_reactors};

//! How a session is started, and how much it keeps: its budgets and bounds.

use std::time::Duration;

/// The default poll budget of one driving command.
pub const DEFAULT_BUDGET: u64 = 100_000;
/// The default time budget of one driving command: real time spent in polls.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(60);

/// How a session was started.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Poll budget of each driving command.
    pub budget: u64,
    /// Time budget of each driving command: the real time its polls may
    /// take together (a `spin` counts; a `sleep` does not).
    pub time_budget: Duration,
    /// Leave real-time measurements out of the output (scripts, transcripts).
    pub deterministic: bool,
    /// How much the session keeps.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            budget: DEFAULT_BUDGET,
            time_budget: DEFAULT_TIME_BUDGET,
            deterministic: false,
            limits: Limits::default(),
        }
    }
}

/// How much a session keeps: every store it has is bounded.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Events kept for `show`, `timeline`, `export-trace` and `export-html`
    /// (the oldest go).
    pub events: usize,
    /// Printed lines kept for `save test` (past it, `save test` refuses).
    pub prints: usize,
    /// Distinct warnings kept (repeats are counted, not kept).
    pub warnings: usize,
    /// Bytes of logged commands kept for `save`, `back` and `replay` (past
    /// it, those refuse: the session can no longer be rebuilt).
    pub log_bytes: usize,
    /// Lines of prints and steps one command shows.
    pub lines_per_command: usize,
    /// Bytes of prints and steps one command shows.
    pub bytes_per_command: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            events: 200_000,
            prints: 100_000,
            warnings: 1_000,
            log_bytes: 16 << 20,
            lines_per_command: 10_000,
            bytes_per_command: 1 << 20,
        }
    }
}

//! Replaying from the environment: `EVLOOP_SEED` and `EVLOOP_SCHEDULE`.
//!
//! A failing exploration prints both. Set one and run the same test again:
//! the harness runs only that seed's policy (`EVLOOP_SEED=17`) or follows
//! that exact schedule (`EVLOOP_SCHEDULE="0*31 0c(14)"`) instead of
//! exploring. Both are read when a test runs, so they can be set per
//! `cargo test` invocation.

use std::env::VarError;

use crate::executor::Schedule;

/// The variable that replays one seed of an exploration.
pub const SEED_VAR: &str = "EVLOOP_SEED";
/// The variable that replays one schedule string.
pub const SCHEDULE_VAR: &str = "EVLOOP_SCHEDULE";

/// What the environment asks for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FromEnv {
    Explore,
    Seed(u64),
    Schedule(Schedule),
}

fn read(var: &str) -> Result<Option<String>, String> {
    match std::env::var(var) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(format!("{var} is not valid UTF-8")),
    }
}

/// Reads both variables; a schedule wins over a seed.
pub(crate) fn from_env() -> Result<FromEnv, String> {
    if let Some(text) = read(SCHEDULE_VAR)? {
        return text
            .parse()
            .map(FromEnv::Schedule)
            .map_err(|e| format!("{SCHEDULE_VAR}={text:?}: {e}"));
    }
    if let Some(text) = read(SEED_VAR)? {
        return text.trim().parse().map(FromEnv::Seed).map_err(|_| {
            format!("{SEED_VAR}={text:?} is not a seed: expected a whole number such as 17")
        });
    }
    Ok(FromEnv::Explore)
}

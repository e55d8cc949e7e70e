//! The workloads of `shared/bench/WORKLOADS.md`, one file each.
//!
//! Each file holds a body macro (the workload, written once against the
//! vocabulary of [`runtimes`](crate::runtimes)) and a `run` function that
//! sizes it and expands it on the runtime asked for. Timing starts inside
//! the runtime, after it is built, and stops before it is dropped: what is
//! measured is the workload, not runtime construction. The one exception is
//! R, which measures exactly that construction and drop.

mod channel;
mod cross_thread;
mod echo;
mod fresh_runtime;
mod lateness;
pub mod memory;
mod ping_pong;
mod spawn_join;
mod timers;
mod wide_yield;
mod yielding;

use std::time::Duration;

use crate::runtimes::Kind;

/// Which way a figure is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// One repetition's result: the headline figure and any secondary ones
/// (percentiles, totals) shown in the details table.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub value: f64,
    pub extras: Vec<(&'static str, f64)>,
}

impl Sample {
    /// Nanoseconds per operation.
    pub fn per_op(elapsed: Duration, ops: u64) -> Sample {
        Sample {
            value: elapsed.as_nanos() as f64 / ops as f64,
            extras: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: f64) -> Sample {
        self.extras.push((name, value));
        self
    }
}

/// How big to make each workload: the sizes of WORKLOADS.md, a tenth of
/// them for `--quick`, or, for the scaling curves, an exact task count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub quick: bool,
    /// The number of tasks or timers, set by `--scaling` for the workloads
    /// that take one (A, C, D1, M); `None` in the normal run.
    pub count: Option<u64>,
}

impl Size {
    /// The sizes of WORKLOADS.md.
    pub const FULL: Size = Size {
        quick: false,
        count: None,
    };

    /// A tenth of each size.
    pub const QUICK: Size = Size {
        quick: true,
        count: None,
    };

    /// Exactly `count` tasks or timers (for the workloads that read
    /// [`Size::count`]); the other sizes as WORKLOADS.md gives them.
    pub fn exactly(count: u64) -> Size {
        Size {
            quick: false,
            count: Some(count),
        }
    }

    /// `full` normally, `full / 10` in quick mode (at least 1).
    pub fn scale(self, full: u64) -> u64 {
        if self.quick { (full / 10).max(1) } else { full }
    }

    /// The number of tasks or timers of a workload whose size is one:
    /// the scaling mode's count if set, else [`scale`](Size::scale)`(full)`.
    pub fn count(self, full: u64) -> u64 {
        self.count.unwrap_or_else(|| self.scale(full))
    }
}

/// A workload as the harness knows it.
pub struct Workload {
    pub id: &'static str,
    pub what: &'static str,
    /// The unit of the headline figure.
    pub figure: &'static str,
    pub better: Better,
    pub runtimes: &'static [Kind],
    /// Other workloads whose peer results also count as "the best peer"
    /// for this one's ratio (B1 is judged against the fastest yield of B1
    /// and B1w).
    pub peers_also_from: &'static [&'static str],
    pub run: fn(Kind, Size) -> Option<Sample>,
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workload({})", self.id)
    }
}

/// Every workload, in report order.
pub const ALL: &[Workload] = &[
    spawn_join::WORKLOAD,
    yielding::WORKLOAD,
    yielding::WAKE_BY_REF,
    ping_pong::WORKLOAD,
    wide_yield::WORKLOAD,
    timers::WORKLOAD,
    lateness::WORKLOAD,
    channel::WORKLOAD,
    echo::MANY,
    echo::ONE,
    cross_thread::BLOCKING,
    cross_thread::SPINNING,
    memory::WORKLOAD,
    fresh_runtime::WORKLOAD,
];

/// Finds workloads by id (case-insensitive); `G` means both G variants.
///
/// # Errors
///
/// An unknown id, with the list of known ones.
pub fn find(id: &str) -> Result<Vec<&'static Workload>, String> {
    let matches: Vec<_> = ALL
        .iter()
        .filter(|w| {
            w.id.eq_ignore_ascii_case(id) || (id.eq_ignore_ascii_case("G") && w.id.starts_with('G'))
        })
        .collect();
    if matches.is_empty() {
        let known: Vec<_> = ALL.iter().map(|w| w.id).collect();
        return Err(format!(
            "unknown workload `{id}`: expected one of {} (or G for both G variants)",
            known.join(", ")
        ));
    }
    Ok(matches)
}

/// A small, fixed-seed generator (xorshift64*) so every runtime sleeps the
/// same random durations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Uniform in `low..high` (`high > low`).
    pub fn below(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        low + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (high - low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_selects_both_cross_thread_variants() {
        let ids: Vec<_> = find("g").unwrap().iter().map(|w| w.id).collect();
        assert_eq!(ids, ["Gblock", "Gspin"]);
        assert_eq!(find("b1").unwrap()[0].id, "B1");
        assert!(find("Z").unwrap_err().contains("expected one of A, B1"));
    }

    #[test]
    fn an_exact_count_overrides_the_size_and_the_quick_tenth() {
        assert_eq!(Size::FULL.count(100_000), 100_000);
        assert_eq!(Size::QUICK.count(100_000), 10_000);
        assert_eq!(Size::exactly(1_000).count(100_000), 1_000);
        // Sizes that are not a task count stay as WORKLOADS.md gives them.
        assert_eq!(Size::exactly(1_000).scale(200_000), 200_000);
        assert_eq!(Size::QUICK.scale(5), 1);
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.below(10, 20);
            assert_eq!(x, b.below(10, 20));
            assert!((10..20).contains(&x));
        }
    }
}

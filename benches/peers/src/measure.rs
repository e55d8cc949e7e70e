//! Running one workload on every runtime, interleaved and rotated, and the
//! physical floors: what the table, the scaling curves and the smoke check
//! all measure with.
//!
//! ```text
//!   for rep in 0..reps:                       interleaved, rotated:
//!     for runtime in rotated(runtimes, rep):  rep 0: A B C D, rep 1: B C D A, …
//!       build the runtime, run the workload in it, keep the sample
//! ```

use std::io::Write as _;

use crate::floors;
use crate::report::Results;
use crate::runtimes::Kind;
use crate::stats::rotated;
use crate::workloads::{Size, Workload};

/// Every repetition of `workload` at `size` on each of `runtimes` that runs
/// it. `label` names the workload in the progress line on stderr.
pub fn measure(
    workload: &'static Workload,
    runtimes: &[Kind],
    reps: usize,
    size: Size,
    label: &str,
) -> Results {
    let kinds: Vec<Kind> = runtimes
        .iter()
        .copied()
        .filter(|k| workload.runtimes.contains(k))
        .collect();
    let mut samples: Vec<(Kind, Vec<_>)> = kinds.iter().map(|k| (*k, Vec::new())).collect();
    for rep in 0..reps {
        for kind in rotated(&kinds, rep) {
            eprint!("\r{label} rep {}/{reps} {kind:<14}", rep + 1);
            let _ = std::io::stderr().flush();
            if let Some(sample) = (workload.run)(kind, size) {
                let slot = samples.iter_mut().find(|(k, _)| *k == kind);
                slot.expect("every kind has a slot").1.push(sample);
            }
        }
    }
    Results { workload, samples }
}

pub fn measure_floors(reps: usize, size: Size) -> Vec<(&'static floors::Floor, Vec<f64>)> {
    floors::ALL
        .iter()
        .map(|floor| {
            eprint!("\rfloor: {:40}", floor.name);
            let values = (0..reps)
                .filter_map(|_| match (floor.measure)(size) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        eprintln!("\nfloor `{}` failed: {e}", floor.name);
                        None
                    }
                })
                .collect();
            (floor, values)
        })
        .collect()
}

//! Turning samples into the Markdown tables and the `RATIO` lines.
//!
//! ```text
//!   RATIO <id> <r>    r = evloop's median / the best peer's median
//!                     (for a higher-is-better figure such as round trips
//!                     per second, the inverse: best peer / evloop), so
//!                     r ≤ 1.00 always means "evloop is at least as good"
//!   EVENTS <id> <r>   the same ratio, evloop with a subscriber counting
//!                     every event / evloop with nobody listening
//! ```

use std::fmt::Write as _;

use crate::runtimes::Kind;
use crate::stats::{median, min_max};
use crate::workloads::{Better, Sample, Workload};

/// Every repetition of one workload on every runtime that ran it.
pub struct Results {
    pub workload: &'static Workload,
    pub samples: Vec<(Kind, Vec<Sample>)>,
}

impl Results {
    fn headline(&self, kind: Kind) -> Vec<f64> {
        self.samples
            .iter()
            .filter(|(k, _)| *k == kind)
            .flat_map(|(_, s)| s.iter().map(|s| s.value))
            .collect()
    }

    /// The median headline figure of `kind`, if it ran.
    pub fn median(&self, kind: Kind) -> Option<f64> {
        median(&self.headline(kind))
    }

    fn extra(&self, kind: Kind, name: &str) -> Option<f64> {
        let values: Vec<f64> = self
            .samples
            .iter()
            .filter(|(k, _)| *k == kind)
            .flat_map(|(_, s)| s.iter())
            .flat_map(|s| s.extras.iter().filter(|(n, _)| *n == name).map(|(_, v)| *v))
            .collect();
        median(&values)
    }

    fn extra_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for (_, samples) in &self.samples {
            for (name, _) in samples.iter().flat_map(|s| &s.extras) {
                if !names.contains(name) {
                    names.push(name);
                }
            }
        }
        names
    }
}

/// `ours` against `theirs`, oriented so that ≤ 1 means `ours` is at least
/// as good.
fn oriented(better: Better, ours: f64, theirs: f64) -> f64 {
    match better {
        Better::Lower => ours / theirs,
        Better::Higher => theirs / ours,
    }
}

/// The best peer median for `results`' workload, over its own results and
/// those of the workloads it names in `peers_also_from`.
fn best_peer(all: &[Results], results: &Results) -> Option<f64> {
    let better = results.workload.better;
    all.iter()
        .filter(|r| {
            r.workload.id == results.workload.id
                || results.workload.peers_also_from.contains(&r.workload.id)
        })
        .flat_map(|r| {
            Kind::ALL
                .into_iter()
                .filter(|k| k.is_peer())
                .filter_map(|k| r.median(k))
        })
        .reduce(|a, b| match better {
            Better::Lower => a.min(b),
            Better::Higher => a.max(b),
        })
}

/// evloop / best peer, oriented (≤ 1: evloop at least as good).
pub fn ratio(all: &[Results], results: &Results) -> Option<f64> {
    let ours = results.median(Kind::Evloop)?;
    Some(oriented(
        results.workload.better,
        ours,
        best_peer(all, results)?,
    ))
}

/// evloop's best repetition against the best peer's median, oriented (the
/// second look of `--fail-above`): noise slows some of evloop's repetitions,
/// a pathology (a quadratic, a lost wake, a loop rebuilt per call) slows
/// every one of them.
pub fn best_case_ratio(all: &[Results], results: &Results) -> Option<f64> {
    let (fastest, slowest) = min_max(&results.headline(Kind::Evloop))?;
    let best = match results.workload.better {
        Better::Lower => fastest,
        Better::Higher => slowest,
    };
    Some(oriented(
        results.workload.better,
        best,
        best_peer(all, results)?,
    ))
}

/// evloop with events / evloop without, oriented the same way.
pub fn events_cost(results: &Results) -> Option<f64> {
    watched_cost(results, Kind::EvloopEvents)
}

/// evloop with the event log on / evloop without, oriented the same way.
pub fn log_cost(results: &Results) -> Option<f64> {
    watched_cost(results, Kind::EvloopLog)
}

fn watched_cost(results: &Results, watched: Kind) -> Option<f64> {
    Some(oriented(
        results.workload.better,
        results.median(watched)?,
        results.median(Kind::Evloop)?,
    ))
}

/// The rows where evloop is more than `limit` times the best peer (the
/// `RATIO` above `limit`), with that ratio, in table order.
pub fn above(all: &[Results], limit: f64) -> Vec<(&'static Workload, f64)> {
    all.iter()
        .filter_map(|results| Some((results.workload, ratio(all, results)?)))
        .filter(|(_, r)| *r > limit)
        .collect()
}

/// The columns to show: those of `runtimes` that ran at least one of the
/// workloads (futures-lite runs only R, so a run without R has no
/// futures-lite column).
pub fn columns(all: &[Results], runtimes: &[Kind]) -> Vec<Kind> {
    runtimes
        .iter()
        .copied()
        .filter(|k| all.iter().any(|r| !r.headline(*k).is_empty()))
        .collect()
}

/// A figure with as many decimals as its size deserves.
pub fn number(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let whole = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if v < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn cell(values: &[f64]) -> String {
    match (median(values), min_max(values)) {
        (Some(m), Some((lo, hi))) => format!("{} ({}–{})", number(m), number(lo), number(hi)),
        _ => "—".to_string(),
    }
}

/// A Markdown header: two text columns, one right-aligned column per
/// runtime, and the `last` column if any.
fn header(second: &str, runtimes: &[Kind], last: Option<&str>) -> String {
    let mut names = vec!["workload".to_string(), second.to_string()];
    names.extend(runtimes.iter().map(|k| k.to_string()));
    names.extend(last.map(str::to_string));
    let mut rule = "|---|---|".to_string();
    rule.push_str(&"---:|".repeat(names.len() - 2));
    format!("| {} |\n{rule}\n", names.join(" | "))
}

/// The main table: median (min–max) per runtime, and the ratio.
pub fn table(all: &[Results], runtimes: &[Kind]) -> String {
    let mut out = header("figure", runtimes, Some("evloop / best peer"));
    for results in all {
        let w = results.workload;
        let _ = write!(out, "| {} {} | {} |", w.id, w.what, w.figure);
        for kind in runtimes {
            let _ = write!(out, " {} |", cell(&results.headline(*kind)));
        }
        let r = ratio(all, results).map_or("—".to_string(), |r| format!("{r:.2}"));
        let _ = writeln!(out, " {r} |");
    }
    out
}

/// Secondary figures (percentiles, totals), medians over repetitions.
pub fn details(all: &[Results], runtimes: &[Kind]) -> Option<String> {
    let mut rows = String::new();
    for results in all {
        for name in results.extra_names() {
            let _ = write!(rows, "| {} | {name} |", results.workload.id);
            for kind in runtimes {
                let v = results.extra(*kind, name).map_or("—".into(), number);
                let _ = write!(rows, " {v} |");
            }
            rows.push('\n');
        }
    }
    if rows.is_empty() {
        return None;
    }
    Some(header("figure (median)", runtimes, None) + &rows)
}

/// The machine-readable lines, one per workload that has a ratio.
pub fn ratio_lines(all: &[Results]) -> String {
    let mut out = String::new();
    for results in all {
        if let Some(r) = ratio(all, results) {
            let _ = writeln!(out, "RATIO {} {r:.2}", results.workload.id);
        }
    }
    for results in all {
        if let Some(r) = events_cost(results) {
            let _ = writeln!(out, "EVENTS {} {r:.2}", results.workload.id);
        }
    }
    for results in all {
        if let Some(r) = log_cost(results) {
            let _ = writeln!(out, "LOG {} {r:.2}", results.workload.id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads;

    fn results(id: &str, per_kind: &[(Kind, &[f64])]) -> Results {
        Results {
            workload: workloads::find(id).unwrap()[0],
            samples: per_kind
                .iter()
                .map(|(k, vs)| {
                    let samples = vs
                        .iter()
                        .map(|v| Sample {
                            value: *v,
                            extras: vec![],
                        })
                        .collect();
                    (*k, samples)
                })
                .collect(),
        }
    }

    #[test]
    fn lower_is_better_ratio_divides_by_the_fastest_peer() {
        let all = [results(
            "A",
            &[
                (Kind::Tokio, &[200.0, 210.0, 190.0]),
                (Kind::Smol, &[120.0, 500.0, 130.0]),
                (Kind::Evloop, &[60.0, 66.0, 63.0]),
                (Kind::EvloopEvents, &[126.0]),
                (Kind::EvloopLog, &[94.5]),
            ],
        )];
        // smol's median is 130; evloop's 63.
        assert_eq!(ratio(&all, &all[0]), Some(63.0 / 130.0));
        assert_eq!(events_cost(&all[0]), Some(2.0));
        assert_eq!(log_cost(&all[0]), Some(1.5));
        assert_eq!(
            ratio_lines(&all),
            "RATIO A 0.48\nEVENTS A 2.00\nLOG A 1.50\n"
        );
    }

    #[test]
    fn higher_is_better_ratio_is_inverted_so_at_most_one_is_good() {
        let all = [results(
            "F1",
            &[(Kind::Tokio, &[50_000.0]), (Kind::Evloop, &[100_000.0])],
        )];
        assert_eq!(ratio(&all, &all[0]), Some(0.5));
    }

    #[test]
    fn b1_is_judged_against_the_fastest_yield_of_b1_and_b1w() {
        let all = [
            results("B1", &[(Kind::Tokio, &[100.0]), (Kind::Evloop, &[30.0])]),
            results("B1w", &[(Kind::Tokio, &[25.0]), (Kind::Evloop, &[20.0])]),
        ];
        assert_eq!(ratio(&all, &all[0]), Some(30.0 / 25.0));
        assert_eq!(ratio(&all, &all[1]), Some(20.0 / 25.0));
    }

    #[test]
    fn no_ratio_without_evloop_or_without_a_peer() {
        let peers_only = [results("A", &[(Kind::Tokio, &[1.0])])];
        assert_eq!(ratio(&peers_only, &peers_only[0]), None);
        let evloop_only = [results("A", &[(Kind::Evloop, &[1.0])])];
        assert_eq!(ratio(&evloop_only, &evloop_only[0]), None);
        assert_eq!(ratio_lines(&evloop_only), "");
    }

    #[test]
    fn a_second_look_judges_evloops_best_repetition() {
        // Noise: one slow repetition puts the median above 3, the best is not.
        let noisy = [results(
            "Gblock",
            &[
                (Kind::Tokio, &[100.0, 110.0, 90.0]),
                (Kind::Evloop, &[330.0, 250.0, 320.0]),
            ],
        )];
        assert_eq!(ratio(&noisy, &noisy[0]), Some(3.2));
        assert_eq!(best_case_ratio(&noisy, &noisy[0]), Some(2.5));
        // A pathology slows every repetition.
        let slow = [results(
            "Gblock",
            &[
                (Kind::Tokio, &[100.0, 110.0, 90.0]),
                (Kind::Evloop, &[900.0, 1000.0, 950.0]),
            ],
        )];
        assert_eq!(best_case_ratio(&slow, &slow[0]), Some(9.0));
        // Higher is better: the best repetition is the largest.
        let rate = [results(
            "F1",
            &[
                (Kind::Tokio, &[300.0]),
                (Kind::Evloop, &[50.0, 100.0, 60.0]),
            ],
        )];
        assert_eq!(best_case_ratio(&rate, &rate[0]), Some(3.0));
    }

    #[test]
    fn rows_above_the_limit_are_named_with_their_ratio() {
        let all = [
            results("A", &[(Kind::Smol, &[100.0]), (Kind::Evloop, &[310.0])]),
            results("C", &[(Kind::Smol, &[100.0]), (Kind::Evloop, &[300.0])]),
            results("M", &[(Kind::Smol, &[100.0])]),
        ];
        let above: Vec<_> = above(&all, 3.0)
            .into_iter()
            .map(|(w, r)| (w.id, r))
            .collect();
        // 3.00 is not above 3; a row without evloop has no ratio to judge.
        assert_eq!(above, [("A", 3.1)]);
    }

    #[test]
    fn columns_are_the_runtimes_that_ran_something() {
        let all = [results(
            "A",
            &[
                (Kind::Smol, &[1.0]),
                (Kind::Evloop, &[1.0]),
                (Kind::Tokio, &[]),
            ],
        )];
        assert_eq!(
            columns(&all, &Kind::ALL),
            [Kind::Smol, Kind::Evloop],
            "futures-lite, and tokio with no sample, have no column"
        );
    }

    #[test]
    fn headers_have_one_right_aligned_column_per_runtime() {
        assert_eq!(
            header("figure", &[Kind::Tokio, Kind::Evloop], Some("ratio")),
            "| workload | figure | tokio | evloop | ratio |\n|---|---|---:|---:|---:|\n"
        );
    }

    #[test]
    fn numbers_are_rounded_by_size_and_grouped_by_thousands() {
        assert_eq!(number(1.234), "1.23");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(123.4), "123");
        assert_eq!(number(1_234_567.0), "1,234,567");
        assert_eq!(cell(&[3.0, 1.0, 2.0]), "2.00 (1.00–3.00)");
        assert_eq!(cell(&[]), "—");
    }
}

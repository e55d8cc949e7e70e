//! `--scaling`: how the cost per task or timer grows with their number.
//!
//! ```text
//!   for each of A, C, D1, M:
//!     for count in 1,000  10,000  100,000  1,000,000   (up to 100,000 with --quick):
//!       measure it as the table does (every runtime, interleaved, rotated)
//!   print the medians, one row per workload and count, and the growth
//!   (the figure at the largest count over the figure at the smallest);
//!   with --svg FILE, draw one panel per workload, one line per runtime
//! ```
//!
//! A flat curve is a constant cost per item: the structure behind it does
//! O(1) work per task (a slab, a queue) or O(log n) work that the constant
//! part hides (a binary heap). A curve that rises where the tasks stop
//! fitting in the cache is memory, not an algorithm; one that keeps rising
//! by the same factor per decade is an algorithm.

use std::process::ExitCode;
use std::time::Instant;

use crate::cli::Options;
use crate::measure::measure;
use crate::report::{self, Results, number};
use crate::runtimes::Kind;
use crate::svg::{Chart, Panel, Series};
use crate::workloads::{Size, Workload};

/// The workloads whose size is a number of tasks or timers.
pub const WORKLOADS: [&str; 4] = ["A", "C", "D1", "M"];

/// The counts measured: four decades, or three with `--quick`.
pub fn counts(quick: bool) -> &'static [u64] {
    if quick {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    }
}

/// The title of a workload's panel and what its count counts.
fn labels(id: &str) -> (&'static str, &'static str) {
    match id {
        "A" => ("A spawn + join a trivial task", "tasks"),
        "C" => ("C tasks × 100 yields each", "tasks"),
        "D1" => ("D1 sleeps, random 0..50 ms", "timers"),
        "M" => ("M parked tasks: resident memory", "tasks"),
        _ => ("", "items"),
    }
}

/// Each runtime's colour (the Okabe–Ito palette, told apart with colour
/// blindness too).
fn colour(kind: Kind) -> &'static str {
    match kind {
        Kind::Tokio => "#0072B2",
        Kind::TokioLocal => "#56B4E9",
        Kind::Smol => "#009E73",
        Kind::Futures => "#E69F00",
        Kind::FuturesLite => "#999999",
        Kind::Evloop => "#D55E00",
        Kind::EvloopEvents => "#CC79A7",
        Kind::EvloopLog => "#F0E442",
    }
}

/// One workload measured at every count.
pub struct Curve {
    pub workload: &'static Workload,
    pub points: Vec<(u64, Results)>,
}

/// Runs the scaling mode: measures, prints the tables, writes the chart.
pub fn run(options: &Options) -> ExitCode {
    let started = Instant::now();
    let curves: Vec<Curve> = options
        .workloads
        .iter()
        .map(|workload| {
            let points = counts(options.quick)
                .iter()
                .map(|&count| {
                    let label = format!("{} at {}", workload.id, number(count as f64));
                    let size = Size::exactly(count);
                    (
                        count,
                        measure(workload, &options.runtimes, options.reps, size, &label),
                    )
                })
                .collect();
            eprintln!(
                "\r{} done ({:.1} s so far){:30}",
                workload.id,
                started.elapsed().as_secs_f64(),
                ""
            );
            Curve { workload, points }
        })
        .collect();
    let all: Vec<&Results> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|(_, r)| r))
        .collect();
    let columns: Vec<Kind> = options
        .runtimes
        .iter()
        .copied()
        .filter(|k| all.iter().any(|r| r.median(*k).is_some()))
        .collect();
    println!(
        "## How cost grows with the number of tasks ({} repetitions, {:.0} s)\n",
        options.reps,
        started.elapsed().as_secs_f64()
    );
    println!("Median per runtime; the last column is evloop's median over the best peer's.\n");
    print!("{}", table(&curves, &columns));
    println!(
        "\nGrowth: the figure at {} over the figure at {} (1.00: flat).\n",
        number(*counts(options.quick).last().unwrap_or(&1) as f64),
        number(counts(options.quick)[0] as f64)
    );
    print!("{}", growth(&curves, &columns));
    if let Some(path) = &options.svg {
        let svg = chart(&curves, &columns, options.reps).to_svg();
        if let Err(e) = std::fs::write(path, svg) {
            eprintln!("evloop-peers: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("the curves are in {}", path.display());
    }
    ExitCode::SUCCESS
}

fn header(second: &str, columns: &[Kind], last: Option<&str>) -> String {
    let mut names = vec!["workload".to_string(), second.to_string()];
    names.extend(columns.iter().map(|k| k.to_string()));
    names.extend(last.map(str::to_string));
    format!(
        "| {} |\n|---|{}\n",
        names.join(" | "),
        "---:|".repeat(names.len() - 1)
    )
}

/// One row per workload and count: the median per runtime and the ratio.
pub fn table(curves: &[Curve], columns: &[Kind]) -> String {
    let mut out = header("count", columns, Some("evloop / best peer"));
    for curve in curves {
        for (count, results) in &curve.points {
            out.push_str(&format!(
                "| {} {} | {} |",
                curve.workload.id,
                curve.workload.figure,
                number(*count as f64)
            ));
            for kind in columns {
                let cell = results.median(*kind).map_or("—".to_string(), number);
                out.push_str(&format!(" {cell} |"));
            }
            let ratio = report::ratio(std::slice::from_ref(results), results)
                .map_or("—".to_string(), |r| format!("{r:.2}"));
            out.push_str(&format!(" {ratio} |\n"));
        }
    }
    out
}

/// Per workload and runtime: the median at the largest count over the
/// median at the smallest.
pub fn growth(curves: &[Curve], columns: &[Kind]) -> String {
    let mut out = header("counts", columns, None);
    for curve in curves {
        let (Some((first, low)), Some((last, high))) = (curve.points.first(), curve.points.last())
        else {
            continue;
        };
        out.push_str(&format!(
            "| {} | {} → {} |",
            curve.workload.id,
            number(*first as f64),
            number(*last as f64)
        ));
        for kind in columns {
            let cell = match (low.median(*kind), high.median(*kind)) {
                (Some(l), Some(h)) if l > 0.0 => format!("{:.2}", h / l),
                _ => "—".to_string(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// The curves as a chart: one panel per workload, one line per runtime.
pub fn chart(curves: &[Curve], columns: &[Kind], reps: usize) -> Chart {
    let panels = curves
        .iter()
        .map(|curve| {
            let (title, counted) = labels(curve.workload.id);
            let series = columns
                .iter()
                .map(|&kind| Series {
                    name: kind.to_string(),
                    colour: colour(kind),
                    dashed: matches!(kind, Kind::EvloopEvents | Kind::EvloopLog),
                    points: curve
                        .points
                        .iter()
                        .filter_map(|(count, r)| Some((*count as f64, r.median(kind)?)))
                        .collect(),
                })
                .filter(|s| !s.points.is_empty())
                .collect();
            Panel {
                title: title.to_string(),
                x_label: format!("{counted} (log scale)"),
                y_label: curve.workload.figure.to_string(),
                series,
            }
        })
        .collect();
    Chart {
        title: format!("Cost per task as the count grows (medians of {reps} repetitions)"),
        panels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{self, Sample};

    fn results(id: &str, per_kind: &[(Kind, f64)]) -> Results {
        Results {
            workload: workloads::find(id).unwrap()[0],
            samples: per_kind
                .iter()
                .map(|(k, v)| {
                    let sample = Sample {
                        value: *v,
                        extras: vec![],
                    };
                    (*k, vec![sample])
                })
                .collect(),
        }
    }

    fn curves() -> Vec<Curve> {
        let a = |smol, evloop| results("A", &[(Kind::Smol, smol), (Kind::Evloop, evloop)]);
        let d1 = |tokio| results("D1", &[(Kind::Tokio, tokio)]);
        vec![
            Curve {
                workload: workloads::find("A").unwrap()[0],
                points: vec![(1_000, a(200.0, 100.0)), (1_000_000, a(300.0, 250.0))],
            },
            Curve {
                workload: workloads::find("D1").unwrap()[0],
                points: vec![(1_000, d1(1_500.0)), (1_000_000, d1(750.0))],
            },
        ]
    }

    #[test]
    fn the_scaled_workloads_exist_and_read_their_count() {
        for id in WORKLOADS {
            assert_eq!(workloads::find(id).unwrap()[0].id, id);
            assert!(!labels(id).0.is_empty(), "{id} has a panel title");
        }
        assert_eq!(counts(false), [1_000, 10_000, 100_000, 1_000_000]);
        assert_eq!(counts(true).last(), Some(&100_000));
    }

    #[test]
    fn the_table_has_a_row_per_workload_and_count() {
        let columns = [Kind::Tokio, Kind::Smol, Kind::Evloop];
        assert_eq!(
            table(&curves(), &columns),
            "| workload | count | tokio | smol | evloop | evloop / best peer |\n\
             |---|---:|---:|---:|---:|---:|\n\
             | A ns/task | 1,000 | — | 200 | 100 | 0.50 |\n\
             | A ns/task | 1,000,000 | — | 300 | 250 | 0.83 |\n\
             | D1 ns/timer (overhead) | 1,000 | 1,500 | — | — | — |\n\
             | D1 ns/timer (overhead) | 1,000,000 | 750 | — | — | — |\n"
        );
        assert_eq!(
            growth(&curves(), &columns),
            "| workload | counts | tokio | smol | evloop |\n\
             |---|---:|---:|---:|---:|\n\
             | A | 1,000 → 1,000,000 | — | 1.50 | 2.50 |\n\
             | D1 | 1,000 → 1,000,000 | 0.50 | — | — |\n"
        );
    }

    #[test]
    fn the_chart_has_a_panel_per_workload_and_a_line_per_runtime_that_ran() {
        let chart = chart(&curves(), &[Kind::Tokio, Kind::Smol, Kind::Evloop], 3);
        let names: Vec<Vec<&str>> = chart
            .panels
            .iter()
            .map(|p| p.series.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(names, [vec!["smol", "evloop"], vec!["tokio"]]);
        assert_eq!(chart.panels[1].x_label, "timers (log scale)");
        assert_eq!(chart.panels[0].y_label, "ns/task");
        assert_eq!(
            chart.panels[0].series[1].points,
            [(1e3, 100.0), (1e6, 250.0)]
        );
        assert!(chart.title.contains("3 repetitions"));
    }
}

//! The command line: `evloop-peers [WORKLOAD…] [--reps N] [--quick]
//! [--only RUNTIME…] [--workload ID] [--except ID] [--no-floors]
//! [--fail-above X]`, and `evloop-peers --scaling [A C D1 M] [--svg FILE]`
//! for the scaling curves.

use std::path::PathBuf;

use crate::runtimes::Kind;
use crate::scaling;
use crate::workloads::{self, Workload};

pub const USAGE: &str = "\
usage: cargo run --release -p evloop-peers -- [WORKLOAD…] [options]
       cargo run --release -p evloop-peers -- --scaling [A C D1 M] [--svg FILE] [options]

Runs the workloads of shared/bench/WORKLOADS.md on tokio (current-thread, plain
spawn and LocalSet), smol's LocalExecutor, futures' LocalPool and evloop,
interleaved, and prints a Markdown table, the physical floors, and one line
`RATIO <id> <evloop/best peer>` per workload (≤ 1.00: evloop is at least as good).

WORKLOAD   A B1 B1w B2 C D1 D2 E F50 F1 Gblock Gspin M R (G = both G variants);
           none given: all of them. R builds a fresh runtime per block_on of a
           ready future (the clock includes building and dropping it), beside
           futures_lite's block_on (the futures-lite column)
options:
  --reps N          repetitions of each workload (default 5; 3 with --quick)
  --quick           a tenth of each workload's size, 3 repetitions (under a minute)
  --only RUNTIME    run only this runtime (repeatable; comma lists accepted):
                    tokio, tokio-local, smol, futures, futures-lite, evloop,
                    evloop+events, evloop+log
  --workload ID     the same as a positional WORKLOAD (for profiling:
                    --only evloop --workload A --reps 1)
  --except ID       leave this workload out (repeatable)
  --no-floors       skip the physical floors (also skipped with --only)
  --fail-above X    exit 1 if evloop is more than X times the best peer on some
                    row (its RATIO) in a measurement and, in a second
                    measurement of that row, even its best repetition is
                    (the CI smoke check: --quick --fail-above 3)
  --scaling         instead of the table: A, C, D1 and M (or those named) at
                    1,000, 10,000, 100,000 and 1,000,000 tasks or timers (up to
                    100,000 with --quick), one Markdown table of medians
  --svg FILE        with --scaling: also draw the curves into FILE (SVG)
  -h, --help        this text";

/// What to run.
#[derive(Debug)]
pub struct Options {
    pub workloads: Vec<&'static Workload>,
    pub runtimes: Vec<Kind>,
    pub reps: usize,
    pub quick: bool,
    pub floors: bool,
    /// `--fail-above X`: the ratio above which a row fails (twice).
    pub fail_above: Option<f64>,
    /// `--scaling`: the scaling curves instead of the table.
    pub scaling: bool,
    /// `--svg FILE`: where the scaling mode draws its chart.
    pub svg: Option<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Request {
    Run(Options),
    Help,
}

/// Parses the arguments (without the program name).
///
/// # Errors
///
/// An unknown flag, workload or runtime, a missing or bad value, or options
/// that do not go together, saying what was expected.
pub fn parse(args: &[String]) -> Result<Request, String> {
    let mut workloads: Vec<&'static Workload> = Vec::new();
    let mut except: Vec<&'static Workload> = Vec::new();
    let mut runtimes: Vec<Kind> = Vec::new();
    let mut reps = None;
    let mut quick = false;
    let mut no_floors = false;
    let mut fail_above = None;
    let mut scaling = false;
    let mut svg = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value (see --help)"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(Request::Help),
            "--quick" => quick = true,
            "--no-floors" => no_floors = true,
            "--scaling" => scaling = true,
            "--svg" => svg = Some(PathBuf::from(value("--svg")?)),
            "--fail-above" => {
                let v = value("--fail-above")?;
                match v.parse::<f64>() {
                    Ok(x) if x.is_finite() && x > 0.0 => fail_above = Some(x),
                    _ => {
                        return Err(format!(
                            "--fail-above expects a ratio above 0 (such as 3), got `{v}`"
                        ));
                    }
                }
            }
            "--reps" => {
                let v = value("--reps")?;
                let n: usize = v
                    .parse()
                    .map_err(|_| format!("--reps expects a positive number, got `{v}`"))?;
                if n == 0 {
                    return Err("--reps expects a positive number, got 0".into());
                }
                reps = Some(n);
            }
            "--only" => {
                for name in value("--only")?.split(',') {
                    let kind = Kind::parse(name.trim())?;
                    if !runtimes.contains(&kind) {
                        runtimes.push(kind);
                    }
                }
            }
            "--workload" => add(&mut workloads, value("--workload")?)?,
            "--except" => add(&mut except, value("--except")?)?,
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option `{flag}` (see --help)"));
            }
            id => add(&mut workloads, id)?,
        }
    }
    if scaling {
        if fail_above.is_some() {
            return Err(
                "--fail-above judges the table, not --scaling: use one or the other".into(),
            );
        }
        if let Some(w) = workloads
            .iter()
            .find(|w| !scaling::WORKLOADS.contains(&w.id))
        {
            return Err(format!(
                "--scaling measures {} only (workloads sized by a task count), not `{}`",
                scaling::WORKLOADS.join(", "),
                w.id
            ));
        }
        if workloads.is_empty() {
            for id in scaling::WORKLOADS {
                add(&mut workloads, id)?;
            }
        }
    } else if svg.is_some() {
        return Err("--svg draws the scaling curves: it needs --scaling".into());
    }
    let floors = !no_floors && !scaling && runtimes.is_empty();
    if workloads.is_empty() {
        workloads = workloads::ALL.iter().collect();
    }
    workloads.retain(|w| !except.iter().any(|e| e.id == w.id));
    if workloads.is_empty() {
        return Err("--except left no workload to run".into());
    }
    if runtimes.is_empty() {
        runtimes = Kind::ALL.to_vec();
    }
    // Columns always come in table order, whatever order --only named them.
    runtimes.sort_by_key(|k| Kind::ALL.iter().position(|all| all == k));
    Ok(Request::Run(Options {
        workloads,
        runtimes,
        reps: reps.unwrap_or(if quick { 3 } else { 5 }),
        quick,
        floors,
        fail_above,
        scaling,
        svg,
    }))
}

fn add(into: &mut Vec<&'static Workload>, id: &str) -> Result<(), String> {
    for w in workloads::find(id)? {
        if !into.iter().any(|have| have.id == w.id) {
            into.push(w);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&args)? {
            Request::Run(o) => Ok(o),
            Request::Help => Err("help".into()),
        }
    }

    #[test]
    fn no_arguments_run_everything_five_times_with_floors() {
        let o = run(&[]).unwrap();
        assert_eq!(o.workloads.len(), workloads::ALL.len());
        assert_eq!(o.runtimes, Kind::ALL);
        assert_eq!((o.reps, o.quick, o.floors), (5, false, true));
        assert_eq!((o.fail_above, o.scaling, o.svg), (None, false, None));
        assert!(o.workloads.iter().any(|w| w.id == "R"));
    }

    #[test]
    fn except_leaves_workloads_out() {
        let o = run(&["--quick", "--except", "R", "--except", "g"]).unwrap();
        let ids: Vec<_> = o.workloads.iter().map(|w| w.id).collect();
        assert_eq!(ids.len(), workloads::ALL.len() - 3);
        assert!(!ids.iter().any(|id| ["R", "Gblock", "Gspin"].contains(id)));
        let o = run(&["--scaling", "--except", "M"]).unwrap();
        let ids: Vec<_> = o.workloads.iter().map(|w| w.id).collect();
        assert_eq!(ids, ["A", "C", "D1"]);
        assert!(
            run(&["A", "--except", "a"])
                .unwrap_err()
                .contains("no workload")
        );
        assert!(
            run(&["--except", "Q"])
                .unwrap_err()
                .contains("unknown workload")
        );
    }

    #[test]
    fn fail_above_takes_a_ratio() {
        let o = run(&["--quick", "--fail-above", "3"]).unwrap();
        assert_eq!((o.quick, o.fail_above), (true, Some(3.0)));
        assert_eq!(run(&["--fail-above", "2.5"]).unwrap().fail_above, Some(2.5));
        for bad in ["0", "-1", "x", "inf", "NaN"] {
            let e = run(&["--fail-above", bad]).unwrap_err();
            assert!(e.contains("ratio above 0") && e.contains(bad), "{e}");
        }
        assert!(
            run(&["--fail-above"])
                .unwrap_err()
                .contains("needs a value")
        );
    }

    #[test]
    fn scaling_measures_the_four_sized_workloads_without_floors() {
        let o = run(&["--scaling", "--svg", "out/curves.svg"]).unwrap();
        let ids: Vec<_> = o.workloads.iter().map(|w| w.id).collect();
        assert_eq!(ids, ["A", "C", "D1", "M"]);
        assert!(o.scaling && !o.floors);
        assert_eq!(o.svg, Some(PathBuf::from("out/curves.svg")));
        let o = run(&["--scaling", "d1", "--quick"]).unwrap();
        let ids: Vec<_> = o.workloads.iter().map(|w| w.id).collect();
        assert_eq!((ids, o.reps), (vec!["D1"], 3));
        assert!(run(&["--scaling"]).unwrap().svg.is_none());
    }

    #[test]
    fn scaling_options_that_do_not_go_together_are_explained() {
        let e = run(&["--scaling", "B1"]).unwrap_err();
        assert!(e.contains("A, C, D1, M") && e.contains("`B1`"), "{e}");
        let e = run(&["--svg", "x.svg"]).unwrap_err();
        assert!(e.contains("needs --scaling"), "{e}");
        let e = run(&["--scaling", "--fail-above", "3"]).unwrap_err();
        assert!(e.contains("one or the other"), "{e}");
        assert!(
            run(&["--scaling", "--svg"])
                .unwrap_err()
                .contains("needs a value")
        );
    }

    #[test]
    fn quick_defaults_to_three_repetitions_unless_told() {
        assert_eq!(run(&["--quick"]).unwrap().reps, 3);
        assert_eq!(run(&["--quick", "--reps", "7"]).unwrap().reps, 7);
    }

    #[test]
    fn only_and_workload_select_one_cell_for_profiling() {
        let o = run(&["--only", "evloop", "--workload", "a", "--reps", "1"]).unwrap();
        assert_eq!(o.runtimes, [Kind::Evloop]);
        let ids: Vec<_> = o.workloads.iter().map(|w| w.id).collect();
        assert_eq!(ids, ["A"]);
        assert!(!o.floors);
    }

    #[test]
    fn only_keeps_the_table_order_of_columns() {
        let o = run(&["--only", "evloop,smol", "--only", "tokio"]).unwrap();
        assert_eq!(o.runtimes, [Kind::Tokio, Kind::Smol, Kind::Evloop]);
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(run(&["--reps"]).unwrap_err().contains("needs a value"));
        assert!(run(&["--reps", "0"]).unwrap_err().contains("positive"));
        assert!(run(&["--reps", "x"]).unwrap_err().contains("got `x`"));
        assert!(
            run(&["--only", "rayon"])
                .unwrap_err()
                .contains("tokio-local")
        );
        assert!(run(&["Q"]).unwrap_err().contains("unknown workload"));
        assert!(run(&["--fast"]).unwrap_err().contains("unknown option"));
    }
}

//! The command line: `evloop-peers [WORKLOAD…] [--reps N] [--quick]
//! [--only RUNTIME…] [--workload ID] [--no-floors]`.

use crate::runtimes::Kind;
use crate::workloads::{self, Workload};

pub const USAGE: &str = "\
usage: cargo run --release -p evloop-peers -- [WORKLOAD…] [options]

Runs the workloads of shared/bench/WORKLOADS.md on tokio (current-thread, plain
spawn and LocalSet), smol's LocalExecutor, futures' LocalPool and evloop,
interleaved, and prints a Markdown table, the physical floors, and one line
`RATIO <id> <evloop/best peer>` per workload (≤ 1.00: evloop is at least as good).

WORKLOAD   A B1 B1w B2 C D1 D2 E F50 F1 Gblock Gspin M (G = both G variants);
           none given: all of them
options:
  --reps N          repetitions of each workload (default 5; 3 with --quick)
  --quick           a tenth of each workload's size, 3 repetitions (under a minute)
  --only RUNTIME    run only this runtime (repeatable; comma lists accepted):
                    tokio, tokio-local, smol, futures, evloop, evloop+events
  --workload ID     the same as a positional WORKLOAD (for profiling:
                    --only evloop --workload A --reps 1)
  --no-floors       skip the physical floors (also skipped with --only)
  -h, --help        this text";

/// What to run.
#[derive(Debug)]
pub struct Options {
    pub workloads: Vec<&'static Workload>,
    pub runtimes: Vec<Kind>,
    pub reps: usize,
    pub quick: bool,
    pub floors: bool,
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
/// An unknown flag, workload or runtime, or a missing or bad value, saying
/// what was expected.
pub fn parse(args: &[String]) -> Result<Request, String> {
    let mut workloads: Vec<&'static Workload> = Vec::new();
    let mut runtimes: Vec<Kind> = Vec::new();
    let mut reps = None;
    let mut quick = false;
    let mut no_floors = false;
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
            flag if flag.starts_with('-') => {
                return Err(format!("unknown option `{flag}` (see --help)"));
            }
            id => add(&mut workloads, id)?,
        }
    }
    let floors = !no_floors && runtimes.is_empty();
    if workloads.is_empty() {
        workloads = workloads::ALL.iter().collect();
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

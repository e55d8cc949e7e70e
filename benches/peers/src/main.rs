//! evloop side by side with its peers: the harness of issue 7.
//!
//! ```text
//!   for each workload:
//!     for rep in 0..reps:                       interleaved, rotated:
//!       for runtime in rotated(runtimes, rep):  rep 0: A B C D, rep 1: B C D A, …
//!         build the runtime, run the workload in it, keep the sample
//!   print the table (median, min–max), the details, the floors,
//!   and one `RATIO <id> <evloop/best peer>` line per workload
//! ```
//!
//! Progress goes to stderr; stdout carries only the report, so it can be
//! pasted into `docs/performance.md` or checked by a script.

mod cli;
#[allow(unsafe_code)]
mod floors;
mod report;
mod runtimes;
mod stats;
mod workloads;

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use cli::{Options, Request};
use report::Results;
use runtimes::Kind;
use stats::{median, min_max, rotated};
use workloads::Size;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(workloads::memory::CHILD_FLAG) {
        return memory_child(&args[1..]);
    }
    match cli::parse(&args) {
        Ok(Request::Help) => {
            println!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Request::Run(options)) => {
            run(&options);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("evloop-peers: {message}");
            ExitCode::from(2)
        }
    }
}

/// The M workload's fresh process: `--memory-child RUNTIME TASKS`.
fn memory_child(args: &[String]) -> ExitCode {
    let parsed = match args {
        [kind, tasks] => Kind::parse(kind).and_then(|k| {
            tasks
                .parse::<u64>()
                .map(|t| (k, t))
                .map_err(|_| format!("TASKS must be a number, got `{tasks}`"))
        }),
        _ => Err("usage: --memory-child RUNTIME TASKS".to_string()),
    };
    match parsed.and_then(|(kind, tasks)| workloads::memory::child(kind, tasks)) {
        Ok(bytes) => {
            println!("{bytes}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("evloop-peers --memory-child: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) {
    let size = Size {
        quick: options.quick,
    };
    let started = Instant::now();
    let mut all = Vec::new();
    for workload in &options.workloads {
        let kinds: Vec<Kind> = options
            .runtimes
            .iter()
            .copied()
            .filter(|k| workload.runtimes.contains(k))
            .collect();
        let mut samples: Vec<(Kind, Vec<_>)> = kinds.iter().map(|k| (*k, Vec::new())).collect();
        for rep in 0..options.reps {
            for kind in rotated(&kinds, rep) {
                eprint!(
                    "\r{} rep {}/{} {kind:<14}",
                    workload.id,
                    rep + 1,
                    options.reps
                );
                let _ = std::io::stderr().flush();
                if let Some(sample) = (workload.run)(kind, size) {
                    let slot = samples.iter_mut().find(|(k, _)| *k == kind);
                    slot.expect("every kind has a slot").1.push(sample);
                }
            }
        }
        eprintln!(
            "\r{} done ({:.1} s so far){:20}",
            workload.id,
            started.elapsed().as_secs_f64(),
            ""
        );
        all.push(Results { workload, samples });
    }
    let floors = if options.floors {
        Some(measure_floors(options.reps, size))
    } else {
        None
    };
    print_report(
        options,
        &all,
        floors.as_deref(),
        started.elapsed().as_secs_f64(),
    );
}

fn measure_floors(reps: usize, size: Size) -> Vec<(&'static floors::Floor, Vec<f64>)> {
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

fn print_report(
    options: &Options,
    all: &[Results],
    floors: Option<&[(&floors::Floor, Vec<f64>)]>,
    seconds: f64,
) {
    eprintln!();
    println!(
        "## evloop and its peers ({} repetitions{}, {seconds:.0} s)\n",
        options.reps,
        if options.quick { ", --quick sizes" } else { "" }
    );
    println!(
        "Median (min–max) per runtime; the last column is evloop's median over the best peer's,"
    );
    println!(
        "oriented so that ≤ 1.00 means evloop is at least as good (for round trips per second,"
    );
    println!("higher is better and the ratio is best peer / evloop).\n");
    print!("{}", report::table(all, &options.runtimes));
    if let Some(details) = report::details(all, &options.runtimes) {
        println!("\n### Details (medians over repetitions)\n");
        print!("{details}");
    }
    if let Some(floors) = floors {
        println!("\n### Physical floors (same run)\n");
        println!("| floor | median | min–max |\n|---|---:|---:|");
        for (floor, values) in floors {
            let (m, range) = match (median(values), min_max(values)) {
                (Some(m), Some((lo, hi))) => (
                    format!("{} {}", report::number(m), floor.unit),
                    format!("{}–{}", report::number(lo), report::number(hi)),
                ),
                _ => ("—".into(), "—".into()),
            };
            println!("| {} | {m} | {range} |", floor.name);
        }
    }
    println!();
    print!("{}", report::ratio_lines(all));
}

//! What every example shares: a runtime on the virtual clock (instant, with
//! honest timings), or on the real clock with `--real`.
#![allow(dead_code)]

use std::time::Duration;

use evloop::Runtime;
use evloop::time::Instant;

/// The runtime for an example: virtual clock unless `--real` was given.
pub fn runtime() -> Runtime {
    let real = std::env::args().any(|a| a == "--real");
    let builder = Runtime::builder().debug(false);
    let rt = if real {
        builder.build()
    } else {
        builder.virtual_clock().build()
    };
    println!(
        "(clock: {}; {})\n",
        if real { "real" } else { "virtual" },
        if real {
            "this takes as long as it says"
        } else {
            "run with --real to wait for real"
        }
    );
    rt
}

/// Seconds since the loop started, for log lines.
pub fn at() -> String {
    format!("{:>6.2}s", Instant::now().since_start().as_secs_f64())
}

/// A duration of `s` seconds.
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

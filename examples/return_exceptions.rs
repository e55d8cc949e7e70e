//! gather(…, return_exceptions=True): one check fails, the others still
//! report, and every outcome comes back in argument order.
//!
//! In Rust an expected failure is an `Err`, not a panic, so the checks return
//! `Result`. (A panicking *task* works too: awaiting its handle gives a
//! `JoinError`, which gather and gather_all treat the same way.)
//!
//! `cargo run --example return_exceptions [-- --real]`
mod common;

use evloop::combinators::{gather, gather_all};

async fn check(server: &'static str, wait: f64, healthy: bool) -> Result<&'static str, String> {
    evloop::sleep(common::secs(wait)).await;
    println!("  [{server}] answered at {}", common::at());
    if healthy {
        Ok(server)
    } else {
        Err(format!("{server}: connection refused"))
    }
}

fn checks() -> [impl std::future::Future<Output = Result<&'static str, String>>; 3] {
    [("A", 2.0, true), ("B", 1.0, false), ("C", 3.0, true)].map(|(s, w, ok)| check(s, w, ok))
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        println!("gather (the first failure is returned at once):");
        match gather(checks()).await {
            Ok(all) => println!("  all fine: {all:?}"),
            Err(e) => println!("  failed at {}: {e}", common::at()),
        }

        println!("\ngather_all (return_exceptions=True: every outcome, in order):");
        let start = common::at();
        for outcome in gather_all(checks()).await {
            match outcome {
                Ok(server) => println!("  ok    {server}"),
                Err(e) => println!("  error {e}"),
            }
        }
        println!(
            "  started at {start}, finished at {}: 3 s, the slowest check",
            common::at()
        );
    });
}

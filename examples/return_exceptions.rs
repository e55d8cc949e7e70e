//! gather(…, return_exceptions=True): one check fails, the others still
//! report, and every outcome comes back in argument order.
//!
//! `cargo run --example return_exceptions [-- --real]`
mod common;

use evloop::combinators::{gather, gather_all};

async fn check(server: &'static str, wait: f64, healthy: bool) -> &'static str {
    evloop::sleep(common::secs(wait)).await;
    if !healthy {
        panic!("{server}: connection refused");
    }
    server
}

fn main() {
    // The panics are expected: show them only as the outcomes below.
    std::panic::set_hook(Box::new(|_| {}));
    let rt = common::runtime();
    rt.block_on(async {
        let spawn_all = || {
            [("A", 2.0, true), ("B", 1.0, false), ("C", 3.0, true)]
                .map(|(s, w, ok)| evloop::spawn_named(s, check(s, w, ok)))
        };

        println!("gather (the first failure is returned at once):");
        match gather(spawn_all()).await {
            Ok(all) => println!("  all fine: {all:?}"),
            Err(e) => println!("  {} failed at {}: {e}", e.task_name(), common::at()),
        }

        println!("\ngather_all (return_exceptions=True: every outcome, in order):");
        for outcome in gather_all(spawn_all()).await {
            match outcome {
                Ok(server) => println!("  ok    {server}"),
                Err(e) => println!("  error {e}"),
            }
        }
        println!("  finished at {}", common::at());
    });
}

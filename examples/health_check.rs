//! asyncio.gather: three server checks of 2 s, 3 s and 1 s run concurrently.
//! The whole takes 3 s (the slowest), not 6 s, and the results come back in
//! argument order, not in finishing order.
//!
//! `cargo run --example health_check [-- --real]`
mod common;

use evloop::combinators::gather;
use evloop::time::Instant;

#[derive(Debug)]
#[allow(dead_code)] // the fields are read through Debug
struct Report {
    server: &'static str,
    status: &'static str,
    latency: f64,
}

async fn check_server_health(server: &'static str, wait_time: f64, roll: u32) -> Report {
    println!("[{server}] checking… (expected {wait_time} s)");
    evloop::sleep(common::secs(wait_time)).await; // the network wait
    println!("[{server}] answered at {}", common::at());
    let status = match roll % 5 {
        0 => "Warning",
        _ => "OK",
    };
    Report {
        server,
        status,
        latency: wait_time,
    }
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let start = Instant::now();
        println!("--- checking all servers ---");
        let checks = [
            ("Server_A", 2.0, 1),
            ("Server_B", 3.0, 2),
            ("Server_C", 1.0, 5),
        ]
        .map(|(name, wait, roll)| evloop::spawn_named(name, check_server_health(name, wait, roll)));
        let results = gather(checks).await.expect("no check panicked");
        println!("--- all checks done ---");
        for r in &results {
            println!("result: {r:?}");
        }
        println!(
            "\ntook {:.2} s (one after another it would be 6.00 s)",
            start.elapsed().as_secs_f64()
        );
    });
}

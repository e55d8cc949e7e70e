//! asyncio.gather: three server checks of 2 s, 3 s and 1 s run concurrently.
//! The whole takes 3 s (the slowest), not 6 s, and the results come back in
//! argument order, not in finishing order.
//!
//! `cargo run --example health_check [-- --real] [-- --replay FILE]`
//!
//! With `--replay FILE` it also writes a page that replays the run poll by
//! poll (`evloop::inspect::replay_page_of`): open FILE in a browser and step
//! with Left and Right.
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
    let args: Vec<String> = std::env::args().collect();
    let replay = args
        .iter()
        .position(|a| a == "--replay")
        .map(|i| args.get(i + 1).cloned().unwrap_or_default());
    if replay.is_some() {
        rt.events().record(10_000);
    }
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
    if let Some(file) = replay {
        let page = evloop::inspect::replay_page_of(&rt.events().recorded(), rt.now(), rt.clock());
        match std::fs::write(&file, page) {
            Ok(()) => println!("wrote {file}: open it in a browser, Left and Right step"),
            Err(e) => {
                eprintln!("can't write the replay page to {file:?}: {e} (usage: --replay FILE)");
                std::process::exit(2);
            }
        }
    }
}

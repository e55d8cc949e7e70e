//! What a `breakpoint().await` left in code costs when no console is
//! attached: B1 of the benchmark harness (two tasks yielding to each other)
//! with a breakpoint before every yield, against the same program awaiting
//! an already-ready future instead, and against neither.
//!
//! ```sh
//! cargo build --release --example breakpoint_cost
//! for mode in none ready breakpoint; do
//!   valgrind --tool=callgrind --callgrind-out-file=cg.$mode \
//!     target/release/examples/breakpoint_cost $mode 200000
//! done
//! ```
//!
//! Instructions per yield are the totals over 400,000 yields
//! (`docs/performance.md`, "A breakpoint nobody listens to").

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "breakpoint".to_string());
    if !matches!(mode.as_str(), "none" | "ready" | "breakpoint") {
        eprintln!("usage: breakpoint_cost [none|ready|breakpoint] [YIELDS_PER_TASK]");
        std::process::exit(2);
    }
    let n: u64 = match args.next().map(|s| s.parse()) {
        None => 200_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("bad YIELDS_PER_TASK: {e}");
            std::process::exit(2);
        }
    };
    // What each yield awaits first: 0 nothing, 1 a ready future, 2 a breakpoint.
    let mode: u8 = match mode.as_str() {
        "none" => 0,
        "ready" => 1,
        _ => 2,
    };
    let rt = evloop::Runtime::new();
    let yields = rt.block_on(async move {
        let task = || {
            evloop::spawn(async move {
                for _ in 0..n {
                    match mode {
                        2 => evloop::debug::breakpoint().await,
                        1 => std::future::ready(()).await,
                        _ => {}
                    }
                    evloop::yield_now().await;
                }
                n
            })
        };
        let (a, b) = (task(), task());
        a.await.unwrap() + b.await.unwrap()
    });
    println!("{yields} yields");
}

//! Exercise 3 of the chapter: `asyncio.run(main(), debug=True)` with heavy
//! synchronous code in a coroutine (a loop with no `await`): which warning
//! appears? In evloop debug mode is `Runtime::builder().debug(true)`, and
//! the warning is a slow-poll report: the task blocked the loop for longer
//! than the threshold (100 ms) in one poll. Without debug mode: silence.
//!
//! `cargo run --example exercise_3_debug_mode`; `cargo test` runs its check.
use std::cell::RefCell;
use std::rc::Rc;

use evloop::debug::Diagnostic;

// ANCHOR: solution
/// Runs a coroutine that computes for a while without awaiting, with debug
/// mode on or off; returns what debug mode reported.
fn heavy(debug: bool) -> Vec<Diagnostic> {
    let found = Rc::new(RefCell::new(Vec::new()));
    let sink = found.clone();
    let rt = evloop::Runtime::builder()
        .debug(debug)
        .diagnostics(move |d| sink.borrow_mut().push(d.clone()))
        .build();
    rt.block_on(async {
        let crunch = evloop::spawn_named("crunch", async {
            // for i in range(10_000_000): …, with no await in it (half a
            // second of it, however fast the machine).
            let start = std::time::Instant::now();
            let mut total: u64 = 0;
            while start.elapsed() < std::time::Duration::from_millis(500) {
                total = std::hint::black_box(total.wrapping_add(1));
            }
            total
        });
        crunch.await.expect("crunch ran");
    });
    found.take()
}
// ANCHOR_END: solution

fn main() {
    for d in heavy(true) {
        println!("debug=True: {d}");
    }
    println!("debug=False: {} report(s)", heavy(false).len());
}

#[test]
fn debug_mode_reports_the_blocking_poll() {
    let reports = heavy(true);
    assert!(
        reports
            .iter()
            .any(|d| matches!(d, Diagnostic::SlowPoll { name, .. } if name == "crunch")),
        "{reports:?}"
    );
    assert!(heavy(false).is_empty());
}

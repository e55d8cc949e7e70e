//! asyncio.wait(return_when=FIRST_COMPLETED): ask two mirrors, take the
//! first answer, cancel the other.
//!
//! `cargo run --example first_completed [-- --real]`
mod common;

use evloop::combinators::{ReturnWhen, wait};

async fn fetch(mirror: &'static str, secs: f64) -> String {
    evloop::sleep(common::secs(secs)).await;
    format!("data from {mirror}")
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let tasks = vec![
            evloop::spawn_named("fetch_a", fetch("mirror A", 1.5)),
            evloop::spawn_named("fetch_b", fetch("mirror B", 0.7)),
        ];
        let waited = wait(tasks, ReturnWhen::FirstCompleted, None).await;
        for task in &waited.pending {
            println!(
                "{} cancelling {}: {:?}",
                common::at(),
                task.name(),
                task.cancel()
            );
        }
        for task in waited.done {
            let name = task.name();
            println!(
                "{} {name} won: {}",
                common::at(),
                task.await.expect("it finished")
            );
        }
    });
}

//! asyncio.timeout(5): give a slow operation a deadline.
//!
//! `cargo run --example timeout [-- --real]`
mod common;

use evloop::timeout;

async fn slow_op(secs: f64) -> &'static str {
    evloop::sleep(common::secs(secs)).await;
    "data"
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        match timeout(common::secs(2.0), slow_op(1.0)).await {
            Ok(data) => println!("{} fast op finished in time: {data}", common::at()),
            Err(e) => println!("{} fast op: {e}", common::at()),
        }
        match timeout(common::secs(2.0), slow_op(10.0)).await {
            Ok(data) => println!("{} slow op finished: {data}", common::at()),
            Err(e) => println!(
                "{} slow op gave up: {e} (the operation was dropped)",
                common::at()
            ),
        }
    });
}

//! asyncio.shield: the final step of a payment must finish even when the
//! caller stops waiting (a timeout, or its own cancellation).
//!
//! `cargo run --example shield [-- --real]`
mod common;

use evloop::combinators::shield;
use evloop::timeout;

async fn commit_payment() -> &'static str {
    println!("{} payment: committing…", common::at());
    evloop::sleep(common::secs(3.0)).await;
    println!("{} payment: committed", common::at());
    "receipt #42"
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let mut payment = shield(commit_payment());
        match timeout(common::secs(1.0), &mut payment).await {
            Ok(r) => println!("got {r:?} in time"),
            Err(_) => println!("{} caller: gave up waiting after 1 s", common::at()),
        }
        // The shield only stopped the waiting; the payment goes on.
        let receipt = payment
            .into_handle()
            .await
            .expect("the payment task did not fail");
        println!(
            "{} caller: the payment still finished: {receipt}",
            common::at()
        );

        // The same when the waiting task itself is cancelled.
        let outer = evloop::spawn_named("checkout", async {
            shield(commit_payment()).await.expect("payment");
            println!("never printed: checkout was cancelled");
        });
        evloop::sleep(common::secs(1.0)).await;
        outer.cancel();
        println!(
            "{} checkout cancelled; the shielded payment continues",
            common::at()
        );
        evloop::sleep(common::secs(3.0)).await;
    });
}

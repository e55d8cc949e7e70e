//! "except CancelledError: await cleanup(); raise", the evloop way.
//!
//! Cancelling a task drops its future where it is parked. Cleanup lives in
//! destructors: synchronous cleanup runs in the guard's `Drop` right away;
//! cleanup that must await is spawned from the `Drop` as its own task (it
//! cannot run inside `drop`, which cannot await).
//!
//! `cargo run --example cancel_cleanup [-- --real]`
mod common;

struct Connection {
    name: &'static str,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Synchronous cleanup: runs at the cancellation point, immediately.
        println!(
            "{} [{}] dropped: buffers freed (sync cleanup)",
            common::at(),
            self.name
        );
        // Cleanup that needs to await: hand it to a task of its own.
        let name = self.name;
        evloop::spawn_named("cleanup", async move {
            evloop::sleep(common::secs(0.5)).await; // e.g. send a goodbye message
            println!(
                "{} [{name}] goodbye sent (async cleanup, in its own task)",
                common::at()
            );
        })
        .detach();
    }
}

async fn work() -> &'static str {
    let _conn = Connection { name: "db" };
    println!("{} work: long operation starts", common::at());
    evloop::sleep(common::secs(10.0)).await; // cancelled here
    println!("never printed");
    "done"
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let task = evloop::spawn_named("work", work());
        evloop::sleep(common::secs(1.0)).await;
        println!(
            "{} main: cancelling work → {:?}",
            common::at(),
            task.cancel()
        );
        match task.await {
            Ok(v) => println!("work finished: {v}"),
            Err(e) => println!("{} main: {e}", common::at()),
        }
        evloop::sleep(common::secs(1.0)).await; // let the cleanup task finish
    });
}

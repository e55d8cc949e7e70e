//! The chapter's first program: a bare future filled in by a callback.
//!
//! ```python
//! loop = asyncio.get_running_loop()
//! fut = loop.create_future()
//! loop.call_later(1, fut.set_result, "done")
//! result = await fut
//! print(result)
//! ```
//!
//! `cargo run --example create_future [-- --real]`
mod common;

use evloop::callback::{call_later, call_soon, create_future};

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let (promise, fut) = create_future();
        call_later(common::secs(1.0), move || promise.set_result("done"));
        let result = fut.await.expect("the callback set it");
        println!("{} {result}", common::at());

        // call_soon runs at the next turn of the loop; a handle cancels it.
        call_soon(|| println!("{} call_soon ran", common::at()));
        let cancelled = call_later(common::secs(5.0), || println!("never printed"));
        println!(
            "{} cancelled the 5 s callback: {}",
            common::at(),
            cancelled.cancel()
        );
        evloop::yield_now().await;
    });
}

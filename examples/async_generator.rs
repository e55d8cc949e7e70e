//! async def + yield: a stream of chunks, consumed with
//! `while let Some(chunk) = stream.next().await` (Python's `async for`).
//!
//! `cargo run --example async_generator [-- --real]`
mod common;

use evloop::stream::{StreamExt, generate};

fn stream_chunks(url: &'static str) -> evloop::stream::Generator<String> {
    generate(move |y| async move {
        for i in 0..4 {
            evloop::sleep(common::secs(0.25)).await; // waiting for the network
            y.yield_(format!("{url} chunk {i} ({} bytes)", 1024 * (i + 1)))
                .await;
        }
    })
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        let mut chunks = stream_chunks("https://example.com/big");
        while let Some(chunk) = chunks.next().await {
            println!("{} {chunk}", common::at());
        }
        // Adapters work on any stream.
        let sizes: Vec<usize> = stream_chunks("b").map(|c| c.len()).take(2).collect().await;
        println!("{} first two chunk lengths of b: {sizes:?}", common::at());
    });
}

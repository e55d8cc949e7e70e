//! `#[evloop::main]` makes a plain function that runs its body on a runtime.
#![cfg(feature = "macros")]

use std::time::Duration;

use evloop::time::Instant;

#[evloop::main(clock = "virtual")]
async fn an_hour() -> Duration {
    let start = Instant::now();
    evloop::sleep(Duration::from_secs(3600)).await;
    start.elapsed()
}

#[evloop::main(debug = false)]
async fn on_the_real_clock() -> Result<u8, String> {
    evloop::spawn(async { 7 }).await.map_err(|e| e.to_string())
}

#[test]
fn the_attribute_builds_a_runtime_and_blocks_on_the_body() {
    assert_eq!(an_hour(), Duration::from_secs(3600)); // instant: virtual clock
    assert_eq!(on_the_real_clock(), Ok(7));
}

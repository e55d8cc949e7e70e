//! `Runtime::new().block_on(f)` on a future ready at once allocates
//! nothing: the loop is built at its first use, and this use needs none
//! (`executor/first_poll.rs`). A test binary of its own, for its allocator.

mod counting;

fn allocations_of(f: impl FnOnce()) -> u64 {
    let before = counting::allocations();
    f();
    counting::allocations() - before
}

#[test]
fn a_fresh_runtime_running_a_ready_future_allocates_nothing() {
    // Warm the thread's lazily made state (std's thread-local registry).
    evloop::Runtime::builder()
        .debug(false)
        .build()
        .block_on(async {});
    let n = allocations_of(|| {
        for i in 0..100 {
            let rt = evloop::Runtime::builder().debug(false).build();
            assert_eq!(rt.block_on(async move { i + 1 }), i + 1);
        }
    });
    assert_eq!(n, 0, "100 runtimes, each built, run once and dropped");
}

#[test]
fn a_future_that_needs_the_loop_builds_it() {
    let n = allocations_of(|| {
        let rt = evloop::Runtime::builder().debug(false).build();
        rt.block_on(evloop::yield_now());
    });
    assert!(n > 0, "a yield needs the loop: the root becomes a task");
}

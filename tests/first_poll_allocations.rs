//! `Runtime::new().block_on(f)` on a future ready at once allocates
//! nothing: the loop is built at its first use, and this use needs none
//! (`executor/first_poll.rs`). A test binary of its own, for its allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the allocations of the calling thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is passed to `System` unchanged; the count is a
// thread-local `Cell` with no destructor, which allocates nothing.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller keeps `alloc`'s contract, which is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations_of(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
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

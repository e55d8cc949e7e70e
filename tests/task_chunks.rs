//! Tasks share chunks by default (`task/chunk.rs`), and each gets an
//! allocation of its own with `Builder::task_chunks(false)`: counted by a
//! global allocator, so this file is a test binary of its own.

mod counting;

const TASKS: u64 = 1_000;

/// The allocations made while `TASKS` trivial tasks are spawned and joined
/// on a runtime built by `builder` (in a second round of as many, so that
/// the task table and the ready queue have grown already).
fn allocations_for_a_round(builder: evloop::Builder) -> u64 {
    builder
        .debug(false)
        .virtual_clock()
        .build()
        .block_on(async {
            let mut handles = Vec::with_capacity(TASKS as usize);
            let mut counted = 0;
            for _round in 0..2 {
                let before = counting::allocations();
                for i in 0..TASKS {
                    handles.push(evloop::spawn(async move { i }));
                }
                for (i, handle) in (0..).zip(handles.drain(..)) {
                    assert_eq!(handle.await.unwrap(), i);
                }
                counted = counting::allocations() - before;
            }
            counted
        })
}

#[test]
fn tasks_share_chunks_unless_told_not_to() {
    let shared = allocations_for_a_round(evloop::Runtime::builder());
    let own = allocations_for_a_round(evloop::Runtime::builder().task_chunks(false));
    // 1,000 tasks in chunks of 32 slots: 32 allocations, and a few more.
    assert!(
        (31..=40).contains(&shared),
        "{shared} allocations for {TASKS} tasks in chunks"
    );
    // One a task.
    assert!(
        (TASKS..=TASKS + 10).contains(&own),
        "{own} allocations for {TASKS} tasks of their own"
    );
}

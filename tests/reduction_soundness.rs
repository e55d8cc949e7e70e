//! Exhaustive exploration's reduction is sound: for random small programs,
//! the set of distinct endings (final state, what each task read, or a
//! deadlock) with sleep sets and DPOR equals the set without them.
//!
//! Each program is two or three tasks, each a short list of operations on
//! two `Shared` cells, a `Lock`, an `Event`, the timer heap and the tasks
//! spawned before it (asking whether one has ended, cancelling it). The body
//! "fails" with its final state as the message, so `keep_going` collects
//! every ending the program can reach.
use std::collections::BTreeSet;
use std::time::Duration;

use evloop::sync::{Event, Lock};
use evloop::testing::{Harness, SearchEnd, Shared};
use evloop::yield_now;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Yield,
    /// Note the cell's value in the task's log.
    Read(usize),
    Write(usize, u8),
    /// Read, await, write back plus one: a lost update waiting to happen.
    Add(usize),
    /// The same under the lock.
    LockedAdd(usize),
    Sleep(u64),
    Set,
    Wait,
    /// Note whether the task spawned before this one has ended.
    Finished,
    /// Cancel the task spawned before this one.
    Cancel,
}

fn program() -> impl Strategy<Value = Vec<Vec<Op>>> {
    let op = prop_oneof![
        2 => Just(Op::Yield),
        3 => (0usize..2).prop_map(Op::Read),
        2 => ((0usize..2), (1u8..4)).prop_map(|(c, v)| Op::Write(c, v)),
        2 => (0usize..2).prop_map(Op::Add),
        1 => (0usize..2).prop_map(Op::LockedAdd),
        1 => (0u64..2).prop_map(Op::Sleep),
        1 => Just(Op::Set),
        1 => Just(Op::Wait),
        1 => Just(Op::Finished),
        1 => Just(Op::Cancel),
    ];
    prop::collection::vec(prop::collection::vec(op, 1..4), 2..4)
}

async fn run(program: Vec<Vec<Op>>) -> Result<(), String> {
    let cells = [Shared::new(0u8), Shared::new(0u8)];
    // Named: an unnamed primitive's name counts up across runs, and a
    // deadlock report names it.
    let lock = Lock::named("lock", ());
    let event = Event::named("event");
    let mut tasks: Vec<evloop::JoinHandle<Vec<u8>>> = Vec::new();
    for ops in program {
        let (cells, lock, event) = (cells.clone(), lock.clone(), event.clone());
        let before = tasks.last().map(|t| t.cancel_handle());
        tasks.push(evloop::spawn(async move {
            let mut log = Vec::new();
            for op in ops {
                match op {
                    Op::Yield => yield_now().await,
                    Op::Read(c) => log.push(cells[c].get()),
                    Op::Write(c, v) => cells[c].set(v),
                    Op::Add(c) => {
                        let seen = cells[c].get();
                        yield_now().await;
                        cells[c].set(seen.wrapping_add(1));
                    }
                    Op::LockedAdd(c) => {
                        let _held = lock.lock().await;
                        let seen = cells[c].get();
                        yield_now().await;
                        cells[c].set(seen.wrapping_add(1));
                    }
                    Op::Sleep(ms) => evloop::sleep(Duration::from_millis(ms)).await,
                    Op::Set => event.set(),
                    Op::Wait => event.wait().await,
                    Op::Finished => {
                        log.push(before.as_ref().map_or(9, |b| u8::from(b.is_finished())))
                    }
                    Op::Cancel => {
                        if let Some(b) = &before {
                            log.push(10 + u8::from(b.cancel() == evloop::Cancel::Cancelled));
                        }
                    }
                }
            }
            log
        }));
    }
    let mut logs = Vec::new();
    for t in tasks {
        // A cancelled task's log is its ending too.
        logs.push(t.await.unwrap_or_else(|_| vec![99]));
    }
    Err(format!(
        "cells {:?}, reads {logs:?}",
        [cells[0].get(), cells[1].get()]
    ))
}

fn endings(program: &[Vec<Op>], reduction: bool) -> Option<(BTreeSet<String>, usize)> {
    let coverage = Harness::new()
        .use_env(false)
        .exhaustive(true)
        .keep_going(true)
        .shrink(false)
        .reduction(reduction)
        .max_schedules(2_000)
        .try_explore(|| run(program.to_vec()))
        .expect("keep_going returns every ending")
        .coverage
        .unwrap();
    (coverage.end == SearchEnd::Exhausted).then(|| {
        let set = coverage
            .endings
            .into_iter()
            .filter_map(|e| e.failure)
            .collect();
        (set, coverage.schedules)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=5000 for a long hunt; 200 keep `cargo test` quick.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn reduction_keeps_every_ending(program in program()) {
        let Some((full, all)) = endings(&program, false) else {
            return Ok(()); // too big to enumerate without reduction: no reference
        };
        let (reduced, some) = endings(&program, true).expect("reduction explores less");
        prop_assert_eq!(&reduced, &full, "{} schedules with reduction, {} without", some, all);
        prop_assert!(some <= all);
    }
}

/// The case that showed the first version unsound: a race between `c`'s
/// read and `a`'s write must be reversed by running `b` first (the
/// *initial* of what lies between), not `a`, which sleeps there.
#[test]
fn a_reversal_that_needs_a_third_task_first() {
    let program = vec![
        vec![Op::Read(0), Op::Write(1, 1)],
        vec![Op::Yield, Op::Add(0)],
        vec![Op::Read(1)],
    ];
    let (full, all) = endings(&program, false).unwrap();
    let (reduced, some) = endings(&program, true).unwrap();
    assert_eq!(full.len(), 4, "{full:#?}");
    assert_eq!(reduced, full);
    assert!(
        some * 5 < all,
        "{some} schedules with reduction, {all} without"
    );
}

/// The case a random search found (CI, December 2026): `b` cancels `a`,
/// which is ready, and so takes `a`'s write of cell 1 out of the run, and
/// with it the race between that write and `c`'s read of cell 1. The
/// ending where `c` reads cell 1 before `a` writes it, and `a` then ends
/// before `b` cancels it, was missed: running `a` where `b` cancelled it
/// was pruned as equivalent to an order already run, and nothing put `c`
/// there. Every task ready at a cancel is now tried there.
#[test]
fn a_cancel_that_hides_a_race_of_the_task_it_cancels() {
    let program = vec![
        vec![Op::Add(1)],
        vec![Op::Read(0), Op::Cancel],
        vec![Op::Add(0), Op::Yield, Op::Add(1)],
    ];
    let (full, all) = endings(&program, false).unwrap();
    let (reduced, some) = endings(&program, true).unwrap();
    assert!(
        full.contains("the test returned Err(\"cells [1, 1], reads [[], [1, 10], []]\")"),
        "{full:#?}"
    );
    assert_eq!(
        reduced, full,
        "{some} schedules with reduction, {all} without"
    );
    assert!(some < all, "{some} schedules with reduction, {all} without");
}

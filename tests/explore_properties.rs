//! proptest meets schedule exploration: proptest generates a *program*
//! (tasks, each a list of operations on shared state), and for each program
//! the harness explores schedules. The property: a program whose every
//! read-modify-write happens under a lock ends with the right total under
//! every schedule; the same program without the lock is caught by the
//! harness whenever it actually races, and its printed schedule replays it.
mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::sync::Lock;
use evloop::testing::{FailureKind, Harness};
use evloop::yield_now;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// Add this much to the shared counter, with an await between the read
    /// and the write.
    Add(u32),
    Yield,
    Sleep(u64),
}

fn program() -> impl Strategy<Value = Vec<Vec<Op>>> {
    let op = prop_oneof![
        3 => (1u32..5).prop_map(Op::Add),
        2 => Just(Op::Yield),
        1 => (0u64..3).prop_map(Op::Sleep),
    ];
    prop::collection::vec(prop::collection::vec(op, 1..5), 1..4)
}

fn expected(program: &[Vec<Op>]) -> u32 {
    program
        .iter()
        .flatten()
        .map(|op| if let Op::Add(n) = op { *n } else { 0 })
        .sum()
}

/// Runs the program; `locked` guards each read-modify-write with a lock.
async fn run(program: Vec<Vec<Op>>, locked: bool) {
    let total = expected(&program);
    let counter = Lock::named("counter", 0u32);
    let racy = Rc::new(Cell::new(0u32));
    let tasks: Vec<_> = program
        .into_iter()
        .map(|ops| {
            let (counter, racy) = (counter.clone(), racy.clone());
            evloop::spawn(async move {
                for op in ops {
                    match op {
                        Op::Add(n) if locked => {
                            let mut c = counter.lock().await;
                            let seen = *c;
                            yield_now().await;
                            *c = seen + n;
                        }
                        Op::Add(n) => {
                            let seen = racy.get();
                            yield_now().await;
                            racy.set(seen + n);
                        }
                        Op::Yield => yield_now().await,
                        Op::Sleep(ms) => evloop::sleep(Duration::from_millis(ms)).await,
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let got = if locked {
        *counter.lock().await
    } else {
        racy.get()
    };
    assert_eq!(got, total, "lost update");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn locked_programs_pass_every_explored_schedule(program in program()) {
        let explored = Harness::new()
            .use_env(false)
            .runs(60)
            .strict(true)
            .try_explore(|| run(program.clone(), true));
        prop_assert!(explored.is_ok(), "{}", explored.unwrap_err());
    }

    #[test]
    fn racy_programs_fail_replayably_when_they_race(program in program()) {
        let h = Harness::new().use_env(false).runs(60);
        if let Err(failure) = h.try_explore(|| run(program.clone(), false)) {
            prop_assert!(failure.message().contains("lost update"), "{}", failure);
            prop_assert!(matches!(failure.kind, FailureKind::Panicked(_)));
            let again = h.try_replay(&failure.schedule, || run(program.clone(), false));
            let again = again.unwrap_err();
            prop_assert_eq!(again.kind, failure.kind);
            prop_assert_eq!(again.schedule, failure.schedule);
        }
        // Two tasks that both start by adding read the same value under
        // FIFO already: the very first run must catch it.
        let starters = program.iter().filter(|ops| matches!(ops[0], Op::Add(_))).count();
        if starters >= 2 {
            let failure = h.try_explore(|| run(program.clone(), false));
            prop_assert_eq!(failure.map_err(|f| f.run).unwrap_err(), 0);
        }
    }
}

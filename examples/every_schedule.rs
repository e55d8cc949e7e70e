//! Exhaustive exploration on the bank account of docs/testing.md: the
//! buggy version fails with its one-deviation schedule; the fixed one
//! passes every schedule, and reduction shows how many it had to run.
//!
//! ```text
//! cargo run --example every_schedule
//! ```

use evloop::sync::Lock;
use evloop::testing::{Harness, Shared};
use evloop::yield_now;

/// `a` audits, then checks and (after another await) withdraws; `b`
/// checks and withdraws in one poll.
async fn racy() {
    let balance = Shared::new(100);
    let (mine, theirs) = (balance.clone(), balance.clone());
    let a = evloop::spawn_named("a", async move {
        yield_now().await;
        if mine.get() >= 80 {
            yield_now().await;
            mine.set(mine.get() - 80);
        }
    });
    let b = evloop::spawn_named("b", async move {
        if theirs.get() >= 80 {
            theirs.set(theirs.get() - 80);
        }
    });
    a.await.unwrap();
    b.await.unwrap();
    assert!(balance.get() >= 0, "overdrawn: balance {}", balance.get());
}

/// The same with the check and the act under one lock.
async fn locked() {
    let balance = Lock::named("balance", 100);
    let withdraw = |balance: Lock<i32>, audit_first: bool| async move {
        if audit_first {
            yield_now().await;
        }
        let mut b = balance.lock().await;
        if *b >= 80 {
            yield_now().await;
            *b -= 80;
        }
    };
    let a = evloop::spawn_named("a", withdraw(balance.clone(), true));
    let b = evloop::spawn_named("b", withdraw(balance.clone(), false));
    a.await.unwrap();
    b.await.unwrap();
    assert!(*balance.lock().await >= 0);
}

fn main() {
    let all = Harness::new().exhaustive(true).use_env(false);
    match all.try_explore(racy) {
        Err(failure) => println!("{failure}\n"),
        Ok(_) => unreachable!("the race is found"),
    }
    for reduction in [true, false] {
        let explored = all.clone().reduction(reduction).explore(locked);
        let coverage = explored.coverage.expect("an exhaustive search");
        println!("locked, reduction {reduction}: {coverage}");
    }
}

//! Schedule exploration finds a check-then-act race that FIFO hides, and
//! replays it from the printed schedule.
//!
//! ```text
//! cargo run --example find_a_race
//! ```

use std::cell::Cell;
use std::rc::Rc;

use evloop::testing::Harness;

/// Withdraws 80 if the balance allows, with an await between the check and
/// the act (a database call, a log write…).
async fn withdraw(balance: Rc<Cell<i32>>, audit_first: bool) {
    if audit_first {
        evloop::yield_now().await;
    }
    if balance.get() >= 80 {
        evloop::yield_now().await;
        balance.set(balance.get() - 80);
    }
}

async fn two_withdrawals() {
    let balance = Rc::new(Cell::new(100));
    let a = evloop::spawn_named("a", withdraw(balance.clone(), true));
    let b = evloop::spawn_named("b", async move {
        if balance.get() >= 80 {
            balance.set(balance.get() - 80);
        }
        balance
    });
    a.await.unwrap();
    let balance = b.await.unwrap();
    assert!(balance.get() >= 0, "overdrawn: balance {}", balance.get());
}

fn main() {
    let harness = Harness::new().runs(200).use_env(false);
    println!(
        "FIFO alone: {:?}",
        harness
            .clone()
            .runs(1)
            .try_explore(two_withdrawals)
            .map(|_| "passes")
    );
    let failure = match harness.try_explore(two_withdrawals) {
        Ok(explored) => {
            println!("no failure in {} runs", explored.runs);
            return;
        }
        Err(failure) => failure,
    };
    println!("\n{failure}\n");
    let again = harness
        .try_replay(&failure.schedule, two_withdrawals)
        .unwrap_err();
    println!("replaying \"{}\": {}", failure.schedule, again.message());
}

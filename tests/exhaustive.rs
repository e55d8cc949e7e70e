//! Exhaustive exploration: every schedule that matters, with reduction,
//! a bound, shrinking, and what it reports.
mod util;

use evloop::testing::{Harness, SearchEnd, Shared};
use evloop::yield_now;

fn all() -> Harness {
    Harness::new().exhaustive(true).use_env(false)
}

/// Two tasks of `awaits` yields each, touching only themselves.
async fn independent(awaits: usize) {
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            evloop::spawn(async move {
                for _ in 0..awaits {
                    yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[test]
fn independent_tasks_explore_to_one_schedule_with_reduction() {
    let reduced = all().explore(|| independent(3)).coverage.unwrap();
    let full = all()
        .reduction(false)
        .explore(|| independent(3))
        .coverage
        .unwrap();
    eprintln!("reduced: {reduced}\nfull: {full}");
    assert_eq!(reduced.end, SearchEnd::Exhausted);
    assert_eq!(full.end, SearchEnd::Exhausted);
    assert!(
        full.schedules > 10 * reduced.schedules,
        "{full} vs {reduced}"
    );
}

#[test]
fn a_lost_update_on_a_shared_cell_is_found_with_a_one_deviation_schedule() {
    let body = || async {
        let balance = Shared::new(100);
        let withdraw = |b: Shared<i32>| async move {
            if b.get() >= 80 {
                yield_now().await;
                b.set(b.get() - 80);
            }
        };
        let a = evloop::spawn(withdraw(balance.clone()));
        let b = evloop::spawn(withdraw(balance.clone()));
        a.await.unwrap();
        b.await.unwrap();
        assert!(balance.get() >= 0, "overdrawn: {}", balance.get());
    };
    let failure = all().try_explore(body).unwrap_err();
    eprintln!("{failure}");
    assert_eq!(failure.message(), "panicked: overdrawn: -60");
}

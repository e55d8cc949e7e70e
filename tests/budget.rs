//! The poll budget: a driving call counts its polls and stops a task that never ends.

mod util;

use evloop::{RunErrorKind, Stop};

#[test]
fn run_counts_every_poll() {
    let (rt, _) = util::virtual_rt();
    for _ in 0..3 {
        rt.spawn(async {
            evloop::yield_now().await;
        })
        .detach();
    }
    let report = rt.run_until_done().unwrap();
    assert_eq!(report.stop, Stop::Finished);
    assert_eq!(report.polls, 6, "three tasks, polled twice each");
}

#[test]
fn a_task_that_never_ends_exhausts_the_budget_and_stays_intact() {
    let (rt, _) = util::virtual_rt();
    let spinner = rt.spawn_named("spinner", async {
        loop {
            evloop::yield_now().await;
        }
    });
    rt.set_poll_budget(10);
    let stopped = rt.run_until_done().unwrap_err();
    assert_eq!(stopped.kind, RunErrorKind::BudgetExhausted);
    assert_eq!(stopped.polls, 10);
    assert!(!spinner.is_finished());
    let again = rt.run_until_done().unwrap_err();
    assert_eq!(
        (again.polls, again.kind),
        (10, RunErrorKind::BudgetExhausted)
    );
}

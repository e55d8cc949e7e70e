//! The poll budget: a driving call counts its polls and stops a task that never ends.

mod util;

use evloop::StopReason;

#[test]
fn run_counts_every_poll() {
    let (rt, _) = util::virtual_rt();
    for _ in 0..3 {
        rt.spawn(async {
            evloop::yield_now().await;
        })
        .detach();
    }
    let report = rt.run();
    assert_eq!(report.stop, StopReason::Finished);
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
    let report = rt.run();
    assert_eq!(report.stop, StopReason::BudgetExhausted);
    assert_eq!(report.polls, 10);
    assert!(!spinner.is_finished());
    let again = rt.run();
    assert_eq!((again.polls, again.stop), (10, StopReason::BudgetExhausted));
}

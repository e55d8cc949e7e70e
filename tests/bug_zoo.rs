//! The bug zoo: classic async bugs that FIFO scheduling hides and schedule
//! exploration finds, each next to its fix.
//!
//! State shared between tasks lives in `testing::Shared` cells (a
//! `Rc<RefCell<_>>` the explorer can see), so exhaustive exploration with
//! reduction finds every bug too: see `exhaustive_search_finds_every_bug`.
//!
//! For every bug (see `util::find_and_replay`): FIFO passes the buggy
//! program; exploration finds the failure within its budget of runs; the
//! printed schedule (and seed, for seeded policies) replays exactly that
//! failure; and the fixed program passes the same exploration. The chapter
//! docs/testing.md tells each story.
mod util;
mod zoo;

use evloop::Policy;
use evloop::testing::{FailureKind, Harness, SearchEnd};
use util::{find_and_replay, passes};
use zoo::*;

fn harness() -> Harness {
    Harness::new().runs(200)
}

#[test]
fn lost_update_across_an_await() {
    let failure = find_and_replay(&harness(), lost_update);
    assert_eq!(
        failure.kind,
        FailureKind::Panicked("overdrawn: balance -60".into())
    );
    passes(&harness(), lost_update_fixed);
}

#[test]
fn lock_order_deadlock_is_reported_with_holders() {
    let failure = find_and_replay(&harness(), || lock_order(false));
    let FailureKind::Deadlock(report) = &failure.kind else {
        panic!("expected a deadlock, got {failure}");
    };
    let text = report.to_string();
    assert!(
        text.contains("'a' (#2) waits on lock B held by 'b' (#3)"),
        "{text}"
    );
    assert!(
        text.contains("'b' (#3) waits on lock A held by 'a' (#2)"),
        "{text}"
    );
    assert!(text.contains("'main' (#1) waits on 'a' (#2)"), "{text}");
    let a = report.waiting[1].0;
    let b = report.waiting[2].0;
    assert_eq!(report.cycle(), Some(vec![a, b]));
    passes(&harness(), || lock_order(true));
}

#[test]
fn missed_notification_deadlocks() {
    let failure = find_and_replay(&harness(), || missed_notification(false));
    let FailureKind::Deadlock(report) = &failure.kind else {
        panic!("expected a deadlock, got {failure}");
    };
    assert!(
        report
            .to_string()
            .contains("'waiter' (#2) waits on something else"),
        "{report}"
    );
    passes(&harness(), || missed_notification(true));
}

#[test]
fn cancelling_a_consumer_mid_item_loses_it() {
    let failure = find_and_replay(&harness(), || shutdown_loses_item(false));
    assert!(
        failure.message().contains("not every job was processed"),
        "{failure}"
    );
    passes(&harness(), || shutdown_loses_item(true));
}

#[test]
fn a_spinning_task_starves_the_one_it_waits_for() {
    // Liveness bugs need no priority change: PCT at depth 1 (fixed
    // priorities) starves whichever task ranks lower, and LIFO reruns the
    // task that just yielded.
    let h = harness().depth(1).poll_budget(10_000);
    let failure = find_and_replay(&h, || spin_wait(false));
    assert_eq!(failure.kind, FailureKind::NoProgress { polls: 10_000 });
    assert_eq!(failure.policy, Policy::Lifo);
    // The seeded runs find it too: half the PCT seeds rank the spinner first.
    let by_pct = h
        .clone()
        .use_env(false)
        .runs(6)
        .seed(1)
        .try_explore(|| spin_wait(false))
        .unwrap_err();
    assert_eq!(by_pct.kind, FailureKind::NoProgress { polls: 10_000 });
    passes(&h, || spin_wait(true));
}

#[test]
fn a_condition_notified_between_check_and_wait_is_missed() {
    let failure = find_and_replay(&harness(), || condition_missed_notify(false));
    let FailureKind::Deadlock(report) = &failure.kind else {
        panic!("expected a deadlock, got {failure}");
    };
    let text = report.to_string();
    assert!(
        text.contains("waits on condition ready, which nobody holds (nothing will signal it)"),
        "{text}"
    );
    passes(&harness(), || condition_missed_notify(true));
}

#[test]
fn a_select_that_drops_a_half_read_message_loses_its_header() {
    let failure = find_and_replay(&harness(), || message_reader(false));
    assert!(
        failure.message().contains("a message came apart"),
        "{failure}"
    );
    passes(&harness(), || message_reader(true));
}

/// Every bug, found by exhaustive search with its simplest schedule (the
/// replay line, which replays it), and every fix proved: the whole space
/// of schedules exhausted, with and without reduction. The numbers are the
/// table in docs/testing.md.
#[test]
fn exhaustive_search_finds_every_bug() {
    let expected = [
        // (minimal schedule, fixed: schedules with reduction, without)
        ("001", 4, 9),
        ("0*31", 4, 18),
        ("011", 2, 6),
        ("0*511", 4, 4),
        ("0*31*(7pp)", 2, 3),
        ("0*31", 2, 6),
        ("0*51", 72, 2_922),
        ("0*51", 4, 20),
    ];
    let exhibits = exhibits();
    assert_eq!(exhibits.len(), expected.len(), "one row per exhibit");
    for ((name, program), (minimal, reduced, full)) in exhibits.into_iter().zip(expected) {
        let all = Harness::new()
            .exhaustive(true)
            .use_env(false)
            .poll_budget(10_000);
        let failure = all
            .try_explore(|| program(false))
            .expect_err("exhaustive search finds the bug");
        eprintln!("{name}: {failure}");
        assert!(failure.exhaustive);
        assert_eq!(failure.schedule.to_string(), minimal, "{name}");
        let again = all
            .try_replay(&failure.schedule, || program(false))
            .expect_err("the minimal schedule replays the bug");
        assert_eq!(again.kind, failure.kind, "{name}");

        for (reduction, count) in [(true, reduced), (false, full)] {
            let coverage = all
                .clone()
                .reduction(reduction)
                .try_explore(|| program(true))
                .unwrap_or_else(|f| panic!("{name} (fixed) fails: {f}"))
                .coverage
                .unwrap();
            eprintln!("  fixed, reduction {reduction}: {coverage}");
            assert_eq!(coverage.end, SearchEnd::Exhausted, "{name}");
            assert_eq!(coverage.schedules, count, "{name}, reduction {reduction}");
        }
    }
}

#[test]
fn two_writers_without_a_lock_tear_each_others_messages() {
    let failure = find_and_replay(&harness(), || torn_writes(false));
    assert!(
        failure.message().contains("interleaved on the wire"),
        "{failure}"
    );
    passes(&harness(), || torn_writes(true));
}

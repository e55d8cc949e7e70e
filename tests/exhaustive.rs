//! Exhaustive exploration: every schedule that matters, with reduction,
//! a bound, shrinking, and what it reports.
mod util;
mod zoo;

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
fn a_bug_fifo_already_shows_is_reported_with_the_fifo_schedule() {
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
    assert_eq!(
        (failure.run, failure.schedule.to_string()),
        (0, "0".to_string())
    );
}

/// Two tasks of ten awaits, both adding to one cell: every pair of polls
/// conflicts.
async fn conflicting(awaits: usize) {
    let n = Shared::new(0);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            evloop::spawn(async move {
                for _ in 0..awaits {
                    n.with(|n| *n += 1);
                    yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(n.get(), 2 * awaits);
}

#[test]
fn a_bound_is_reported_as_a_bound_not_as_exhausted() {
    let coverage = all()
        .preemption_bound(2)
        .explore(|| conflicting(10))
        .coverage
        .unwrap();
    eprintln!("{coverage}");
    assert_eq!(coverage.end, SearchEnd::Bound(2));
    assert!(coverage.beyond_bound > 0);
    assert!(
        coverage.to_string().contains("stopped at the bound of 2"),
        "{coverage}"
    );
    let small = all().explore(|| conflicting(2)).coverage.unwrap();
    assert_eq!(small.end, SearchEnd::Exhausted);
    assert!(small.to_string().starts_with("all "), "{small}");
}

#[test]
fn the_schedule_limit_is_reported() {
    let coverage = all()
        .max_schedules(5)
        .explore(|| conflicting(4))
        .coverage
        .unwrap();
    assert_eq!(coverage.end, SearchEnd::Limit(5));
    assert!(coverage.to_string().contains("limit of 5"), "{coverage}");
}

#[test]
fn keep_going_collects_every_ending_with_a_replay_line() {
    let body = || async {
        let seen = Shared::new(Vec::new());
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let seen = seen.clone();
                evloop::spawn(async move { seen.with(|s| s.push(name)) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(seen.get(), ["a", "b"], "b went first");
    };
    let coverage = all().keep_going(true).explore(body).coverage.unwrap();
    assert_eq!(coverage.endings.len(), 2, "{coverage:?}");
    let failing = coverage
        .endings
        .iter()
        .find(|e| e.failure.is_some())
        .unwrap();
    assert!(failing.failure.as_deref().unwrap().contains("b went first"));
    let replayed = all().try_replay(&failing.schedule, body).unwrap_err();
    assert!(replayed.message().contains("b went first"));
}

/// The zoo's lost update with a bystander task `c` that only yields.
async fn lost_update_with_a_bystander() {
    let balance = Shared::new(100);
    let withdraw = |b: Shared<i32>| async move {
        yield_now().await; // audit
        if b.get() >= 80 {
            yield_now().await;
            b.set(b.get() - 80);
        }
    };
    let a = evloop::spawn(withdraw(balance.clone()));
    let now = balance.clone();
    let b = evloop::spawn(async move {
        if now.get() >= 80 {
            now.set(now.get() - 80); // check and act in one poll
        }
    });
    let c = evloop::spawn(async {
        for _ in 0..3 {
            yield_now().await;
        }
    });
    a.await.unwrap();
    b.await.unwrap();
    c.await.unwrap();
    assert!(balance.get() >= 0, "overdrawn: {}", balance.get());
}

#[test]
fn a_failing_schedule_is_shrunk_and_the_original_kept() {
    // main; a audits; a again (checks); c yields; b withdraws; a acts.
    let noisy: evloop::Schedule = "00210".parse().unwrap();
    let h = Harness::new().use_env(false);
    let failure = h
        .try_replay(&noisy, lost_update_with_a_bystander)
        .unwrap_err();
    eprintln!("{failure}");
    assert_eq!(failure.message(), "panicked: overdrawn: -60");
    assert_eq!(
        failure.schedule.to_string(),
        "002",
        "a's two turns in a row suffice"
    );
    assert_eq!(
        failure
            .original
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("0021")
    );
    assert!(
        failure.to_string().contains("shrunk from: 0021"),
        "{failure}"
    );
    let unshrunk = h
        .shrink(false)
        .try_replay(&noisy, lost_update_with_a_bystander)
        .unwrap_err();
    assert_eq!(
        (unshrunk.schedule.to_string(), unshrunk.original),
        ("0021".to_string(), None)
    );

    // Whatever sampling finds, the report is the one-deviation schedule.
    let sampled = Harness::new()
        .use_env(false)
        .runs(200)
        .try_explore(lost_update_with_a_bystander)
        .unwrap_err();
    eprintln!("{sampled}");
    assert_eq!(sampled.schedule.to_string(), "002");
    let exhaustive = all().try_explore(lost_update_with_a_bystander).unwrap_err();
    assert_eq!(exhaustive.schedule.to_string(), "002");
}

/// Random payloads from the loop: recorded in the schedule, replayed by it,
/// different under different seeds, and explored value by value.
#[test]
fn random_values_are_seeded_recorded_replayed_and_explored() {
    let body = || async {
        let sizes: Vec<usize> = (0..3).map(|_| evloop::testing::choose(10)).collect();
        let t = evloop::spawn(async { evloop::testing::choose(5) });
        let extra = t.await.unwrap();
        assert!(
            sizes.iter().sum::<usize>() + extra < 26,
            "too big: {sizes:?} + {extra}"
        );
    };
    let sampled = Harness::new()
        .use_env(false)
        .runs(300)
        .try_explore(body)
        .unwrap_err();
    eprintln!("{sampled}");
    let replayed = Harness::new()
        .use_env(false)
        .try_replay(&sampled.schedule, body)
        .unwrap_err();
    assert_eq!(replayed.message(), sampled.message());
    assert!(sampled.run > 0, "FIFO's values pass");
    let exhaustive = all().try_explore(body).unwrap_err();
    eprintln!("{exhaustive}");
    assert!(exhaustive.message().contains("too big"));
    let deviations = exhaustive
        .schedule
        .choices()
        .iter()
        .filter(|c| **c != 0)
        .count();
    assert_eq!(deviations, 1, "one value other than FIFO's suffices");

    // Under FIFO the values are the same every run, and differ from each other.
    let draw = || {
        evloop::testing::run(async {
            (0..8)
                .map(|_| evloop::testing::choose(1000))
                .collect::<Vec<_>>()
        })
    };
    let first = draw();
    assert_eq!(first, draw());
    assert!(first.windows(2).any(|w| w[0] != w[1]), "{first:?}");
}

/// Spawns eight tasks in a `HashSet`'s order, which differs between sets.
async fn spawn_in_hash_order() {
    let names: std::collections::HashSet<String> = (0..8).map(|i| format!("w{i}")).collect();
    let tasks: Vec<_> = names
        .into_iter()
        .map(|n| evloop::spawn_named(n, yield_now()))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[test]
fn the_determinism_check_says_where_two_runs_parted_and_why() {
    let failure = all().try_explore(spawn_in_hash_order).unwrap_err();
    eprintln!("{failure}");
    let evloop::testing::FailureKind::Nondeterministic {
        event,
        first,
        second,
    } = &failure.kind
    else {
        panic!("expected nondeterminism, got {failure}");
    };
    // Two sets may happen to agree on their first names (8 names: one
    // chance in 8 for each), so the runs part at the first spawn whose name
    // differs: after main's (event 0), and a spawn in both runs.
    assert!(
        *event >= 1 && first.contains("spawned #") && second.contains("spawned #"),
        "the runs part at a worker's spawn: {first} / {second}"
    );
    assert_ne!(first, second);
    let text = failure.to_string();
    assert!(text.contains("HashMap or HashSet") && text.contains("check_determinism(false)"));
    // Off, the search runs (and the program passes every schedule it runs).
    all()
        .check_determinism(false)
        .max_schedules(50)
        .explore(spawn_in_hash_order);
    // Sampling checks only when asked.
    Harness::new()
        .use_env(false)
        .runs(3)
        .explore(spawn_in_hash_order);
    assert!(
        Harness::new()
            .use_env(false)
            .check_determinism(true)
            .try_explore(spawn_in_hash_order)
            .is_err()
    );
}

#[evloop::test(explore = all, determinism = false)]
async fn the_attribute_turns_the_check_off() {
    spawn_in_hash_order().await;
}

/// The distinct endings (failure messages, `None` for a pass) of every
/// schedule of `body`, with or without reduction.
fn endings<F: std::future::Future<Output = Result<(), String>>>(
    reduction: bool,
    body: impl Fn() -> F,
) -> Vec<Option<String>> {
    let coverage = all()
        .keep_going(true)
        .reduction(reduction)
        .try_explore(body)
        .unwrap()
        .coverage
        .unwrap();
    assert_eq!(coverage.end, SearchEnd::Exhausted, "{coverage}");
    let mut endings: Vec<Option<String>> =
        coverage.endings.into_iter().map(|e| e.failure).collect();
    endings.sort();
    endings
}

/// Asking whether a task has ended races with its end: the question is in
/// the asking poll's footprint, so the reduction keeps both answers.
#[test]
fn is_finished_races_with_the_end_of_the_task_it_asks_about() {
    let body = || async {
        let a = evloop::spawn(async { yield_now().await });
        yield_now().await;
        let done = a.is_finished();
        a.await.unwrap();
        if done {
            Err("a had finished".to_string())
        } else {
            Ok(())
        }
    };
    let full = endings(false, body);
    assert_eq!(full.len(), 2, "{full:?}");
    assert_eq!(endings(true, body), full);
}

/// So does a cancel: whether there was anything left to cancel depends on
/// the order of the cancelling poll and the task's last one.
#[test]
fn a_cancel_races_with_the_end_of_the_task_it_cancels() {
    let body = || async {
        let a = evloop::spawn(async { yield_now().await });
        yield_now().await;
        let cancel = a.cancel();
        let _ = a.await;
        Err(format!("{cancel:?}"))
    };
    let full = endings(false, body);
    assert_eq!(full.len(), 2, "{full:?}");
    assert_eq!(endings(true, body), full);
}

/// A `select!` chooses where to start only among its live branches: once a
/// branch is disabled, starting there would run the same order as starting
/// at the next one, so it is no choice, and the search does not run it
/// twice. Here only the first `select!` has two live branches.
#[test]
fn a_select_with_one_live_branch_offers_no_choice() {
    let body = || async {
        let mut pinged = false;
        for _ in 0..3 {
            evloop::select! {
                _ = yield_now() => {},
                _ = async {}, if !pinged => pinged = true,
            }
        }
    };
    let coverage = all().reduction(false).explore(body).coverage.unwrap();
    assert_eq!(coverage.end, SearchEnd::Exhausted);
    assert_eq!(coverage.schedules, 2, "{coverage}");
}

/// The same for `join!`: a branch that is done is not polled again, so
/// only polls with two or more branches still running choose a start.
#[test]
fn a_join_with_one_branch_left_offers_no_choice() {
    let body = || async {
        evloop::join!(async {}, async {
            for _ in 0..3 {
                yield_now().await;
            }
        });
    };
    let coverage = all().reduction(false).explore(body).coverage.unwrap();
    assert_eq!(coverage.end, SearchEnd::Exhausted);
    assert_eq!(coverage.schedules, 2, "{coverage}");
}

/// The zoo's missed notification with a bystander: the waiter misses the
/// notify when the notifier runs twice before it.
async fn missed_with_a_bystander() {
    let signal = zoo::Signal::default();
    let s = signal.clone();
    let waiter = evloop::spawn_named("waiter", async move { s.wait(false).await });
    let s = signal.clone();
    let notifier = evloop::spawn_named("notifier", async move {
        yield_now().await;
        s.notify();
    });
    let bystander = evloop::spawn_named("bystander", yield_now());
    notifier.await.unwrap();
    bystander.await.unwrap();
    waiter.await.unwrap();
}

/// Greedy shrinking changes one choice at a time: from `02211` it reaches
/// `0111` (each of its three deviations needed, given the others) and
/// stops. The search among fewer deviations finds `012`: main, then the
/// notifier twice, passing the waiter and the bystander.
#[test]
fn the_shrunk_schedule_has_the_fewest_deviations_where_greedy_shrinking_stops_early() {
    let found: evloop::Schedule = "02211".parse().unwrap();
    let failure = all()
        .traces(false)
        .try_replay(&found, missed_with_a_bystander)
        .unwrap_err();
    assert!(failure.message().starts_with("deadlock"), "{failure}");
    assert_eq!(failure.schedule.to_string(), "012");
    assert_eq!(failure.original, Some(found));
}

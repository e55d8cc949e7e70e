//! The harness itself: exploration is reproducible, replay is exact, the
//! same seed gives the same event stream, deadlock reports name the right
//! tasks and holders, strict mode fails on debug findings, a correct
//! program passes every explored schedule, and `#[evloop::test]` works.
mod util;

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::debug::Diagnostic;
use evloop::sync::{Event, Lock, Semaphore};
use evloop::testing::{FailureKind, Harness};
use evloop::{Policy, RunErrorKind, Runtime, Schedule, yield_now};
use util::lines;

/// Three tasks interleaving on shared state: many distinct schedules.
async fn three_writers(log: Rc<RefCell<Vec<String>>>) {
    let tasks: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let log = log.clone();
            evloop::spawn_named(name, async move {
                for i in 0..3 {
                    log.borrow_mut().push(format!("{name}{i}"));
                    yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// A check-then-act race (see the bug zoo).
async fn racy() {
    let n = Rc::new(Cell::new(0));
    let bump = |n: Rc<Cell<i32>>, first: bool| async move {
        if first {
            yield_now().await;
        }
        let seen = n.get();
        if first {
            yield_now().await;
        }
        n.set(seen + 1);
    };
    let a = evloop::spawn(bump(n.clone(), true));
    let b = evloop::spawn(bump(n.clone(), false));
    a.await.unwrap();
    b.await.unwrap();
    assert_eq!(n.get(), 2, "lost update");
}

fn h() -> Harness {
    Harness::new().use_env(false)
}

#[test]
fn exploration_is_reproducible() {
    let first = h().runs(100).try_explore(racy).unwrap_err();
    let second = h().runs(100).try_explore(racy).unwrap_err();
    assert_eq!(first, second);
}

#[test]
fn a_correct_program_passes_every_explored_schedule() {
    let explored = h().runs(300).explore(|| three_writers(Rc::default()));
    assert_eq!(explored.runs, 300);
    // FIFO, LIFO, Random and PCT reach many interleavings of 3×3 steps.
    assert!(explored.distinct_schedules >= 30, "{explored:?}");
    assert!(explored.polls >= 300 * 10);
}

#[test]
fn the_same_seed_gives_the_same_event_stream() {
    for policy in [
        Policy::Random { seed: 7 },
        Policy::Pct { seed: 7, depth: 3 },
    ] {
        let run = |policy| {
            let rt = Runtime::builder()
                .virtual_clock()
                .policy(policy)
                .event_log(10_000)
                .build();
            let log = Rc::new(RefCell::new(Vec::new()));
            rt.block_on(three_writers(log.clone()));
            (lines(&rt.events().recorded()), log.take())
        };
        let (events, order) = run(policy);
        assert_eq!(run(policy), (events.clone(), order.clone()), "{policy}");
        assert!(events.len() > 30);
        // …and a different seed gives a different interleaving.
        let other = match policy {
            Policy::Random { .. } => Policy::Random { seed: 8 },
            _ => Policy::Pct { seed: 8, depth: 3 },
        };
        assert_ne!(run(other).1, order, "{policy} vs {other}");
    }
}

#[test]
fn replaying_a_schedule_reproduces_the_event_stream_exactly() {
    let record = Runtime::builder()
        .virtual_clock()
        .policy(Policy::Pct { seed: 3, depth: 3 })
        .record_schedule(true)
        .event_log(10_000)
        .build();
    record.block_on(three_writers(Rc::default()));
    let schedule: Schedule = record.scheduler().recorded().to_string().parse().unwrap();
    assert_eq!(schedule, record.scheduler().recorded());

    let replay = Runtime::builder()
        .virtual_clock()
        .replay(schedule.clone())
        .record_schedule(true)
        .event_log(10_000)
        .build();
    replay.block_on(three_writers(Rc::default()));
    assert_eq!(
        lines(&replay.events().recorded()),
        lines(&record.events().recorded())
    );
    assert_eq!(replay.scheduler().recorded(), schedule);
    assert_eq!(replay.scheduler().divergence(), None);
}

#[test]
fn a_schedule_from_another_program_is_reported_as_diverged() {
    let failure = h()
        .try_replay(&Schedule::new(vec![0, 5]), || three_writers(Rc::default()))
        .unwrap_err();
    let FailureKind::Diverged(d) = &failure.kind else {
        panic!("{failure}");
    };
    assert_eq!((d.poll, d.wanted), (1, 5));
    assert!(failure.to_string().contains("does not fit this program"));
    let bad = evloop::testing::replay("0*(", || three_writers(Rc::default())).unwrap_err();
    assert!(matches!(bad.kind, FailureKind::Setup(_)));
    assert!(
        bad.to_string().contains("bad schedule string at byte 3"),
        "{bad}"
    );
}

#[test]
fn a_deadlock_report_names_waiters_holders_and_the_cycle() {
    let rt = Runtime::builder().virtual_clock().build();
    let stop = rt
        .try_block_on(async {
            let permits = Semaphore::named("pool", 1);
            let done = Event::named("done");
            let p = permits.clone();
            let holder = evloop::spawn_named("holder", {
                let done = done.clone();
                async move {
                    let _permit = p.acquire().await;
                    done.wait().await; // nobody ever sets it
                }
            });
            yield_now().await;
            let p = permits.clone();
            let starved = evloop::spawn_named("starved", async move {
                let _permit = p.acquire().await;
            });
            starved.await.unwrap();
            holder.await.unwrap();
        })
        .unwrap_err();
    let Some(report) = stop.stall() else {
        panic!("{stop}");
    };
    let text = report.to_string();
    assert!(
        text.contains("'main' (#1) waits on 'starved' (#3)"),
        "{text}"
    );
    assert!(
        text.contains("'holder' (#2) waits on event done, which nobody holds"),
        "{text}"
    );
    assert!(
        text.contains("'starved' (#3) waits on semaphore pool held by 'holder' (#2)"),
        "{text}"
    );
    assert_eq!(report.cycle(), None, "a chain, not a cycle: {text}");
    let starved = report.waiting[2].0;
    assert_eq!(report.blocked_by(starved), vec![report.waiting[1].0]);
}

#[test]
fn the_poll_budget_stops_a_task_that_never_gives_way() {
    let rt = Runtime::builder()
        .virtual_clock()
        .policy(Policy::Lifo)
        .build();
    rt.set_poll_budget(500);
    let flag = Rc::new(Cell::new(false));
    let f = flag.clone();
    let _setter = rt.spawn(async move { f.set(true) });
    let f = flag.clone();
    let _spinner = rt.spawn(async move {
        while !f.get() {
            yield_now().await;
        }
    });
    let stopped = rt.run_until_done().unwrap_err();
    assert_eq!(stopped.kind, RunErrorKind::BudgetExhausted);
    assert_eq!(stopped.polls, 500);
    assert!(!flag.get());
}

#[test]
fn strict_mode_fails_on_debug_findings() {
    // A future that returns Pending and keeps no waker: a lost waker. A
    // timer elsewhere keeps the loop alive so the body can finish.
    let body = || async {
        let lost = evloop::spawn_named("lost", poll_fn(|_| Poll::<()>::Pending));
        evloop::sleep(Duration::from_millis(1)).await;
        lost.cancel();
    };
    let relaxed = h().explore(body);
    assert!(
        relaxed.warnings.iter().any(|d| d.kind() == "lost-waker"),
        "{relaxed:?}"
    );
    let strict = h().strict(true).try_explore(body).unwrap_err();
    let FailureKind::Strict(Diagnostic::LostWaker { name, .. }) = &strict.kind else {
        panic!("{strict}");
    };
    assert_eq!(name, "lost");

    // Tasks left pending at the end: a leak, in strict mode.
    let leaky = || async {
        let never = Event::new();
        let _forgotten = evloop::spawn_named("forgotten", async move { never.wait().await });
        yield_now().await;
    };
    h().explore(leaky);
    let failure = h().strict(true).try_explore(leaky).unwrap_err();
    assert!(matches!(
        failure.kind,
        FailureKind::Strict(Diagnostic::LeakedTasks { .. })
    ));
    assert!(failure.to_string().contains("'forgotten'"), "{failure}");
}

#[test]
fn strict_mode_fails_on_a_slow_poll() {
    // A poll that computes for 2 ms of its thread's CPU time (so at least
    // 2 ms of real time), against a 1 ms threshold.
    let body = || async {
        evloop::debug::spin_for(Duration::from_millis(2));
    };
    let strict = Harness::new()
        .use_env(false)
        .strict(true)
        .slow_poll_threshold(Duration::from_millis(1));
    let failure = strict.try_explore(body).unwrap_err();
    let FailureKind::Strict(Diagnostic::SlowPoll { took, .. }) = failure.kind else {
        panic!("{failure}");
    };
    assert!(took >= Duration::from_millis(2));
    assert!(strict.strict(false).try_explore(body).is_ok());
}

#[test]
fn a_task_panic_nobody_retrieves_fails_the_run() {
    let failure = h()
        .try_explore(|| async {
            drop(evloop::spawn_named("boom", async { panic!("kaboom") }));
            yield_now().await;
        })
        .unwrap_err();
    assert!(
        matches!(failure.kind, FailureKind::TaskPanicked(_)),
        "{failure}"
    );
    assert!(failure.message().contains("kaboom"));
}

#[test]
fn the_body_may_return_a_result() {
    let failure = h()
        .try_explore(|| async { Err::<(), _>("nope") })
        .unwrap_err();
    assert_eq!(
        failure.kind,
        FailureKind::Failed("the test returned Err(\"nope\")".into())
    );
    h().explore(|| async { Ok::<(), String>(()) });
}

#[test]
fn one_call_runs_a_body_on_virtual_time() {
    let (elapsed, order) = evloop::testing::run(async {
        let start = evloop::time::Instant::now();
        let lock = Lock::named("l", Vec::new());
        let l = lock.clone();
        let late = evloop::spawn(async move {
            evloop::sleep(Duration::from_secs(60)).await;
            l.lock().await.push("late");
        });
        lock.lock().await.push("early");
        late.await.unwrap();
        let order = lock.lock().await.clone();
        (start.elapsed(), order)
    });
    assert_eq!(elapsed, Duration::from_secs(60));
    assert_eq!(order, ["early", "late"]);
}

// ----- environment variables, through a child process ----------------------

/// Run by `evloop_seed_replays_one_seed` in a child process only.
#[test]
#[ignore = "run by evloop_seed_replays_one_seed with EVLOOP_SEED set"]
fn child_racy_exploration() {
    Harness::new().runs(100).explore(racy);
}

fn child(var: &str, value: &str) -> String {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_racy_exploration",
            "--ignored",
            "--nocapture",
        ])
        .env(var, value)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn evloop_seed_and_schedule_replay_from_the_environment() {
    let failure = h().runs(100).try_explore(racy).unwrap_err();
    let seed = failure.seed.expect("found by a seeded run");
    let by_seed = child("EVLOOP_SEED", &seed.to_string());
    assert!(by_seed.contains("lost update"), "{by_seed}");
    assert!(
        by_seed.contains(&format!("schedule: {}", failure.schedule)),
        "{by_seed}"
    );

    let by_schedule = child("EVLOOP_SCHEDULE", &failure.schedule.to_string());
    assert!(by_schedule.contains("lost update"), "{by_schedule}");

    let bad = child("EVLOOP_SEED", "seventeen");
    assert!(
        bad.contains("EVLOOP_SEED=\"seventeen\" is not a seed: expected a whole number"),
        "{bad}"
    );
}

// ----- the trace of a failing test (issue 12 item 5) -------------------------

/// Run by `a_failing_test_writes_its_trace_and_replay_writes_it_again` in a
/// child process only: a red `#[evloop::test]`.
#[cfg(feature = "macros")]
#[evloop::test(explore = 100, seed = 0)]
#[ignore = "run by a_failing_test_writes_its_trace_and_replay_writes_it_again"]
async fn child_red_attribute_test() {
    racy().await;
}

/// Runs the red child with `vars`; its report and the two trace files.
#[cfg(feature = "macros")]
fn red_child(vars: &[(&str, &str)]) -> (String, String, String, String) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", "child_red_attribute_test", "--ignored"]);
    command
        .env_remove("EVLOOP_SEED")
        .env_remove("EVLOOP_SCHEDULE");
    for (var, value) in vars {
        command.env(var, value);
    }
    let out = command.output().unwrap();
    assert!(!out.status.success(), "the child test is red");
    let report =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let after = |label: &str| -> String {
        let line = report
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label:?} in {report}"));
        line.trim().to_string()
    };
    let timeline = after("(timeline)");
    let timeline = timeline
        .trim_start_matches("trace:")
        .trim()
        .trim_end_matches("(timeline)")
        .trim()
        .to_string();
    let chrome = after("(Chrome trace");
    let chrome = chrome.split(" (Chrome trace").next().unwrap().to_string();
    // The schedule is the line's first word (a note may follow it).
    let schedule = after("schedule:")
        .trim_start_matches("schedule:")
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    (report, timeline, chrome, schedule)
}

#[cfg(feature = "macros")]
#[test]
fn a_failing_test_writes_its_trace_and_replay_writes_it_again() {
    let dir = std::env::temp_dir().join(format!("evloop-traces-{}", std::process::id()));
    let dir_text = dir.display().to_string();
    let (report, timeline, chrome, schedule) = red_child(&[("EVLOOP_TRACE_DIR", &dir_text)]);
    assert!(report.contains("lost update"), "{report}");
    for path in [&timeline, &chrome] {
        assert!(
            path.starts_with(&dir_text),
            "{path} is in {dir_text}: {report}"
        );
    }
    assert!(
        timeline.ends_with("child_red_attribute_test.timeline.txt"),
        "{timeline}"
    );
    let first = (
        std::fs::read_to_string(&timeline).unwrap(),
        std::fs::read_to_string(&chrome).unwrap(),
    );
    // The picture of the failing run: both bumpers and the body, and the
    // panic that failed it.
    assert!(
        first.0.contains("timeline: the clock is still at 0s"),
        "{}",
        first.0
    );
    assert!(first.0.contains("main   |!"), "{}", first.0);
    assert!(first.0.contains("failed: lost update"), "{}", first.0);
    assert!(
        first
            .1
            .contains(r#""args":{"end":"panicked: (block_on's future panicked)"}"#),
        "{}",
        first.1
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // Replaying the printed schedule writes the same files, byte for byte.
    let (again, timeline2, chrome2, _) = red_child(&[
        ("EVLOOP_TRACE_DIR", &dir_text),
        ("EVLOOP_SCHEDULE", &schedule),
    ]);
    assert!(again.contains("lost update"), "{again}");
    assert_eq!((&timeline2, &chrome2), (&timeline, &chrome));
    assert_eq!(std::fs::read_to_string(&timeline).unwrap(), first.0);
    assert_eq!(std::fs::read_to_string(&chrome).unwrap(), first.1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failure_in_the_harness_writes_its_trace_where_asked() {
    let dir = std::env::temp_dir().join(format!("evloop-harness-traces-{}", std::process::id()));
    let failure = h().runs(100).trace_dir(&dir).try_explore(racy).unwrap_err();
    let files = failure.trace.clone().expect("traced").expect("written");
    assert!(files.timeline.starts_with(&dir) && files.chrome_trace.starts_with(&dir));
    let text = failure.to_string();
    assert!(
        text.contains(&format!(
            "\n  trace:    {} (timeline)\n",
            files.timeline.display()
        )),
        "{text}"
    );
    let timeline = std::fs::read_to_string(&files.timeline).unwrap();
    let again = h()
        .trace_dir(&dir)
        .try_replay(&failure.schedule, racy)
        .unwrap_err();
    assert_eq!(again.trace, failure.trace);
    assert_eq!(std::fs::read_to_string(&files.timeline).unwrap(), timeline);
    // Off, nothing is written and the report says nothing of it.
    let quiet = h().runs(100).traces(false).try_explore(racy).unwrap_err();
    assert_eq!(quiet.trace, None);
    assert!(!quiet.to_string().contains("trace:"));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ----- #[evloop::test] ------------------------------------------------------

#[cfg(feature = "macros")]
mod attribute {
    use super::*;

    #[evloop::test]
    async fn attribute_runs_on_virtual_time() {
        let start = evloop::time::Instant::now();
        evloop::sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
    }

    #[evloop::test(explore = 50, strict)]
    async fn attribute_explores_schedules() -> Result<(), String> {
        let log = Rc::new(RefCell::new(Vec::new()));
        three_writers(log.clone()).await;
        if log.borrow().len() != 9 {
            return Err(format!("{:?}", log.borrow()));
        }
        Ok(())
    }

    #[evloop::test(clock = "real")]
    async fn attribute_on_the_real_clock() {
        let start = std::time::Instant::now();
        evloop::sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
    }

    #[evloop::test(explore = all)]
    async fn attribute_explores_every_schedule() {
        let total = evloop::testing::Shared::new(0);
        let t = total.clone();
        let other = evloop::spawn(async move {
            yield_now().await;
            t.with(|t| *t += 1);
        });
        total.with(|t| *t += 1);
        other.await.unwrap();
        assert_eq!(total.get(), 2);
    }

    #[evloop::test(explore = all, preemption_bound = 1, reduction = false)]
    #[should_panic(expected = "lost update")]
    async fn attribute_exhaustive_reports_a_failing_schedule() {
        racy().await;
    }

    #[evloop::test(explore = 100, seed = 0, depth = 2, poll_budget = 5000)]
    #[should_panic(expected = "lost update")]
    async fn attribute_reports_a_failing_schedule() {
        racy().await;
    }
}

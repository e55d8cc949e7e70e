//! Property tests: random programs of tasks that spawn, yield, sleep, await
//! each other and get cancelled, run under many seeds.
//!
//! Invariants checked on the event stream of every run:
//! - each task ends (completed, cancelled or panicked) exactly once;
//! - every result reaches its handle;
//! - no task is polled after it finished;
//! - wakes are deduplicated: a task is never made ready while already queued;
//! - timers never fire early, and fire in deadline order;
//! - a wake is reported after its cause: "woken by timer" right after that
//!   task's timer fired, "woken by task #N" after #N was polled;
//! - the same seed replays the same event stream.
mod util;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::inspect::{LoopEvent, LoopEventKind};
use evloop::{JoinHandle, Policy, Runtime, TaskId, WakeCause};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Yield,
    Sleep(u64),
    /// Await the task with this index (if it is an earlier one).
    Await(usize),
    /// Cancel the task with this index (if it is an earlier one).
    Cancel(usize),
    Spawn(Vec<Op>),
    Panic,
    /// Wake itself twice in one poll (the second wake must be absorbed).
    DoubleYield,
    /// Wake task `i` through the waker it last left on the board (a
    /// spurious wake, often of a task that is already queued).
    Poke(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        4 => Just(Op::Yield),
        4 => (0u64..50).prop_map(Op::Sleep),
        2 => (0usize..8).prop_map(Op::Await),
        1 => (0usize..8).prop_map(Op::Cancel),
        1 => Just(Op::Panic),
        2 => Just(Op::DoubleYield),
        3 => (0usize..8).prop_map(Op::Poke),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Op::Spawn)
    })
}

fn program() -> impl Strategy<Value = Vec<Vec<Op>>> {
    prop::collection::vec(prop::collection::vec(op(), 0..6), 1..8)
}

type Handles = Rc<RefCell<Vec<Option<JoinHandle<usize>>>>>;
type Board = Rc<RefCell<HashMap<usize, Waker>>>;

async fn task(index: usize, ops: Vec<Op>, handles: Handles, board: Board) -> usize {
    for op in ops {
        // Leave the current waker on the board for Poke.
        poll_fn(|cx| {
            board.borrow_mut().insert(index, cx.waker().clone());
            Poll::Ready(())
        })
        .await;
        match op {
            Op::Yield => evloop::yield_now().await,
            Op::Sleep(ms) => evloop::sleep(Duration::from_millis(ms)).await,
            Op::Await(i) if i < index => {
                let h = handles.borrow_mut().get_mut(i).and_then(Option::take);
                if let Some(h) = h {
                    let _ = h.await;
                }
            }
            Op::Cancel(i) if i < index => {
                let handles = handles.borrow();
                if let Some(Some(h)) = handles.get(i) {
                    h.cancel();
                }
            }
            Op::Spawn(inner) => {
                let child = evloop::spawn(Box::pin(task(
                    usize::MAX,
                    inner,
                    handles.clone(),
                    board.clone(),
                )));
                drop(child);
            }
            Op::Panic => panic!("planned panic"),
            Op::DoubleYield => {
                let mut yielded = false;
                poll_fn(|cx| {
                    if yielded {
                        return Poll::Ready(());
                    }
                    yielded = true;
                    cx.waker().wake_by_ref();
                    cx.waker().wake_by_ref();
                    Poll::Pending
                })
                .await
            }
            Op::Poke(i) => {
                let waker = board.borrow().get(&i).cloned();
                if let Some(w) = waker {
                    w.wake();
                }
            }
            _ => {}
        }
    }
    index
}

struct Outcome {
    events: Vec<LoopEvent>,
    results: Vec<Option<Result<usize, evloop::JoinError>>>,
}

fn quiet_planned_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&"planned panic") {
                default(info);
            }
        }));
    });
}

fn run(program: &[Vec<Op>], policy: Policy) -> Outcome {
    quiet_planned_panics();
    let rt = Runtime::builder()
        .virtual_clock()
        .policy(policy)
        .debug(false)
        .keep_finished(0)
        .build();
    rt.events().record(1_000_000);
    let handles: Handles = Rc::new(RefCell::new(Vec::new()));
    let board: Board = Rc::default();
    for (i, ops) in program.iter().enumerate() {
        let h = rt.spawn_named(
            format!("t{i}"),
            task(i, ops.clone(), handles.clone(), board.clone()),
        );
        handles.borrow_mut().push(Some(h));
    }
    let report = rt.run_until_done();
    board.borrow_mut().clear();
    assert!(
        report
            .as_ref()
            .is_ok_and(|r| r.stop == evloop::Stop::Finished),
        "{report:?}"
    );
    let left: Vec<_> = handles.borrow_mut().drain(..).collect();
    let results = left
        .into_iter()
        .map(|h| h.map(|h| rt.block_on(h)))
        .collect();
    Outcome {
        events: rt.events().recorded(),
        results,
    }
}

fn check_invariants(events: &[LoopEvent]) {
    let mut ended: HashSet<TaskId> = HashSet::new();
    let mut queued: HashMap<TaskId, bool> = HashMap::new();
    // The loop reports a wake when it takes it in, after the poll that made
    // it: a task that wakes itself is "ready" after its own "polled" event,
    // like any other wake.
    let mut last_fired = None;
    let mut fired_for: Option<TaskId> = None;
    let mut last_polled: Option<TaskId> = None;
    for e in events {
        match &e.kind {
            LoopEventKind::Spawned { task, .. } => {
                queued.insert(*task, true);
            }
            LoopEventKind::Woken { task, cause } => {
                assert!(!ended.contains(task), "woke finished task {task}");
                assert_ne!(*cause, WakeCause::Spawned, "a spawn is not a wake");
                match cause {
                    WakeCause::Timer => assert_eq!(
                        fired_for.take(),
                        Some(*task),
                        "{task} woken by a timer that had not fired"
                    ),
                    WakeCause::Task(by) => {
                        assert_eq!(last_polled, Some(*by), "{task} woken by {by} before it ran");
                    }
                    WakeCause::Yield => {
                        assert_eq!(last_polled, Some(*task), "{task} yielded before it ran");
                    }
                    _ => {}
                }
                let q = queued.entry(*task).or_insert(false);
                assert!(!*q, "{task} made ready twice without a poll between");
                *q = true;
            }
            LoopEventKind::Polled { task, .. } => {
                last_polled = Some(*task);
                assert!(!ended.contains(task), "polled {task} after it finished");
                let q = queued.entry(*task).or_insert(false);
                assert!(*q, "polled {task} without it being ready");
                *q = false;
            }
            LoopEventKind::Completed { task }
            | LoopEventKind::Cancelled { task }
            | LoopEventKind::Panicked { task, .. } => {
                assert!(ended.insert(*task), "{task} ended twice");
            }
            LoopEventKind::TimerFired { deadline, owner } => {
                fired_for = *owner;
                assert!(e.at >= *deadline, "timer fired early");
                if let Some(prev) = last_fired {
                    assert!(*deadline >= prev, "timers out of deadline order");
                }
                last_fired = Some(*deadline);
            }
            _ => {}
        }
    }
    let spawned: HashSet<TaskId> = events
        .iter()
        .filter_map(|e| match e.kind {
            LoopEventKind::Spawned { task, .. } => Some(task),
            _ => None,
        })
        .collect();
    assert_eq!(spawned, ended, "every task ends exactly once");
}

fn check_results(program: &[Vec<Op>], out: &Outcome) {
    for (i, r) in out.results.iter().enumerate() {
        match r {
            // Taken by another task's Await: that task got the result.
            None => {}
            Some(Ok(v)) => assert_eq!(*v, i, "result reached the wrong handle"),
            Some(Err(e)) => assert!(
                e.is_cancelled() || program[i].iter().any(|o| matches!(o, Op::Panic)),
                "t{i} failed without cancel or panic: {e}"
            ),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn random_programs_keep_the_invariants(program in program(), seed in any::<u64>()) {
        for policy in [Policy::Fifo, Policy::Lifo, Policy::Random { seed }] {
            let out = run(&program, policy);
            check_invariants(&out.events);
            check_results(&program, &out);
        }
    }

    #[test]
    fn the_same_seed_replays_the_same_events(program in program(), seed in any::<u64>()) {
        let a = util::lines(&run(&program, Policy::Random { seed }).events);
        let b = util::lines(&run(&program, Policy::Random { seed }).events);
        prop_assert_eq!(a, b);
    }
}

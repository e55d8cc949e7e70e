//! `to_thread`: results, panics, a responsive loop, the bound, the clock.

mod util;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use evloop::Runtime;
use evloop::time::ClockKind;
use util::Trace;

#[test]
fn to_thread_resolves_with_the_result_and_turns_a_panic_into_a_join_error() {
    let rt = Runtime::new();
    rt.block_on(async {
        let here = std::thread::current().id();
        let there = evloop::to_thread(|| std::thread::current().id())
            .await
            .unwrap();
        assert_ne!(here, there, "the closure ran on a worker thread");

        let err = evloop::to_thread(|| -> u32 { panic!("disk on fire") })
            .await
            .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("disk on fire"));
        assert!(err.to_string().contains("to_thread job of 'main'"), "{err}");

        // The worker survived its panic.
        assert_eq!(evloop::spawn_blocking(|| 6 * 7).await.unwrap(), 42);
    });
}

/// A gate the blocking jobs wait on, opened by a task on the loop.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    /// Blocks until open; false if it stayed shut for 10 s.
    fn wait(&self) -> bool {
        let guard = self.0.0.lock().unwrap();
        let (open, _) = self
            .0
            .1
            .wait_timeout_while(guard, Duration::from_secs(10), |o| !*o)
            .unwrap();
        *open
    }
}

#[test]
fn a_timer_task_keeps_ticking_while_ten_blocking_jobs_wait() {
    // The jobs block until the ticker has ticked five times: if blocking
    // jobs blocked the loop, the ticker could never open the gate.
    let rt = Runtime::new();
    let trace = Trace::default();
    let gate = Gate::default();
    rt.block_on(async {
        let jobs: Vec<_> = (0..10)
            .map(|_| {
                let gate = gate.clone();
                evloop::to_thread(move || gate.wait())
            })
            .collect();
        let (t, g) = (trace.clone(), gate.clone());
        let ticker = evloop::spawn_named("ticker", async move {
            let mut every = evloop::time::interval(Duration::from_millis(5));
            for i in 0..5 {
                every.tick().await;
                t.push(format!("tick {i}"));
            }
            g.open();
        });
        for job in jobs {
            assert!(job.await.unwrap(), "a job was never released");
        }
        ticker.await.unwrap();
    });
    assert_eq!(
        trace.take(),
        ["tick 0", "tick 1", "tick 2", "tick 3", "tick 4"]
    );
}

#[test]
fn no_more_jobs_run_at_once_than_the_configured_bound() {
    let rt = Runtime::builder()
        .blocking_threads(NonZeroUsize::new(2).unwrap())
        .build();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                evloop::to_thread(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5)); // blocking work
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap();
        }
    });
    assert!(most.load(Ordering::SeqCst) <= 2, "at most two workers");
    assert!(most.load(Ordering::SeqCst) >= 1);
}

#[test]
fn the_virtual_clock_waits_for_a_to_thread_job() {
    let (rt, _) = util::virtual_rt();
    rt.block_on(async {
        let start = evloop::time::Instant::now();
        let job = evloop::to_thread(|| std::thread::sleep(Duration::from_millis(20)));
        // A 1 s virtual timeout does not fire while the job is in flight.
        let done = evloop::timeout(Duration::from_secs(1), job).await;
        assert!(
            matches!(done, Ok(Ok(()))),
            "the timeout fired early: {done:?}"
        );
        assert_eq!(start.elapsed(), Duration::ZERO);
    });
}

#[test]
#[should_panic(expected = "evloop::to_thread was called outside a running evloop loop")]
fn to_thread_outside_a_loop_panics_with_a_clear_message() {
    drop(evloop::to_thread(|| ()));
}

/// A job that finishes wakes its task and then lets go of its guard: a loop
/// that looks in between must not mistake the moment for a deadlock. Eight
/// tasks keep jobs finishing at staggered moments while the loop goes idle
/// and wakes again thousands of times; `run` reports a stall if it ever
/// misjudges one of those moments. The window is nanoseconds wide, so this
/// catches a regression only sometimes (it found the original bug once in
/// about sixty runs of this file); the guarantee is the ordering argument in
/// `Core::confirm_stall`.
#[test]
fn a_finishing_job_is_never_mistaken_for_a_deadlock() {
    for clock in [ClockKind::Real, ClockKind::Virtual] {
        let rt = Runtime::builder().clock(clock).debug(false).build();
        for t in 0..8u64 {
            drop(rt.spawn(async move {
                for i in 0..300u64 {
                    let spin = (t * 7 + i * 13) % 50;
                    let got = evloop::to_thread(move || {
                        for _ in 0..spin * 20 {
                            std::hint::spin_loop();
                        }
                        i
                    })
                    .await
                    .unwrap();
                    assert_eq!(got, i);
                }
            }));
        }
        let report = rt.run_until_done();
        assert!(
            report
                .as_ref()
                .is_ok_and(|r| r.stop == evloop::Stop::Finished),
            "{clock:?}: {report:?}"
        );
    }
}

//! The loop from other threads: call_soon_threadsafe, spawning a Send
//! future and waiting for it there (run_coroutine_threadsafe), the virtual
//! clock held while such work is pending, and the thread-to-loop channel.
mod util;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use evloop::sync::mpsc;
use evloop::time::Instant;
use evloop::{LoopHandle, Runtime, TaskState};
use util::virtual_rt;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn call_soon_threadsafe_runs_the_closure_on_the_loop_as_a_task() {
    let (rt, _) = virtual_rt();
    rt.events().record(1000);
    let handle = rt.handle();
    let loop_thread = thread::current().id();
    let ran_on = Arc::new(std::sync::Mutex::new(None));
    let r = ran_on.clone();
    thread::spawn(move || {
        handle
            .call_soon_threadsafe(move || *r.lock().unwrap() = Some(thread::current().id()))
            .unwrap();
    })
    .join()
    .unwrap();
    rt.run_until_done().unwrap();
    assert_eq!(*ran_on.lock().unwrap(), Some(loop_thread));
    let spawned: Vec<String> = rt
        .events()
        .recorded()
        .iter()
        .map(|e| e.without_timing().to_string())
        .filter(|l| l.contains("spawned"))
        .collect();
    assert_eq!(spawned, ["[0.000000s] spawned #1 'call_soon_threadsafe'"]);
}

#[test]
fn a_future_spawned_from_a_thread_is_awaited_or_waited_for_there() {
    let rt = Runtime::new();
    let handle = rt.handle();
    let out = rt.block_on(async move {
        evloop::to_thread(move || {
            let first = handle.spawn_with(Some("remote".into()), || async {
                evloop::sleep(ms(2)).await; // !Send: made on the loop
                "slept on the loop"
            });
            let second = handle.spawn(async { 2 + 2 });
            // A thread with an executor of its own awaits the handle there.
            let other = Runtime::new();
            let four = other.block_on(second).unwrap();
            (first.wait().unwrap(), four)
        })
        .await
        .unwrap()
    });
    assert_eq!(out, ("slept on the loop", 4));
    assert!(rt.snapshot().task_named("remote").is_some());
}

#[test]
fn the_virtual_clock_waits_for_work_a_thread_has_promised_or_sent() {
    let (rt, _) = virtual_rt();
    let handle = rt.handle();
    // A task that would let the clock jump 10 s at once.
    rt.spawn(evloop::sleep(Duration::from_secs(10))).detach();
    let seen_at = Arc::new(AtomicU64::new(u64::MAX));
    let s = seen_at.clone();
    let promise = handle.external_work(); // taken before the loop runs
    let worker = thread::spawn(move || {
        thread::sleep(ms(30)); // real time passes; virtual time must not
        let remote = handle.spawn(async move {
            let at = Instant::now().since_start().as_millis() as u64;
            s.store(at, Ordering::SeqCst);
        });
        drop(promise); // the job itself now holds the clock until taken
        remote.wait().unwrap();
    });
    rt.run_until_done().unwrap();
    worker.join().unwrap();
    assert_eq!(
        seen_at.load(Ordering::SeqCst),
        0,
        "ran at virtual 0 s, before the jump"
    );
    assert_eq!(rt.now().since_start(), Duration::from_secs(10));
}

#[test]
fn a_remote_task_can_be_cancelled_from_its_thread_before_or_after_it_starts() {
    let rt = Runtime::new();
    let handle = rt.handle();
    // Before it starts: the loop never runs it.
    let early = handle.spawn(async { 1 });
    early.cancel();
    rt.run_until_done().unwrap();
    assert!(rt.snapshot().tasks.is_empty(), "never spawned");
    // After: a job cancels it on the loop.
    let out = rt.block_on(async move {
        evloop::to_thread(move || {
            let late = handle.spawn_named("late", std::future::pending::<()>());
            while late.id().is_none() {
                thread::sleep(ms(1));
            }
            late.cancel();
            late.wait()
        })
        .await
        .unwrap()
    });
    assert!(out.unwrap_err().is_cancelled());
    assert_eq!(
        rt.snapshot().task_named("late").unwrap().state,
        TaskState::Cancelled
    );
    assert!(early.wait().unwrap_err().is_cancelled());
}

#[test]
fn a_panic_in_a_remote_task_reaches_its_handle_and_is_not_reported_unread() {
    let (rt, found) = virtual_rt();
    let remote = rt.handle().spawn_named("boom", async {
        if true {
            panic!("remote failure");
        }
    });
    rt.run_until_done().unwrap();
    let err = remote.wait().unwrap_err();
    assert_eq!(err.panic_message(), Some("remote failure"));
    assert_eq!(
        rt.snapshot().task_named("boom").unwrap().state,
        TaskState::Panicked
    );
    assert!(
        found
            .borrow()
            .iter()
            .all(|d| d.kind() != "unretrieved-failure"),
        "{:?}",
        found.borrow()
    );
}

#[test]
fn waiting_on_the_loops_own_thread_is_refused_not_a_hang() {
    let rt = Runtime::new();
    let remote = rt.handle().spawn(async { 1 });
    let err = remote.wait().unwrap_err();
    assert!(
        err.to_string()
            .contains("called on the loop's own thread, which would block the loop forever"),
        "{err}"
    );
}

#[test]
fn a_dropped_runtime_refuses_work_and_resolves_what_was_pending() {
    let rt = Runtime::new();
    let handle = rt.handle();
    let pending = handle.spawn(async { 5 });
    let started = rt.handle().spawn(std::future::pending::<()>());
    rt.run_until_idle().unwrap();
    drop(rt);
    assert!(handle.is_closed());
    let err = handle.call_soon_threadsafe(|| ()).unwrap_err();
    assert!(err.to_string().contains("Runtime was dropped"), "{err}");
    let late = handle.spawn(async { 6 });
    let waits = thread::spawn(move || {
        (
            pending.wait().map_err(|e| e.is_cancelled()),
            started.wait().map_err(|e| e.is_cancelled()),
            late.wait().map_err(|e| e.is_cancelled()),
        )
    })
    .join()
    .unwrap();
    // `pending` had run to its end before the drop.
    assert_eq!(waits, (Ok(5), Err(true), Err(true)));
    assert!(LoopHandle::current().is_none());
}

#[test]
fn a_channel_from_threads_to_the_loop_ends_with_its_senders() {
    let (rt, _) = virtual_rt();
    let got = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel_named("events");
        for i in 0..4u32 {
            let tx = tx.clone();
            thread::spawn(move || {
                thread::sleep(ms(5));
                tx.send(i).unwrap();
            });
        }
        drop(tx);
        // A timer far away must not fire before the threads' items come:
        // their senders hold the virtual clock.
        let timer = evloop::spawn(evloop::sleep(Duration::from_secs(60)));
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push((v, Instant::now().since_start()));
        }
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Closed));
        timer.cancel();
        got
    });
    let mut values: Vec<u32> = got.iter().map(|(v, _)| *v).collect();
    values.sort();
    assert_eq!(values, [0, 1, 2, 3]);
    assert!(got.iter().all(|(_, at)| at.is_zero()), "{got:?}");
}

#[test]
fn the_channel_shows_in_snapshots_and_a_send_to_a_gone_receiver_comes_back() {
    let (rt, _) = virtual_rt();
    let (tx, rx) = {
        let _enter = rt.enter();
        mpsc::channel_named::<u8>("inbox")
    };
    let info = rt.snapshot().primitive_named("inbox").unwrap().clone();
    assert_eq!(
        (info.kind, info.state.as_str()),
        ("channel", "0 item(s), 1 sender(s)")
    );
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(3).unwrap_err().0, 3);
}

#[test]
fn a_dropped_recv_takes_nothing() {
    // The real clock: on the virtual one, the sender this task keeps would
    // hold the clock, and the timeout would never come (see `sync::mpsc`).
    let rt = Runtime::new();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel();
        assert!(evloop::time::timeout(ms(10), rx.recv()).await.is_err());
        let sender = thread::spawn(move || tx.send(5).unwrap());
        assert_eq!(rx.recv().await, Some(5));
        sender.join().unwrap();
        assert_eq!(rx.recv().await, None);
    });
}

/// How the waits of a loop that awaits `rounds` quick `to_thread` jobs
/// ended, with `spin` awake before each park.
fn waits_for_quick_jobs(spin: Duration) -> evloop::Sleeps {
    let rounds = 50;
    let rt = Runtime::builder().spin_before_sleep(spin).build();
    rt.block_on(async {
        for i in 0..rounds {
            assert_eq!(evloop::to_thread(move || i).await.unwrap(), i);
        }
    });
    rt.sleeps()
}

fn on_one_cpu() -> bool {
    thread::available_parallelism().map_or(true, |n| n.get() == 1)
}

/// The loop stays awake for a moment before it parks its thread
/// (`Builder::spin_before_sleep`), and `Runtime::sleeps` tells how its
/// waits for other threads ended: a worker's answer, given a long budget,
/// is seen awake; with no budget, every such wait parks. (On one CPU the
/// loop never stays awake: the next test.)
#[test]
fn a_quick_answer_from_a_thread_is_seen_awake_unless_the_loop_may_not_spin() {
    // Long enough for a worker thread to be scheduled in, however loaded
    // the machine: the test asks for one wake seen awake, not every one.
    let spun = waits_for_quick_jobs(ms(100));
    if on_one_cpu() {
        assert_eq!(spun.woken_awake, 0, "{spun:?}");
    } else {
        assert!(spun.woken_awake > 0, "{spun:?}");
    }
    assert_eq!(spun.slept, 0, "no deadline was waited for: {spun:?}");
    let parked = waits_for_quick_jobs(Duration::ZERO);
    assert_eq!(parked.woken_awake, 0, "{parked:?}");
    assert!(parked.parked > 0, "{parked:?}");
}

/// Spins that never pay are rested: a loop whose worker always answers
/// long after the spin ends stops spinning after a few misses, parks at
/// once (`Sleeps::rested`), and tries a spin again now and then.
#[test]
fn spins_that_never_pay_are_rested() {
    let waits = 40;
    let rt = Runtime::builder()
        .spin_before_sleep(Duration::from_micros(50))
        .build();
    rt.block_on(async {
        for i in 0..waits {
            let job = move || {
                thread::sleep(ms(3)); // an answer no 50 µs spin can see
                i
            };
            assert_eq!(evloop::to_thread(job).await.unwrap(), i);
        }
    });
    let sleeps = rt.sleeps();
    // At least one wait a job (a park may also end without its answer, and
    // the loop waits again).
    let all = sleeps.woken_awake + sleeps.parked;
    assert!(all >= waits, "{sleeps:?}");
    if on_one_cpu() {
        assert_eq!(sleeps.rested, 0, "no spin to rest from: {sleeps:?}");
        return;
    }
    // 8 misses, then rests of 8, 16, … waits with one try between: about
    // 10 of the first 40 waits spin.
    assert!(
        sleeps.rested * 2 >= all && sleeps.rested < all,
        "most waits park at once, a few still try: {sleeps:?}"
    );
}

/// A spin that just misses its answers stretches until it catches them: a
/// worker that always answers 1.5 ms in, after a 1 ms spin, is seen awake
/// once the loop spins 2 ms (or 4, the longest, when the machine is slow).
#[test]
fn a_spin_that_just_misses_its_answers_stretches_to_catch_them() {
    if on_one_cpu() {
        println!("notice: one CPU here, where the loop never spins; skipped");
        return;
    }
    let waits = 40;
    let rt = Runtime::builder().spin_before_sleep(ms(1)).build();
    rt.block_on(async {
        for i in 0..waits {
            let job = move || {
                thread::sleep(Duration::from_micros(1500)); // never sooner
                i
            };
            assert_eq!(evloop::to_thread(job).await.unwrap(), i);
        }
    });
    let sleeps = rt.sleeps();
    // No 1 ms spin can see one of these answers: every wake seen awake is
    // a stretched spin's. Most are, once it has stretched; a quarter
    // leaves room for a slow machine.
    assert!(sleeps.woken_awake * 4 >= waits, "{sleeps:?}");
}

/// Where the process may run on one CPU only, a loop that waits for
/// another thread parks at once, whatever spin it was given: the thread
/// that would answer cannot run while the loop's thread spins. The test
/// runs itself again pinned to one CPU (`taskset`, where the machine has
/// it; a notice where it has not).
#[test]
fn on_one_cpu_a_loop_waiting_for_a_thread_parks_at_once() {
    const CHILD: &str = "EVLOOP_TEST_PINNED_TO_ONE_CPU";
    if std::env::var_os(CHILD).is_some() {
        assert!(on_one_cpu(), "taskset pinned this process to one CPU");
        let sleeps = waits_for_quick_jobs(ms(100));
        assert_eq!(sleeps.woken_awake, 0, "a spin on one CPU: {sleeps:?}");
        assert!(sleeps.parked > 0, "{sleeps:?}");
        return;
    }
    let pins = std::process::Command::new("taskset")
        .args(["-c", "0", "true"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !pins {
        eprintln!("notice: `taskset -c 0` is not available here; the one-CPU run is skipped");
        return;
    }
    let me = std::env::current_exe().expect("the test binary's path");
    let child = std::process::Command::new("taskset")
        .args(["-c", "0"])
        .arg(me)
        .args([
            "--exact",
            "on_one_cpu_a_loop_waiting_for_a_thread_parks_at_once",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .expect("taskset runs the test binary");
    let said = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && said.contains("1 passed"),
        "the run pinned to one CPU failed:\n{said}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
}

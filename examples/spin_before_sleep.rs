//! Awake before a sleep: how a loop waits for another thread's answer.
//!
//! ```text
//! cargo run --release --example spin_before_sleep
//! ```
//!
//! A thread answers the loop's task 2,000 times, at once each time, over
//! evloop's `sync::mpsc` channel, while the task answers back over a std
//! channel. The loop has nothing else to do, so between two answers it waits
//! for the other thread alone. It is run twice:
//!
//! - with the default `Builder::spin_before_sleep` (20 µs), the loop stays
//!   awake for a moment before it parks its thread, and most answers are
//!   seen while it is still awake;
//! - with `Duration::ZERO`, it parks at once, and nearly every answer is a
//!   futex wake and a scheduling of the loop's thread (not one that came
//!   before the loop began to wait).
//!
//! Pinned to one CPU (`taskset -c 0 cargo run --release --example
//! spin_before_sleep`), both runs park at once: a process that may run on
//! one CPU only never spins, since the thread that answers could not run
//! while the loop's thread spun.
//!
//! For each, it prints the time per round trip and `Runtime::sleeps`: how
//! many waits ended awake (`woken_awake`) and how many parked (`parked`).
//! The times depend on the machine (a virtual machine's wake-ups are slow,
//! which is where the spin pays most); the counts show what happened.

use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use evloop::Runtime;
use evloop::sync::mpsc;

const ROUNDS: u32 = 2_000;

fn main() {
    for (what, spin) in [
        ("default (20 µs awake first)", None),
        ("spin_before_sleep(ZERO)", Some(Duration::ZERO)),
    ] {
        let mut builder = Runtime::builder();
        if let Some(spin) = spin {
            builder = builder.spin_before_sleep(spin);
        }
        let rt = builder.build();
        let took = rt.block_on(ping_pong());
        let sleeps = rt.sleeps();
        println!(
            "{what:28} {:>8.2} µs per round trip; waits for the thread: {} seen awake, {} parked",
            took.as_secs_f64() * 1e6 / f64::from(ROUNDS),
            sleeps.woken_awake,
            sleeps.parked
        );
    }
}

/// `ROUNDS` round trips with a thread that answers at once.
async fn ping_pong() -> Duration {
    let (to_loop, mut from_thread) = mpsc::channel::<u32>();
    let (to_thread, from_loop) = std_mpsc::channel::<u32>();
    let other = thread::spawn(move || {
        // Answer each question the moment it comes.
        while let Ok(n) = from_loop.recv() {
            if to_loop.send(n).is_err() {
                break;
            }
        }
    });
    let began = Instant::now();
    for n in 0..ROUNDS {
        to_thread.send(n).expect("the thread is listening");
        let answer = from_thread.recv().await;
        assert_eq!(answer, Some(n), "the thread answers each question");
    }
    let took = began.elapsed();
    drop(to_thread);
    other.join().expect("the thread does not panic");
    took
}

/// What the counts promise, whatever the machine: a loop told not to spin
/// sees no answer awake, and every round trip is made.
#[test]
fn a_loop_told_not_to_spin_sees_no_answer_awake() {
    let rt = Runtime::builder().spin_before_sleep(Duration::ZERO).build();
    rt.block_on(ping_pong());
    let sleeps = rt.sleeps();
    assert_eq!(sleeps.woken_awake, 0, "{sleeps:?}");
    assert!(sleeps.parked > 0, "{sleeps:?}");
}

//! G: another OS thread wakes a task on the loop 100,000 times; the task
//! answers each wake over a std channel, and the thread waits for the answer
//! before the next wake (blocking in `recv`, or spinning on `try_recv`).
//!
//! ```text
//!   OS thread                          loop thread
//!   ─────────                          ───────────
//!   ring(): rung = true,      ──wake──▶ (parked in epoll/futex) … polls task:
//!           waker.wake_by_ref()          Ring sees `rung`, Ready
//!   recv() / spin try_recv()  ◀─send──  reply.send(())
//! ```
//!
//! Almost every wake finds the loop asleep, so this is the runtime's
//! cross-thread path end to end: the remote wake, the notification that
//! unparks the loop, and the loop going back to sleep.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use super::{Better, Sample, Size, Workload};
use crate::runtimes::{Kind, run_on_every};

pub const BLOCKING: Workload = Workload {
    id: "Gblock",
    what: "cross-thread wake, the other thread blocks",
    figure: "ns/round trip",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run: run_blocking,
};

pub const SPINNING: Workload = Workload {
    id: "Gspin",
    what: "cross-thread wake, the other thread spins",
    figure: "ns/round trip",
    better: Better::Lower,
    runtimes: &Kind::EXECUTORS,
    peers_also_from: &[],
    run: run_spinning,
};

/// A flag another thread sets, and the waker of the task waiting for it.
/// The waker stays registered between rings, so a ring costs one
/// `wake_by_ref` and no waker clone.
#[derive(Default)]
pub struct Doorbell {
    rung: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Doorbell {
    /// Sets the flag, then wakes whoever is registered. The flag is set
    /// first, so a task that registers after this looked finds it set.
    pub fn ring(&self) {
        self.rung.store(true, Ordering::Release);
        let waker = self.waker.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(waker) = &*waker {
            waker.wake_by_ref();
        }
    }

    /// Waits for the next ring.
    pub fn wait(&self) -> Ring<'_> {
        Ring(self)
    }
}

/// The future of [`Doorbell::wait`].
pub struct Ring<'a>(&'a Doorbell);

impl Future for Ring<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let bell = self.0;
        if bell.rung.swap(false, Ordering::Acquire) {
            return Poll::Ready(());
        }
        {
            let mut slot = bell.waker.lock().unwrap_or_else(PoisonError::into_inner);
            match &*slot {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        // A ring between the first look and the registration: seen here.
        if bell.rung.swap(false, Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// The OS thread's side: ring, wait for the answer, `rounds` times; returns
/// the time it took.
fn ringer(bell: Arc<Doorbell>, answers: mpsc::Receiver<()>, rounds: u64, spin: bool) -> Duration {
    let start = Instant::now();
    for _ in 0..rounds {
        bell.ring();
        if spin {
            loop {
                match answers.try_recv() {
                    Ok(()) => break,
                    Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
                    Err(mpsc::TryRecvError::Disconnected) => panic!("the loop task answers"),
                }
            }
        } else {
            answers.recv().expect("the loop task answers");
        }
    }
    start.elapsed()
}

macro_rules! cross_thread {
    ($rt:ident, ($rounds:expr, $spin:expr)) => {
        async move {
            use crate::runtimes::$rt as rt;
            let (rounds, spin): (u64, bool) = ($rounds, $spin);
            let bell = Arc::new(Doorbell::default());
            let (answer, answers) = mpsc::channel();
            let task = {
                let bell = bell.clone();
                rt::spawn(async move {
                    for _ in 0..rounds {
                        bell.wait().await;
                        answer.send(()).expect("the ringer waits for the answer");
                    }
                })
            };
            let thread = thread::spawn(move || ringer(bell, answers, rounds, spin));
            task.await;
            let elapsed = thread.join().expect("the ringer does not panic");
            Sample::per_op(elapsed, rounds)
        }
    };
}

fn run_blocking(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, cross_thread(size.scale(100_000), false))
}

fn run_spinning(kind: Kind, size: Size) -> Option<Sample> {
    run_on_every!(kind, cross_thread(size.scale(100_000), true))
}

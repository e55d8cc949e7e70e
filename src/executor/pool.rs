//! The worker-thread pool behind [`to_thread`](crate::to_thread).
//!
//! ```text
//!   loop thread                         worker threads (0 ..= max)
//!   ───────────                         ─────────────────────────
//!   submit(job) ──▶ ┌────────────┐ ◀── pop, run, repeat
//!                   │ job queue  │     nothing queued? wait on the condvar
//!                   └────────────┘     for up to keep_alive, then exit
//!   more queued jobs than idle workers, and fewer than max threads?
//!   ──▶ start one more worker
//! ```
//!
//! Threads are created lazily (a runtime that never calls `to_thread` has
//! none), bounded (at most `max`; further jobs wait in the queue), and an
//! idle thread exits after `keep_alive` without work. The idle wait is a
//! `Condvar::wait_timeout`, so an idle worker costs no CPU.
//!
//! When the runtime drops, the pool is shut down: idle workers exit at once,
//! busy ones finish their job first (a running closure cannot be stopped
//! from outside) and then exit. Nobody joins them: dropping a runtime never
//! blocks on a slow job.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

/// A unit of blocking work; it catches its own panics.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    work: Condvar,
    max: usize,
    keep_alive: Duration,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    shutdown: bool,
    started: usize,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Pool {
    pub(crate) fn new(max: usize, keep_alive: Duration) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                max: max.max(1),
                keep_alive,
            }),
        }
    }

    /// Queues `job`, starting a worker if every existing one is busy and the
    /// bound allows.
    ///
    /// # Errors
    ///
    /// When no worker exists and the OS refuses to start one (`EAGAIN`,
    /// out of memory): the job is not queued, since nothing would run it.
    pub(crate) fn submit(&self, job: Job) -> io::Result<()> {
        let mut state = self.inner.lock();
        state.queue.push_back(job);
        if state.queue.len() <= state.idle {
            drop(state);
            self.inner.work.notify_one();
            return Ok(());
        }
        if state.threads >= self.inner.max {
            return Ok(()); // A busy worker will take it.
        }
        let inner = Arc::clone(&self.inner);
        let name = format!("evloop-to_thread-{}", state.started);
        match thread::Builder::new().name(name).spawn(move || work(inner)) {
            Ok(_) => {
                state.threads += 1;
                state.started += 1;
                Ok(())
            }
            Err(e) if state.threads == 0 => {
                state.queue.pop_back();
                Err(e)
            }
            // Others exist: one of them will get to it.
            Err(_) => Ok(()),
        }
    }

    /// How many worker threads are alive right now.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn threads(&self) -> usize {
        self.inner.lock().threads
    }

    /// Lets every worker exit once the queue is empty.
    pub(crate) fn shutdown(&self) {
        let mut state = self.inner.lock();
        state.shutdown = true;
        // Only waiting workers need the news (a busy one sees the flag when
        // its job ends); a runtime that never used the pool makes no call.
        if state.idle > 0 {
            self.inner.work.notify_all();
        }
    }
}

/// A worker: run queued jobs; exit after `keep_alive` without one.
fn work(inner: Arc<Inner>) {
    let mut state = inner.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            job();
            state = inner.lock();
            continue;
        }
        if state.shutdown {
            break;
        }
        state.idle += 1;
        let (guard, waited) = inner
            .work
            .wait_timeout(state, inner.keep_alive)
            .unwrap_or_else(PoisonError::into_inner);
        state = guard;
        state.idle -= 1;
        if waited.timed_out() && state.queue.is_empty() {
            break;
        }
    }
    state.threads -= 1;
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use std::sync::{Arc, Condvar, Mutex, mpsc};
    use std::thread;
    use std::time::{Duration, Instant};

    #[test]
    fn idle_workers_exit_after_keep_alive() {
        let pool = Pool::new(4, Duration::from_millis(50));
        let (tx, rx) = mpsc::channel();
        for i in 0..3 {
            let tx = tx.clone();
            pool.submit(Box::new(move || tx.send(i).unwrap())).unwrap();
        }
        let mut got: Vec<i32> = (0..3).map(|_| rx.recv().unwrap()).collect();
        got.sort();
        assert_eq!(got, [0, 1, 2]);
        // A worker started (it may have exited already: 50 ms is short, and
        // under Miri the clock runs with the instructions executed).
        assert!(pool.inner.lock().started >= 1);
        let start = Instant::now();
        while pool.threads() > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "idle workers never exited"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn never_more_threads_than_the_bound() {
        let pool = Pool::new(2, Duration::from_secs(10));
        let (tx, rx) = mpsc::channel();
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        for _ in 0..6 {
            let (tx, gate) = (tx.clone(), gate.clone());
            pool.submit(Box::new(move || {
                let mut open = gate.0.lock().unwrap();
                while !*open {
                    open = gate.1.wait(open).unwrap();
                }
                tx.send(()).unwrap();
            }))
            .unwrap();
        }
        assert_eq!(pool.threads(), 2);
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        for _ in 0..6 {
            rx.recv().unwrap();
        }
        pool.shutdown();
    }
}

//! The safe waker evloop started with, and why it was replaced: step 3 of
//! docs/event-loop.md. std only, no unsafe, no evloop.
//! Run: `cargo run --example safe_waker`
//!
//! Each task gets a second allocation beside it, an `Arc<TaskWaker>` that
//! implements `std::task::Wake`: what a wake needs (the task's key, its
//! "queued" flag, the loop's queue, the loop's thread) and nothing the task
//! owns, so it may be `Send + Sync` while the tasks themselves are `!Send`
//! (they hold `Rc`s here). It works, on any thread. What it costs is what
//! evloop's own waker (src/task/waker.rs) removes: an allocation per task
//! for the waker, and a lock on every wake, even on the loop's own thread.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

// ANCHOR: safe_waker
/// What a wake needs, one per task, in an allocation of its own.
struct TaskWaker {
    key: usize,
    /// Set by the first wake after a poll: a task is queued at most once.
    queued: AtomicBool,
    /// The loop's ready queue: a `Mutex`, because any thread may wake.
    ready: Arc<Mutex<VecDeque<usize>>>,
    /// The loop's thread, to unpark it if it sleeps.
    loop_thread: Thread,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return; // already queued: one poll will do
        }
        self.ready.lock().unwrap().push_back(self.key);
        self.loop_thread.unpark();
    }
}
// ANCHOR_END: safe_waker

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Runs `tasks` (which may be `!Send`) until all are done, sleeping while
/// none is ready.
fn run(tasks: Vec<Task>) {
    let ready = Arc::new(Mutex::new((0..tasks.len()).collect::<VecDeque<_>>()));
    let wakers: Vec<Arc<TaskWaker>> = (0..tasks.len())
        .map(|key| {
            Arc::new(TaskWaker {
                key,
                queued: AtomicBool::new(true),
                ready: ready.clone(),
                loop_thread: thread::current(),
            })
        })
        .collect();
    let mut tasks: Vec<Option<Task>> = tasks.into_iter().map(Some).collect();
    let mut left = tasks.len();
    while left > 0 {
        let Some(key) = ready.lock().unwrap().pop_front() else {
            thread::park(); // a wake unparks us (or a spurious wake: look again)
            continue;
        };
        let Some(task) = tasks[key].as_mut() else {
            continue;
        };
        wakers[key].queued.store(false, Ordering::Release);
        let waker = Waker::from(wakers[key].clone());
        if task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready()
        {
            tasks[key] = None;
            left -= 1;
        }
    }
}

/// Waits for another thread to send a value: the waker crosses threads.
struct FromThread {
    slot: Arc<Mutex<(Option<u32>, Option<Waker>)>>,
}

impl Future for FromThread {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut slot = self.slot.lock().unwrap();
        match slot.0.take() {
            Some(v) => Poll::Ready(v),
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

fn main() {
    let log = Rc::new(RefCell::new(Vec::new())); // !Send: the tasks are too
    let slot: Arc<Mutex<(Option<u32>, Option<Waker>)>> = Arc::default();
    let worker = {
        let slot = slot.clone();
        thread::spawn(move || {
            thread::sleep(std::time::Duration::from_millis(10));
            let waker = {
                let mut s = slot.lock().unwrap();
                s.0 = Some(42);
                s.1.take()
            };
            if let Some(w) = waker {
                w.wake(); // from another thread: locks the queue, unparks the loop
            }
        })
    };
    let waiting = {
        let log = log.clone();
        Box::pin(async move {
            let v = FromThread { slot }.await;
            log.borrow_mut()
                .push(format!("got {v} from another thread"));
        }) as Task
    };
    let other = {
        let log = log.clone();
        Box::pin(async move {
            log.borrow_mut()
                .push("the other task ran meanwhile".to_string());
        }) as Task
    };
    run(vec![waiting, other]);
    worker.join().unwrap();
    for line in log.borrow().iter() {
        println!("{line}");
    }
}

//! An evloop REPL session, written as a test by `save test`.
//!
//! The session's commands run again on a fresh virtual-clock loop that
//! replays the schedule the session recorded (the ready-queue choice of
//! every poll); the test then asserts what the session saw: the prints with
//! their times, each task's outcome, the clock, the schedule itself.
// Steps after a return, fail, panic or forever never run, as in the session;
// the prelude serves every session, and this one may not use all of it.
#![allow(unreachable_code, dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::sync::{Event, Queue, Semaphore, SemaphorePermit};
use evloop::time::Instant;
use evloop::{JoinHandle, Runtime};

/// How a task ended, shown as the REPL shows it.
#[derive(Clone)]
enum Outcome {
    Returned(Option<String>),
    Failed(String),
    Panicked(String),
    Cancelled,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Returned(Some(v)) => write!(f, "returned {v}"),
            Outcome::Returned(None) => f.write_str("returned (no value)"),
            Outcome::Failed(e) => write!(f, "failed: {e}"),
            Outcome::Panicked(m) => write!(f, "panicked: {m}"),
            Outcome::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// A task's outcome, for everyone who awaits it (a handle gives it once).
#[derive(Default)]
struct Slot {
    outcome: RefCell<Option<Outcome>>,
    waiters: RefCell<Vec<Waker>>,
}

impl Slot {
    fn finish(&self, outcome: Outcome) {
        if self.outcome.borrow().is_some() {
            return;
        }
        *self.outcome.borrow_mut() = Some(outcome);
        std::mem::take(&mut *self.waiters.borrow_mut())
            .into_iter()
            .for_each(Waker::wake);
    }

    async fn wait(&self) -> Outcome {
        std::future::poll_fn(|cx| {
            if let Some(outcome) = self.outcome.borrow().clone() {
                return Poll::Ready(outcome);
            }
            let mut waiters = self.waiters.borrow_mut();
            if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
                waiters.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }
}

/// One task: its name, what it holds, what it printed into.
struct Me {
    name: String,
    held: RefCell<Vec<(String, SemaphorePermit)>>,
    panic_text: RefCell<Option<String>>,
    prints: Rc<RefCell<Vec<String>>>,
}

impl Me {
    fn print(&self, text: &str) {
        let line = format!("[{}] {}: {text}", Instant::now(), self.name);
        println!("{line}");
        self.prints.borrow_mut().push(line);
    }

    fn panic(&self, text: &str) -> ! {
        *self.panic_text.borrow_mut() = Some(text.to_string());
        panic!("{text}");
    }

    fn hold(&self, semaphore: &str, permit: SemaphorePermit) {
        self.held.borrow_mut().push((semaphore.to_string(), permit));
    }

    fn release(&self, semaphore: &str) -> Result<(), String> {
        let mut held = self.held.borrow_mut();
        let Some(i) = held.iter().position(|(n, _)| n == semaphore) else {
            return Err(format!(
                "release {semaphore}: this task holds no permit of {semaphore} (acquire {semaphore} first)"
            ));
        };
        let (_, permit) = held.remove(i);
        drop(held);
        drop(permit);
        Ok(())
    }
}

/// Records a task's outcome when its future is dropped before it ended.
struct Guard {
    me: Rc<Me>,
    slot: Rc<Slot>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let text = self.me.panic_text.borrow_mut().take();
        self.slot.finish(match text {
            Some(text) if std::thread::panicking() => Outcome::Panicked(text),
            _ => Outcome::Cancelled,
        });
    }
}

type Output = Result<Option<String>, String>;

/// A task's outcome and handle.
type Entry = (Rc<Slot>, Rc<JoinHandle<()>>);

/// The session's tasks and primitives, by name.
#[derive(Default)]
struct World {
    tasks: RefCell<HashMap<String, Entry>>,
    semaphores: RefCell<HashMap<String, Semaphore>>,
    queues: RefCell<HashMap<String, Queue<String>>>,
    events: RefCell<HashMap<String, Event>>,
    prints: Rc<RefCell<Vec<String>>>,
}

impl World {
    fn new() -> Rc<World> {
        Rc::default()
    }

    fn spawn<B, F>(self: &Rc<World>, rt: &Runtime, name: &str, body: B)
    where
        B: FnOnce(Rc<World>, Rc<Me>) -> F,
        F: Future<Output = Output> + 'static,
    {
        let slot = Rc::new(Slot::default());
        let me = Rc::new(Me {
            name: name.to_string(),
            held: RefCell::default(),
            panic_text: RefCell::default(),
            prints: self.prints.clone(),
        });
        let guard = Guard {
            me: me.clone(),
            slot: slot.clone(),
        };
        let body = body(self.clone(), me);
        let handle = rt.spawn_named(name, async move {
            let guard = guard;
            let outcome = match body.await {
                Ok(value) => Outcome::Returned(value),
                Err(e) => Outcome::Failed(e),
            };
            guard.slot.finish(outcome);
        });
        self.tasks
            .borrow_mut()
            .insert(name.to_string(), (slot, Rc::new(handle)));
    }

    fn handle(&self, name: &str) -> Rc<JoinHandle<()>> {
        self.tasks.borrow()[name].1.clone()
    }

    fn outcome(&self, name: &str) -> String {
        let slot = self.tasks.borrow()[name].0.clone();
        let outcome = slot.outcome.borrow().clone();
        outcome.map_or("not finished".to_string(), |o| o.to_string())
    }

    /// `await NAME`: its outcome; a failure propagates.
    async fn await_task(&self, name: &str) -> Result<(), String> {
        let slot = self.tasks.borrow()[name].0.clone();
        match slot.wait().await {
            Outcome::Returned(_) => Ok(()),
            Outcome::Failed(e) => Err(e),
            Outcome::Panicked(m) => Err(format!("{name} panicked: {m}")),
            Outcome::Cancelled => Err(format!("{name} was cancelled")),
        }
    }

    fn add_semaphore(&self, rt: &Runtime, make: impl FnOnce() -> Semaphore) {
        let _in_loop = rt.enter();
        let s = make();
        self.semaphores.borrow_mut().insert(s.name().to_string(), s);
    }

    fn add_queue(&self, rt: &Runtime, make: impl FnOnce() -> Queue<String>) {
        let _in_loop = rt.enter();
        let q = make();
        self.queues.borrow_mut().insert(q.name().to_string(), q);
    }

    fn add_event(&self, rt: &Runtime, make: impl FnOnce() -> Event) {
        let _in_loop = rt.enter();
        let e = make();
        self.events.borrow_mut().insert(e.name().to_string(), e);
    }

    fn semaphore(&self, name: &str) -> Semaphore {
        self.semaphores.borrow()[name].clone()
    }

    /// `put QUEUE VALUE`: waits while the queue is full.
    async fn put(&self, name: &str, value: &str) -> Result<(), String> {
        let queue = self.queues.borrow()[name].clone();
        let put = queue.put(value.to_string()).await;
        put.map_err(|e| format!("put {name}: {e}"))
    }

    /// `get QUEUE`: waits while the queue is empty.
    async fn get(&self, name: &str) -> Result<String, String> {
        let queue = self.queues.borrow()[name].clone();
        let got = queue.get().await;
        got.map_err(|e| format!("get {name}: {e}"))
    }

    fn event(&self, name: &str) -> Event {
        self.events.borrow()[name].clone()
    }

    fn prints(&self) -> Vec<String> {
        self.prints.borrow().clone()
    }
}

/// `thread DUR`: a blocking sleep on a worker thread.
async fn thread(d: Duration) -> Result<(), String> {
    let done = evloop::to_thread(move || std::thread::sleep(d)).await;
    done.map_err(|e| format!("thread: {e}"))
}

/// `spin DUR`: real CPU time on the loop's thread.
fn spin(d: Duration) {
    evloop::debug::spin_for(d);
}

#[test]
fn repl_session() {
    let rt = Runtime::builder().virtual_clock().build();
    let schedule = "103210*9";
    let scheduler = rt.scheduler();
    scheduler.record(true);
    scheduler.replay(schedule.parse().expect("the schedule save test wrote"));
    let w = World::new();

    // > # The session behind tests/saved_session.rs (regenerated and compared by tests/transcripts.rs).

    // > new semaphore pool 1
    w.add_semaphore(&rt, || Semaphore::named("pool", 1));

    // > new queue jobs 2
    w.add_queue(&rt, || Queue::named("jobs", 2));

    // > spawn producer repeat 3 { put jobs job; yield }; print produced all
    w.spawn(&rt, "producer", |w: Rc<World>, me: Rc<Me>| async move {
        for _ in 0..3 {
            w.put("jobs", "job").await?;
            evloop::yield_now().await;
        }
        me.print("produced all");
        Ok::<_, String>(None)
    });

    // > spawn worker1 forever { get jobs; acquire pool; sleep 10ms; release pool }
    w.spawn(&rt, "worker1", |w: Rc<World>, me: Rc<Me>| async move {
        loop {
            let got = w.get("jobs").await?;
            me.print(&format!("got {got} from jobs"));
            me.hold("pool", w.semaphore("pool").acquire().await);
            evloop::sleep(Duration::from_millis(10)).await;
            me.release("pool")?;
        }
        Ok::<_, String>(None)
    });

    // > spawn worker2 forever { get jobs; acquire pool; sleep 10ms; release pool }
    w.spawn(&rt, "worker2", |w: Rc<World>, me: Rc<Me>| async move {
        loop {
            let got = w.get("jobs").await?;
            me.print(&format!("got {got} from jobs"));
            me.hold("pool", w.semaphore("pool").acquire().await);
            evloop::sleep(Duration::from_millis(10)).await;
            me.release("pool")?;
        }
        Ok::<_, String>(None)
    });

    // > spawn checker sleep 5ms; print checking; await producer; return ok
    w.spawn(&rt, "checker", |w: Rc<World>, me: Rc<Me>| async move {
        evloop::sleep(Duration::from_millis(5)).await;
        me.print("checking");
        w.await_task("producer").await?;
        return Ok(Some("ok".to_string()));
        Ok::<_, String>(None)
    });

    // > policy random 7
    scheduler.set_policy(evloop::Policy::Random { seed: 7 });

    // > step 5
    for _ in 0..5 {
        let _ = rt.step();
    }

    // > run 1s
    let _ = rt.run_for(Duration::from_secs(1));

    // What the session saw.
    assert_eq!(scheduler.divergence(), None);
    assert_eq!(scheduler.recorded().to_string(), schedule);
    assert_eq!(rt.now().to_string(), "1.000000s");
    assert_eq!(
        w.prints(),
        [
            "[0.000000s] worker1: got job from jobs",
            "[0.000000s] worker2: got job from jobs",
            "[0.000000s] producer: produced all",
            "[0.005000s] checker: checking",
            "[0.010000s] worker1: got job from jobs",
        ] as [&str; 5]
    );
    assert_eq!(w.outcome("producer"), "returned (no value)");
    assert_eq!(w.outcome("worker1"), "not finished");
    assert_eq!(w.outcome("worker2"), "not finished");
    assert_eq!(w.outcome("checker"), "returned ok");
}

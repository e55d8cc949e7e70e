//! Saved by the evloop REPL's `save test` from this session:
//!
//! > # A session saved as a test by `save test` (tests/saved_session.rs is its output).
//! > policy random 7
//! > new semaphore db 1
//! > new queue jobs 3
//! > new event go
//! > spawn producer repeat 3 { put jobs item; sleep 100ms }; set go; return sent
//! > spawn consumer wait-event go; get jobs; get jobs; get jobs; return 3
//! > spawn worker1 acquire db; sleep 1s; release db; return one
//! > spawn worker2 acquire db; sleep 1s; release db; return two
//! > spawn boss await worker1; await worker2; fail both done, but I refuse
//! > spawn oops yield; panic on purpose
//! > spawn sleeper sleep 1h
//! > step 5
//! > run 2s
//! > cancel sleeper
//! > await producer consumer boss oops
//!
//! It replays the session with the library, on the virtual clock and under
//! the session's schedule, and checks that every task ends as it did there.
#![allow(unused, unreachable_code, clippy::all)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use evloop::sync::{Event, Queue, Semaphore, SemaphorePermit};
use evloop::time::Instant;
use evloop::{JoinHandle, Runtime};

/// How a task ended, as the REPL tells it.
#[derive(Clone, Debug, PartialEq)]
enum Ended {
    Returned(Option<String>),
    Failed,
    Panicked,
    Cancelled,
    Pending,
}

type Output = Result<Option<String>, String>;

/// What the session's tasks share: how each ended, and the primitives.
#[derive(Clone, Default)]
struct World {
    ended: Rc<RefCell<HashMap<&'static str, Ended>>>,
    done: Rc<RefCell<HashMap<&'static str, Event>>>,
    semaphores: Rc<RefCell<HashMap<&'static str, Semaphore>>>,
    queues: Rc<RefCell<HashMap<&'static str, Queue<String>>>>,
    events: Rc<RefCell<HashMap<&'static str, Event>>>,
}

/// Records how a task ended, however it ends: returned, failed, or (when
/// its future is dropped unfinished) panicked or cancelled.
struct Finish {
    world: World,
    name: &'static str,
    ended: Option<Ended>,
}

impl Drop for Finish {
    fn drop(&mut self) {
        let ended = self.ended.take().unwrap_or(if std::thread::panicking() {
            Ended::Panicked
        } else {
            Ended::Cancelled
        });
        self.world
            .ended
            .borrow_mut()
            .entry(self.name)
            .or_insert(ended);
        let done = self.world.done.borrow().get(self.name).cloned();
        if let Some(done) = done {
            done.set();
        }
    }
}

impl World {
    fn spawn(
        &self,
        rt: &Runtime,
        name: &'static str,
        body: impl std::future::Future<Output = Output> + 'static,
    ) -> JoinHandle<()> {
        self.done.borrow_mut().insert(name, Event::new());
        let world = self.clone();
        rt.spawn_named(name, async move {
            let mut finish = Finish {
                world,
                name,
                ended: None,
            };
            finish.ended = Some(match body.await {
                Ok(value) => Ended::Returned(value),
                Err(_) => Ended::Failed,
            });
        })
    }

    /// `await NAME` in a body: the other task's value, or its failure.
    async fn await_task(&self, name: &'static str) -> Output {
        let done = self
            .done
            .borrow()
            .get(name)
            .cloned()
            .expect("a task of the session");
        done.wait().await;
        match self.ended(name) {
            Ended::Returned(value) => Ok(value),
            other => Err(format!("{name} ended: {other:?}")),
        }
    }

    fn ended(&self, name: &'static str) -> Ended {
        self.ended
            .borrow()
            .get(name)
            .cloned()
            .unwrap_or(Ended::Pending)
    }

    fn semaphore(&self, name: &'static str) -> Semaphore {
        self.semaphores.borrow()[name].clone()
    }

    fn queue(&self, name: &'static str) -> Queue<String> {
        self.queues.borrow()[name].clone()
    }

    fn event(&self, name: &'static str) -> Event {
        self.events.borrow()[name].clone()
    }
}

#[test]
#[rustfmt::skip] // generated: one line per step of the session
fn session() {
    let schedule: evloop::Schedule = "204210*810*3".parse().expect("the saved schedule");
    let rt = Runtime::builder().virtual_clock().debug(false).replay(schedule).build();
    let world = World::default();
    let mut handles: HashMap<&str, JoinHandle<()>> = HashMap::new();
    //  A session saved as a test by `save test` (tests/saved_session.rs is its output).
    rt.set_policy(evloop::Policy::Random { seed: 7 });
    world.semaphores.borrow_mut().insert("db", Semaphore::named("db", 1));
    world.queues.borrow_mut().insert("jobs", Queue::named("jobs", 3));
    world.events.borrow_mut().insert("go", Event::named("go"));
    handles.insert("producer", world.spawn(&rt, "producer", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            for _ in 0..3u64 {
                w.queue("jobs").put("item".to_string()).await.map_err(|_| "the queue is closed".to_string())?;
                evloop::sleep(Duration::from_nanos(100000000)).await;
            }
            w.event("go").set();
            return Ok(Some("sent".to_string()));
            Ok(None)
        }
    }));
    handles.insert("consumer", world.spawn(&rt, "consumer", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            w.event("go").wait().await;
            { let v = w.queue("jobs").get().await.map_err(|_| "the queue is closed".to_string())?; println!("[{}] {}: got {} from {}", Instant::now(), "consumer", v, "jobs"); }
            { let v = w.queue("jobs").get().await.map_err(|_| "the queue is closed".to_string())?; println!("[{}] {}: got {} from {}", Instant::now(), "consumer", v, "jobs"); }
            { let v = w.queue("jobs").get().await.map_err(|_| "the queue is closed".to_string())?; println!("[{}] {}: got {} from {}", Instant::now(), "consumer", v, "jobs"); }
            return Ok(Some("3".to_string()));
            Ok(None)
        }
    }));
    handles.insert("worker1", world.spawn(&rt, "worker1", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            held.push(("db", w.semaphore("db").acquire().await));
            evloop::sleep(Duration::from_nanos(1000000000)).await;
            match held.iter().position(|(n, _)| *n == "db") { Some(i) => drop(held.remove(i)), None => return Err("release without a permit".to_string()) }
            return Ok(Some("one".to_string()));
            Ok(None)
        }
    }));
    handles.insert("worker2", world.spawn(&rt, "worker2", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            held.push(("db", w.semaphore("db").acquire().await));
            evloop::sleep(Duration::from_nanos(1000000000)).await;
            match held.iter().position(|(n, _)| *n == "db") { Some(i) => drop(held.remove(i)), None => return Err("release without a permit".to_string()) }
            return Ok(Some("two".to_string()));
            Ok(None)
        }
    }));
    handles.insert("boss", world.spawn(&rt, "boss", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            w.await_task("worker1").await?;
            w.await_task("worker2").await?;
            return Err("both done, but I refuse".to_string());
            Ok(None)
        }
    }));
    handles.insert("oops", world.spawn(&rt, "oops", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            evloop::yield_now().await;
            panic!("{}", "on purpose");
            Ok(None)
        }
    }));
    handles.insert("sleeper", world.spawn(&rt, "sleeper", {
        let w = world.clone();
        async move {
            let mut held: Vec<(&str, SemaphorePermit)> = Vec::new();
            evloop::sleep(Duration::from_nanos(3600000000000)).await;
            Ok(None)
        }
    }));
    for _ in 0..5 { rt.step(); }
    rt.run_for(Duration::from_nanos(2000000000));
    handles["sleeper"].cancel();
    rt.run_until(&handles["producer"]);
    rt.run_until(&handles["consumer"]);
    rt.run_until(&handles["boss"]);
    rt.run_until(&handles["oops"]);
    // Every task ends as it did in the session.
    assert_eq!(world.ended("producer"), Ended::Returned(Some("sent".to_string())), "task producer");
    assert_eq!(world.ended("consumer"), Ended::Returned(Some("3".to_string())), "task consumer");
    assert_eq!(world.ended("worker1"), Ended::Returned(Some("one".to_string())), "task worker1");
    assert_eq!(world.ended("worker2"), Ended::Returned(Some("two".to_string())), "task worker2");
    assert_eq!(world.ended("boss"), Ended::Failed, "task boss");
    assert_eq!(world.ended("oops"), Ended::Panicked, "task oops");
    assert_eq!(world.ended("sleeper"), Ended::Cancelled, "task sleeper");
    assert!(rt.replay_divergence().is_none(), "the schedule fits");
}

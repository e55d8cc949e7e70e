//! A task is one counted place (a slot in a chunk that other tasks share)
//! that its wakers share with the loop: what that promises about where a
//! `!Send` task's values are dropped, and when its memory goes away. (Run under Miri by `.ci/run`: the waker is a hand-made
//! `RawWaker`, and these are the cases its safety argument is about.)
mod util;

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Arc, Weak};
use std::task::{Poll, Waker};
use std::thread::{self, ThreadId};

use util::virtual_rt;

/// Records the thread its value is dropped on. It holds an `Rc`, so a task
/// holding one is `!Send`.
struct DropProbe {
    dropped_on: Rc<RefCell<Option<ThreadId>>>,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        *self.dropped_on.borrow_mut() = Some(thread::current().id());
    }
}

fn probe() -> (DropProbe, Rc<RefCell<Option<ThreadId>>>) {
    let dropped_on = Rc::new(RefCell::new(None));
    (
        DropProbe {
            dropped_on: dropped_on.clone(),
        },
        dropped_on,
    )
}

/// A task parked on `rt` (which has run until idle), holding a probe.
struct Parked {
    handle: evloop::JoinHandle<()>,
    /// The waker the task handed out before parking.
    waker: Waker,
    /// Where the task's future was dropped, once it is.
    dropped_on: Rc<RefCell<Option<ThreadId>>>,
}

fn spawn_parked(rt: &evloop::Runtime) -> Parked {
    let (probe, dropped_on) = probe();
    let out = Rc::new(RefCell::new(None));
    let slot = out.clone();
    let handle = rt.spawn(poll_fn(move |cx| {
        let _keep = &probe;
        *slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }));
    rt.run_until_idle().unwrap();
    let waker = out.borrow_mut().take().expect("the task stored its waker");
    Parked {
        handle,
        waker,
        dropped_on,
    }
}

#[test]
fn a_cancelled_tasks_future_is_dropped_on_the_loop_thread_even_if_a_waker_lives_on() {
    let (rt, _) = virtual_rt();
    let Parked {
        handle,
        waker,
        dropped_on,
    } = spawn_parked(&rt);
    handle.cancel();
    drop(handle);
    assert_eq!(*dropped_on.borrow(), Some(thread::current().id()));
    // The last reference to the task's memory now goes to another thread,
    // which frees it there; waking a finished task first does nothing.
    thread::spawn(move || {
        waker.wake_by_ref();
        drop(waker);
    })
    .join()
    .unwrap();
    assert_eq!(rt.run_until_idle().unwrap().polls, 0);
}

#[test]
fn an_output_nobody_took_is_dropped_when_its_handle_is_even_if_a_waker_lives_on() {
    let (rt, _) = virtual_rt();
    let (probe, dropped_on) = probe();
    let mut probe = Some(probe);
    let waker = Rc::new(RefCell::new(None));
    let out = waker.clone();
    let h = rt.spawn(poll_fn(move |cx| {
        *out.borrow_mut() = Some(cx.waker().clone());
        Poll::Ready(probe.take())
    }));
    rt.run_until_idle().unwrap();
    assert!(h.is_finished());
    assert_eq!(
        *dropped_on.borrow(),
        None,
        "the output waits for its handle"
    );
    drop(h);
    assert_eq!(*dropped_on.borrow(), Some(thread::current().id()));
    let waker = waker.borrow_mut().take().unwrap();
    thread::spawn(move || drop(waker)).join().unwrap();
}

#[test]
fn a_detached_tasks_output_is_dropped_when_it_finishes() {
    let (rt, _) = virtual_rt();
    let (probe, dropped_on) = probe();
    rt.spawn(async move { probe }).detach();
    assert_eq!(*dropped_on.borrow(), None);
    rt.run_until_idle().unwrap();
    assert_eq!(*dropped_on.borrow(), Some(thread::current().id()));
}

#[test]
fn a_waker_keeps_the_memory_not_the_future() {
    // A stored waker does not keep a finished task's values alive: only the
    // loop's side does.
    let (rt, _) = virtual_rt();
    let parked = spawn_parked(&rt);
    parked.handle.cancel();
    assert!(parked.dropped_on.borrow().is_some());
    parked.waker.wake(); // a stale wake: nothing to poll
    assert_eq!(rt.run_until_idle().unwrap().polls, 0);
}

#[test]
fn a_waker_woken_from_another_thread_after_the_runtime_is_gone_is_harmless() {
    let (tx, rx) = mpsc::channel::<Waker>();
    {
        let (rt, _) = virtual_rt();
        tx.send(spawn_parked(&rt).waker).unwrap();
    }
    let w = rx.recv().unwrap();
    thread::spawn(move || w.wake()).join().unwrap();
}

#[test]
fn tasks_of_one_chunk_outlive_their_runtime_and_go_from_other_threads() {
    // Forty tasks share chunks (of 4, 8, 16 and 32 slots). The runtime goes
    // first, dropping every future on its thread; their wakers then give
    // the last counts back on four threads at once, and the last slot of
    // each chunk frees it (Miri checks that every chunk goes, once).
    let (tx, rx) = mpsc::channel::<Waker>();
    let mut dropped = Vec::new();
    {
        let (rt, _) = virtual_rt();
        for _ in 0..40 {
            let parked = spawn_parked(&rt);
            tx.send(parked.waker).unwrap();
            dropped.push(parked.dropped_on);
        }
    }
    drop(tx);
    for dropped_on in &dropped {
        assert_eq!(*dropped_on.borrow(), Some(thread::current().id()));
    }
    let wakers: Vec<Waker> = rx.iter().collect();
    let mut quarters: Vec<Vec<Waker>> = vec![Vec::new(); 4];
    for (i, w) in wakers.into_iter().enumerate() {
        quarters[i % 4].push(w);
    }
    let threads: Vec<_> = quarters
        .into_iter()
        .map(|ws| {
            thread::spawn(move || {
                for w in ws {
                    w.wake_by_ref();
                    drop(w);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn many_threads_clone_and_drop_one_tasks_waker() {
    // The count of the task's allocation is atomic: clones and drops racing
    // on several threads neither free it early nor leak it.
    let (rt, _) = virtual_rt();
    let Parked {
        handle, waker: w, ..
    } = spawn_parked(&rt);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let w = w.clone();
            thread::spawn(move || {
                for _ in 0..if cfg!(miri) { 10 } else { 1_000 } {
                    let c = w.clone();
                    drop(c);
                }
                w.wake();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        rt.run_until_idle().unwrap().polls,
        1,
        "four wakes, one poll"
    );
    handle.cancel();
    drop(w);
}

#[test]
fn a_finished_future_is_dropped_at_once_while_its_handle_keeps_the_output() {
    let (rt, _) = virtual_rt();
    let (in_future, in_output) = (Arc::new(1), Arc::new(2));
    let (future_weak, output_weak): (Weak<i32>, Weak<i32>) =
        (Arc::downgrade(&in_future), Arc::downgrade(&in_output));
    let h = rt.spawn(async move {
        let _held = in_future;
        in_output
    });
    rt.run_until_idle().unwrap();
    assert!(future_weak.upgrade().is_none(), "the future is gone");
    assert!(
        output_weak.upgrade().is_some(),
        "the output waits for its handle"
    );
    drop(h);
    assert!(output_weak.upgrade().is_none());
}

#[test]
fn a_finished_tasks_waker_wakes_nothing() {
    // A waker goes straight to its task's header, not through the task
    // table: a finished task must still be recognised as gone.
    let (rt, _) = virtual_rt();
    let Parked {
        handle, waker: w, ..
    } = spawn_parked(&rt);
    let id = handle.id();
    handle.cancel();
    rt.events().record(16);
    let w2 = w.clone();
    rt.block_on(async move { w.wake() }); // on the loop: straight to the header
    w2.wake(); // from outside: through the remote queue and the table
    rt.run_until_idle().unwrap();
    assert!(
        rt.events().recorded().iter().all(
            |e| !matches!(e.kind, evloop::inspect::LoopEventKind::Woken { task, .. } if task == id)
        ),
        "{:?}",
        rt.events().recorded()
    );
}

/// Its own handle, which a task can reach while it runs.
type OwnHandle = Rc<RefCell<Option<evloop::JoinHandle<()>>>>;

/// Asks its task's own handle whether the task failed when dropped: the
/// future's destructor runs while the loop holds the task's stage.
struct AsksWhenDropped {
    own: OwnHandle,
    answer: Rc<RefCell<Option<bool>>>,
}

impl Drop for AsksWhenDropped {
    fn drop(&mut self) {
        if let Some(handle) = &*self.own.borrow() {
            *self.answer.borrow_mut() = Some(handle.is_failed());
        }
    }
}

/// The stage's borrow flag (in the header, where a `RefCell` was) refuses
/// the second borrow a task makes of itself through its own handle, while
/// it is polled and while its future is dropped by a cancel; nothing is
/// reached twice (Miri checks it), and afterwards the handle reads the
/// stage again.
#[test]
fn a_task_asking_its_own_handle_while_its_stage_is_out_is_answered() {
    let (rt, _) = virtual_rt();
    let own: OwnHandle = Rc::new(RefCell::new(None));
    let when_dropped = Rc::new(RefCell::new(None));
    let while_polled = Rc::new(RefCell::new(None));
    let guard = AsksWhenDropped {
        own: own.clone(),
        answer: when_dropped.clone(),
    };
    let (mine, seen) = (own.clone(), while_polled.clone());
    let handle = rt.spawn(poll_fn(move |_| {
        let _keep = &guard;
        if let Some(handle) = &*mine.borrow() {
            *seen.borrow_mut() = Some(handle.is_failed());
        }
        Poll::<()>::Pending
    }));
    *own.borrow_mut() = Some(handle);
    rt.run_until_idle().unwrap();
    assert_eq!(*while_polled.borrow(), Some(false), "running, not failed");
    let cancel = own.borrow().as_ref().map(|h| h.cancel());
    assert!(cancel.is_some());
    assert!(
        when_dropped.borrow().is_some(),
        "the destructor asked its own handle"
    );
    let after = own.borrow().as_ref().map(|h| h.is_failed());
    assert_eq!(
        after,
        Some(true),
        "a cancelled task finished without an output"
    );
}

#[test]
fn a_handle_is_one_pointer() {
    // A handle keeps the task alone: the loop it asks to cancel the task is
    // found through the task (as tokio's and async-task's handles are).
    use std::mem::size_of;
    assert_eq!(size_of::<evloop::JoinHandle<u64>>(), size_of::<usize>());
    assert_eq!(
        size_of::<Option<evloop::JoinHandle<[u8; 64]>>>(),
        size_of::<usize>()
    );
    assert_eq!(size_of::<evloop::CancelHandle>(), size_of::<usize>());
}

#[test]
fn a_handle_that_outlives_its_loop_answers_and_cancels_nothing() {
    let (rt, _) = virtual_rt();
    let parked = spawn_parked(&rt);
    drop(rt);
    assert!(parked.handle.is_finished());
    assert_eq!(parked.handle.cancel(), evloop::Cancel::AlreadyFinished);
    assert!(parked.dropped_on.borrow().is_some());
}

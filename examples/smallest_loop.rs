//! The smallest event loop that could work: the first step of
//! docs/event-loop.md. std only, no evloop. Run: `cargo run --example smallest_loop`

// ANCHOR: loop
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// A waker that, when called, puts its task's number back on the queue.
struct TaskWaker {
    id: usize,
    queue: Arc<Mutex<VecDeque<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.queue.lock().unwrap().push_back(self.id);
    }
}

fn run(tasks: Vec<Task>) {
    let mut tasks: Vec<Option<Task>> = tasks.into_iter().map(Some).collect();
    let queue = Arc::new(Mutex::new((0..tasks.len()).collect::<VecDeque<_>>()));
    let pop = || queue.lock().unwrap().pop_front();
    while let Some(id) = pop() {
        // Take a ready task...
        let Some(task) = tasks[id].as_mut() else {
            continue; // (it finished already: a late wake)
        };
        // ...run it until its next await that is not ready...
        let waker = Waker::from(Arc::new(TaskWaker {
            id,
            queue: queue.clone(),
        }));
        if task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready()
        {
            tasks[id] = None;
        }
        // ...and forget it: if it returned Pending, its waker will queue it again.
    }
}
// ANCHOR_END: loop

/// A future that returns `Pending` `n` times, waking itself each time: the
/// simplest "await" there is.
struct YieldTimes(u32);

impl Future for YieldTimes {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn main() {
    let task = |name: &'static str, n| -> Task {
        Box::pin(async move {
            for i in 0..n {
                println!("{name}: step {i}");
                YieldTimes(1).await; // the await point: the loop runs someone else
            }
            println!("{name}: done");
        })
    };
    run(vec![task("a", 2), task("b", 3)]);
}

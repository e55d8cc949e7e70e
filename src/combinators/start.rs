//! `TaskGroup::start`: spawn a child and wait until it says it is ready
//! (trio's `await nursery.start(fn)` and `task_status.started()`).
//!
//! ```text
//!   port = group.start(|status| server(status)).await?
//!            │                         │
//!            │ spawns the child ──────▶ binds its port
//!            │ waits                    status.started(port)  ──┐
//!            ◀──────────────────────────── port ────────────────┘
//!            the child goes on running in the group
//! ```
//!
//! Until the child calls `started`, it belongs to the caller: if the
//! `start` future is dropped (its task cancelled, a timeout), the child is
//! cancelled too, as trio cancels a child still starting. If the child ends
//! or drops its [`TaskStatus`] without calling `started`, `start` fails
//! with a [`StartError`] saying how it ended.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::TaskGroup;
use crate::sync::oneshot;
use crate::{JoinHandle, TaskId};

/// The child's side of [`TaskGroup::start`]: call
/// [`started`](TaskStatus::started) once ready.
///
/// # Examples
///
/// ```
/// use evloop::combinators::{TaskGroup, TaskStatus};
///
/// evloop::run(async {
///     let group = TaskGroup::new();
///     let ready = group
///         .start(|status: TaskStatus<&str>| async move {
///             status.started("listening");
///             Ok::<_, String>(())
///         })
///         .await;
///     assert_eq!(ready.unwrap(), "listening");
///     group.join().await.unwrap();
/// });
/// ```
pub struct TaskStatus<V> {
    tx: oneshot::Sender<V>,
}

impl<V> TaskStatus<V> {
    /// Tells the task that called `start` that this child is ready, giving
    /// it `value` (trio's `task_status.started(value)`). The child goes on
    /// running in its group.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::combinators::{TaskGroup, TaskStatus};
    ///
    /// evloop::run(async {
    ///     let group = TaskGroup::new();
    ///     let n = group
    ///         .start(|status: TaskStatus<u32>| async move {
    ///             status.started(1);
    ///             evloop::yield_now().await; // still running, in the group
    ///             Ok::<_, String>(())
    ///         })
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(n, 1);
    ///     group.join().await.unwrap();
    /// });
    /// ```
    pub fn started(self, value: V) {
        // If the caller is gone, the child was cancelled with it: there is
        // nobody to tell, and nothing to do.
        let _ = self.tx.send(value);
    }
}

impl<V> fmt::Debug for TaskStatus<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskStatus")
    }
}

impl TaskGroup {
    /// Spawns a child built by `child(status)` and waits until it calls
    /// `status.started(value)`; returns that value (trio's `nursery.start`).
    /// A server binds its port, then calls `started(port)`: the caller
    /// connects knowing the port is open.
    ///
    /// # Errors
    ///
    /// [`StartError`] if the child returned, failed or was cancelled (or
    /// dropped its `TaskStatus`) without calling `started`.
    ///
    /// # Panics
    ///
    /// Outside a running loop, as [`spawn`](crate::spawn).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before the child started cancels the child.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::{combinators::{TaskGroup, TaskStatus}, sleep};
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// rt.block_on(async {
    ///     let group = TaskGroup::new();
    ///     let port = group
    ///         .start(|status: TaskStatus<u16>| async move {
    ///             sleep(Duration::from_millis(10)).await; // bind…
    ///             status.started(8080);
    ///             sleep(Duration::from_secs(1)).await;     // …and serve
    ///             Ok::<_, String>(())
    ///         })
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(port, 8080);
    ///     group.join().await.unwrap();
    /// });
    /// ```
    pub fn start<C, F, V, T, E>(&self, child: C) -> Start<V, T>
    where
        C: FnOnce(TaskStatus<V>) -> F,
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
        E: fmt::Display + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let handle = self.spawn(child(TaskStatus { tx }));
        Start {
            rx,
            child: Some(handle),
        }
    }

    /// Like [`start`](TaskGroup::start), with a name for the child.
    ///
    /// # Errors
    ///
    /// As [`start`](TaskGroup::start).
    ///
    /// # Panics
    ///
    /// Outside a running loop, as [`spawn`](crate::spawn).
    ///
    /// # Cancel safety
    ///
    /// As [`start`](TaskGroup::start).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::combinators::{TaskGroup, TaskStatus};
    ///
    /// evloop::run(async {
    ///     let group = TaskGroup::new();
    ///     let err = group
    ///         .start_named("quitter", |status: TaskStatus<()>| async move {
    ///             drop(status); // never calls started()
    ///             Ok::<_, String>(())
    ///         })
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(err.name, "quitter");
    ///     let _ = group.join().await;
    /// });
    /// ```
    pub fn start_named<C, F, V, T, E>(&self, name: impl Into<String>, child: C) -> Start<V, T>
    where
        C: FnOnce(TaskStatus<V>) -> F,
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
        E: fmt::Display + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let handle = self.spawn_named(name, child(TaskStatus { tx }));
        Start {
            rx,
            child: Some(handle),
        }
    }
}

/// The future returned by [`TaskGroup::start`].
///
/// # Cancel safety
///
/// Dropping it before the child called `started` cancels the child.
///
/// # Examples
///
/// ```
/// use evloop::combinators::{Start, TaskGroup, TaskStatus};
///
/// evloop::run(async {
///     let group = TaskGroup::new();
///     let start: Start<u8, ()> = group.start(|status: TaskStatus<u8>| async move {
///         status.started(7);
///         Ok::<_, String>(())
///     });
///     assert_eq!(start.await.unwrap(), 7);
///     group.join().await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited or spawned; dropping this cancels a child still starting"]
pub struct Start<V, T> {
    rx: oneshot::Receiver<V>,
    child: Option<JoinHandle<T>>,
}

impl<V, T> Future for Start<V, T> {
    type Output = Result<V, StartError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.child.is_none() {
            panic!("a Start future was polled after it completed");
        }
        let received = std::task::ready!(Pin::new(&mut this.rx).poll(cx));
        let Some(mut child) = this.child.take() else {
            unreachable!("checked above");
        };
        if let Ok(value) = received {
            // Started: the child runs on in its group (the handle detaches).
            return Poll::Ready(Ok(value));
        }
        let (id, name) = (child.id(), child.name());
        let how = if child.is_finished() {
            match Pin::new(&mut child).poll(cx) {
                Poll::Ready(Ok(_)) => "returned".to_owned(),
                Poll::Ready(Err(e)) if e.is_cancelled() => "was cancelled".to_owned(),
                Poll::Ready(Err(e)) => format!("failed ({})", failure_text(&e)),
                Poll::Pending => "ended".to_owned(),
            }
        } else {
            // It dropped its TaskStatus and runs on: it can never start
            // now, so it is cancelled.
            child.cancel();
            "dropped its TaskStatus (so it was cancelled)".to_owned()
        };
        Poll::Ready(Err(StartError { id, name, how }))
    }
}

fn failure_text(e: &crate::JoinError) -> String {
    e.error_message()
        .or(e.panic_message())
        .unwrap_or("(no message)")
        .to_owned()
}

impl<V, T> Drop for Start<V, T> {
    fn drop(&mut self) {
        if let Some(child) = self.child.take()
            && !child.is_finished()
        {
            child.cancel();
        }
    }
}

impl<V, T> fmt::Debug for Start<V, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Start")
            .field("child", &self.child)
            .finish_non_exhaustive()
    }
}

/// The child of [`TaskGroup::start`] ended without calling
/// [`TaskStatus::started`].
///
/// # Examples
///
/// ```
/// use evloop::combinators::{StartError, TaskGroup, TaskStatus};
///
/// evloop::run(async {
///     let group = TaskGroup::new();
///     let err: StartError = group
///         .start(|status: TaskStatus<()>| async move {
///             let _unused = status;
///             Err::<(), _>("no port".to_string())
///         })
///         .await
///         .unwrap_err();
///     assert!(err.to_string().contains("failed (no port)"));
///     let _ = group.join().await;
/// });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartError {
    /// The child's id.
    pub id: TaskId,
    /// The child's name.
    pub name: String,
    how: String,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task '{}' ({}) {} before it called TaskStatus::started(); call started(value) \
             once it is ready (e.g. after binding its port)",
            self.name, self.id, self.how
        )
    }
}

impl std::error::Error for StartError {}

//! [`Signal`], the listener a task awaits, and [`CtrlC`], the one-shot
//! future of [`ctrl_c`](super::ctrl_c).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::dispatch::{self, Slot};
use super::kind::SignalKind;
use crate::executor::{ExternalWork, context};
use crate::stream::Stream;
use crate::task::{WaitOn, current};

/// A listener's slot and, while a task waits on it, the loop's promise that
/// the outside world may still wake it: an [`ExternalWork`] guard, so that
/// an idle loop waits for the signal (and the virtual clock does not jump
/// ahead of it) instead of reporting a stall. Shared by [`Signal`] and
/// child processes (`SIGCHLD`).
pub(crate) struct Waiting {
    slot: Arc<Slot>,
    guard: Option<ExternalWork>,
    /// What a waiting task is noted as waiting on (`signal SIGTERM`,
    /// `child process 4242`), for snapshots and the REPL.
    noted_as: (&'static str, String),
}

impl Waiting {
    /// A listener of `signum`, registered now; a task waiting on it is
    /// noted as waiting on the primitive `kind` named `name`.
    pub(crate) fn listen(signum: i32, kind: &'static str, name: String) -> io::Result<Waiting> {
        Ok(Waiting {
            slot: dispatch::listen(signum)?,
            guard: None,
            noted_as: (kind, name),
        })
    }

    /// Names what is awaited, once it is known (a child's pid comes after
    /// its listener).
    pub(crate) fn rename(&mut self, name: String) {
        self.noted_as.1 = name;
    }

    /// `Ready` once per delivery (deliveries since the last `Ready` count
    /// as one).
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.slot.poll_arrived(cx) {
            Poll::Ready(()) => {
                self.guard = None;
                Poll::Ready(())
            }
            Poll::Pending => {
                if self.guard.is_none() {
                    // Outside a loop (a foreign executor) there is no clock
                    // to hold back: no guard, no harm.
                    self.guard =
                        context::with_core(|core| ExternalWork::new(core.remote().clone()));
                }
                let (kind, name) = &self.noted_as;
                current::note(WaitOn::Primitive {
                    kind,
                    name: name.as_str().into(),
                });
                Poll::Pending
            }
        }
    }

    /// Nobody waits any more (a cancelled `recv`): let the loop's clock go.
    pub(crate) fn stop(&mut self) {
        self.guard = None;
    }
}

/// A listener of one signal, as Tokio's `unix::signal::Signal`: every
/// delivery of the signal to the process from its creation on makes one
/// [`recv`](Signal::recv) complete. Several deliveries before a `recv`
/// count as one (the kernel coalesces a pending signal the same way).
///
/// Each listener hears every delivery, whichever loop or thread it lives
/// on: two listeners of `SIGTERM` in two loops both wake. It is also an
/// evloop [`Stream`] of `()`, which never ends.
///
/// While a task waits for a delivery the loop treats it as outside work (see
/// the module doc): a [`recv`](Signal::recv) future lets go when it
/// completes or is dropped; the stream's `next()` and
/// [`poll_recv`](Signal::poll_recv) hold on until a delivery comes or the
/// `Signal` is dropped, since no future of theirs can say it was cancelled.
///
/// Made by [`signal`](super::signal).
pub struct Signal {
    kind: SignalKind,
    waiting: Waiting,
}

impl Signal {
    pub(crate) fn new(kind: SignalKind) -> io::Result<Signal> {
        if let Some(why) = kind.refusal() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        let waiting = Waiting::listen(kind.as_raw_value(), "signal", kind.to_string())
            .map_err(|e| io::Error::new(e.kind(), format!("cannot listen for {kind}: {e}")))?;
        Ok(Signal { kind, waiting })
    }

    /// Which signal this listens for.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }

    /// Waits for the next delivery (or returns at once if one came since
    /// the last `recv`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a delivery that comes while no `recv` runs is kept for
    /// the next one.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::signal::{self, SignalKind};
    ///
    /// evloop::run(async {
    ///     let mut usr1 = signal::signal(SignalKind::user_defined1()).unwrap();
    ///     signal::raise(SignalKind::user_defined1()).unwrap();
    ///     usr1.recv().await;
    /// });
    /// ```
    pub fn recv(&mut self) -> Recv<'_> {
        Recv { signal: self }
    }

    /// The poll form of [`recv`](Signal::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.waiting.poll(cx)
    }
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}

impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx).map(Some)
    }
}

/// The future of [`Signal::recv`].
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a> {
    signal: &'a mut Signal,
}

impl Future for Recv<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut().signal.poll_recv(cx)
    }
}

impl Drop for Recv<'_> {
    fn drop(&mut self) {
        self.signal.waiting.stop();
    }
}

impl std::fmt::Debug for Recv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recv")
            .field("kind", &self.signal.kind)
            .finish()
    }
}

/// The future of [`ctrl_c`](super::ctrl_c): resolves at the first Ctrl-C
/// after the call.
#[must_use = "futures do nothing unless awaited; Ctrl-C is listened for from the call on"]
pub struct CtrlC {
    listener: Result<Signal, Option<io::Error>>,
}

impl CtrlC {
    pub(crate) fn new() -> CtrlC {
        CtrlC {
            listener: Signal::new(SignalKind::interrupt()).map_err(Some),
        }
    }
}

impl Future for CtrlC {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().listener {
            Ok(signal) => signal.poll_recv(cx).map(Ok),
            Err(e) => Poll::Ready(Err(e.take().unwrap_or_else(|| {
                io::Error::other(
                    "this ctrl_c() future already returned its error; call ctrl_c() again",
                )
            }))),
        }
    }
}

impl std::fmt::Debug for CtrlC {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CtrlC")
    }
}

//! The reactor: which task waits for which descriptor, and the poller that
//! tells us when to wake it.
//!
//! The loop owns one reactor. It keeps a slab of *registrations*, one per
//! I/O object ([`Async`](super::Async)); the slab index is the token the
//! poller reports back.
//!
//! ```text
//!   registrations (slab, token = index)
//!   ┌───┬──────────────────────────────────────────────────────────────────┐
//!   │ 0 │ fd 7  interest r+w  ready: r=no  w=yes  readers: [task 3]  writers: [] │
//!   │ 1 │ (free)                                                           │
//!   │ 2 │ fd 9  interest r    ready: r=no  w=no   readers: [task 5]  writers: [] │
//!   └───┴──────────────────────────────────────────────────────────────────┘
//!
//!   Poller::wait ──▶ Event { token: 2, readable } ──▶ slab[2].ready.r = yes
//!                                                     wake every reader of slab[2]
//!                                                     (cause: I/O fd 9 readable)
//! ```
//!
//! Readers and writers are kept apart: a socket becoming writable wakes the
//! task waiting to write, never the one waiting to read (and vice versa).
//!
//! # Why readiness is cached
//!
//! The poller is edge-triggered (see `sys`): it says "fd 9 became readable"
//! once. The reactor remembers it (`ready.r = yes`) until the task's read
//! returns `WouldBlock`, and only then does the task clear the bit and wait.
//! A task that asks "is it readable?" while the bit is set gets "yes" at
//! once, without a syscall or a wait. (A TCP read on Linux also clears it
//! when the kernel says the read left nothing: `forget_drained`.) This is
//! the rhythm of every async read:
//!
//! ```text
//!   try read ──Ok(n)──▶ done
//!      │ WouldBlock
//!      ▼
//!   clear ready.r ──▶ wait for readable (Pending; the reactor holds the waker)
//!      ▲                          │ poller: fd readable → ready.r = yes, wake
//!      └──────────────────────────┘
//! ```
//!
//! Clearing after `WouldBlock` is race-free here because the loop is one
//! thread: no poller event can be dispatched between the failed read and the
//! clear. (A multi-threaded runtime such as Tokio needs a tick counter to
//! know whether the readiness it clears is the one it saw.)
//!
//! # Several waiters per direction
//!
//! Two tasks may wait on the same socket in the same direction (an `Rc`
//! shared by two tasks). Each waiting future gets a waiter id and its own
//! entry, so neither waker displaces the other; readiness wakes them all, and
//! each retries its syscall.

use crate::io::RawFd;
use std::cell::{Cell, OnceCell, RefCell};
use std::io;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

use crate::current::{Current, Entered};
use crate::sys::{Event, Interest, Poller};
use crate::task::{TaskId, WakeCause};

/// The environment variable that, set to `off`, builds every runtime
/// without a reactor (see `Builder::reactor`).
pub const REACTOR_VAR: &str = "EVLOOP_REACTOR";

thread_local! {
    static REACTOR: RefCell<Option<Rc<Reactor>>> = const { RefCell::new(None) };
}
const CURRENT: Current<Reactor> = Current::new(&REACTOR);

/// The reactor of the loop running on this thread: what `Async::new`
/// registers with.
pub(crate) fn current() -> Option<Rc<Reactor>> {
    CURRENT.get()
}

/// Makes `reactor` this thread's until the guard drops (the executor's enter).
pub(crate) fn enter(reactor: Rc<Reactor>) -> Entered<Reactor> {
    CURRENT.enter(reactor)
}

/// One direction of readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    pub(crate) fn cause(self, fd: RawFd) -> WakeCause {
        WakeCause::Io {
            fd,
            readable: self == Direction::Read,
            writable: self == Direction::Write,
        }
    }
}

struct Waiter {
    id: u64,
    waker: Waker,
    task: Option<TaskId>,
}

/// The readiness bits and waiters of one direction.
#[derive(Default)]
struct Side {
    ready: bool,
    waiters: Vec<Waiter>,
}

struct Registration {
    fd: RawFd,
    interest: Interest,
    read: Side,
    write: Side,
    /// The poller said the peer shut down or hung up, or an error came
    /// (`sys::Event::ended`): final, and reported once. Kept, so that a
    /// read that drained the socket does not forget an edge no later event
    /// would bring back (see `forget_drained`).
    ended: bool,
}

impl Registration {
    fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// A registration as a snapshot shows it (task ids only; the core adds names).
pub(crate) struct RawIoInfo {
    pub(crate) fd: RawFd,
    pub(crate) interest: Interest,
    pub(crate) ready_readable: bool,
    pub(crate) ready_writable: bool,
    pub(crate) readers: Vec<TaskId>,
    pub(crate) writers: Vec<TaskId>,
}

/// The result of asking for readiness.
pub(crate) enum Check {
    Ready,
    /// Not ready; the waiter with this id holds the waker.
    Waiting(u64),
    /// The registration is gone (its object was dropped).
    Gone,
}

pub(crate) struct Reactor {
    /// Made at the first need (a descriptor registered, a timed wait on the
    /// real clock): a runtime that does neither never opens a descriptor.
    poller: OnceCell<Poller>,
    /// Why the OS refused the poller at the last try (the loop then parks
    /// its thread; the next need tries again).
    refused: RefCell<Option<io::Error>>,
    /// Built without a reactor (`Builder::reactor(false)`): never makes a
    /// poller, as on a platform that has none.
    disabled: bool,
    slab: RefCell<Vec<Option<Registration>>>,
    free: RefCell<Vec<usize>>,
    live: Cell<usize>,
    /// Total waiters over all registrations: the virtual clock's I/O check.
    waiting: Cell<usize>,
    next_waiter: Cell<u64>,
    events: RefCell<Vec<Event>>,
}

impl Reactor {
    /// A reactor; its poller comes at the first need. If the OS refuses one
    /// then (e.g. out of descriptors) the reactor stays without: the loop
    /// parks its thread to sleep, and registering I/O fails with the reason.
    pub(crate) fn new() -> Reactor {
        Reactor {
            poller: OnceCell::new(),
            refused: RefCell::new(None),
            disabled: false,
            slab: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            live: Cell::new(0),
            waiting: Cell::new(0),
            next_waiter: Cell::new(0),
            events: RefCell::new(Vec::with_capacity(256)),
        }
    }

    /// A reactor that never makes a poller: the loop parks its thread, and
    /// registering fails with `Unsupported`.
    pub(crate) fn disabled() -> Reactor {
        Reactor {
            disabled: true,
            ..Reactor::new()
        }
    }

    /// The poller, made now if this is the first need of one; `None` if the
    /// OS refuses it (why is kept for the error `register` returns, and the
    /// next need tries again: descriptors may have been freed meanwhile).
    pub(crate) fn poller(&self) -> Option<&Poller> {
        if let Some(poller) = self.poller.get() {
            return Some(poller);
        }
        if self.disabled {
            return None;
        }
        match Poller::new() {
            Ok(poller) => {
                self.refused.replace(None);
                Some(self.poller.get_or_init(|| poller))
            }
            Err(e) => {
                self.refused.replace(Some(e));
                None
            }
        }
    }

    /// The poller, if one was made (without making one).
    fn existing_poller(&self) -> Option<&Poller> {
        self.poller.get()
    }

    /// True while any task waits for any descriptor.
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiting.get() > 0
    }

    /// True while any descriptor is registered.
    pub(crate) fn has_registrations(&self) -> bool {
        self.live.get() > 0
    }

    /// Watches `fd` for `interest`; returns its token.
    ///
    /// # Errors
    ///
    /// When this loop has no poller (creating it failed), or the OS refuses
    /// the registration (`EBADF`, `EPERM` for a regular file, `ENOMEM`).
    pub(crate) fn register(&self, fd: RawFd, interest: Interest) -> io::Result<usize> {
        if self.disabled {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "this evloop runtime runs without a reactor (Builder::reactor(false), or \
                     {REACTOR_VAR}=off in the environment), so it cannot wait for I/O; tasks, \
                     timers and to_thread work, sockets do not"
                ),
            ));
        }
        let Some(poller) = self.poller() else {
            let refused = self.refused.borrow();
            let (kind, why) = match refused.as_ref() {
                Some(e) => (e.kind(), e.to_string()),
                None => (io::ErrorKind::Other, "unknown error".into()),
            };
            return Err(io::Error::new(
                kind,
                format!(
                    "this evloop runtime has no I/O poller (the OS refused one: {why}); \
                     free some file descriptors and try again"
                ),
            ));
        };
        let token = self.free.borrow_mut().pop().unwrap_or_else(|| {
            let mut slab = self.slab.borrow_mut();
            slab.push(None);
            slab.len() - 1
        });
        if let Err(e) = poller.register(fd, token, interest) {
            self.free.borrow_mut().push(token);
            return Err(e);
        }
        self.slab.borrow_mut()[token] = Some(Registration {
            fd,
            interest,
            read: Side::default(),
            write: Side::default(),
            ended: false,
        });
        self.live.set(self.live.get() + 1);
        Ok(token)
    }

    /// Stops watching the descriptor of `token`. Must run before the
    /// descriptor is closed (the poller needs it to be open to remove it).
    pub(crate) fn deregister(&self, token: usize) {
        let mut slab = self.slab.borrow_mut();
        let Some(reg) = slab.get_mut(token).and_then(Option::take) else {
            return;
        };
        drop(slab);
        let stale = reg.read.waiters.len() + reg.write.waiters.len();
        self.waiting.set(self.waiting.get() - stale);
        self.live.set(self.live.get() - 1);
        if let Some(poller) = self.existing_poller() {
            // Only fails for a descriptor that is already closed, in which
            // case the kernel has forgotten it anyway.
            let _ = poller.deregister(reg.fd);
        }
        self.free.borrow_mut().push(token);
        // The wakers (if any) drop here, outside the borrow.
        drop(reg);
    }

    /// Is `token` ready in `dir`? If not, records `waker` under `waiter`
    /// (a previous waiter id of the same future, updated in place) for
    /// `task`.
    pub(crate) fn poll_ready(
        &self,
        token: usize,
        dir: Direction,
        waiter: Option<u64>,
        waker: &Waker,
        task: Option<TaskId>,
    ) -> Check {
        let mut slab = self.slab.borrow_mut();
        let Some(reg) = slab.get_mut(token).and_then(Option::as_mut) else {
            return Check::Gone;
        };
        let side = reg.side(dir);
        let existing = waiter.and_then(|id| side.waiters.iter().position(|w| w.id == id));
        if side.ready {
            if let Some(i) = existing {
                side.waiters.swap_remove(i);
                self.waiting.set(self.waiting.get() - 1);
            }
            return Check::Ready;
        }
        match existing {
            Some(i) => {
                let w = &mut side.waiters[i];
                if !w.waker.will_wake(waker) {
                    w.waker = waker.clone();
                }
                w.task = task;
                Check::Waiting(w.id)
            }
            None => {
                let id = self.next_waiter.get();
                self.next_waiter.set(id + 1);
                side.waiters.push(Waiter {
                    id,
                    waker: waker.clone(),
                    task,
                });
                self.waiting.set(self.waiting.get() + 1);
                Check::Waiting(id)
            }
        }
    }

    /// Removes a waiter whose future was dropped before it became ready.
    pub(crate) fn cancel_wait(&self, token: usize, dir: Direction, waiter: u64) {
        let mut slab = self.slab.borrow_mut();
        let Some(reg) = slab.get_mut(token).and_then(Option::as_mut) else {
            return;
        };
        let side = reg.side(dir);
        if let Some(i) = side.waiters.iter().position(|w| w.id == waiter) {
            let w = side.waiters.swap_remove(i);
            self.waiting.set(self.waiting.get() - 1);
            drop(slab);
            drop(w);
        }
    }

    /// A read left the socket drained (the kernel said nothing is left to
    /// read): forget the cached readable edge, so that the next read waits
    /// for the poller's next one instead of failing first, unless the
    /// socket has ended. The end of a connection is reported once, and a
    /// reset or an error can come with data still unread and leave nothing
    /// to count (only a FIN makes Linux say one byte is left): the edge
    /// that told of it must stay, or the next read would wait for an edge
    /// that never comes. One thread: an edge for bytes that come after the
    /// read is dispatched after this, so none is lost.
    pub(crate) fn forget_drained(&self, token: usize) {
        if let Some(reg) = self
            .slab
            .borrow_mut()
            .get_mut(token)
            .and_then(Option::as_mut)
            && !reg.ended
        {
            reg.read.ready = false;
        }
    }

    /// Forgets cached readiness: the caller's syscall said `WouldBlock`.
    pub(crate) fn clear_ready(&self, token: usize, dir: Direction) {
        if let Some(reg) = self
            .slab
            .borrow_mut()
            .get_mut(token)
            .and_then(Option::as_mut)
        {
            reg.side(dir).ready = false;
        }
    }

    /// Waits up to `timeout` for readiness and moves the wakers of every task
    /// waiting for a direction that became ready into `woken`, each with its
    /// cause. Returns whether a notify (a wake from another thread) came in.
    ///
    /// # Errors
    ///
    /// Only from a broken poller; never in normal use.
    pub(crate) fn poll(
        &self,
        timeout: Option<Duration>,
        woken: &mut Vec<(Waker, WakeCause)>,
    ) -> io::Result<bool> {
        let Some(poller) = self.existing_poller() else {
            return Ok(false);
        };
        let mut events = self.events.borrow_mut();
        let notified = poller.wait(&mut events, timeout)?;
        let mut slab = self.slab.borrow_mut();
        for event in events.iter() {
            let Some(reg) = slab.get_mut(event.token).and_then(Option::as_mut) else {
                continue;
            };
            let fd = reg.fd;
            reg.ended |= event.ended;
            // One descriptor may appear twice (kqueue reports each filter
            // apart): each event only ever sets bits, so order is harmless.
            for (dir, happened) in [
                (Direction::Read, event.readable),
                (Direction::Write, event.writable),
            ] {
                if !happened {
                    continue;
                }
                let side = reg.side(dir);
                side.ready = true;
                self.waiting.set(self.waiting.get() - side.waiters.len());
                woken.extend(side.waiters.drain(..).map(|w| (w.waker, dir.cause(fd))));
            }
        }
        Ok(notified)
    }

    pub(crate) fn infos(&self) -> Vec<RawIoInfo> {
        let ids = |side: &Side| side.waiters.iter().filter_map(|w| w.task).collect();
        self.slab
            .borrow()
            .iter()
            .flatten()
            .map(|reg| RawIoInfo {
                fd: reg.fd,
                interest: reg.interest,
                ready_readable: reg.read.ready,
                ready_writable: reg.write.ready,
                readers: ids(&reg.read),
                writers: ids(&reg.write),
            })
            .collect()
    }

    /// Drops every waiter (shutdown): their tasks are gone.
    pub(crate) fn clear_waiters(&self) {
        let mut dropped = Vec::new();
        for reg in self.slab.borrow_mut().iter_mut().flatten() {
            dropped.append(&mut reg.read.waiters);
            dropped.append(&mut reg.write.waiters);
        }
        self.waiting.set(0);
        drop(dropped);
    }
}

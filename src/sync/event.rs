//! `Event`: a flag tasks can wait for.

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

/// A flag that tasks wait on until it is set (asyncio's `asyncio.Event`).
///
/// [`set`](Event::set) wakes every waiter; a waiter woken by `set` returns
/// even if the flag is cleared again before it runs. Cloning gives another
/// handle on the same flag.
///
/// # Examples
///
/// ```
/// use evloop::sync::Event;
///
/// evloop::run(async {
///     let ready = Event::named("ready");
///     let waiter = {
///         let ready = ready.clone();
///         evloop::spawn(async move { ready.wait().await; "saw it" })
///     };
///     evloop::yield_now().await;
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "saw it");
/// });
/// ```
#[derive(Clone)]
pub struct Event {
    inner: Rc<EventInner>,
}

struct EventInner {
    meta: Meta,
    state: Tracked<State>,
}

struct State {
    set: bool,
    line: WaitList,
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl Event {
    /// A cleared event.
    pub fn new() -> Event {
        Event::build(None)
    }

    /// A cleared, named event.
    pub fn named(name: impl Into<String>) -> Event {
        Event::build(Some(name.into()))
    }

    fn build(name: Option<String>) -> Event {
        let inner = Rc::new(EventInner {
            meta: Meta::new("event", name),
            state: Tracked::new(State {
                set: false,
                line: WaitList::default(),
            }),
        });
        inner.meta.register(&inner);
        Event { inner }
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            s.set = true;
            s.line.grant_all()
        };
        wake_all(woken);
    }

    /// Clears the flag: later `wait`s wait again.
    pub fn clear(&self) {
        self.inner.state.borrow_mut().set = false;
    }

    /// True if the flag is set.
    pub fn is_set(&self) -> bool {
        self.inner.state.borrow().set
    }

    /// Waits until the flag is set (at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: it takes nothing; a dropped wait leaves the line.
    pub fn wait(&self) -> EventWait {
        EventWait {
            event: self.inner.clone(),
            waiter: None,
        }
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}

impl InspectPrimitive for EventInner {
    fn held_wakers(&self, visit: &mut dyn FnMut(&std::task::Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state: if s.set { "set" } else { "clear" }.to_owned(),
            waiters: s.line.tasks().collect(),
            holders: Vec::new(),
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.inner.meta.name)
            .field("set", &self.is_set())
            .finish()
    }
}

/// The future returned by [`Event::wait`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`Event::wait`].
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct EventWait {
    event: Rc<EventInner>,
    waiter: Option<Rc<Waiter>>,
}

impl Future for EventWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut s = this.event.state.borrow_mut();
        if s.set || this.waiter.as_ref().is_some_and(|w| w.is_granted()) {
            this.waiter = None;
            return Poll::Ready(());
        }
        match &this.waiter {
            Some(w) => w.set_waker(cx.waker()),
            None => this.waiter = Some(s.line.join(cx.waker())),
        }
        drop(s);
        this.event.meta.note_pending(&this.event);
        Poll::Pending
    }
}

impl Drop for EventWait {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.event.state.borrow_mut().line.leave(&w);
        }
    }
}

//! `Notify`: wake one waiting task, or all of them, without data (tokio's
//! `Notify`).
//!
//! ```text
//!   notify_one() ──▶ a task in line?  yes: grant it
//!                                     no:  store ONE permit; the next
//!                                          notified() takes it at once
//!   notify_waiters() ──▶ grant everyone in line now; store nothing
//! ```
//!
//! The stored permit is what makes `notify_one` safe against the bug zoo's
//! missed notification: a notification sent before anyone waits is not lost.
//! A waiter granted by `notify_one` and dropped before it ran passes its
//! notification on (to the next in line, or back to the permit); one granted
//! by `notify_waiters` does not (that call was for the tasks waiting then).

use crate::sync::tracked::Tracked;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

/// How a waiter was granted (kept in its `amount`).
const BY_NOTIFY_ONE: usize = 1;
const BY_NOTIFY_WAITERS: usize = 0;

/// Wakes tasks without passing data (tokio's `Notify`): a notification
/// sent when nobody waits is kept as one permit for the next waiter.
///
/// Cloning gives another handle on the same `Notify`.
///
/// # Examples
///
/// ```
/// use evloop::sync::Notify;
///
/// evloop::run(async {
///     let changed = Notify::named("changed");
///     changed.notify_one();           // nobody waits: a permit is stored…
///     changed.notified().await;       // …and taken here, at once
///     let waiter = {
///         let changed = changed.clone();
///         evloop::spawn(async move { changed.notified().await })
///     };
///     evloop::yield_now().await;      // the waiter is in line
///     assert_eq!(changed.notify_waiters(), 1);
///     waiter.await.unwrap();
/// });
/// ```
#[derive(Clone)]
pub struct Notify {
    inner: Rc<NotifyInner>,
}

struct NotifyInner {
    meta: Meta,
    state: Tracked<State>,
}

struct State {
    permit: bool,
    line: WaitList,
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl Notify {
    /// A `Notify` with no stored permit.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = evloop::sync::Notify::new();
    /// assert!(!notify.has_permit());
    /// ```
    pub fn new() -> Notify {
        Notify::build(None)
    }

    /// A named `Notify`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Notify::named("bell").name(), "bell");
    /// ```
    pub fn named(name: impl Into<String>) -> Notify {
        Notify::build(Some(name.into()))
    }

    fn build(name: Option<String>) -> Notify {
        let inner = Rc::new(NotifyInner {
            meta: Meta::new("notify", name),
            state: Tracked::new(State {
                permit: false,
                line: WaitList::default(),
            }),
        });
        inner.meta.register(&inner);
        Notify { inner }
    }

    /// Waits for a notification: takes the stored permit at once if there
    /// is one, else waits in line. The future joins the line at its first
    /// poll (tokio's joins when created: in a single-threaded loop nothing
    /// can notify between the two unless the task awaits something else
    /// first).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropped in line, it leaves; dropped after a
    /// `notify_one` granted it (before it ran), it passes the notification
    /// on, so none is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = evloop::sync::Notify::new();
    /// notify.notify_one();
    /// evloop::run(notify.notified()); // takes the stored permit at once
    /// ```
    pub fn notified(&self) -> Notified {
        Notified {
            notify: self.inner.clone(),
            waiter: None,
        }
    }

    /// Wakes the first task in line, or, if none waits, stores a permit
    /// for the next `notified()` (at most one: notifying twice with nobody
    /// waiting stores one permit).
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = evloop::sync::Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // still one permit
    /// assert!(notify.has_permit());
    /// ```
    pub fn notify_one(&self) {
        let woken = self.inner.notify_one();
        wake_all(woken);
    }

    /// Wakes every task in line now and stores no permit; returns how many
    /// it woke.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = evloop::sync::Notify::new();
    /// assert_eq!(notify.notify_waiters(), 0);
    /// assert!(!notify.has_permit(), "nothing stored");
    /// ```
    pub fn notify_waiters(&self) -> usize {
        let woken = {
            let mut s = self.inner.state.borrow_mut();
            for w in s.line.iter() {
                w.set_amount(BY_NOTIFY_WAITERS);
            }
            s.line.grant_all()
        };
        let n = woken.len();
        wake_all(woken);
        n
    }

    /// True if a permit is stored.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = evloop::sync::Notify::new();
    /// notify.notify_one();
    /// assert!(notify.has_permit());
    /// ```
    pub fn has_permit(&self) -> bool {
        self.inner.state.borrow().permit
    }

    /// The number of tasks in line.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Notify::new().waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.inner.state.borrow().line.len()
    }

    /// The name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::Notify::named("n").name(), "n");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}

impl NotifyInner {
    fn notify_one(&self) -> Option<Waker> {
        let mut s = self.state.borrow_mut();
        if let Some(front) = s.line.front() {
            front.set_amount(BY_NOTIFY_ONE);
            s.line.grant_next().flatten()
        } else {
            s.permit = true;
            None
        }
    }
}

impl InspectPrimitive for NotifyInner {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.state.borrow().line.held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let s = self.state.borrow();
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state: if s.permit {
                "permit stored"
            } else {
                "no permit"
            }
            .to_owned(),
            waiters: s.line.tasks().collect(),
            holders: Vec::new(),
        }
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("name", &self.name())
            .field("permit", &self.has_permit())
            .field("waiters", &self.waiters())
            .finish()
    }
}

/// The future returned by [`Notify::notified`].
///
/// # Cancel safety
///
/// Cancel-safe: see [`Notify::notified`].
///
/// # Examples
///
/// ```
/// let notify = evloop::sync::Notify::new();
/// notify.notify_one();
/// let wait: evloop::sync::Notified = notify.notified();
/// evloop::run(wait);
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct Notified {
    notify: Rc<NotifyInner>,
    waiter: Option<Rc<Waiter>>,
}

impl Future for Notified {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut s = this.notify.state.borrow_mut();
        match &this.waiter {
            Some(w) if w.is_granted() => {
                this.waiter = None;
                return Poll::Ready(());
            }
            Some(w) => w.set_waker(cx.waker()),
            None => {
                if s.permit {
                    s.permit = false;
                    return Poll::Ready(());
                }
                this.waiter = Some(s.line.join(cx.waker()));
            }
        }
        drop(s);
        this.notify.meta.note_pending(&this.notify);
        Poll::Pending
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        let Some(w) = self.waiter.take() else { return };
        let woken = if !w.is_granted() {
            self.notify.state.borrow_mut().line.leave(&w);
            None
        } else if w.amount() == BY_NOTIFY_ONE {
            // Granted by notify_one but never ran: pass it on.
            self.notify.notify_one()
        } else {
            None
        };
        wake_all(woken);
    }
}

impl fmt::Debug for Notified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("notify", &self.notify.meta.name)
            .field("in_line", &self.waiter.is_some())
            .finish()
    }
}

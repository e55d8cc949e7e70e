//! `CancelToken`: a flag that says "stop", shared by many tasks, in a tree.
//!
//! ```text
//!   server ── child() ──▶ conn-1 ── child() ──▶ request-7
//!          └─ child() ──▶ conn-2
//!
//!   server.cancel()  ──▶ server, conn-1, conn-2, request-7 all cancelled
//!   conn-1.cancel()  ──▶ conn-1 and request-7 only; the parent goes on
//! ```
//!
//! Dropping a future cancels it, but only whoever holds the future can drop
//! it. A token lets any task ask many others to stop, and lets them stop at
//! a point of their choosing: they await [`CancelToken::cancelled`] (in a
//! [`select!`](crate::select!), say) or run their work under
//! [`run_until_cancelled`](CancelToken::run_until_cancelled). (tokio-util's
//! `CancellationToken`; trio and asyncio cancel scopes, see
//! [`CancelScope`](crate::combinators::CancelScope), are the same idea tied
//! to a block of code.)

use crate::sync::tracked::Tracked;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use super::meta::Meta;
use super::waiters::{WaitList, Waiter, wake_all};
use crate::inspect::{InspectPrimitive, PrimitiveInfo};

/// A cancellation token with child tokens (tokio-util's
/// `CancellationToken`). Cloning gives another handle on the same token.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::sync::CancelToken;
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// rt.block_on(async {
///     let shutdown = CancelToken::named("shutdown");
///     let worker = {
///         let token = shutdown.child();
///         evloop::spawn(async move {
///             let mut ticks = 0;
///             while !token.is_cancelled() {
///                 evloop::sleep(Duration::from_secs(1)).await;
///                 ticks += 1;
///             }
///             ticks
///         })
///     };
///     evloop::sleep(Duration::from_millis(2500)).await;
///     shutdown.cancel(); // the child is cancelled with its parent
///     assert_eq!(worker.await.unwrap(), 3);
/// });
/// ```
#[doc(alias = "CancellationToken")]
#[derive(Clone)]
pub struct CancelToken {
    node: Rc<Node>,
}

struct Node {
    meta: Meta,
    cancelled: Cell<bool>,
    line: Tracked<WaitList>,
    children: RefCell<Vec<Weak<Node>>>,
    /// The children count at the last prune (prune when it doubles).
    pruned_at: Cell<usize>,
}

impl Default for CancelToken {
    fn default() -> CancelToken {
        CancelToken::new()
    }
}

impl CancelToken {
    /// A token not yet cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!evloop::sync::CancelToken::new().is_cancelled());
    /// ```
    pub fn new() -> CancelToken {
        CancelToken::build(None)
    }

    /// A named token (the name shows in snapshots).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::CancelToken::named("stop").name(), "stop");
    /// ```
    pub fn named(name: impl Into<String>) -> CancelToken {
        CancelToken::build(Some(name.into()))
    }

    fn build(name: Option<String>) -> CancelToken {
        let node = Rc::new(Node {
            meta: Meta::new("cancel token", name),
            cancelled: Cell::new(false),
            line: Tracked::new(WaitList::default()),
            children: RefCell::new(Vec::new()),
            pruned_at: Cell::new(0),
        });
        node.meta.register(&node);
        CancelToken { node }
    }

    /// A child token, named `PARENT/N`: cancelled when this one is (at once,
    /// if this one already is), and cancellable on its own without
    /// touching this one.
    ///
    /// # Examples
    ///
    /// ```
    /// let parent = evloop::sync::CancelToken::named("server");
    /// let child = parent.child();
    /// assert_eq!(child.name(), "server/0");
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    /// let other = parent.child();
    /// parent.cancel();
    /// assert!(other.is_cancelled());
    /// ```
    pub fn child(&self) -> CancelToken {
        let n = self.node.children.borrow().len();
        let child = CancelToken::build(Some(format!("{}/{n}", self.node.meta.name)));
        if self.is_cancelled() {
            child.node.cancelled.set(true);
            return child;
        }
        let mut children = self.node.children.borrow_mut();
        // Children that are gone leave dead entries: sweep them now and
        // then, so a long-lived parent does not grow without bound.
        if children.len() >= 2 * self.node.pruned_at.get().max(8) {
            children.retain(|c| c.strong_count() > 0);
            self.node.pruned_at.set(children.len());
        }
        children.push(Rc::downgrade(&child.node));
        drop(children);
        child
    }

    /// Cancels this token and every token below it, waking every task that
    /// waits on any of them. Cancelling twice is harmless.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = evloop::sync::CancelToken::new();
    /// token.cancel();
    /// token.cancel(); // harmless
    /// assert!(token.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        let mut stack = vec![self.node.clone()];
        let mut woken = Vec::new();
        while let Some(node) = stack.pop() {
            node.line.touch();
            if node.cancelled.replace(true) {
                continue;
            }
            woken.extend(node.line.borrow_mut().grant_all());
            let children = std::mem::take(&mut *node.children.borrow_mut());
            stack.extend(children.iter().filter_map(Weak::upgrade));
        }
        wake_all(woken);
    }

    /// True once this token (or one above it) was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = evloop::sync::CancelToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.line.touch();
        self.node.cancelled.get()
    }

    /// Waits until the token is cancelled (at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: it takes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = evloop::sync::CancelToken::new();
    /// evloop::run(async {
    ///     let t = token.clone();
    ///     evloop::spawn(async move { t.cancel() }).detach();
    ///     token.cancelled().await;
    /// });
    /// ```
    pub fn cancelled(&self) -> TokenCancelled {
        TokenCancelled {
            node: self.node.clone(),
            waiter: None,
        }
    }

    /// Runs `future` until it finishes (`Some(output)`) or the token is
    /// cancelled (`None`, and the future is dropped, which cancels it).
    /// A [shielded](crate::combinators::CancelScope::set_shield) scope inside
    /// the future puts the cancellation off until it ends.
    ///
    /// # Cancel safety
    ///
    /// As cancel-safe as `future`: dropping this drops it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::sync::CancelToken;
    ///
    /// let rt = evloop::Runtime::builder().virtual_clock().build();
    /// rt.block_on(async {
    ///     let stop = CancelToken::new();
    ///     let s = stop.clone();
    ///     evloop::spawn(async move {
    ///         evloop::sleep(Duration::from_secs(1)).await;
    ///         s.cancel();
    ///     })
    ///     .detach();
    ///     let forever = evloop::sleep(Duration::from_secs(3600));
    ///     assert_eq!(stop.run_until_cancelled(forever).await, None);
    /// });
    /// ```
    pub fn run_until_cancelled<F: Future>(
        &self,
        future: F,
    ) -> crate::combinators::RunUntilCancelled<F> {
        crate::combinators::RunUntilCancelled::new(self.clone(), future)
    }

    /// A guard that cancels the token when dropped (tokio-util's `drop_guard`).
    ///
    /// # Examples
    ///
    /// ```
    /// let token = evloop::sync::CancelToken::new();
    /// {
    ///     let _guard = token.clone().drop_guard();
    /// } // dropped here
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> CancelOnDropGuard {
        CancelOnDropGuard { token: Some(self) }
    }

    /// The token's name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(evloop::sync::CancelToken::named("t").name(), "t");
    /// ```
    pub fn name(&self) -> &str {
        &self.node.meta.name
    }
}

impl InspectPrimitive for Node {
    fn held_wakers(&self, visit: &mut dyn FnMut(&Waker)) {
        self.line.borrow().held_wakers(visit);
    }

    fn info(&self) -> PrimitiveInfo {
        let line = self.line.borrow();
        let children = self
            .children
            .borrow()
            .iter()
            .filter(|c| c.strong_count() > 0)
            .count();
        let mut state = if self.cancelled.get() {
            "cancelled".to_owned()
        } else {
            "not cancelled".to_owned()
        };
        if children > 0 {
            state.push_str(&format!(", {children} child token(s)"));
        }
        PrimitiveInfo {
            kind: self.meta.kind,
            name: self.meta.name.to_string(),
            state,
            waiters: line.tasks().collect(),
            holders: Vec::new(),
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("name", &self.name())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// The future returned by [`CancelToken::cancelled`].
///
/// # Cancel safety
///
/// Cancel-safe: it takes nothing.
///
/// # Examples
///
/// ```
/// let token = evloop::sync::CancelToken::new();
/// token.cancel();
/// let wait: evloop::sync::TokenCancelled = token.cancelled();
/// evloop::run(wait); // at once
/// ```
#[must_use = "futures do nothing unless awaited or spawned"]
pub struct TokenCancelled {
    node: Rc<Node>,
    waiter: Option<Rc<Waiter>>,
}

impl Future for TokenCancelled {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.node.cancelled.get() {
            this.waiter = None;
            return Poll::Ready(());
        }
        {
            let mut line = this.node.line.borrow_mut();
            match &this.waiter {
                Some(w) => w.set_waker(cx.waker()),
                None => this.waiter = Some(line.join(cx.waker())),
            }
        }
        this.node.meta.note_pending(&this.node);
        Poll::Pending
    }
}

impl Drop for TokenCancelled {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            self.node.line.borrow_mut().leave(&w);
        }
    }
}

impl fmt::Debug for TokenCancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCancelled")
            .field("token", &self.node.meta.name)
            .finish()
    }
}

/// Cancels its token when dropped: from [`CancelToken::drop_guard`].
///
/// # Examples
///
/// ```
/// let token = evloop::sync::CancelToken::new();
/// let guard: evloop::sync::CancelOnDropGuard = token.clone().drop_guard();
/// drop(guard);
/// assert!(token.is_cancelled());
/// ```
#[must_use = "dropping the guard cancels the token at once"]
pub struct CancelOnDropGuard {
    token: Option<CancelToken>,
}

impl CancelOnDropGuard {
    /// The token back, without cancelling it.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = evloop::sync::CancelToken::new();
    /// let back = token.clone().drop_guard().disarm();
    /// assert!(!back.is_cancelled());
    /// ```
    pub fn disarm(mut self) -> CancelToken {
        self.token
            .take()
            .expect("a CancelOnDropGuard holds its token until dropped or disarmed")
    }
}

impl Drop for CancelOnDropGuard {
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            token.cancel();
        }
    }
}

impl fmt::Debug for CancelOnDropGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CancelOnDropGuard")
            .field(&self.token)
            .finish()
    }
}

//! Work running in a scope: the part every scoped future shares — the
//! work itself, the sleep for the scope's deadline, a cancel token to
//! watch, and the shield's count in the scopes around it.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{CancelScope, Deadline, State};
use crate::sync::{CancelToken, TokenCancelled};
use crate::time::{Instant, Sleep, now_if_running, sleep_until};

thread_local! {
    /// The scopes whose work is being polled on this thread, outermost first.
    static ACTIVE: RefCell<Vec<Rc<State>>> = const { RefCell::new(Vec::new()) };
}

/// Work running in a scope: the part every scoped future shares.
pub(super) struct Scoped<F> {
    pub(super) scope: CancelScope,
    work: Option<Pin<Box<F>>>,
    sleep: Option<Sleep>,
    pub(super) token: Option<(CancelToken, TokenCancelled)>,
    /// The enclosing scopes this (shielded) scope counted itself into.
    shielding: Vec<Rc<State>>,
}

impl<F: Future> Scoped<F> {
    pub(super) fn new(scope: CancelScope, token: Option<CancelToken>, work: F) -> Scoped<F> {
        Scoped {
            scope,
            work: Some(Box::pin(work)),
            sleep: None,
            token: token.map(|t| {
                let wait = t.cancelled();
                (t, wait)
            }),
            shielding: Vec::new(),
        }
    }

    /// `Ok(output)`, or `Err(())` when the scope fired and the work was dropped.
    pub(super) fn poll_scoped(&mut self, cx: &mut Context<'_>) -> Poll<Result<F::Output, ()>> {
        if self.work.is_none() {
            panic!("a cancel scope's future was polled after it completed");
        }
        let state = self.scope.state.clone();
        self.update_shield();
        let Some(work) = self.work.as_mut() else {
            unreachable!("checked above");
        };
        // The work first: work that is ready at the deadline wins, as with
        // `timeout`.
        let polled = {
            let _active = Active::enter(&state);
            work.as_mut().poll(cx)
        };
        if let Poll::Ready(out) = polled {
            self.end();
            return Poll::Ready(Ok(out));
        }
        *state.waker.borrow_mut() = Some(cx.waker().clone());
        if self.fired(cx) {
            state.cancel_called.set(true);
            if state.shields_inside.get() == 0 {
                state.caught.set(true);
                self.end();
                return Poll::Ready(Err(()));
            }
            // A shielded scope inside is running: wait for it to end.
        }
        Poll::Pending
    }

    /// True if the deadline passed, `cancel()` was called, or the token
    /// was cancelled; else the timer and the token have the waker.
    fn fired(&mut self, cx: &mut Context<'_>) -> bool {
        let state = &self.scope.state;
        if state.cancel_called.get() {
            return true;
        }
        if let Some((_, wait)) = &mut self.token
            && Pin::new(wait).poll(cx).is_ready()
        {
            return true;
        }
        let deadline = match state.deadline.get() {
            Deadline::None => {
                self.sleep = None;
                return false;
            }
            Deadline::At(at) => at,
            Deadline::After(d) => {
                let at = now_if_running().unwrap_or(Instant::START) + d;
                state.deadline.set(Deadline::At(at));
                at
            }
        };
        let sleep = self.sleep.get_or_insert_with(|| sleep_until(deadline));
        if sleep.deadline() != deadline {
            sleep.reset(deadline);
        }
        Pin::new(sleep).poll(cx).is_ready()
    }

    /// Counts this scope into the scopes around it while its shield is up,
    /// and out when it is lowered.
    fn update_shield(&mut self) {
        let shielded = self.scope.state.shield.get();
        if shielded && self.shielding.is_empty() {
            self.shielding = ACTIVE.with(|a| a.borrow().clone());
            for outer in &self.shielding {
                outer.shields_inside.set(outer.shields_inside.get() + 1);
            }
        } else if !shielded && !self.shielding.is_empty() {
            self.unshield();
        }
    }

    fn end(&mut self) {
        self.work = None;
        self.sleep = None;
        self.unshield();
    }
}

/// This scope on the stack of active scopes while its work is polled
/// (popped even if the work panics).
struct Active;

impl Active {
    fn enter(state: &Rc<State>) -> Active {
        ACTIVE.with(|a| a.borrow_mut().push(state.clone()));
        Active
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        let _ = ACTIVE.try_with(|a| a.borrow_mut().pop());
    }
}

impl<F> Scoped<F> {
    fn unshield(&mut self) {
        for outer in self.shielding.drain(..) {
            outer.shields_inside.set(outer.shields_inside.get() - 1);
            // An enclosing scope that fired meanwhile may cancel now.
            outer.wake();
        }
    }
}

impl<F> Drop for Scoped<F> {
    fn drop(&mut self) {
        self.unshield();
    }
}

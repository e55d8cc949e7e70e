//! `generate`: async generators, written as an `async` block that yields.
//!
//! ```text
//!   consumer: s.next().await ──poll_next──▶ poll the body
//!                                              │ body runs until…
//!            ◀── Ready(Some(v)) ─────────────  ├─ y.yield_(v).await: v put in the slot,
//!                                              │  the body returns Pending (parked there)
//!            ◀── Pending ────────────────────  ├─ a real wait (sleep, I/O): slot empty
//!            ◀── Ready(None) ────────────────  └─ the body returned: the end
//! ```
//!
//! The slot is shared by the body's [`Yielder`] and the [`Generator`]. A
//! yield parks the body without waking anyone: the generator's `poll_next`
//! sees the value in the slot and returns it, and the next `poll_next`
//! resumes the body just after the yield. This is how Python runs an
//! `async def` with `yield` in it: `__anext__` resumes the coroutine until
//! its next `yield`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Stream;

/// Makes a stream from an async body that yields through the [`Yielder`]
/// it is given (Python's `async def f(): … yield x …`).
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing: a value the body yielded stays
/// until taken. Dropping the stream drops the body where it is parked.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::stream::{StreamExt, generate};
///
/// let rt = evloop::Runtime::builder().virtual_clock().build();
/// let chunks = rt.block_on(async {
///     let mut chunks = generate(|y| async move {
///         for i in 0..3 {
///             evloop::sleep(Duration::from_millis(100)).await; // "network"
///             y.yield_(format!("chunk {i}")).await;
///         }
///     });
///     let mut got = Vec::new();
///     while let Some(chunk) = chunks.next().await {
///         got.push(chunk);
///     }
///     got
/// });
/// assert_eq!(chunks, ["chunk 0", "chunk 1", "chunk 2"]);
/// ```
#[doc(alias = "async_generator")]
pub fn generate<T, F, Fut>(body: F) -> Generator<T>
where
    T: 'static,
    F: FnOnce(Yielder<T>) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let slot = Rc::new(RefCell::new(None));
    let future = body(Yielder { slot: slot.clone() });
    Generator {
        slot,
        body: Some(Box::pin(future)),
    }
}

/// The stream made by [`generate`]. Dropping it drops the body where it is
/// parked (Python's `aclose()`).
#[must_use = "streams do nothing unless polled"]
pub struct Generator<T> {
    slot: Rc<RefCell<Option<T>>>,
    body: Option<Pin<Box<dyn Future<Output = ()>>>>,
}

impl<T> Unpin for Generator<T> {}

impl<T> Stream for Generator<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        let finished = body.as_mut().poll(cx).is_ready();
        if let Some(v) = this.slot.borrow_mut().take() {
            return Poll::Ready(Some(v));
        }
        if finished {
            this.body = None;
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for Generator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("finished", &self.body.is_none())
            .finish()
    }
}

/// Given to a [`generate`] body: yields values to the consumer.
pub struct Yielder<T> {
    slot: Rc<RefCell<Option<T>>>,
}

impl<T> Yielder<T> {
    /// Hands `value` to the consumer and parks until it asks for the next one
    /// (Python's `yield value` inside an `async def`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the `Yield` before the consumer took the value loses the
    /// value (the body is being dropped anyway when that happens).
    pub fn yield_(&self, value: T) -> Yield<'_, T> {
        Yield {
            yielder: self,
            value: Some(value),
        }
    }
}

impl<T> fmt::Debug for Yielder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Yielder")
    }
}

/// The future returned by [`Yielder::yield_`].
#[must_use = "a value is yielded only when this is awaited"]
pub struct Yield<'a, T> {
    yielder: &'a Yielder<T>,
    value: Option<T>,
}

impl<T> Unpin for Yield<'_, T> {}

impl<T> Future for Yield<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match this.value.take() {
            Some(v) => {
                // Parked without a wake: the generator returns `v` now, and
                // polls the body again when the consumer asks for more.
                *this.yielder.slot.borrow_mut() = Some(v);
                Poll::Pending
            }
            None => Poll::Ready(()),
        }
    }
}

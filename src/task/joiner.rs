//! `Joiner`: the waker of whoever awaits a task's handle, in one word.
//!
//! A `Waker` is two words (its data pointer and its vtable), and every task
//! keeps room for one: 16 bytes of a parked task whose handle nobody awaits
//! yet. But the waker that awaits a handle is nearly always a task's own,
//! on the same loop, and the data pointer of a task's waker *is* the task's
//! header, which names the vtable (`header.vtable.waker`). So that waker is
//! kept as its data pointer alone, owning the count the waker owned; any
//! other waker (a combinator's, another executor's) is boxed, and the low
//! bit of the word says which:
//!
//! ```text
//!   0                      nobody awaits the handle
//!   header pointer         a task's waker: RawWaker(ptr, header.vtable.waker), one count held
//!   Box<Waker> pointer | 1 any other waker
//! ```
//!
//! How a waker is known to be a task's: a waker is a task's exactly when
//! its vtable is a task type's waker vtable. The loop tells this thread the
//! vtable of each task it polls ([`current`](super::current)), and a handle
//! is awaited from inside a poll, so comparing the two pointers is enough.
//! If they are equal, the waker's data pointer is the header of a live task
//! (the waker holds a count of it), whether or not that task is the one
//! being polled: nothing here trusts the thread-local beyond that
//! comparison, so the loop never needs to clear it. A waker that does not
//! match (another type's task met outside its own poll) is boxed: slower,
//! never wrong. Every waker of a task is built with
//! its header's vtable pointer (`TaskCell::poll`, `clone_waker`,
//! `TaskRef::waker`), so the comparison does not depend on how the compiler
//! places a constant.

use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::ptr;
use std::task::{RawWaker, Waker};

use super::Header;
use super::current;

/// The low bit of a boxed waker's pointer.
const BOXED: usize = 1;

pub(crate) struct Joiner(Cell<*const ()>);

impl Joiner {
    #[inline]
    pub(crate) const fn new() -> Joiner {
        Joiner(Cell::new(ptr::null()))
    }

    /// Keeps `waker` (replacing the one kept, unless it would wake the same
    /// task: then nothing changes).
    pub(crate) fn set(&self, waker: &Waker) {
        let raw = self.0.get();
        if !raw.is_null() && lend(raw, |kept| kept.will_wake(waker)) {
            return;
        }
        drop(self.take());
        let kept = if current::task_waker_vtable() == Some(waker.vtable()) {
            // A task's waker: keep its data pointer and the count that a
            // clone of it owns (`ManuallyDrop` hands the count over).
            let clone = ManuallyDrop::new(waker.clone());
            clone.data()
        } else {
            let boxed = Box::into_raw(Box::new(waker.clone()));
            boxed.cast_const().cast::<()>().map_addr(|a| a | BOXED)
        };
        self.0.set(kept);
    }

    /// Shows `visit` the kept waker, if any.
    pub(crate) fn visit(&self, visit: &mut dyn FnMut(&Waker)) {
        let raw = self.0.get();
        if !raw.is_null() {
            lend(raw, |w| visit(w));
        }
    }

    /// The kept waker, taken out (the word is empty after).
    #[inline]
    pub(crate) fn take(&self) -> Option<Waker> {
        let raw = self.0.replace(ptr::null());
        if raw.is_null() {
            return None;
        }
        Some(if raw.addr() & BOXED != 0 {
            // SAFETY: the word held `Box::into_raw` of a `Box<Waker>`, tagged;
            // it is emptied above, so this is the box's only owner.
            *unsafe { Box::from_raw(raw.map_addr(|a| a & !BOXED).cast::<Waker>().cast_mut()) }
        } else {
            // SAFETY: the word held a task waker's data pointer (a live
            // task's header: the count it owns keeps it alive) and that
            // count, now handed to the waker.
            unsafe { task_waker(raw) }
        })
    }
}

/// Lends the kept waker (`raw`, a joiner's word, not null) to `f` without
/// taking it.
#[inline]
fn lend<R>(raw: *const (), f: impl FnOnce(&Waker) -> R) -> R {
    if raw.addr() & BOXED != 0 {
        // SAFETY: a tagged word is a live `Box<Waker>` its joiner owns; `f`
        // cannot reach the joiner (it gets a `&Waker` only).
        f(unsafe { &*raw.map_addr(|a| a & !BOXED).cast::<Waker>() })
    } else {
        // SAFETY: a task's header pointer with a count held (see `take`);
        // the rebuilt waker is borrowed, never dropped, so the count stays
        // with the joiner.
        f(&ManuallyDrop::new(unsafe { task_waker(raw) }))
    }
}

/// The waker of the task whose header `raw` points to, owning one count.
///
/// # Safety
///
/// `raw` is a live task's header pointer, and the caller hands the waker
/// one count of the task it owns (or never drops the waker).
#[inline]
unsafe fn task_waker(raw: *const ()) -> Waker {
    // SAFETY: the caller's promise; the header names its wakers' vtable.
    unsafe { Waker::from_raw(RawWaker::new(raw, (*raw.cast::<Header>()).vtable.waker)) }
}

#[cfg(test)]
impl Joiner {
    pub(crate) fn kind(&self) -> &'static str {
        let raw = self.0.get();
        match (raw.is_null(), raw.addr() & BOXED != 0) {
            (true, _) => "none",
            (false, false) => "task",
            (false, true) => "boxed",
        }
    }
}

impl Drop for Joiner {
    #[inline]
    fn drop(&mut self) {
        // Empty by now, as a rule: the task's release took the waker.
        if !self.0.get().is_null() {
            drop(self.take());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::{Future, poll_fn};
    use std::pin::Pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};
    use std::time::Duration;

    use crate::{JoinHandle, Runtime, sleep, spawn};

    /// Polls `handle` once with `cx`, then says how its task keeps the
    /// joiner's waker.
    fn register(handle: &mut JoinHandle<()>, cx: &mut Context<'_>) -> &'static str {
        assert!(Pin::new(&mut *handle).poll(cx).is_pending());
        handle.header().joiner_kind()
    }

    #[test]
    fn a_task_awaiting_a_handle_is_kept_as_one_word_and_woken() {
        let rt = Runtime::builder().virtual_clock().build();
        rt.block_on(async {
            let mut slow = spawn(sleep(Duration::from_secs(1)));
            let joiner = spawn(async move {
                let kind = poll_fn(|cx| Poll::Ready(register(&mut slow, cx))).await;
                assert_eq!(kind, "task", "a task's own waker needs no box");
                // Polled again by the same task: the same waker, kept.
                let again = poll_fn(|cx| Poll::Ready(register(&mut slow, cx))).await;
                assert_eq!(again, "task");
                slow.await.expect("the sleeper finishes");
                "woken"
            });
            assert_eq!(joiner.await.unwrap(), "woken");
        });
    }

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn any_other_waker_is_boxed_replaced_and_woken_once() {
        let rt = Runtime::builder().virtual_clock().build();
        rt.block_on(async {
            let mut slow = spawn(sleep(Duration::from_secs(1)));
            let first = Arc::new(Count(AtomicUsize::new(0)));
            let second = Arc::new(Count(AtomicUsize::new(0)));
            let w1 = Waker::from(first.clone());
            let w2 = Waker::from(second.clone());
            assert_eq!(register(&mut slow, &mut Context::from_waker(&w1)), "boxed");
            assert_eq!(
                Arc::strong_count(&first),
                3,
                "ours, `w1` and the box's clone"
            );
            assert_eq!(register(&mut slow, &mut Context::from_waker(&w2)), "boxed");
            assert_eq!(Arc::strong_count(&first), 2, "the replaced box is freed");
            assert_eq!(register(&mut slow, &mut Context::from_waker(&w2)), "boxed");
            assert_eq!(
                Arc::strong_count(&second),
                3,
                "the same waker is kept, not cloned"
            );
            sleep(Duration::from_secs(2)).await;
            assert!(slow.is_finished());
            assert_eq!(first.0.load(Ordering::SeqCst), 0, "replaced, never woken");
            assert_eq!(
                second.0.load(Ordering::SeqCst),
                1,
                "the last one kept is woken"
            );
        });
    }

    #[test]
    fn a_kept_waker_is_freed_with_a_task_that_never_finishes() {
        let rt = Runtime::builder().virtual_clock().build();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        rt.block_on(async {
            let mut never = spawn(std::future::pending::<()>());
            assert_eq!(
                register(&mut never, &mut Context::from_waker(&waker)),
                "boxed"
            );
            let mut also = spawn(std::future::pending::<()>());
            spawn(async move {
                let kind = poll_fn(|cx| Poll::Ready(register(&mut also, cx))).await;
                assert_eq!(kind, "task");
            })
            .await
            .unwrap();
            never.detach();
        });
        drop(rt);
        assert_eq!(
            Arc::strong_count(&count),
            2,
            "ours and `waker`: the box is gone"
        );
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
    }
}

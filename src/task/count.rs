//! `Strong`: how many owners a task's allocation has, on any thread.
//!
//! A task's allocation is shared by the loop (all its `TaskRef`s together,
//! see [`task_ref`](super::task_ref)) and by every waker clone stored
//! somewhere, possibly on another thread. So it needs an atomic count, and
//! the last owner to give its count back frees it: what `Arc` does. But an
//! `Arc` keeps two counts, the strong one and a weak one for `Weak`
//! pointers, and nothing ever holds a `Weak` to a task. With a million
//! parked tasks, that unused count is 8 MB. So the header keeps the strong
//! count itself, and [`TaskCell`](super::cell::TaskCell) drops itself and
//! gives its slot back (see [`chunk`](super::chunk)) when the count reaches
//! zero:
//!
//! ```text
//!   spawn            count = 1    the loop side's (TaskRef::from_raw)
//!   waker cloned     count + 1    Relaxed: the cloner already holds a count,
//!                                 so the allocation cannot go meanwhile
//!   waker dropped    count − 1    Release: this owner's last uses of the
//!   last TaskRef     count − 1      task happen before whoever frees it…
//!   count was 1      free         …Acquire fence: …sees them all before freeing
//! ```
//!
//! These are `Arc`'s own orderings (and its reasons, in std's source).

use std::sync::atomic::{AtomicU32, Ordering, fence};

/// A task allocation's count of owners: 1 for the loop's side, plus one
/// per waker clone. 32 bits, not a word: the other half of its word holds
/// the task's slot index (see [`Header`](super::Header)), and a program
/// that stores two billion clones of one waker has leaked them (it is
/// stopped, as `Arc` stops one that leaks `isize::MAX`).
pub(crate) struct Strong(AtomicU32);

impl Strong {
    /// The count of a new allocation: its one owner is the loop's side.
    pub(crate) const fn one() -> Strong {
        Strong(AtomicU32::new(1))
    }

    /// One owner more (a waker clone). Aborts rather than let the count
    /// overflow (a program that leaks `i32::MAX` wakers of one task), as
    /// `Arc` does for `isize::MAX`: an overflowed count would free the task
    /// while wakers still point to it. (Other threads may add their own
    /// before the abort: there are not two billion threads.)
    #[inline]
    pub(crate) fn increment(&self) {
        if self.0.fetch_add(1, Ordering::Relaxed) > i32::MAX as u32 {
            std::process::abort();
        }
    }

    /// One owner fewer; `true` if it was the last, whose caller must now
    /// free the allocation (every other owner's uses are visible to it).
    /// Once the count is decremented and was not 1, another owner may free
    /// the allocation at any moment: nothing here touches `self` after the
    /// `fetch_sub`, as `Arc`'s drop touches nothing after its own.
    #[inline]
    #[must_use = "the last owner must free the allocation"]
    pub(crate) fn decrement(&self) -> bool {
        if self.0.fetch_sub(1, Ordering::Release) != 1 {
            return false;
        }
        fence(Ordering::Acquire);
        true
    }

    /// How many owners it has (a waker on another thread may change it at
    /// any moment: this is for reports, as `Arc::strong_count` is).
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_owner_is_told_and_no_other() {
        let strong = Strong::one();
        strong.increment();
        strong.increment();
        assert_eq!(strong.get(), 3);
        assert!(!strong.decrement());
        assert!(!strong.decrement());
        assert!(
            strong.decrement(),
            "the third decrement is the last owner's"
        );
    }

    #[test]
    fn owners_on_many_threads_tell_exactly_one_of_them() {
        let strong = Strong::one();
        for _ in 0..8 * 1000 {
            strong.increment();
        }
        let lasts: usize = std::thread::scope(|s| {
            let threads: Vec<_> = (0..8)
                .map(|_| s.spawn(|| (0..1000).filter(|_| strong.decrement()).count()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        });
        assert_eq!(lasts, 0, "the loop's own count is still held");
        assert!(strong.decrement());
    }
}

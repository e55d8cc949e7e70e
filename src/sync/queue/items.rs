//! The order a queue gives its items back in: first in first out
//! ([`Queue`](super::Queue)), last in first out
//! ([`LifoQueue`](super::LifoQueue)), or smallest first
//! ([`PriorityQueue`](super::PriorityQueue)).
//!
//! Everything else about a queue (capacity, lines, grants, `task_done`,
//! closing) is the same for all three, so it is written once and only this
//! part differs.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// A queue's items, in the order they come out.
pub(crate) enum Items<T> {
    Fifo(VecDeque<T>),
    Lifo(Vec<T>),
    Priority(Ranked<T>),
}

impl<T> Items<T> {
    pub(crate) fn fifo() -> Items<T> {
        Items::Fifo(VecDeque::new())
    }

    pub(crate) fn lifo() -> Items<T> {
        Items::Lifo(Vec::new())
    }

    pub(crate) fn priority() -> Items<T>
    where
        T: Ord,
    {
        Items::Priority(Ranked {
            heap: BinaryHeap::new(),
            next_seq: 0,
            compare: <T as Ord>::cmp,
        })
    }

    #[inline]
    pub(crate) fn push(&mut self, item: T) {
        match self {
            Items::Fifo(q) => q.push_back(item),
            Items::Lifo(v) => v.push(item),
            Items::Priority(r) => r.push(item),
        }
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        match self {
            Items::Fifo(q) => q.pop_front(),
            Items::Lifo(v) => v.pop(),
            Items::Priority(r) => r.heap.pop().map(|e| e.item),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Items::Fifo(q) => q.len(),
            Items::Lifo(v) => v.len(),
            Items::Priority(r) => r.heap.len(),
        }
    }
}

/// A min-heap of items, equal items in the order they were put (the timer
/// heap's rule: key by (value, sequence number)).
///
/// The comparison is a function pointer taken when the queue was made,
/// where `T: Ord` is known, so the rest of the queue needs no `Ord` bound.
pub(crate) struct Ranked<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
    compare: fn(&T, &T) -> Ordering,
}

impl<T> Ranked<T> {
    fn push(&mut self, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            item,
            seq,
            compare: self.compare,
        });
    }
}

struct Entry<T> {
    item: T,
    seq: u64,
    compare: fn(&T, &T) -> Ordering,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T> Eq for Entry<T> {}

impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Entry<T> {
    /// Reversed: `BinaryHeap` is a max-heap, and the smallest item (then the
    /// oldest) must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.compare)(&other.item, &self.item).then(other.seq.cmp(&self.seq))
    }
}

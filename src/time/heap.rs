//! The timer heap: every pending deadline of the loop, earliest on top.
//!
//! ```text
//!   BinaryHeap<Reverse<Entry>>            slots: Vec<Slot>
//!   ┌─────────────────────────┐           ┌──────────────────────────────┐
//!   │ (1.0s, seq 4) → slot 2  │──────────▶│ 2: seq 4, waker of task #3   │
//!   │ (1.0s, seq 7) → slot 0  │──────────▶│ 0: seq 7, waker of task #5   │
//!   │ (2.5s, seq 5) → slot 1  │──╳ stale  │ 1: free (the Sleep dropped)  │
//!   └─────────────────────────┘           └──────────────────────────────┘
//! ```
//!
//! Entries order by `(deadline, seq)`: `seq` counts up at every insert, so two
//! timers with the same deadline fire in the order they were set.
//!
//! An entry is 24 bytes: the deadline in it is a `u64` of nanoseconds since
//! the runtime started, not the 16-byte `Instant` (whose `Duration` is a
//! `u64` and a `u32`). A pop moves entries down a path of log₂ n levels, and
//! with 100,000 timers those levels are cache misses: a smaller entry is
//! fewer lines to miss (D1 ran 9–20 % faster). The exact `Instant` lives in
//! the timer's slot, read once per timer that fires. A `u64` counts 584
//! years; deadlines beyond that (on a virtual clock pushed that far) all
//! share the key `u64::MAX`, and the cold [`TimerHeap::far_top`] orders those
//! by their exact deadline instead.
//!
//! A `Sleep` dropped before its deadline frees its slot at once, but its heap
//! entry stays (a binary heap cannot remove from the middle cheaply). Such an
//! entry is *stale*: its slot's `seq` no longer matches. Stale entries are
//! kept harmless two ways:
//!
//! - [`TimerHeap::next_deadline`] pops stale entries off the top before it
//!   answers, so the loop never wakes early for a timer that is gone;
//! - when stale entries outnumber live ones (and there are more than a
//!   handful), the heap is rebuilt without them, so it never grows without
//!   bound however many sleeps are dropped.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

use crate::clock::Instant;
use crate::task::TaskId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    /// The deadline in nanoseconds since the start, `u64::MAX` from 584
    /// years on (see [`key`]).
    at: u64,
    seq: u64,
    slot: u32,
}

const _: () = assert!(size_of::<Entry>() == 24);

/// The heap's key for a deadline: exact below 2⁶⁴ ns, `u64::MAX` beyond.
#[inline]
fn key(deadline: Instant) -> u64 {
    u64::try_from(deadline.since_start().as_nanos()).unwrap_or(u64::MAX)
}

struct Slot {
    /// Sequence number of the timer that owns the slot; 0 when free.
    seq: u64,
    /// The exact deadline (the heap's key may be saturated).
    deadline: Instant,
    waker: Option<Waker>,
    owner: Option<TaskId>,
}

/// Names one timer in the heap, held by the `Sleep` that set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u64,
}

/// A timer that came due, returned to the loop so it can wake the owner
/// after letting go of the heap.
pub(crate) struct Fired {
    pub(crate) waker: Waker,
    pub(crate) owner: Option<TaskId>,
    pub(crate) deadline: Instant,
}

/// One pending timer, as the snapshot shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerInfo {
    /// When it fires.
    pub deadline: Instant,
    /// The task that set it (None if set outside any task).
    pub owner: Option<TaskId>,
}

/// Stale entries tolerated before a rebuild is considered.
const COMPACT_MIN_STALE: usize = 64;

#[derive(Default)]
pub(crate) struct TimerHeap {
    heap: BinaryHeap<Reverse<Entry>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_seq: u64,
    stale: usize,
}

impl TimerHeap {
    pub(crate) fn insert(
        &mut self,
        deadline: Instant,
        waker: Waker,
        owner: Option<TaskId>,
    ) -> TimerKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let slot = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    seq: 0,
                    deadline: Instant::START,
                    waker: None,
                    owner: None,
                });
                u32::try_from(self.slots.len() - 1).expect("more than u32::MAX timers at once")
            }
        };
        self.slots[slot as usize] = Slot {
            seq,
            deadline,
            waker: Some(waker),
            owner,
        };
        self.heap.push(Reverse(Entry {
            at: key(deadline),
            seq,
            slot,
        }));
        TimerKey { slot, seq }
    }

    fn slot_mut(&mut self, key: TimerKey) -> Option<&mut Slot> {
        self.slots
            .get_mut(key.slot as usize)
            .filter(|s| s.seq == key.seq)
    }

    /// Replaces the waker if the timer is still pending and the new waker
    /// would wake a different task. False if the timer already fired.
    pub(crate) fn update_waker(&mut self, key: TimerKey, waker: &Waker) -> bool {
        match self.slot_mut(key) {
            Some(slot) => {
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    slot.waker = Some(waker.clone());
                }
                true
            }
            None => false,
        }
    }

    /// Forgets a timer that has not fired; its heap entry becomes stale.
    /// Returns the waker so the caller drops it outside any borrow.
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Waker> {
        let slot = self.slot_mut(key)?;
        slot.seq = 0;
        slot.owner = None;
        let waker = slot.waker.take();
        self.free.push(key.slot);
        self.stale += 1;
        self.maybe_compact();
        waker
    }

    fn is_live(&self, e: &Entry) -> bool {
        self.slots[e.slot as usize].seq == e.seq
    }

    fn maybe_compact(&mut self) {
        let live = self.heap.len() - self.stale;
        if self.stale > COMPACT_MIN_STALE && self.stale > live {
            let slots = &self.slots;
            self.heap
                .retain(|Reverse(e)| slots[e.slot as usize].seq == e.seq);
            self.stale = 0;
        }
    }

    /// Pops stale entries off the top.
    fn purge_top(&mut self) {
        while let Some(Reverse(top)) = self.heap.peek() {
            if self.is_live(top) {
                break;
            }
            self.heap.pop();
            self.stale -= 1;
        }
    }

    /// The live entry that fires first and its exact deadline.
    fn top(&mut self) -> Option<(Entry, Instant)> {
        self.purge_top();
        let Reverse(top) = *self.heap.peek()?;
        if top.at == u64::MAX {
            return self.far_top();
        }
        Some((top, self.slots[top.slot as usize].deadline))
    }

    /// `top` when every entry is 584 years or more away: their keys are all
    /// `u64::MAX`, so the heap orders them by `seq` alone. The first to fire
    /// is found by a scan of exact deadlines (a virtual clock pushed that
    /// far is the only way here).
    #[cold]
    fn far_top(&self) -> Option<(Entry, Instant)> {
        self.live().min_by_key(|(e, deadline)| (*deadline, e.seq))
    }

    /// The live entries, in heap order, each with its exact deadline.
    fn live(&self) -> impl Iterator<Item = (Entry, Instant)> + '_ {
        self.heap
            .iter()
            .map(|Reverse(e)| *e)
            .filter(|e| self.is_live(e))
            .map(|e| (e, self.slots[e.slot as usize].deadline))
    }

    /// The earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        self.top().map(|(_, deadline)| deadline)
    }

    /// Removes and returns the earliest timer due at `now`, if any.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Fired> {
        let (top, deadline) = self.top()?;
        // A deadline at FAR_FUTURE never comes, whatever the clock reads.
        if deadline > now || deadline == Instant::FAR_FUTURE {
            return None;
        }
        if top.at == u64::MAX {
            // Not necessarily the heap's top (see `far_top`).
            self.heap.retain(|Reverse(e)| e.seq != top.seq);
        } else {
            self.heap.pop();
        }
        let slot = &mut self.slots[top.slot as usize];
        slot.seq = 0;
        let waker = slot.waker.take().expect("a live timer slot holds a waker");
        let owner = slot.owner.take();
        self.free.push(top.slot);
        Some(Fired {
            waker,
            owner,
            deadline,
        })
    }

    /// Live timers, in the order they will fire.
    pub(crate) fn pending(&self) -> Vec<TimerInfo> {
        let mut live: Vec<_> = self.live().collect();
        live.sort_unstable_by_key(|(e, deadline)| (*deadline, e.seq));
        live.iter()
            .map(|&(e, deadline)| TimerInfo {
                deadline,
                owner: self.slots[e.slot as usize].owner,
            })
            .collect()
    }

    /// True when no entry, live or stale, is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of live timers.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len() - self.stale
    }

    /// Number of entries the heap holds, live and stale (for tests).
    #[cfg(test)]
    fn raw_len(&self) -> usize {
        self.heap.len()
    }

    /// Takes every waker out (at shutdown), to drop them outside a borrow.
    pub(crate) fn drain_wakers(&mut self) -> Vec<Waker> {
        self.heap.clear();
        self.free.clear();
        self.stale = 0;
        self.slots.drain(..).filter_map(|s| s.waker).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(ms: u64) -> Instant {
        Instant(Duration::from_millis(ms))
    }

    fn fire_all(h: &mut TimerHeap, now: Instant) -> Vec<Instant> {
        let mut out = vec![];
        while let Some(f) = h.pop_due(now) {
            out.push(f.deadline);
        }
        out
    }

    #[test]
    fn fires_in_deadline_order_and_not_early() {
        let mut h = TimerHeap::default();
        for ms in [30, 10, 20] {
            h.insert(at(ms), Waker::noop().clone(), None);
        }
        assert_eq!(fire_all(&mut h, at(15)), vec![at(10)]);
        assert_eq!(h.next_deadline(), Some(at(20)));
        assert_eq!(fire_all(&mut h, at(30)), vec![at(20), at(30)]);
        assert_eq!(h.next_deadline(), None);
    }

    /// Sets `n` timers at `deadline`, owned by tasks #1 to #n in that
    /// order, and fires them: the owners as set, and as fired.
    fn set_and_fire(deadline: Instant, n: u64) -> (TimerHeap, Vec<TaskId>, Vec<TaskId>) {
        let mut h = TimerHeap::default();
        let owners: Vec<_> = (1..=n).map(TaskId).collect();
        for o in &owners {
            h.insert(deadline, Waker::noop().clone(), Some(*o));
        }
        let mut fired = vec![];
        while let Some(f) = h.pop_due(deadline) {
            fired.push(f.owner.unwrap());
        }
        (h, owners, fired)
    }

    #[test]
    fn equal_deadlines_fire_in_insertion_order() {
        let (_, owners, fired) = set_and_fire(at(5), 5);
        assert_eq!(fired, owners);
    }

    #[test]
    fn cancelled_timer_never_fires_and_next_deadline_skips_it() {
        let mut h = TimerHeap::default();
        let early = h.insert(at(1), Waker::noop().clone(), None);
        h.insert(at(9), Waker::noop().clone(), None);
        assert!(h.cancel(early).is_some());
        assert!(h.cancel(early).is_none(), "a second cancel is a no-op");
        assert_eq!(h.next_deadline(), Some(at(9)));
        assert_eq!(fire_all(&mut h, at(100)), vec![at(9)]);
    }

    #[test]
    fn reused_slot_does_not_confuse_an_old_key() {
        let mut h = TimerHeap::default();
        let old = h.insert(at(1), Waker::noop().clone(), None);
        h.cancel(old);
        let new = h.insert(at(2), Waker::noop().clone(), None);
        assert!(!h.update_waker(old, Waker::noop()));
        assert!(h.update_waker(new, Waker::noop()));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn stale_entries_are_compacted() {
        let mut h = TimerHeap::default();
        h.insert(at(1_000_000), Waker::noop().clone(), None);
        for i in 0..10_000 {
            let k = h.insert(at(10 + i), Waker::noop().clone(), None);
            h.cancel(k);
        }
        assert!(
            h.raw_len() <= 2 * COMPACT_MIN_STALE + 2,
            "heap holds {}",
            h.raw_len()
        );
        assert_eq!(h.len(), 1);
    }

    fn years(y: u64) -> Instant {
        Instant(Duration::from_secs(y * 365 * 24 * 3600))
    }

    #[test]
    fn deadlines_past_584_years_still_fire_in_deadline_order() {
        // Their heap keys saturate: the order comes from the exact deadline.
        let mut h = TimerHeap::default();
        h.insert(years(700), Waker::noop().clone(), None);
        h.insert(years(600), Waker::noop().clone(), None);
        h.insert(years(1), Waker::noop().clone(), None);
        h.insert(Instant::FAR_FUTURE, Waker::noop().clone(), None);
        assert_eq!(h.next_deadline(), Some(years(1)));
        assert_eq!(fire_all(&mut h, years(2)), vec![years(1)]);
        assert_eq!(h.next_deadline(), Some(years(600)));
        assert_eq!(fire_all(&mut h, years(650)), vec![years(600)]);
        assert_eq!(h.next_deadline(), Some(years(700)));
        let pending: Vec<_> = h.pending().iter().map(|t| t.deadline).collect();
        assert_eq!(pending, [years(700), Instant::FAR_FUTURE]);
        assert_eq!(fire_all(&mut h, years(5000)), vec![years(700)]);
        assert_eq!(h.next_deadline(), Some(Instant::FAR_FUTURE));
    }

    #[test]
    fn equal_far_deadlines_fire_in_insertion_order() {
        let (h, owners, fired) = set_and_fire(years(900), 3);
        assert_eq!(fired, owners);
        assert!(h.is_empty());
    }

    #[test]
    fn far_future_deadline_neither_overflows_nor_fires() {
        let mut h = TimerHeap::default();
        h.insert(Instant::FAR_FUTURE, Waker::noop().clone(), None);
        assert!(h.pop_due(at(u64::MAX)).is_none());
        assert_eq!(h.next_deadline(), Some(Instant::FAR_FUTURE));
    }
}

//! A ring of the newest items: the one mechanism behind the event log and
//! the recently finished tasks a snapshot shows.
//!
//! Both keep "the last N" of something the loop makes on every event or
//! every task's end, so both want the same thing: no shifting, no
//! reallocation once full, no division. The ring is a `Vec` that grows up to
//! the capacity it is given, then overwrites its oldest item in place; the
//! index of the oldest wraps by a compare, not `%` (a division on every
//! push took 5 % of recording a finished task in `perf annotate` on A).

/// The newest items pushed, oldest first, up to the capacity each push is
/// given (see the module docs).
#[derive(Debug)]
pub(crate) struct Ring<T> {
    items: Vec<T>,
    /// Where the oldest item is, once the ring is full.
    oldest: usize,
}

impl<T> Default for Ring<T> {
    fn default() -> Ring<T> {
        Ring::with_room(0)
    }
}

impl<T> Ring<T> {
    /// An empty ring with room set aside for `room` items.
    pub(crate) fn with_room(room: usize) -> Ring<T> {
        Ring {
            items: Vec::with_capacity(room),
            oldest: 0,
        }
    }

    /// Keeps `item` among the newest `capacity`, and hands `let_go` what
    /// that let go: the oldest item, once the ring is full; `item` itself,
    /// when `capacity` is 0; nothing while the ring grows.
    #[inline(always)]
    pub(crate) fn push(&mut self, item: T, capacity: usize, let_go: impl FnOnce(T)) {
        if self.items.len() < capacity {
            self.items.push(item);
            return;
        }
        let Some(slot) = self.items.get_mut(self.oldest) else {
            return let_go(item);
        };
        let old = std::mem::replace(slot, item);
        self.oldest += 1;
        if self.oldest == self.items.len() {
            self.oldest = 0;
        }
        let_go(old);
    }

    /// How many items it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        let (newer, older) = self.items.split_at(self.oldest);
        older.iter().chain(newer)
    }

    /// Forgets all but the newest `n`.
    pub(crate) fn keep_newest(&mut self, n: usize) {
        self.items.rotate_left(self.oldest);
        self.oldest = 0;
        let excess = self.items.len().saturating_sub(n);
        self.items.drain(..excess);
    }

    /// Forgets everything (the room set aside stays).
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.oldest = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    fn kept(ring: &Ring<u32>) -> Vec<u32> {
        ring.iter().copied().collect()
    }

    #[test]
    fn it_keeps_the_newest_oldest_first_and_gives_back_what_it_lets_go() {
        let mut ring = Ring::default();
        let mut let_go = Vec::new();
        for i in 1..=5 {
            ring.push(i, 3, |old| let_go.push(old));
        }
        assert_eq!(let_go, [1, 2]);
        assert_eq!(kept(&ring), [3, 4, 5]);
        assert_eq!(ring.len(), 3);
        for capacity in 1..6 {
            let mut ring = Ring::with_room(2);
            for i in 0..20u32 {
                ring.push(i, capacity, drop);
                let from = (i + 1).saturating_sub(capacity as u32);
                assert_eq!(kept(&ring), (from..=i).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_ring_of_nothing_gives_back_each_item() {
        let mut ring = Ring::default();
        let mut let_go = None;
        ring.push(7, 0, |item| let_go = Some(item));
        assert_eq!(let_go, Some(7));
        assert_eq!(ring.len(), 0);
    }

    #[test]
    fn it_can_keep_fewer_and_be_emptied() {
        let mut ring = Ring::default();
        for i in 0..7 {
            ring.push(i, 4, drop);
        }
        ring.keep_newest(2);
        assert_eq!(kept(&ring), [5, 6]);
        ring.push(7, 2, drop);
        assert_eq!(kept(&ring), [6, 7]);
        ring.clear();
        assert!(kept(&ring).is_empty());
        ring.push(8, 2, drop);
        assert_eq!(kept(&ring), [8]);
    }
}

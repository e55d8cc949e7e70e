//! Scheduling policies: which ready task runs next.
//!
//! FIFO is what asyncio and most runtimes do. The others exist to *test*
//! async code: a different order of polls is a different interleaving, and
//! a seeded order can be replayed exactly.

use std::collections::VecDeque;
use std::fmt;

use super::Key;

/// Which ready task the loop polls next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// First woken, first polled (asyncio's order).
    #[default]
    Fifo,
    /// Last woken, first polled: the most recent wake runs first.
    Lifo,
    /// A ready task chosen at random by a seeded generator: the same seed and
    /// the same program give the same order of polls, every time.
    Random {
        /// The seed.
        seed: u64,
    },
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Fifo => f.write_str("fifo"),
            Policy::Lifo => f.write_str("lifo"),
            Policy::Random { seed } => write!(f, "random {seed}"),
        }
    }
}

/// SplitMix64: a tiny, well-mixed generator; plenty for picking tasks.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The ready queue: keys of tasks waiting for their turn, in wake order.
pub(crate) struct ReadyQueue {
    queue: VecDeque<Key>,
    policy: Policy,
    rng: Rng,
}

impl ReadyQueue {
    pub(crate) fn new(policy: Policy) -> ReadyQueue {
        let mut q = ReadyQueue {
            queue: VecDeque::new(),
            policy,
            rng: Rng::new(0),
        };
        q.set_policy(policy);
        q
    }

    pub(crate) fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
        if let Policy::Random { seed } = policy {
            self.rng = Rng::new(seed);
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        self.policy
    }

    pub(crate) fn push(&mut self, key: Key) {
        self.queue.push_back(key);
    }

    pub(crate) fn pop(&mut self) -> Option<Key> {
        match self.policy {
            Policy::Fifo => self.queue.pop_front(),
            Policy::Lifo => self.queue.pop_back(),
            Policy::Random { .. } => {
                if self.queue.is_empty() {
                    return None;
                }
                let i = self.rng.below(self.queue.len());
                self.queue.remove(i)
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Key> {
        self.queue.iter()
    }

    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: u32) -> Vec<Key> {
        (0..n)
            .map(|index| Key {
                index,
                generation: 0,
            })
            .collect()
    }

    fn drain(q: &mut ReadyQueue) -> Vec<u32> {
        std::iter::from_fn(|| q.pop()).map(|k| k.index).collect()
    }

    #[test]
    fn fifo_and_lifo_orders() {
        let mut q = ReadyQueue::new(Policy::Fifo);
        keys(3).into_iter().for_each(|k| q.push(k));
        assert_eq!(drain(&mut q), [0, 1, 2]);
        q.set_policy(Policy::Lifo);
        keys(3).into_iter().for_each(|k| q.push(k));
        assert_eq!(drain(&mut q), [2, 1, 0]);
    }

    #[test]
    fn random_is_a_permutation_and_replays_by_seed() {
        let run = |seed| {
            let mut q = ReadyQueue::new(Policy::Random { seed });
            keys(20).into_iter().for_each(|k| q.push(k));
            drain(&mut q)
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn rng_below_stays_in_range() {
        let mut r = Rng::new(1);
        for n in 1..100 {
            assert!(r.below(n) < n);
        }
    }
}

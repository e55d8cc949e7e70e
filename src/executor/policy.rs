//! Scheduling policies: which ready task runs next.
//!
//! FIFO is what asyncio and most runtimes do. The others exist to *test*
//! async code: a different order of polls is a different interleaving, and
//! a seeded order can be replayed exactly.
//!
//! # PCT: probabilistic concurrency testing
//!
//! A uniformly random choice at every poll is a poor bug finder: a bug that
//! needs task A to run *three times in a row* while B waits is found with
//! probability 1/8, one that needs a long run of A's steps almost never.
//! PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte: *A Randomized Scheduler
//! with Probabilistic Guarantees of Finding Bugs*, ASPLOS 2010) schedules by
//! *priority* instead:
//!
//! ```text
//!   1. each task gets a random priority the first time it is seen,
//!      all of them above d                                 (d = depth)
//!   2. d-1 change points k1..k(d-1) are drawn at random in 1..=k
//!                                               (k = expected number of polls)
//!   3. every poll runs the ready task of highest priority
//!   4. at the poll numbered ki, the task just chosen drops to priority i,
//!      below every other task: at its next await, someone else runs
//! ```
//!
//! The *depth* of a bug is how many ordering constraints it needs ("B runs
//! between A's check and A's act" is depth 2). PCT's guarantee: a run finds a
//! bug of depth d in a program of n tasks and k polls with probability at
//! least 1 / (n · k^(d-1)); so depth 2 and 3 bugs, which are most of them,
//! turn up within a few hundred runs of a small program. evloop's tasks are
//! cooperative, so "a step" is a poll and a priority change takes effect at
//! the task's next await: these are exactly the interleavings a
//! single-threaded loop can produce.
//!
//! k is a setting of the loop ([`Builder::pct_steps`](crate::Builder::pct_steps),
//! 64 by default); the testing harness measures it with a FIFO run first.
//!
//! # Recording and replaying
//!
//! The ready queue (`ready.rs`) can write down the position of each task it
//! chooses (a [`Schedule`](crate::Schedule)) and follow a written schedule
//! instead of its policy, which makes any run of any policy reproducible from
//! one short string.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use super::ready::Queued;
use crate::task::TaskKey;

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
    /// Probabilistic concurrency testing: seeded random priorities, with
    /// `depth - 1` priority drops among the first k polls (see the module
    /// docs). `depth` 0 is treated as 1 (random priorities, no drops).
    Pct {
        /// The seed.
        seed: u64,
        /// The bug depth to aim for; 2 or 3 finds most bugs.
        depth: u32,
    },
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Fifo => f.write_str("fifo"),
            Policy::Lifo => f.write_str("lifo"),
            Policy::Random { seed } => write!(f, "random {seed}"),
            Policy::Pct { seed, depth } => write!(f, "pct {seed} {depth}"),
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

/// The seed of the values FIFO gives the code under test.
const VALUES_SEED: u64 = 0x005E_ED0F_F1F0;

/// PCT's default k: the number of polls change points are spread over.
pub(crate) const DEFAULT_PCT_STEPS: u32 = 64;

/// The state of the PCT policy.
#[derive(Default)]
struct Pct {
    priorities: HashMap<TaskKey, u64>,
    /// Sorted poll numbers at which the chosen task's priority drops.
    change_points: Vec<u64>,
    polls: u64,
}

/// A policy at work: its seeded generator and PCT's priorities. It only
/// *chooses* a position in the ready queue; the queue does the rest.
pub(crate) struct Chooser {
    policy: Policy,
    rng: Rng,
    /// The values FIFO gives the code under test (fixed seed).
    values: Rng,
    pct: Pct,
    pct_steps: u32,
}

impl Chooser {
    pub(crate) fn new(policy: Policy) -> Chooser {
        let mut c = Chooser {
            policy,
            rng: Rng::new(0),
            values: Rng::new(VALUES_SEED),
            pct: Pct::default(),
            pct_steps: DEFAULT_PCT_STEPS,
        };
        c.set_policy(policy);
        c
    }

    /// Switches policy (a seeded one restarts from its seed).
    pub(crate) fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
        match policy {
            Policy::Random { seed } => self.rng = Rng::new(seed),
            Policy::Pct { seed, depth } => {
                self.rng = Rng::new(seed);
                let k = u64::from(self.pct_steps.max(1));
                let mut points: Vec<u64> = (1..depth.max(1))
                    .map(|_| 1 + self.rng.below(k as usize) as u64)
                    .collect();
                points.sort_unstable();
                self.pct = Pct {
                    priorities: HashMap::new(),
                    change_points: points,
                    polls: 0,
                };
            }
            Policy::Fifo | Policy::Lifo => {}
        }
    }

    pub(crate) fn policy(&self) -> Policy {
        self.policy
    }

    /// Sets PCT's k (restarting a PCT policy from its seed).
    pub(crate) fn set_pct_steps(&mut self, steps: u32) {
        self.pct_steps = steps.max(1);
        if let Policy::Pct { .. } = self.policy {
            self.set_policy(self.policy);
        }
    }

    pub(crate) fn pct_steps(&self) -> u32 {
        self.pct_steps
    }

    /// The position the policy picks in `queue` (not empty).
    #[inline]
    pub(crate) fn choose<T: Queued>(&mut self, queue: &VecDeque<T>) -> usize {
        match self.policy {
            Policy::Fifo => 0,
            Policy::Lifo => queue.len() - 1,
            _ => self.choose_seeded(queue),
        }
    }

    fn choose_seeded<T: Queued>(&mut self, queue: &VecDeque<T>) -> usize {
        match self.policy {
            Policy::Pct { .. } => self.choose_pct(queue),
            _ => self.rng.below(queue.len()),
        }
    }

    fn choose_pct<T: Queued>(&mut self, queue: &VecDeque<T>) -> usize {
        let mut best = (0, 0u64);
        for (i, task) in queue.iter().enumerate() {
            let rng = &mut self.rng;
            // New tasks get a random priority in the upper half, above every
            // priority a change point hands out.
            let p = *self
                .pct
                .priorities
                .entry(task.key())
                .or_insert_with(|| (rng.next_u64() >> 1) | (1 << 63));
            if i == 0 || p > best.1 {
                best = (i, p);
            }
        }
        self.pct.polls += 1;
        let polls = self.pct.polls;
        if let Some(n) = self.pct.change_points.iter().position(|c| *c == polls) {
            let key = queue[best.0].key();
            self.pct.priorities.insert(key, n as u64 + 1);
        }
        best.0
    }

    /// The branch a `select!` of `n > 1` branches polls first: the first
    /// under FIFO and LIFO (biased), one drawn from the seed otherwise.
    pub(crate) fn choose_branch(&mut self, n: usize) -> usize {
        match self.policy {
            Policy::Fifo | Policy::Lifo => 0,
            Policy::Random { .. } | Policy::Pct { .. } => self.rng.below(n),
        }
    }

    /// The value FIFO gives a `choose_value(n)`: the next of a generator
    /// of fixed seed, advanced by every call whatever the policy.
    pub(crate) fn default_value(&mut self, n: u32) -> u32 {
        self.values.below(n as usize) as u32
    }

    /// The value a seeded policy draws for `choose_value(n)`; `None` under
    /// FIFO and LIFO (which take the default).
    pub(crate) fn seeded_value(&mut self, n: u32) -> Option<u32> {
        match self.policy {
            Policy::Fifo | Policy::Lifo => None,
            Policy::Random { .. } | Policy::Pct { .. } => Some(self.rng.below(n as usize) as u32),
        }
    }

    /// Forgets a finished task's PCT priority.
    pub(crate) fn forget(&mut self, key: TaskKey) {
        if !self.pct.priorities.is_empty() {
            self.pct.priorities.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Policy, Rng};

    #[test]
    fn rng_below_stays_in_range() {
        let mut r = Rng::new(1);
        for n in 1..100 {
            assert!(r.below(n) < n);
        }
    }

    #[test]
    fn the_repl_spelling() {
        assert_eq!(Policy::Pct { seed: 4, depth: 2 }.to_string(), "pct 4 2");
    }
}

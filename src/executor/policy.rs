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
//! The ready queue can write down the position of each task it chooses (a
//! [`Schedule`]) and follow a written schedule instead of its policy, which
//! makes any run of any policy reproducible from one short string.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use super::Key;
use super::schedule::Schedule;

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

/// PCT's default k: the number of polls change points are spread over.
pub(crate) const DEFAULT_PCT_STEPS: u32 = 64;

/// The state of the PCT policy.
#[derive(Default)]
struct Pct {
    priorities: HashMap<Key, u64>,
    /// Sorted poll numbers at which the chosen task's priority drops.
    change_points: Vec<u64>,
    polls: u64,
}

/// A schedule being followed.
struct Script {
    choices: Vec<u32>,
    at: usize,
}

/// Where a replayed schedule stopped fitting the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The poll (counted from 0 since the replay began) that did not fit.
    pub poll: usize,
    /// The position the schedule asked for.
    pub wanted: u32,
    /// How many tasks were ready.
    pub ready: usize,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the schedule does not fit this program: poll {} asked for ready task at position {} \
             but only {} task(s) were ready (was it recorded from a different program or seed?); \
             the policy took over from there",
            self.poll, self.wanted, self.ready
        )
    }
}

/// The ready queue: keys of tasks waiting for their turn, in wake order.
pub(crate) struct ReadyQueue {
    queue: VecDeque<Key>,
    policy: Policy,
    rng: Rng,
    pct: Pct,
    pct_steps: u32,
    script: Option<Script>,
    divergence: Option<Divergence>,
    recording: Option<Schedule>,
}

impl ReadyQueue {
    pub(crate) fn new(policy: Policy) -> ReadyQueue {
        let mut q = ReadyQueue {
            queue: VecDeque::new(),
            policy,
            rng: Rng::new(0),
            pct: Pct::default(),
            pct_steps: DEFAULT_PCT_STEPS,
            script: None,
            divergence: None,
            recording: None,
        };
        q.set_policy(policy);
        q
    }

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

    pub(crate) fn push(&mut self, key: Key) {
        self.queue.push_back(key);
    }

    pub(crate) fn pop(&mut self) -> Option<Key> {
        if self.queue.is_empty() {
            return None;
        }
        let i = self.scripted().unwrap_or_else(|| self.choose());
        if let Some(schedule) = &mut self.recording {
            schedule.push(i as u32);
        }
        // The ends are the common cases (FIFO, LIFO): take them directly,
        // `remove` only for a pick from the middle.
        if i == 0 {
            self.queue.pop_front()
        } else if i + 1 == self.queue.len() {
            self.queue.pop_back()
        } else {
            self.queue.remove(i)
        }
    }

    /// The next position of a schedule being replayed, if it fits.
    fn scripted(&mut self) -> Option<usize> {
        let script = self.script.as_mut()?;
        let Some(&wanted) = script.choices.get(script.at) else {
            self.script = None;
            return None;
        };
        if wanted as usize >= self.queue.len() {
            self.divergence = Some(Divergence {
                poll: script.at,
                wanted,
                ready: self.queue.len(),
            });
            self.script = None;
            return None;
        }
        script.at += 1;
        Some(wanted as usize)
    }

    /// The position the policy picks (the queue is not empty).
    fn choose(&mut self) -> usize {
        match self.policy {
            Policy::Fifo => 0,
            Policy::Lifo => self.queue.len() - 1,
            Policy::Random { .. } => self.rng.below(self.queue.len()),
            Policy::Pct { .. } => self.choose_pct(),
        }
    }

    fn choose_pct(&mut self) -> usize {
        let mut best = (0, 0u64);
        for (i, key) in self.queue.iter().enumerate() {
            let rng = &mut self.rng;
            // New tasks get a random priority in the upper half, above every
            // priority a change point hands out.
            let p = *self
                .pct
                .priorities
                .entry(*key)
                .or_insert_with(|| (rng.next_u64() >> 1) | (1 << 63));
            if i == 0 || p > best.1 {
                best = (i, p);
            }
        }
        self.pct.polls += 1;
        let polls = self.pct.polls;
        if let Some(n) = self.pct.change_points.iter().position(|c| *c == polls) {
            let key = self.queue[best.0];
            self.pct.priorities.insert(key, n as u64 + 1);
        }
        best.0
    }

    /// Forgets a finished task's PCT priority.
    pub(crate) fn forget(&mut self, key: Key) {
        if !self.pct.priorities.is_empty() {
            self.pct.priorities.remove(&key);
        }
    }

    /// Follows `schedule` for the next pops, then the policy again.
    pub(crate) fn replay(&mut self, schedule: &Schedule) {
        self.divergence = None;
        self.script = Some(Script {
            choices: schedule.choices().to_vec(),
            at: 0,
        });
    }

    pub(crate) fn divergence(&self) -> Option<Divergence> {
        self.divergence.clone()
    }

    /// Starts (afresh) or stops writing down the choices.
    pub(crate) fn record(&mut self, on: bool) {
        self.recording = on.then(Schedule::default);
    }

    pub(crate) fn recorded(&self) -> Schedule {
        self.recording.clone().unwrap_or_default()
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

    fn pct_order(seed: u64, depth: u32, steps: u32) -> Vec<u32> {
        let mut q = ReadyQueue::new(Policy::Fifo);
        q.set_pct_steps(steps);
        q.set_policy(Policy::Pct { seed, depth });
        keys(6).into_iter().for_each(|k| q.push(k));
        // Each popped task is pushed back (it yields) until 30 polls ran.
        (0..30)
            .map(|_| {
                let k = q.pop().unwrap();
                q.push(k);
                k.index
            })
            .collect()
    }

    #[test]
    fn pct_without_change_points_runs_one_task_forever() {
        // Depth 1: fixed priorities; the highest-priority task always wins.
        let order = pct_order(3, 1, 30);
        assert!(order.iter().all(|i| *i == order[0]), "{order:?}");
        assert_eq!(order, pct_order(3, 1, 30));
    }

    #[test]
    fn pct_depth_zero_is_depth_one() {
        for seed in 0..5 {
            assert_eq!(pct_order(seed, 0, 30), pct_order(seed, 1, 30));
        }
        assert_eq!(
            Policy::Pct { seed: 4, depth: 2 }.to_string(),
            "pct 4 2",
            "the REPL's spelling"
        );
    }

    #[test]
    fn pct_change_points_hand_the_loop_to_other_tasks() {
        // Depth 3: two drops within 30 polls: exactly three runs of one task.
        for seed in 0..20 {
            let order = pct_order(seed, 3, 30);
            let switches = order.windows(2).filter(|w| w[0] != w[1]).count();
            assert!(switches <= 2, "seed {seed}: {order:?}");
            assert_eq!(order, pct_order(seed, 3, 30));
        }
        let distinct: std::collections::HashSet<_> =
            (0..20).map(|seed| pct_order(seed, 3, 30)).collect();
        assert!(distinct.len() > 5, "seeds give different schedules");
    }

    #[test]
    fn recording_and_replay_reproduce_the_choices() {
        let mut q = ReadyQueue::new(Policy::Random { seed: 9 });
        q.record(true);
        keys(8).into_iter().for_each(|k| q.push(k));
        let first = drain(&mut q);
        let schedule = q.recorded();
        assert_eq!(schedule.len(), 8);

        let mut r = ReadyQueue::new(Policy::Fifo);
        r.replay(&schedule);
        keys(8).into_iter().for_each(|k| r.push(k));
        assert_eq!(drain(&mut r), first);
        assert_eq!(r.divergence(), None);
    }

    #[test]
    fn a_schedule_that_does_not_fit_is_reported_and_the_policy_takes_over() {
        let mut q = ReadyQueue::new(Policy::Fifo);
        q.replay(&Schedule::new(vec![1, 5, 0]));
        keys(3).into_iter().for_each(|k| q.push(k));
        assert_eq!(drain(&mut q), [1, 0, 2]);
        let d = q.divergence().unwrap();
        assert_eq!((d.poll, d.wanted, d.ready), (1, 5, 2));
        assert!(d.to_string().contains("does not fit"));
    }

    #[test]
    fn rng_below_stays_in_range() {
        let mut r = Rng::new(1);
        for n in 1..100 {
            assert!(r.below(n) < n);
        }
    }
}

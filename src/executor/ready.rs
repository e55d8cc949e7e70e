//! The ready queue: the tasks whose turn is coming, and the order they get it.
//!
//! ```text
//!   wakes on the loop's thread ──push──▶ ┌───┬───┬───┬───┐ ──pop(policy)──▶ the poll
//!   (schedule hook), spawns,             │ 4 │ 1 │ 7 │ 2 │   FIFO: the front
//!   the remote queue taken in            └───┴───┴───┴───┘   LIFO: the back
//!                                          taken in ─┘ └─ not yet: the loop tells
//!                                                         listeners about them next
//! ```
//!
//! It holds the tasks themselves (a [`TaskRef`] each, one pointer) in wake
//! order, so a poll goes straight to the task it pops: no look-up of a key
//! in the task table, whose slot would be one more cache miss when many
//! tasks wait (100,000 timers firing in a random order). Which one runs next
//! is the policy's choice ([`policy`](super::policy)), made on the tasks'
//! *keys*; the queue can also write down each choice (a [`Schedule`]) and
//! follow a written one instead, which makes any run reproducible. A wake
//! pushes its task here directly (through the loop's schedule hook, no
//! lock); the loop later *takes the wake in* (`take_next`), which is when
//! listeners hear "#4 ready: woken by …", after the event that caused it.
//!
//! A task cancelled while queued stays in the queue, finished, until it is
//! popped: the reference keeps its memory, and the loop skips it then.

use std::collections::VecDeque;
use std::fmt;

use super::policy::{Chooser, Policy};
use super::schedule::Schedule;
use super::trace::Trace;
use crate::task::{TaskKey, TaskRef};

/// A queue whose buffer holds at most this many tasks keeps it, however
/// empty (8 KiB: the common case never reallocates).
const KEEP_CAPACITY: usize = 1024;

/// The widest [`ReadyQueue::choose_value`] an exhaustive search explores.
pub(crate) const EXPLORED_VALUES: u32 = 64;

/// A schedule being followed.
struct Script {
    choices: Vec<u32>,
    at: usize,
}

/// Where a replayed schedule stopped fitting the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The choice (a poll, or a `select!`'s first branch), counted from 0
    /// since the replay began, that did not fit.
    pub poll: usize,
    /// The position the schedule asked for.
    pub wanted: u32,
    /// How many tasks were ready (or branches there were).
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

/// What the ready queue holds: a task, of which the policies, a recorded
/// trace and a snapshot see only the key.
pub(crate) trait Queued {
    fn key(&self) -> TaskKey;
}

impl Queued for TaskRef {
    #[inline]
    fn key(&self) -> TaskKey {
        self.header().key()
    }
}

/// The unit tests' entries: the policies need nothing but keys.
#[cfg(test)]
impl Queued for TaskKey {
    #[inline]
    fn key(&self) -> TaskKey {
        *self
    }
}

/// The ready queue: tasks waiting for their turn, in wake order.
pub(crate) struct ReadyQueue<T = TaskRef> {
    queue: VecDeque<T>,
    /// How many entries, from the front, the loop has taken in.
    taken_in: usize,
    chooser: Chooser,
    script: Option<Script>,
    divergence: Option<Divergence>,
    recording: Option<Schedule>,
    /// Every choice with its alternatives and footprints, while exploring.
    trace: Option<Box<Trace>>,
}

// SAFETY: a `TaskRef` is not `Send` because its count is a plain `Cell`.
// The loop's queue lives in the schedule hook's `LoopBound`, which hands it
// out on the loop's thread alone, so its entries are only ever cloned,
// popped or dropped there. Another thread can at most drop the whole queue,
// with the last `Arc` of the hook, and then it is empty: every task in it
// holds an `Arc` of that same hook (its cell's), so the hook cannot go
// while a task is queued; the loop's shutdown empties the queue.
unsafe impl Send for ReadyQueue<TaskRef> {}

impl<T: Queued> ReadyQueue<T> {
    pub(crate) fn new(policy: Policy) -> ReadyQueue<T> {
        ReadyQueue {
            queue: VecDeque::new(),
            taken_in: 0,
            chooser: Chooser::new(policy),
            script: None,
            divergence: None,
            recording: None,
            trace: None,
        }
    }

    pub(crate) fn set_policy(&mut self, policy: Policy) {
        self.chooser.set_policy(policy);
    }

    pub(crate) fn policy(&self) -> Policy {
        self.chooser.policy()
    }

    pub(crate) fn set_pct_steps(&mut self, steps: u32) {
        self.chooser.set_pct_steps(steps);
    }

    pub(crate) fn pct_steps(&self) -> u32 {
        self.chooser.pct_steps()
    }

    #[inline]
    pub(crate) fn push(&mut self, task: T) {
        self.queue.push_back(task);
    }

    /// Gives back most of the memory a burst left behind: a million tasks
    /// queued at once grew the buffer to 8 MiB, which a loop whose tasks
    /// have since parked would otherwise keep for good. Once fewer than a
    /// quarter of its slots are used, it shrinks to twice its length, so a
    /// queue must double again before it next grows: each element is
    /// copied O(1) times on average. The loop calls it after a full batch
    /// of polls (a long queue, perhaps a burst draining), not per pop.
    #[inline]
    pub(crate) fn trim(&mut self) {
        let capacity = self.queue.capacity();
        if capacity > KEEP_CAPACITY && self.queue.len() < capacity / 4 {
            self.shrink();
        }
    }

    #[cold]
    #[inline(never)]
    fn shrink(&mut self) {
        let keep = (self.queue.len() * 2).max(KEEP_CAPACITY);
        self.queue.shrink_to(keep);
    }

    /// Pushes a task just spawned while someone watches. A spawn is no
    /// news (the take-in skips it: listeners heard "spawned" already), so
    /// when nothing pushed before it is news either, it counts as taken in
    /// at once. Otherwise a task that spawns 100,000 children leaves the
    /// take-in after its poll 100,000 entries to look at and skip, each a
    /// read of a header that has left the cache by then (workload A,
    /// watched).
    #[inline]
    pub(crate) fn push_spawned(&mut self, task: T) {
        let no_news = !self.has_news();
        self.queue.push_back(task);
        if no_news {
            self.taken_in += 1;
        }
    }

    /// What `look` says of the oldest task pushed since the loop last
    /// looked, which from now on counts as taken in.
    #[inline]
    pub(crate) fn take_next<R>(&mut self, look: impl FnOnce(&T) -> R) -> Option<R> {
        let seen = look(self.queue.get(self.taken_in)?);
        self.taken_in += 1;
        Some(seen)
    }

    /// True if a task was pushed since the loop last looked.
    #[inline]
    pub(crate) fn has_news(&self) -> bool {
        self.taken_in < self.queue.len()
    }

    /// Counts every key as taken in, without looking (nobody watches).
    pub(crate) fn take_all(&mut self) {
        self.taken_in = self.queue.len();
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.queue.is_empty() {
            return None;
        }
        let scripted = match self.script {
            Some(_) => self.scripted(),
            None => None,
        };
        let i = scripted.unwrap_or_else(|| self.chooser.choose(&self.queue));
        if i < self.taken_in {
            self.taken_in -= 1;
        }
        if let Some(schedule) = &mut self.recording {
            schedule.push(i as u32);
            if let Some(trace) = &mut self.trace {
                trace.pop(&self.queue, i);
            }
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
        self.scripted_among(self.queue.len())
    }

    /// The next choice of a schedule being replayed, if it is below `n`.
    fn scripted_among(&mut self, n: usize) -> Option<usize> {
        let script = self.script.as_mut()?;
        let Some(&wanted) = script.choices.get(script.at) else {
            self.script = None;
            return None;
        };
        if wanted as usize >= n {
            self.divergence = Some(Divergence {
                poll: script.at,
                wanted,
                ready: n,
            });
            self.script = None;
            return None;
        }
        script.at += 1;
        Some(wanted as usize)
    }

    /// Which of `n` branches a `select!`, `join!` or `try_join!` polls
    /// first: the first under FIFO and LIFO, one drawn by a seeded policy,
    /// or the one a replayed schedule says. The choice is written down
    /// with the polls, so a schedule replays select orders too.
    pub(crate) fn choose_branch(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let scripted = match self.script {
            Some(_) => self.scripted_among(n),
            None => None,
        };
        let i = scripted.unwrap_or_else(|| self.chooser.choose_branch(n));
        if let Some(schedule) = &mut self.recording {
            schedule.push(i as u32);
            if let Some(trace) = &mut self.trace {
                trace.branch(n, i);
            }
        }
        i
    }

    /// A number below `n` for the code under test ([`testing::choose`]),
    /// written into the schedule like a branch choice.
    ///
    /// What the schedule holds is the *offset* from the value FIFO would
    /// give, `(value - default) mod n`, where `default` comes from a
    /// generator of fixed seed that every call advances: under FIFO and
    /// LIFO the value is that default (pseudo-random, the same every run)
    /// and the schedule says 0, so shrinking and "trailing zeros are
    /// FIFO" work for values as for tasks; a seeded policy draws the
    /// value from its seed; a replay adds the written offset back. An
    /// exhaustive search tries every offset when `n` is at most
    /// [`EXPLORED_VALUES`], and keeps FIFO's value for wider draws.
    ///
    /// [`testing::choose`]: crate::testing::choose
    pub(crate) fn choose_value(&mut self, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        let default = self.chooser.default_value(n);
        let scripted = match self.script {
            Some(_) => self.scripted_among(n as usize),
            None => None,
        };
        let offset = match scripted {
            Some(offset) => offset as u32,
            None => match self.chooser.seeded_value(n) {
                Some(drawn) => {
                    ((u64::from(drawn) + u64::from(n) - u64::from(default)) % u64::from(n)) as u32
                }
                None => 0,
            },
        };
        if let Some(schedule) = &mut self.recording {
            schedule.push(offset);
            if let Some(trace) = &mut self.trace {
                match n {
                    n if n <= EXPLORED_VALUES => trace.branch(n as usize, offset as usize),
                    _ => trace.branch(1, 0),
                }
            }
        }
        ((u64::from(default) + u64::from(offset)) % u64::from(n)) as u32
    }

    /// Forgets a finished task's PCT priority.
    pub(crate) fn forget(&mut self, key: TaskKey) {
        self.chooser.forget(key);
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

    /// Starts (afresh) or stops writing down a [`Trace`] (which needs
    /// recording on: it rides on the recording's branch in `pop`).
    pub(crate) fn trace(&mut self, on: bool) {
        self.trace = None; // a finished trace stops its recording first
        if on {
            self.trace = Some(Trace::start());
            if self.recording.is_none() {
                self.record(true);
            }
        }
    }

    /// The trace so far, its last poll's footprint finished.
    pub(crate) fn take_trace(&mut self) -> Option<Box<Trace>> {
        let mut trace = self.trace.take()?;
        trace.close(&self.queue);
        Some(trace)
    }

    pub(crate) fn recorded(&self) -> Schedule {
        self.recording.clone().unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many tasks the buffer holds without growing.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// The queued tasks, front first.
    pub(crate) fn tasks(&self) -> impl Iterator<Item = &T> {
        self.queue.iter()
    }

    /// Empties the queue, handing its tasks to the caller, who drops them
    /// once the queue is no longer borrowed (dropping the last reference to
    /// a task may run its destructors, which may wake tasks).
    #[must_use]
    pub(crate) fn clear(&mut self) -> VecDeque<T> {
        self.taken_in = 0;
        if let Some(trace) = &mut self.trace {
            trace.cleared();
        }
        std::mem::take(&mut self.queue)
    }
}

#[cfg(test)]
mod tests {
    use super::{KEEP_CAPACITY, Policy, ReadyQueue, Schedule, TaskKey};

    fn keys(n: u32) -> Vec<TaskKey> {
        (0..n)
            .map(|index| TaskKey {
                index,
                generation: 0,
            })
            .collect()
    }

    fn drain(q: &mut ReadyQueue<TaskKey>) -> Vec<u32> {
        std::iter::from_fn(|| q.pop()).map(|k| k.index).collect()
    }

    #[test]
    fn fifo_and_lifo_orders() {
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        keys(3).into_iter().for_each(|k| q.push(k));
        assert_eq!(drain(&mut q), [0, 1, 2]);
        q.set_policy(Policy::Lifo);
        keys(3).into_iter().for_each(|k| q.push(k));
        assert_eq!(drain(&mut q), [2, 1, 0]);
    }

    #[test]
    fn random_is_a_permutation_and_replays_by_seed() {
        let run = |seed| {
            let mut q = ReadyQueue::<TaskKey>::new(Policy::Random { seed });
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
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Fifo);
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
    #[cfg_attr(miri, ignore = "safe code only, and a minute under Miri")]
    fn pct_depth_zero_is_depth_one() {
        for seed in 0..5 {
            assert_eq!(pct_order(seed, 0, 30), pct_order(seed, 1, 30));
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "safe code only, and a minute under Miri")]
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
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Random { seed: 9 });
        q.record(true);
        keys(8).into_iter().for_each(|k| q.push(k));
        let first = drain(&mut q);
        let schedule = q.recorded();
        assert_eq!(schedule.len(), 8);

        let mut r = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        r.replay(&schedule);
        keys(8).into_iter().for_each(|k| r.push(k));
        assert_eq!(drain(&mut r), first);
        assert_eq!(r.divergence(), None);
    }

    #[test]
    fn a_schedule_that_does_not_fit_is_reported_and_the_policy_takes_over() {
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        q.replay(&Schedule::new(vec![1, 5, 0]));
        keys(3).into_iter().for_each(|k| q.push(k));
        assert_eq!(drain(&mut q), [1, 0, 2]);
        let d = q.divergence().unwrap();
        assert_eq!((d.poll, d.wanted, d.ready), (1, 5, 2));
        assert!(d.to_string().contains("does not fit"));
    }

    #[test]
    fn branch_choices_are_recorded_and_replayed_with_the_polls() {
        let mut fifo = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        fifo.record(true);
        assert_eq!(
            (0..5).map(|_| fifo.choose_branch(3)).sum::<usize>(),
            0,
            "biased"
        );
        assert_eq!(fifo.choose_branch(1), 0);
        assert_eq!(fifo.recorded().len(), 5, "a single branch is no choice");

        let mut seeded = ReadyQueue::<TaskKey>::new(Policy::Random { seed: 4 });
        seeded.record(true);
        keys(2).into_iter().for_each(|k| seeded.push(k));
        let mut seen = vec![
            seeded.choose_branch(4),
            seeded.pop().unwrap().index as usize,
        ];
        seen.extend((0..20).map(|_| seeded.choose_branch(4)));
        assert!(seen[2..].iter().any(|b| *b != 0), "{seen:?}");
        let schedule = seeded.recorded();

        let mut replay = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        replay.replay(&schedule);
        keys(2).into_iter().for_each(|k| replay.push(k));
        let mut again = vec![
            replay.choose_branch(4),
            replay.pop().unwrap().index as usize,
        ];
        again.extend((0..20).map(|_| replay.choose_branch(4)));
        assert_eq!(again, seen);
        assert_eq!(replay.divergence(), None);
    }

    #[test]
    #[cfg_attr(miri, ignore = "safe code only, and a minute under Miri")]
    fn a_burst_s_buffer_is_given_back_once_the_queue_drains() {
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        keys(10_000).into_iter().for_each(|k| q.push(k));
        let grown = q.queue.capacity();
        q.trim();
        assert_eq!(q.queue.capacity(), grown, "a full queue keeps its buffer");
        for _ in 0..9_000 {
            q.pop();
        }
        q.trim();
        assert!(
            q.queue.capacity() < grown / 4,
            "{} of {grown} slots kept for 1,000 tasks",
            q.queue.capacity()
        );
        assert!(
            q.queue.capacity() >= 2_000,
            "room to double before it grows"
        );
        assert_eq!(drain(&mut q), (9_000..10_000).collect::<Vec<_>>());
        q.trim();
        assert!(
            q.queue.capacity() >= KEEP_CAPACITY,
            "a small buffer is kept"
        );
    }

    #[test]
    fn wakes_are_taken_in_once_in_order() {
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        let k = keys(4);
        q.push(k[0]);
        q.push(k[1]);
        let taken = |q: &mut ReadyQueue<TaskKey>| {
            std::iter::from_fn(|| q.take_next(|k| *k)).collect::<Vec<_>>()
        };
        assert!(q.has_news());
        assert_eq!(taken(&mut q), [k[0], k[1]]);
        assert!(!q.has_news());
        q.push(k[2]);
        assert!(q.has_news());
        assert_eq!(q.pop(), Some(k[0]));
        assert!(q.has_news(), "a pop in front leaves the news");
        q.push(k[3]);
        assert_eq!(
            taken(&mut q),
            [k[2], k[3]],
            "only the new ones, after a pop"
        );
        assert!(!q.has_news());
        assert_eq!(q.pop(), Some(k[1]));
        assert!(!q.has_news(), "nor does a pop make news");
        q.push(k[0]);
        q.take_all();
        assert!(!q.has_news());
        let seen = taken(&mut q);
        assert!(seen.is_empty());
    }

    #[test]
    fn a_spawn_is_taken_in_at_once_unless_news_waits_before_it() {
        let mut q = ReadyQueue::<TaskKey>::new(Policy::Fifo);
        let k = keys(4);
        q.push_spawned(k[0]);
        assert!(!q.has_news(), "a spawn alone is no news");
        q.push(k[1]);
        q.push_spawned(k[2]);
        assert!(q.has_news());
        let taken = std::iter::from_fn(|| q.take_next(|k| *k)).collect::<Vec<_>>();
        assert_eq!(
            taken,
            [k[1], k[2]],
            "the wake is news; the spawn after it is looked at"
        );
        q.push_spawned(k[3]);
        assert!(!q.has_news());
        assert_eq!(q.pop(), Some(k[0]));
        assert!(
            !q.has_news(),
            "a pop in front keeps the mark where it belongs"
        );
    }
}

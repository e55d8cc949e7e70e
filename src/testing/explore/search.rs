//! The search itself: what a finished run teaches the tree of choices
//! (`absorb`), the sleep sets, the races that source-set DPOR reverses
//! (`races`), and which schedule to run next (`next`).

use super::{Node, Search, meet};
use crate::executor::Schedule;
use crate::executor::trace::{Footprint, Step, task_id};

impl Search {
    /// Takes in a run's trace: the first `fitted` steps replayed the path,
    /// the rest are new nodes. Returns true if the run was redundant.
    pub(super) fn absorb(&mut self, fitted: usize, steps: &[Step]) -> bool {
        // A program whose run does not follow its own replay is not
        // deterministic; the determinism check reports that, the search
        // just stops extending the path where it stopped fitting.
        for (i, step) in steps.iter().enumerate().take(fitted) {
            if let (Some(node), Step::Poll { footprint, .. }) = (self.path.get_mut(i), step) {
                node.footprint = footprint.clone();
                let task = node.chosen_task().unwrap_or(u64::MAX);
                match node.explored.iter_mut().find(|(t, _)| *t == task) {
                    Some((_, f)) => f.absorb(footprint),
                    None => node.explored.push((task, footprint.clone())),
                }
            }
        }
        self.path.truncate(fitted.min(steps.len()));
        let mut redundant = false;
        for step in &steps[self.path.len()..] {
            let deviations = self
                .path
                .last()
                .map_or(0, |p| p.deviations + u32::from(p.chosen != 0));
            let node = match step {
                Step::Poll {
                    ready,
                    chosen,
                    footprint,
                } => Node {
                    n: ready.len(),
                    chosen: *chosen as usize,
                    deviations,
                    backtrack: vec![false; ready.len()],
                    done: vec![false; ready.len()],
                    explored: vec![(task_id(ready[*chosen as usize]), footprint.clone())],
                    footprint: footprint.clone(),
                    ready: Some(ready.clone()),
                },
                Step::Branch { n, chosen } => Node {
                    ready: None,
                    n: *n as usize,
                    chosen: *chosen as usize,
                    deviations,
                    backtrack: vec![false; *n as usize],
                    done: vec![false; *n as usize],
                    footprint: Footprint::default(),
                    explored: Vec::new(),
                },
            };
            let at = self.path.len();
            self.path.push(node);
            let node = &mut self.path[at];
            node.done[node.chosen] = true;
            node.backtrack[node.chosen] = true;
            if !self.config.reduction || node.ready.is_none() {
                // Without reduction every alternative is tried; a branch
                // (inside one poll) always has all of its alternatives tried.
                node.backtrack.iter_mut().for_each(|b| *b = true);
            }
            if self.config.reduction && node.ready.is_some() {
                let sleep = self.sleep_at(at);
                let node = &mut self.path[at];
                if let Some(task) = node.chosen_task()
                    && sleep.iter().any(|(t, _)| *t == task)
                {
                    // FIFO's pick sleeps: whatever follows was run already.
                    node.explored.clear();
                    if let Some(awake) = (0..node.n).find(|p| {
                        let t = node.task(*p);
                        !sleep.iter().any(|(s, _)| Some(*s) == t)
                    }) {
                        node.backtrack[awake] = true;
                    }
                    redundant = true;
                    break;
                }
            }
        }
        if self.config.reduction {
            // Races between two polls above the first new node were found
            // by the run that made them.
            self.races(fitted.saturating_sub(1));
        }
        redundant
    }

    /// The sleep set at node `at`: tasks whose poll there would only
    /// reach states already explored, with what that poll touches.
    fn sleep_at(&self, at: usize) -> Vec<(u64, Footprint)> {
        let mut sleep: Vec<(u64, Footprint)> = Vec::new();
        for node in &self.path[..at] {
            let Some(chosen) = node.chosen_task() else {
                continue; // a branch choice: part of the poll before it
            };
            // Alternatives finished before the chosen one join the set.
            for (t, f) in &node.explored {
                if *t != chosen && !sleep.iter().any(|(s, _)| s == t) {
                    sleep.push((*t, f.clone()));
                }
            }
            sleep.retain(|(t, f)| *t != chosen && !f.conflicts_with(&node.footprint));
        }
        sleep
    }

    /// Source-set DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014) over
    /// the run just absorbed. Poll `i` *happens before* a later poll `j`
    /// if they are of the same task, `i` made `j`'s task ready, or they
    /// conflict, and transitively so. Two conflicting polls of different
    /// tasks are in a *race* if nothing happens between them that orders
    /// them: reversing them is a new run. To reverse a race at node `i`,
    /// the search must run first one of the tasks that can start the polls
    /// after `i` which do not happen after it, followed by `j` (their
    /// *initials*); unless one of them is already to be tried there, one
    /// is added (`j`'s own task when it can be).
    fn races(&mut self, from: usize) {
        let polls: Vec<usize> = (0..self.path.len())
            .filter(|i| self.path[*i].ready.is_some())
            .collect();
        let n = polls.len();
        let node = |x: usize| &self.path[polls[x]];
        let key = |x: usize| node(x).ready.as_ref().map(|r| r[node(x).chosen]);
        // before[j][i]: poll i happens before poll j (i < j).
        let mut before: Vec<Vec<bool>> = Vec::with_capacity(n);
        let mut direct: Vec<Vec<bool>> = Vec::with_capacity(n);
        for j in 0..n {
            let mut hb = vec![false; n];
            let mut edge = vec![false; n];
            for i in 0..j {
                let woke = key(j).is_some_and(|k| node(i).footprint.woke.contains(&k));
                let same = node(i).chosen_task() == node(j).chosen_task();
                if woke || same || node(i).footprint.conflicts_with(&node(j).footprint) {
                    edge[i] = true;
                    hb[i] = true;
                    for (h, x) in hb.iter_mut().zip(&before[i]) {
                        *h |= *x;
                    }
                }
            }
            before.push(hb);
            direct.push(edge);
        }
        let mut wanted: Vec<(usize, Vec<usize>)> = Vec::new();
        for j in (0..n).filter(|j| polls[*j] >= from) {
            let task_j = node(j).chosen_task();
            for i in 0..j {
                let woke = key(j).is_some_and(|k| node(i).footprint.woke.contains(&k));
                if !direct[j][i] || woke || node(i).chosen_task() == task_j {
                    continue;
                }
                // A race only if no poll in between is ordered after i and
                // before j.
                if (i + 1..j).any(|k| before[k][i] && before[j][k]) {
                    continue;
                }
                // v: the polls after i that do not happen after it, then j.
                let v: Vec<usize> = (i + 1..j).filter(|k| !before[*k][i]).chain([j]).collect();
                let mut initials: Vec<Option<u64>> = Vec::new();
                for (x, &k) in v.iter().enumerate() {
                    let task = node(k).chosen_task();
                    let first_of_task = !v[..x].iter().any(|&m| node(m).chosen_task() == task);
                    let free = !v[..x].iter().any(|&m| before[k][m]);
                    if first_of_task && free && !initials.contains(&task) {
                        initials.push(task);
                    }
                }
                // j's own task first, then the others in order.
                initials.sort_by_key(|t| *t != task_j);
                let target = node(i);
                let positions: Vec<usize> = initials
                    .iter()
                    .filter_map(|t| (0..target.n).find(|p| target.task(*p) == *t))
                    .collect();
                wanted.push((polls[i], positions));
            }
        }
        // A poll that cancels a ready task (or asks whether it has ended)
        // races with that task's next poll, which a cancel takes out of
        // the run: no later poll shows the race, nor any race of that
        // task's later polls with the others'. So every task ready there
        // is tried there: the task itself (the other order), and each of
        // the others, which may have to run before the task's next poll
        // for a race of theirs to show (a task that reads a cell before
        // the cancelled task would have written it). This is the classic
        // conservative answer to a step that disables another (Flanagan
        // and Godefroid); the sleep sets still prune what is equivalent.
        for x in (0..n).filter(|x| polls[*x] >= from) {
            let target = node(x);
            let woke: Vec<u64> = target.footprint.woke.iter().map(|k| task_id(*k)).collect();
            let looks_at_a_ready_task = target.footprint.tasks.iter().any(|t| {
                Some(*t) != target.chosen_task()
                    && !woke.contains(t)
                    && (0..target.n).any(|p| target.task(p) == Some(*t))
            });
            if looks_at_a_ready_task {
                wanted.push((polls[x], Vec::new()));
            }
        }
        for (at, positions) in wanted {
            let target = &mut self.path[at];
            if positions.iter().any(|p| target.backtrack[*p]) {
                continue;
            }
            match positions.first() {
                Some(p) => target.backtrack[*p] = true,
                None => target.backtrack.iter_mut().for_each(|b| *b = true),
            }
        }
    }

    /// A task that may spin: two polls in a row of it that woke only
    /// itself and touched the same objects, with nothing in between
    /// touching those objects. Such a task sees the same world at its
    /// second poll as at its first, so a schedule that keeps choosing it
    /// may never let anyone else change that world: the classic
    /// `while !flag { yield_now().await }`. Its own local state may have
    /// changed (a loop counter), so this is only a candidate: the search
    /// confirms it by running it. Returns the schedule up to the first of
    /// the two polls; each task is checked once per search.
    pub(super) fn spin_candidate(&mut self) -> Option<Schedule> {
        let polls: Vec<usize> = (0..self.path.len())
            .filter(|i| self.path[*i].ready.is_some())
            .collect();
        for (x, &i) in polls.iter().enumerate() {
            let a = &self.path[i];
            let task = a.chosen_task()?;
            if self.spin_checked.contains(&task) || a.footprint.woke.len() != 1 {
                continue;
            }
            let key = a.ready.as_ref().map(|r| r[a.chosen])?;
            if a.footprint.woke[0] != key {
                continue;
            }
            let Some(&j) = polls[x + 1..]
                .iter()
                .find(|&&j| self.path[j].chosen_task() == Some(task))
            else {
                continue;
            };
            let b = &self.path[j];
            let quiet = polls[x + 1..]
                .iter()
                .take_while(|&&m| m < j)
                .all(|&m| !meet(&self.path[m].footprint.objects, &a.footprint.objects));
            if b.footprint.woke == a.footprint.woke
                && b.footprint.objects == a.footprint.objects
                && quiet
            {
                self.spin_checked.push(task);
                let choices = self.path[..=i].iter().map(|n| n.chosen as u32).collect();
                return Some(Schedule::new(choices));
            }
        }
        None
    }

    /// The next schedule to run: the deepest node with an alternative left,
    /// as the choices down to it, or `None` when the tree is done.
    pub(super) fn next(&mut self) -> Option<Schedule> {
        while let Some(at) = self.path.len().checked_sub(1) {
            let sleep = if self.config.reduction && self.path[at].ready.is_some() {
                self.sleep_at(at)
            } else {
                Vec::new()
            };
            let bound = self.config.bound;
            let node = &mut self.path[at];
            let mut pick = None;
            for p in 0..node.n {
                if node.done[p] || !node.backtrack[p] {
                    continue;
                }
                node.done[p] = true;
                if p != 0 && bound.is_some_and(|b| node.deviations + 1 > b) {
                    self.coverage.beyond_bound += 1;
                    continue;
                }
                let t = node.task(p);
                if t.is_some() && sleep.iter().any(|(s, _)| Some(*s) == t) {
                    self.coverage.pruned += 1;
                    continue;
                }
                pick = Some(p);
                break;
            }
            if let Some(p) = pick {
                node.chosen = p;
                if let Some(t) = node.task(p) {
                    node.explored.retain(|(x, _)| *x != t);
                }
                let choices = self.path.iter().map(|n| n.chosen as u32).collect();
                return Some(Schedule::new(choices));
            }
            let node = self.path.pop().expect("a node");
            if self.config.reduction {
                self.coverage.pruned += node.backtrack.iter().filter(|b| !**b).count();
            }
        }
        None
    }
}

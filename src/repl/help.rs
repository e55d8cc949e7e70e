//! What the REPL knows how to do, as data: one row per command and one per task-body step.
//!
//! `help` and `help NAME` are rendered from these tables, the completer offers their names, and the
//! parser quotes their usage lines in its error hints, so the three can't drift apart.

/// One REPL command.
#[derive(Debug)]
pub struct CommandHelp {
    /// The canonical name, as `Display` for `Command` writes it.
    pub name: &'static str,
    /// Other words accepted for the same command.
    pub aliases: &'static [&'static str],
    /// The syntax, one line per form.
    pub usage: &'static [&'static str],
    /// What the command does, in one line.
    pub summary: &'static str,
    /// A line that can be typed as is.
    pub example: &'static str,
}

/// One step of a task body.
#[derive(Debug)]
pub struct StepHelp {
    pub name: &'static str,
    pub usage: &'static str,
    pub summary: &'static str,
    pub example: &'static str,
}

impl CommandHelp {
    /// The hint shown after a malformed use: `usage: cancel NAME (e.g. cancel worker)`.
    pub fn usage_hint(&self) -> String {
        format!("usage: {} (e.g. {})", self.usage.join(" | "), self.example)
    }

    /// The usage line that starts with `prefix`, as a hint (for commands with several forms).
    pub fn form_hint(&self, prefix: &str) -> String {
        match self.usage.iter().find(|u| u.starts_with(prefix)) {
            Some(line) => format!("usage: {line}"),
            None => self.usage_hint(),
        }
    }
}

impl StepHelp {
    /// The hint shown after a malformed step: `usage: sleep DUR (e.g. sleep 250ms)`.
    pub fn usage_hint(&self) -> String {
        format!("usage: {} (e.g. {})", self.usage, self.example)
    }
}

macro_rules! command {
    ($name:literal, [$($alias:literal),*], [$($usage:literal),+], $summary:literal, $example:literal) => {
        CommandHelp { name: $name, aliases: &[$($alias),*], usage: &[$($usage),+], summary: $summary, example: $example }
    };
}

/// Every command, in the order `help` lists them.
pub static COMMANDS: &[CommandHelp] = &[
    command!(
        "spawn",
        [],
        [
            "spawn NAME STEP; STEP; … [finally { STEP; … }]",
            "spawn NAME --in SET STEP; STEP; …"
        ],
        "create a task that runs the steps in order (help sleep, help repeat, … for the steps); --in SET makes it a member of a task set (new task-set)",
        "spawn worker sleep 1s; print done"
    ),
    command!(
        "await",
        [],
        ["await NAME…"],
        "run the loop until the tasks finish, then show their results",
        "await worker"
    ),
    command!(
        "cancel",
        [],
        ["cancel NAME"],
        "cancel a task: its future is dropped where it is parked, and its cleanup (finally) runs",
        "cancel worker"
    ),
    command!(
        "gather",
        [],
        ["gather NAME… [--return-exceptions]"],
        "await all tasks; the first failure fails the gather unless --return-exceptions",
        "gather a b --return-exceptions"
    ),
    command!(
        "wait",
        [],
        ["wait NAME… [--first-completed|--first-exception|--all] [--timeout DUR]"],
        "wait until some or all tasks are done (asyncio.wait's return_when); default --all",
        "wait a b --first-completed --timeout 2s"
    ),
    command!(
        "as-completed",
        [],
        ["as-completed NAME…"],
        "show the tasks' results in the order they finish",
        "as-completed a b c"
    ),
    command!(
        "timeout",
        [],
        ["timeout DUR NAME"],
        "cancel the task if it hasn't finished within DUR",
        "timeout 500ms worker"
    ),
    command!(
        "group",
        [],
        ["group NAME…"],
        "run tasks as a TaskGroup: one failure cancels the others",
        "group a b"
    ),
    command!(
        "join-next",
        [],
        ["join-next SET"],
        "run the loop until the next member of a task set finishes, and show its result (tokio's JoinSet::join_next); None once the set is empty",
        "join-next pool"
    ),
    command!(
        "cancel-all",
        [],
        ["cancel-all SET"],
        "cancel every member of a task set still running; join-next still gives their results (cancelled)",
        "cancel-all pool"
    ),
    command!(
        "wake",
        [],
        ["wake NAME"],
        "wake a task by hand, e.g. one that lost its waker",
        "wake stuck"
    ),
    command!(
        "new",
        [],
        [
            "new semaphore NAME PERMITS",
            "new queue NAME [CAPACITY]",
            "new event NAME",
            "new future NAME",
            "new generator NAME STEP; … emit VALUE; … [finally { … }]",
            "new service NAME LATENCY CAPACITY [SEED]",
            "new bounded-semaphore NAME PERMITS",
            "new lifo-queue NAME [CAPACITY]",
            "new priority-queue NAME [CAPACITY]",
            "new condition NAME [VALUE]",
            "new barrier NAME PARTIES",
            "new notify NAME",
            "new watch NAME VALUE",
            "new broadcast NAME CAPACITY",
            "new rwlock NAME",
            "new cancel-token NAME",
            "new task-set NAME"
        ],
        "create a semaphore, a queue (no CAPACITY or 0: unbounded, as asyncio.Queue), an event, a bare future that a step or callback fills in (loop.create_future()), an async generator that emits values to a for step, a pretend service whose calls slow down past CAPACITY users, or one of asyncio's and tokio's other primitives (help wait-for, help barrier-wait, help notified, help changed, help recv, help read, help join-next …)",
        "new queue jobs 2"
    ),
    command!(
        "call-soon",
        [],
        ["call-soon STEP"],
        "run one step (set-result, set-exception, set, print) in a callback at the loop's next turn (loop.call_soon)",
        "call-soon print hello"
    ),
    command!(
        "call-later",
        [],
        ["call-later DUR STEP"],
        "run one step (set-result, set-exception, set, print) in a callback after DUR (loop.call_later)",
        "call-later 1s set-result fut done"
    ),
    command!(
        "step",
        ["s"],
        ["step [N]"],
        "poll the next N ready tasks (default 1) and show what happened; when none is ready, jump the virtual clock to the next timer first",
        "step 3"
    ),
    command!(
        "run",
        ["r"],
        ["run [DUR]"],
        "run the loop until no task can progress, or for DUR of clock time",
        "run 2s"
    ),
    command!(
        "advance",
        [],
        ["advance DUR"],
        "move the virtual clock forward, firing the timers that come due",
        "advance 100ms"
    ),
    command!(
        "clock",
        [],
        ["clock [real|virtual]"],
        "show the clock, or switch between real time and virtual time",
        "clock virtual"
    ),
    command!(
        "policy",
        [],
        ["policy [fifo|lifo|random SEED|pct SEED [DEPTH]]"],
        "show or choose which ready task runs next: in order, newest first, seeded random, or PCT",
        "policy random 42"
    ),
    command!(
        "debug",
        [],
        ["debug [on|off] [THRESHOLD]"],
        "show, or turn on or off, debug mode (asyncio's debug=True): warnings for polls longer than THRESHOLD (100ms), lost wakers, failures nobody retrieved",
        "debug on 50ms"
    ),
    command!(
        "budget",
        [],
        ["budget [N] [DUR]"],
        "show or set how many polls one run, await or step N may make, and how much real time they may take together, before it stops (a spinning task can't hang the REPL)",
        "budget 1000 30s"
    ),
    command!(
        "tasks",
        ["ls"],
        ["tasks"],
        "list the tasks and their states",
        "tasks"
    ),
    command!(
        "show",
        [],
        ["show NAME"],
        "show one task, task set, semaphore, queue, event or other primitive in detail",
        "show worker"
    ),
    command!(
        "queue",
        [],
        ["queue"],
        "show the ready queue, the timer heap and the primitives with their waiters",
        "queue"
    ),
    command!(
        "timeline",
        [],
        ["timeline"],
        "draw when each task ran, slept and waited",
        "timeline"
    ),
    command!(
        "trace",
        [],
        ["trace on|off"],
        "print each event as it happens, or stop",
        "trace on"
    ),
    command!(
        "warnings",
        [],
        ["warnings"],
        "list what looks wrong: tasks never awaited, blocking polls, lost wakers",
        "warnings"
    ),
    command!(
        "export-trace",
        [],
        ["export-trace FILE"],
        "write the event trace to FILE",
        "export-trace trace.json"
    ),
    command!(
        "export-html",
        [],
        ["export-html FILE"],
        "write a page that replays the loop poll by poll to FILE",
        "export-html replay.html"
    ),
    command!(
        "reset",
        [],
        ["reset"],
        "drop every task and object and start a fresh loop",
        "reset"
    ),
    command!(
        "source",
        [],
        ["source FILE"],
        "run the commands in FILE, one per line",
        "source demo.evl"
    ),
    command!(
        "save",
        [],
        ["save FILE", "save test FILE"],
        "write this session's commands to FILE, or as a Rust test",
        "save test tests/replay.rs"
    ),
    command!(
        "schedule",
        [],
        ["schedule"],
        "print the choices made so far, to pass to replay",
        "schedule"
    ),
    command!(
        "replay",
        [],
        ["replay STRING"],
        "rerun the session on a fresh loop that follows a schedule string",
        "replay 0010"
    ),
    command!(
        "back",
        [],
        ["back N"],
        "undo the last N commands by replaying the ones before them",
        "back 1"
    ),
    command!(
        "explore",
        [],
        ["explore [all|N]"],
        "run the session's commands again, on fresh loops, under every schedule (all, the default, within a bound) or N sampled ones, and show each distinct outcome with how often it came and a replay line",
        "explore all"
    ),
    command!(
        "minimize",
        ["minimise"],
        ["minimize"],
        "shrink the current run's schedule to the simplest one (fewest deviations from FIFO, then shortest) that fails the same way, and show its replay line",
        "minimize"
    ),
    command!(
        "help",
        ["?", "h"],
        ["help [COMMAND]"],
        "list the commands, or explain one",
        "help spawn"
    ),
    command!("quit", ["q", "exit"], ["quit"], "leave the REPL", "quit"),
];

macro_rules! step {
    ($name:literal, $usage:literal, $summary:literal, $example:literal) => {
        StepHelp {
            name: $name,
            usage: $usage,
            summary: $summary,
            example: $example,
        }
    };
}

/// Every step a task body can contain.
pub static STEPS: &[StepHelp] = &[
    step!(
        "sleep",
        "sleep DUR",
        "wait DUR on the timer heap, letting other tasks run",
        "sleep 250ms"
    ),
    step!(
        "yield",
        "yield",
        "go back to the end of the ready queue (asyncio.sleep(0))",
        "yield"
    ),
    step!(
        "spin",
        "spin DUR",
        "compute for DUR of CPU time inside one poll: blocks the whole loop, the classic mistake",
        "spin 50ms"
    ),
    step!(
        "thread",
        "thread DUR",
        "run DUR of blocking work on a helper thread and await it (asyncio.to_thread)",
        "thread 1s"
    ),
    step!(
        "print",
        "print TEXT",
        "print TEXT (up to ;, or quoted: print \"a; b\")",
        "print hello"
    ),
    step!(
        "return",
        "return VALUE",
        "finish with VALUE: 42, \"a string\" or a word",
        "return 42"
    ),
    step!(
        "fail",
        "fail TEXT",
        "finish with an error carrying TEXT",
        "fail disk full"
    ),
    step!(
        "panic",
        "panic TEXT",
        "panic with TEXT inside poll",
        "panic oops"
    ),
    step!(
        "await",
        "await NAME",
        "wait for another task to finish, or for a bare future's result",
        "await worker"
    ),
    step!(
        "gather",
        "gather NAME… [--return-exceptions]",
        "await the tasks together (asyncio.gather): cancelling this task cancels them too",
        "gather a b c"
    ),
    step!(
        "shield",
        "shield NAME",
        "await a task; cancelling this one does not cancel it (asyncio.shield)",
        "shield saver"
    ),
    step!(
        "acquire",
        "acquire SEM",
        "take a permit from a semaphore, waiting if none is left",
        "acquire pool"
    ),
    step!(
        "release",
        "release SEM",
        "give a permit back to a semaphore",
        "release pool"
    ),
    step!(
        "acquire-many",
        "acquire-many SEM K",
        "take K permits at once, waiting until K are free (tokio's acquire_many); release gives them all back",
        "acquire-many pool 2"
    ),
    step!(
        "put",
        "put QUEUE VALUE",
        "put VALUE on a queue, waiting while it is full",
        "put jobs 7"
    ),
    step!(
        "get",
        "get QUEUE",
        "take the next value from a queue, waiting while it is empty",
        "get jobs"
    ),
    step!(
        "task-done",
        "task-done QUEUE",
        "say one item taken from the queue is processed (queue.task_done())",
        "task-done jobs"
    ),
    step!(
        "join",
        "join QUEUE",
        "wait until every item put on the queue is processed (await queue.join())",
        "join jobs"
    ),
    step!(
        "break-on",
        "break-on VALUE",
        "leave the innermost repeat, forever or for block if the last value received (get, for, await) is VALUE: a sentinel",
        "forever { get jobs; break-on None; task-done jobs }"
    ),
    step!(
        "set-result",
        "set-result FUT VALUE",
        "fill in a bare future (new future): every task awaiting it wakes (fut.set_result)",
        "set-result fut done"
    ),
    step!(
        "set-exception",
        "set-exception FUT TEXT",
        "fail a bare future: every task awaiting it fails with TEXT (fut.set_exception)",
        "set-exception fut no such user"
    ),
    step!(
        "set",
        "set EVENT",
        "set an event, waking every task waiting for it",
        "set ready"
    ),
    step!(
        "wait-event",
        "wait-event EVENT",
        "wait until an event is set",
        "wait-event ready"
    ),
    step!(
        "wait-cond",
        "wait-cond COND",
        "under the condition's lock, wait for the next notify (async with cond: await cond.wait()); a notify sent before it is lost",
        "wait-cond ready"
    ),
    step!(
        "wait-for",
        "wait-for COND VALUE",
        "under the condition's lock, wait until its value is VALUE, checking first (cond.wait_for(predicate)): no notify is missed",
        "wait-for ready 1"
    ),
    step!(
        "cond-set",
        "cond-set COND VALUE",
        "under the condition's lock, set its value (async with cond: value = VALUE); tells nobody: notify does",
        "cond-set ready 1"
    ),
    step!(
        "notify",
        "notify COND [N]",
        "wake the first N tasks waiting on a condition (cond.notify(n)), default 1",
        "notify ready 2"
    ),
    step!(
        "notify-all",
        "notify-all COND",
        "wake every task waiting on a condition (cond.notify_all())",
        "notify-all ready"
    ),
    step!(
        "barrier-wait",
        "barrier-wait BARRIER",
        "wait until PARTIES tasks have arrived at the barrier, then all go on (await barrier.wait())",
        "barrier-wait start"
    ),
    step!(
        "notify-one",
        "notify-one NOTIFY",
        "wake one task waiting in notified, or store a permit for the next one (tokio's Notify::notify_one)",
        "notify-one wakeup"
    ),
    step!(
        "notify-waiters",
        "notify-waiters NOTIFY",
        "wake every task waiting in notified now; nothing is stored for later (notify_waiters)",
        "notify-waiters wakeup"
    ),
    step!(
        "notified",
        "notified NOTIFY",
        "wait for a notify-one (or take its stored permit at once) or a notify-waiters",
        "notified wakeup"
    ),
    step!(
        "watch-set",
        "watch-set WATCH VALUE",
        "replace a watch channel's value and wake every task waiting in changed (tx.send)",
        "watch-set config v2"
    ),
    step!(
        "changed",
        "changed WATCH",
        "wait until the watch's value changes from the last one this task saw, then print it (rx.changed())",
        "changed config"
    ),
    step!(
        "send",
        "send CHANNEL VALUE",
        "send VALUE on a broadcast channel: every subscribed task gets it (tx.send)",
        "send news hello"
    ),
    step!(
        "subscribe",
        "subscribe CHANNEL",
        "give this task a receiver of a broadcast channel, getting what is sent from now on (tx.subscribe())",
        "subscribe news"
    ),
    step!(
        "recv",
        "recv CHANNEL",
        "take the next value of a broadcast channel (subscribing first if this task has not), waiting for one; says how many were missed if it lagged",
        "recv news"
    ),
    step!(
        "read",
        "read RWLOCK { … }",
        "run the block holding a read lock: readers share it, a writer waits for them (tokio's RwLock::read)",
        "read config { print reading; sleep 1s }"
    ),
    step!(
        "write",
        "write RWLOCK { … }",
        "run the block holding the write lock, alone (RwLock::write)",
        "write config { print writing; sleep 1s }"
    ),
    step!(
        "join-next",
        "join-next SET",
        "wait for the next member of a task set to finish and take its result (JoinSet::join_next)",
        "join-next pool"
    ),
    step!(
        "cancel-all",
        "cancel-all SET",
        "cancel every member of a task set still running (JoinSet::abort_all)",
        "cancel-all pool"
    ),
    step!(
        "cancel-token",
        "cancel-token TOKEN",
        "cancel a cancel token: every task waiting in wait-cancelled wakes (CancellationToken::cancel)",
        "cancel-token stop"
    ),
    step!(
        "wait-cancelled",
        "wait-cancelled TOKEN",
        "wait until a cancel token is cancelled (token.cancelled().await)",
        "wait-cancelled stop"
    ),
    step!(
        "repeat",
        "repeat N { STEP; … }",
        "run the block N times",
        "repeat 3 { print tick; sleep 1s }"
    ),
    step!(
        "forever",
        "forever { STEP; … }",
        "run the block until the task is cancelled",
        "forever { get jobs; yield }"
    ),
    step!(
        "call",
        "call SERVICE",
        "call a pretend service (new service) and wait for its answer: slower the more calls are in flight",
        "call api"
    ),
    step!(
        "emit",
        "emit VALUE",
        "in a generator's body (new generator): hand VALUE to the consumer and wait for it to ask for the next (yield)",
        "emit chunk"
    ),
    step!(
        "for",
        "for GEN { STEP; … }",
        "run the block once per value of the generator GEN, called anew (async for); break-on leaves early, and the generator's finally runs",
        "for chunks { print got one; break-on 3 }"
    ),
    step!(
        "lose-waker",
        "lose-waker",
        "return Pending without keeping the waker: the task hangs until woken by hand",
        "lose-waker"
    ),
    step!(
        "breakpoint",
        "breakpoint",
        "stop the loop after this poll and show this task (evloop::debug::breakpoint().await); step or run goes on",
        "print before; breakpoint; print after"
    ),
];

/// The canonical command names, in `help` order.
pub fn command_names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|c| c.name)
}

/// Every word that starts a command: names and aliases.
pub fn command_words() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
}

/// The step names, in `help` order.
pub fn step_names() -> impl Iterator<Item = &'static str> {
    STEPS.iter().map(|s| s.name)
}

/// The command called `word`, by name or alias.
pub fn find_command(word: &str) -> Option<&'static CommandHelp> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// The step called `word`.
pub fn find_step(word: &str) -> Option<&'static StepHelp> {
    STEPS.iter().find(|s| s.name == word)
}

/// The command or step that `help word` explains, as its canonical name.
pub fn find_topic(word: &str) -> Option<&'static str> {
    find_command(word)
        .map(|c| c.name)
        .or_else(|| find_step(word).map(|s| s.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = HashSet::new();
        for word in command_words() {
            assert!(seen.insert(word), "{word} is listed twice");
        }
        let mut seen = HashSet::new();
        for word in step_names() {
            assert!(seen.insert(word), "{word} is listed twice");
        }
    }

    #[test]
    fn every_usage_starts_with_its_name() {
        for c in COMMANDS {
            for u in c.usage {
                assert!(u.starts_with(c.name), "{u}");
            }
            assert!(c.example.starts_with(c.name), "{}", c.example);
        }
        for s in STEPS {
            assert!(s.usage.starts_with(s.name), "{}", s.usage);
            // A step that only means something inside a block (break-on)
            // shows its block.
            let inside = format!("{{ {}", s.name);
            assert!(
                s.example.starts_with(s.name)
                    || s.example.contains(&format!("; {}", s.name))
                    || s.example.contains(&inside),
                "{}",
                s.example
            );
        }
    }

    #[test]
    fn lookup_by_name_and_alias() {
        assert_eq!(find_command("ls").map(|c| c.name), Some("tasks"));
        assert_eq!(find_command("exit").map(|c| c.name), Some("quit"));
        assert_eq!(find_command("spawn").map(|c| c.name), Some("spawn"));
        assert!(find_command("sleep").is_none());
        assert_eq!(find_step("wait-event").map(|s| s.name), Some("wait-event"));
        assert_eq!(find_topic("q"), Some("quit"));
        assert_eq!(find_topic("sleep"), Some("sleep"));
        assert_eq!(find_topic("nope"), None);
        assert_eq!(command_names().count(), COMMANDS.len());
    }

    #[test]
    fn hints_quote_the_usage_and_an_example() {
        let cancel = find_command("cancel").unwrap();
        assert_eq!(
            cancel.usage_hint(),
            "usage: cancel NAME (e.g. cancel worker)"
        );
        let new = find_command("new").unwrap();
        assert_eq!(
            new.form_hint("new queue"),
            "usage: new queue NAME [CAPACITY]"
        );
        assert_eq!(
            find_step("sleep").unwrap().usage_hint(),
            "usage: sleep DUR (e.g. sleep 250ms)"
        );
    }
}

//! The table of the REPL's commands: names, aliases, usage, summary and an
//! example (what `help` prints, what completion and the parser know).

use super::CommandHelp;

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
        "create a task that runs the steps in order (help sleep, help repeat, … for the steps), bare or in braces, which may span lines: spawn worker { sleep 1s; print done }; --in SET makes it a member of a task set (new task-set)",
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

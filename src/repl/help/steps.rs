//! The table of the steps a task body can contain (what `help STEP`
//! prints, and what the body parser knows).

use super::StepHelp;

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

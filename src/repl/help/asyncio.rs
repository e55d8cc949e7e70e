//! asyncio's names, for a learner who types the Python they know.
//!
//! The REPL follows the asyncio chapters, and a learner fresh from them
//! types `create_task`, `asyncio.gather(a, b)` or `sleep(1)`. None of those
//! is a command, but each has one, and the error says which:
//!
//! ```text
//! > create_task worker sleep 1s
//! error: unknown command "create_task" — asyncio's create_task is spawn here: spawn worker sleep 1s; print done
//! > spawn t sleep(1s)
//! error: unknown step "sleep(1s)" — a step takes its arguments after a space, without parentheses: sleep 250ms
//! ```

/// asyncio's name, what it is called here, and a line to type.
pub struct AsyncioName {
    pub asyncio: &'static str,
    pub here: &'static str,
    pub example: &'static str,
}

const fn name(asyncio: &'static str, here: &'static str, example: &'static str) -> AsyncioName {
    AsyncioName {
        asyncio,
        here,
        example,
    }
}

/// Every asyncio name with a REPL counterpart that is spelled otherwise.
pub static ASYNCIO: &[AsyncioName] = &[
    name("create_task", "spawn", "spawn worker sleep 1s; print done"),
    name(
        "ensure_future",
        "spawn",
        "spawn worker sleep 1s; print done",
    ),
    name("Task", "spawn", "spawn worker sleep 1s; print done"),
    name("run_until_complete", "await", "await worker"),
    name("wait_for", "timeout", "timeout 2s worker"),
    name("as_completed", "as-completed", "as-completed a b c"),
    name("TaskGroup", "group", "group a b c"),
    name("call_soon", "call-soon", "call-soon set ready"),
    name("call_later", "call-later", "call-later 1s set ready"),
    name("create_future", "new future", "new future fut"),
    name("Future", "new future", "new future fut"),
    name("Queue", "new queue", "new queue jobs 10"),
    name("LifoQueue", "new lifo-queue", "new lifo-queue stack 10"),
    name(
        "PriorityQueue",
        "new priority-queue",
        "new priority-queue jobs 10",
    ),
    name("Semaphore", "new semaphore", "new semaphore pool 3"),
    name(
        "BoundedSemaphore",
        "new bounded-semaphore",
        "new bounded-semaphore pool 3",
    ),
    name("Lock", "a semaphore of one permit", "new semaphore lock 1"),
    name("Event", "new event", "new event ready"),
    name("Condition", "new condition", "new condition cond"),
    name("Barrier", "new barrier", "new barrier start 3"),
    name("all_tasks", "tasks", "tasks"),
    name("current_task", "show", "show worker"),
    name("get_event_loop", "this REPL: it is the loop", "run"),
    name("new_event_loop", "reset", "reset"),
];

/// The bare name in what was typed: `asyncio.gather(a,` → `gather`,
/// `loop.call_soon` → `call_soon`, `await` → `await`.
pub fn bare(word: &str) -> &str {
    let word = word.split('(').next().unwrap_or(word);
    let word = word
        .strip_prefix("asyncio.")
        .or_else(|| word.strip_prefix("loop."))
        .unwrap_or(word);
    word.trim_end_matches([',', ')', ':'])
}

/// What asyncio's `word` (bare, or as typed) is called here.
pub fn find(word: &str) -> Option<&'static AsyncioName> {
    let word = bare(word);
    ASYNCIO.iter().find(|n| n.asyncio == word)
}

/// The hint for asyncio's name `word`: what it is here, and a line to type.
pub fn hint(word: &str) -> Option<String> {
    find(word).map(|n| format!("asyncio's {} is {} here: {}", n.asyncio, n.here, n.example))
}

//! The REPL fuzzed with a bound on every line: random and adversarial
//! lines (the shapes of issue 17's items 0 and 21–29 among them), from a
//! fixed seed, through whole sessions; each line must finish within
//! [`TIME_PER_LINE`] and allocate at most [`MEMORY_PER_LINE`] at its peak,
//! and no line may panic or lose the session. Completion is fuzzed on every
//! line too, at every character boundary.
//!
//! A line that runs over its time is interrupted by a watchdog (as Ctrl-C
//! would), so an unbounded line fails the test instead of hanging it; one
//! that does not stop even then (a loop inside one poll) aborts the test
//! binary, naming the line. `EVLOOP_FUZZ_STATS=1` prints each line with its
//! time and peak memory.
//! Memory is counted per thread by a counting allocator (this test binary's
//! global allocator): what the session's own thread holds at its peak.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::fuzz_tests::NEW_TOOLKIT;
use super::session::{Limits, Options, Reply, Session};

/// The longest one line may take (a debug build, on a busy machine).
const TIME_PER_LINE: Duration = Duration::from_secs(20);
/// The most one line may allocate on the session's thread beyond what it
/// held before (the 4 GB of item 25 would fail it).
const MEMORY_PER_LINE: isize = 256 << 20;
/// Sessions, and lines in each.
const SESSIONS: usize = 30;
const LINES: usize = 60;

/// Counts the bytes each thread holds, and its peak.
struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = HELD.try_with(|h| {
        let now = h.get() + delta;
        h.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the counting
// only touches thread-locals that never allocate (const-initialized cells).
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// SplitMix64: a fixed seed gives the same lines on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// Words of every kind, the REPL's and not. Nothing that writes a file, or
/// waits for long real time.
const WORDS: &[&str] = &[
    "spawn",
    "await",
    "cancel",
    "gather",
    "wait",
    "as-completed",
    "timeout",
    "group",
    "wake",
    "new",
    "semaphore",
    "queue",
    "event",
    "future",
    "generator",
    "service",
    "step",
    "run",
    "advance",
    "clock",
    "virtual",
    "policy",
    "fifo",
    "lifo",
    "random",
    "pct",
    "budget",
    "debug",
    "tasks",
    "show",
    "timeline",
    "trace",
    "on",
    "off",
    "warnings",
    "reset",
    "schedule",
    "replay",
    "back",
    "help",
    "call-soon",
    "call-later",
    "sleep",
    "yield",
    "print",
    "return",
    "fail",
    "panic",
    "shield",
    "acquire",
    "release",
    "put",
    "get",
    "set",
    "wait-event",
    "repeat",
    "forever",
    "lose-waker",
    "breakpoint",
    "finally",
    "task-done",
    "join",
    "break-on",
    "set-result",
    "set-exception",
    "emit",
    "for",
    "call",
    "spin",
    "thread",
    "a",
    "b",
    "c",
    "f",
    "g",
    "q",
    "s",
    "e",
    "api",
    "fut",
    "日本語",
    "tâche",
    "x-[1..3]",
    "x-*",
    "*",
    "#1",
    "#3",
    "group/a",
    "a/finally",
    "0",
    "1",
    "3",
    "42",
    "None",
    "0s",
    "1ms",
    "10ms",
    "2s",
    "1.5s",
    "{",
    "}",
    ";",
    "--all",
    "--first-completed",
    "--return-exceptions",
    "--timeout",
    "\"x y\"",
    "\"",
    "#",
    ">",
    "> ",
    "spwan",
    "-1",
    "99999999999999999999",
    "18446744073709551615",
    "\u{a0}",
];

/// Lines that mostly make sense: objects, bodies, driving.
fn plausible(rng: &mut Rng) -> String {
    let name = rng.pick(&["a", "b", "c", "x-1", "x-2"]).to_string();
    let steps = [
        "yield",
        "sleep 1ms",
        "sleep 1s",
        "spin 1ms",
        "print hi",
        "return 1",
        "fail no",
        "panic boom",
        "lose-waker",
        "breakpoint",
        "await a",
        "shield b",
        "gather a b",
        "acquire s",
        "release s",
        "put q 1",
        "get q",
        "task-done q",
        "join q",
        "set e",
        "wait-event e",
        "set-result fut 1",
        "await fut",
        "call api",
        "thread 1ms",
        "repeat 2 { yield; print r }",
        "forever { get q; break-on None }",
        "for g { print got; break-on 1 }",
        "forever { sleep 1s }",
        "wait-for c 1",
        "cond-set c 1; notify-all c",
        "wait-cond c",
        "barrier-wait b",
        "acquire-many s 2; release s",
        "release bs",
        "put pq 3; get l",
        "notified n",
        "notify-one n",
        "watch-set w 2; changed w",
        "subscribe bc; send bc 1; recv bc",
        "read rw { yield }; write rw { sleep 1ms }",
        "join-next ts",
        "cancel-token tok; wait-cancelled tok",
    ];
    let n = 1 + rng.below(3);
    let body: Vec<&str> = (0..n).map(|_| rng.pick(&steps)).collect();
    let body = body.join("; ");
    match rng.below(14) {
        0..=3 => {
            let fin = if rng.below(3) == 0 {
                " finally { print bye }"
            } else {
                ""
            };
            format!("spawn {name} {body}{fin}")
        }
        4 => {
            let made = [
                "new semaphore s 2",
                "new queue q 2",
                "new queue q",
                "new event e",
                "new future fut",
                "new service api 10ms 2 3",
                "new generator g emit 1; sleep 1ms; emit 2 finally { print closed }",
            ];
            let kinds: Vec<&str> = made.into_iter().chain(NEW_TOOLKIT).collect();
            rng.pick(&kinds).to_string()
        }
        5 => format!("{} {name}", rng.pick(&["await", "cancel", "wake", "show"])),
        6 => format!(
            "{} a b {}",
            rng.pick(&["gather", "wait", "as-completed", "group"]),
            rng.pick(&[
                "",
                "--return-exceptions",
                "--first-completed",
                "--timeout 1s"
            ])
        ),
        7 => rng
            .pick(&[
                "call-later 1s set-result fut 2",
                "call-soon print hello",
                "call-soon set e",
                "timeout 500ms a",
                "spawn x-[1..5] sleep 1ms; return 1",
                "gather x-*",
                "cancel x-*",
                "spawn m-[1..3] --in ts sleep 1ms; return 1",
                "join-next ts",
                "cancel-all ts",
            ])
            .to_string(),
        _ => rng
            .pick(&[
                "step",
                "step 5",
                "run",
                "run 1s",
                "advance 2s",
                "tasks",
                "queue",
                "timeline",
                "warnings",
                "trace on",
                "trace off",
                "back 1",
                "back 3",
                "reset",
                "policy lifo",
                "policy random 3",
                "policy",
                "debug off",
                "debug on 10ms",
                "schedule",
                "replay 0",
                "explore 3",
                "explore all",
                "minimize",
                "budget 50",
                "help",
                "help for",
            ])
            .to_string(),
    }
}

/// A line of random words.
fn words(rng: &mut Rng) -> String {
    let n = rng.below(12);
    (0..n)
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line of random characters, multi-byte ones and separators among them.
fn characters(rng: &mut Rng) -> String {
    const CHARS: &[char] = &[
        'a', 'z', '1', ' ', ';', '{', '}', '"', '\\', '#', '-', '.', '*', '[', ']', '/', 'é', '日',
        '\u{a0}', '\u{3000}', '\u{2028}', '\u{200b}', '🙂', '\t', '>',
    ];
    let n = rng.below(40);
    (0..n).map(|_| CHARS[rng.below(CHARS.len())]).collect()
}

/// The shapes that ran without bound or panicked before issue 17 (items 0
/// and 21–29), each a few lines.
fn adversarial() -> Vec<Vec<String>> {
    let big = "x".repeat(4_000);
    let lines = |ls: &[&str]| ls.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    vec![
        // 0: completion after a multi-byte separator.
        lines(&["spawn\u{a0}x", "await\u{3000}日本", "\u{a0}\u{a0}"]),
        // 21: step N over a task that never ends.
        lines(&["spawn s forever { yield }", "step 18446744073709551615"]),
        // 22: an empty block repeated 2^64 times.
        lines(&["spawn r repeat 18446744073709551615 { }", "run"]),
        // 23 and 29: on the real clock, a wait nothing can end.
        lines(&[
            "clock real",
            "new event never",
            "spawn w wait-event never",
            "run",
            "new semaphore held 1",
            "spawn h acquire held; wait-event never",
            "spawn h2 acquire held",
            "run",
            "clock virtual",
        ]),
        // 24: source of an endless file.
        lines(&["source /dev/zero", "source /nonexistent"]),
        // 25: a poll that prints gigabytes.
        vec![
            format!("spawn p repeat 40000 {{ print {big} }}"),
            "step".into(),
            "run".into(),
        ],
        // 26: polls of long spins.
        lines(&["spawn hog forever { spin 5s; yield }", "run", "step 3"]),
        // 27: many prints over a session.
        lines(&[
            "spawn talker forever { print tick; yield }",
            "run",
            "run",
            "run",
        ]),
        // 28: counts at the edges.
        lines(&[
            "new semaphore many 18446744073709551615",
            "spawn m acquire many; release many",
            "run",
            "new queue big 18446744073709551615",
            "new broadcast wide 9223372036854775807",
            "spawn ear subscribe wide; sleep 1000s",
            "spawn loud forever { send wide x; yield }",
            "new priority-queue deep 9223372036854775807",
            "spawn deeper forever { put deep 1; yield }",
            "spawn wants acquire-many many 18446744073709551615",
            "budget 18446744073709551615",
            "step 1",
            "back 18446744073709551615",
        ]),
    ]
}

/// A session for the fuzz: small budgets, small memories.
fn session(interrupter: &Arc<Mutex<Option<evloop::Interrupter>>>) -> Session {
    super::program::quiet_panic_steps();
    let mut s = Session::new(Options {
        budget: 2_000,
        time_budget: Duration::from_millis(300),
        deterministic: true,
        limits: Limits {
            events: 5_000,
            prints: 2_000,
            warnings: 100,
            log_bytes: 64 << 10,
            lines_per_command: 2_000,
            bytes_per_command: 256 << 10,
        },
    });
    let keep = interrupter.clone();
    s.on_new_loop(move |i| *keep.lock().unwrap() = Some(i));
    s
}

/// Interrupts the line in progress once it runs past its time.
struct Watchdog {
    state: Arc<(Mutex<Option<Instant>>, Condvar)>,
    fired: Arc<Mutex<bool>>,
    line: Arc<Mutex<String>>,
}

impl Watchdog {
    fn start(interrupter: Arc<Mutex<Option<evloop::Interrupter>>>) -> Watchdog {
        let state: Arc<(Mutex<Option<Instant>>, Condvar)> = Arc::default();
        let fired = Arc::new(Mutex::new(false));
        let line: Arc<Mutex<String>> = Arc::default();
        let (s, f, l) = (state.clone(), fired.clone(), line.clone());
        std::thread::spawn(move || {
            let (deadline, wake) = &*s;
            let mut at = deadline.lock().unwrap();
            loop {
                match *at {
                    // The test is over.
                    Some(d) if d == far() => return,
                    Some(d) if Instant::now() >= d => {
                        let mut fired = f.lock().unwrap();
                        if *fired {
                            // Interrupted a bound ago, and still running.
                            eprintln!(
                                "the line {:?} ran past its bound and did not stop when interrupted",
                                l.lock().unwrap()
                            );
                            std::process::abort();
                        }
                        *fired = true;
                        if let Some(i) = &*interrupter.lock().unwrap() {
                            i.interrupt();
                        }
                        *at = Some(Instant::now() + TIME_PER_LINE);
                    }
                    Some(d) => at = wake.wait_timeout(at, d - Instant::now()).unwrap().0,
                    None => at = wake.wait(at).unwrap(),
                }
            }
        });
        Watchdog { state, fired, line }
    }

    fn arm(&self, d: Duration) {
        *self.state.0.lock().unwrap() = Some(Instant::now() + d);
        self.state.1.notify_all();
    }

    fn disarm(&self) -> bool {
        *self.state.0.lock().unwrap() = None;
        self.state.1.notify_all();
        std::mem::take(&mut *self.fired.lock().unwrap())
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self.state.0.lock().unwrap() = Some(far());
        self.state.1.notify_all();
    }
}

fn far() -> Instant {
    static FAR: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *FAR.get_or_init(|| Instant::now() + Duration::from_secs(365 * 24 * 3600))
}

/// Runs one line under the bounds, with completion fuzzed on it.
fn bounded(s: &mut Session, watchdog: &Watchdog, line: &str) {
    for (i, _) in line.char_indices().chain([(line.len(), ' ')]) {
        let (start, _) = super::complete::complete(line, i, &s.task_names());
        assert!(
            line.is_char_boundary(start),
            "completion of {line:?} at {i}"
        );
        let _ = super::complete::hint(line, i);
    }
    let before = s.task_names();
    let parses = super::parse_line(line).is_ok();
    let held = HELD.with(Cell::get);
    PEAK.with(|p| p.set(held));
    line.clone_into(&mut watchdog.line.lock().unwrap());
    watchdog.arm(TIME_PER_LINE);
    let started = Instant::now();
    let reply = s.run_line(line);
    let took = started.elapsed();
    let overran = watchdog.disarm();
    let peak = PEAK.with(Cell::get) - held;
    assert!(
        !overran && took < TIME_PER_LINE,
        "{line:?} ran {took:?}, over its bound of {TIME_PER_LINE:?}"
    );
    assert!(
        peak < MEMORY_PER_LINE,
        "{line:?} held {peak} bytes at its peak, over its bound of {MEMORY_PER_LINE}"
    );
    if std::env::var_os("EVLOOP_FUZZ_STATS").is_some() {
        eprintln!(
            "{:>8.3?} {:>10} {} {:.60}",
            took,
            peak,
            matches!(reply, Reply::Done(_)),
            line
        );
    }
    if let Reply::Failed(lines) = reply {
        assert!(!lines.is_empty(), "a failure says why: {line:?}");
        if !parses {
            assert_eq!(
                s.task_names(),
                before,
                "a bad line changed the session: {line:?}"
            );
        }
    }
}

/// Issue 17: the REPL fuzzed, each line bounded in time and memory.
#[test]
fn every_line_is_bounded_in_time_and_memory() {
    let interrupter: Arc<Mutex<Option<evloop::Interrupter>>> = Arc::default();
    let watchdog = Watchdog::start(interrupter.clone());
    for shape in adversarial() {
        let mut s = session(&interrupter);
        for line in &shape {
            bounded(&mut s, &watchdog, line);
        }
        bounded(&mut s, &watchdog, "run");
        bounded(&mut s, &watchdog, "timeline");
    }
    let mut rng = Rng(0x17);
    for _ in 0..SESSIONS {
        let mut s = session(&interrupter);
        for _ in 0..LINES {
            let line = match rng.below(10) {
                0..=5 => plausible(&mut rng),
                6..=8 => words(&mut rng),
                _ => characters(&mut rng),
            };
            bounded(&mut s, &watchdog, &line);
        }
        for line in ["run", "tasks", "timeline", "warnings", "back 2"] {
            bounded(&mut s, &watchdog, line);
        }
    }
}

/// The bounds are real: a line over them fails the test.
#[test]
fn the_bounds_can_fail() {
    let interrupter: Arc<Mutex<Option<evloop::Interrupter>>> = Arc::default();
    let watchdog = Watchdog::start(interrupter.clone());
    let mut s = session(&interrupter);
    // Memory: a line that holds more than the bound, caught.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let held = HELD.with(Cell::get);
        PEAK.with(|p| p.set(held));
        let v = vec![0u8; (MEMORY_PER_LINE + 1) as usize];
        drop(std::hint::black_box(v));
        assert!(PEAK.with(Cell::get) - held < MEMORY_PER_LINE);
    }));
    assert!(caught.is_err(), "the memory bound sees a big allocation");
    // Time: the watchdog interrupts a run that would take too long.
    s.run_line("budget 1000000 1h");
    s.run_line("spawn hog forever { spin 10ms; yield }");
    watchdog.arm(Duration::from_millis(200));
    let started = Instant::now();
    let _ = s.run_line("run");
    assert!(watchdog.disarm(), "the watchdog fired");
    assert!(started.elapsed() < Duration::from_secs(10));
}

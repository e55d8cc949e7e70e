//! The replay page (`evloop::inspect::replay_page`): what the file holds,
//! and what a browser shows from it.
//!
//! The plain tests read the file: self-contained, its data reads back as the
//! event log, 10,000 events make a page of sane size. The browser tests open
//! it in headless Chromium at a few steps (`page.html#step=N`) and compare
//! each panel with the loop's own [`Snapshot`] after the same number of
//! [`Runtime::step`]s. Without a Chromium they print why and pass (`.ci/run`
//! installs one from the distribution's packages where it can).

mod util;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use evloop::combinators::gather;
use evloop::inspect::{Labels, LoopEventKind, Names, Snapshot, replay_page_of};
use evloop::sync::Semaphore;
use evloop::{Runtime, sleep, spawn_named, yield_now};

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("evloop-replay-page-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The health check (three checks of 2 s, 3 s and 1 s gathered by `main`),
/// plus two workers sharing a one-permit semaphore and a task that yields:
/// stepped one poll at a time, with the loop's snapshot and the length of
/// its event log after each step (step 0: before the first poll).
fn stepped_run() -> (Runtime, Vec<(Snapshot, usize)>) {
    let rt = Runtime::builder().virtual_clock().build();
    rt.events().record(100_000);
    // Moving the clock to the next timer stops there, before the timers'
    // tasks run, so each of their polls is a step of its own.
    let interrupter = rt.interrupter();
    let _listening = rt.events().subscribe(move |e| {
        if let LoopEventKind::ClockAdvanced { .. } = e.kind {
            interrupter.interrupt();
        }
    });
    rt.spawn_named("main", async {
        let checks = [("db", 2), ("cache", 3), ("queue", 1)]
            .map(|(name, secs)| spawn_named(name, sleep(Duration::from_secs(secs))));
        gather(checks).await.unwrap();
    })
    .detach();
    let pool = Semaphore::named("pool", 1);
    for name in ["w1", "w2"] {
        let pool = pool.clone();
        rt.spawn_named(name, async move {
            let _permit = pool.acquire().await;
            sleep(Duration::from_millis(500)).await;
        })
        .detach();
    }
    rt.spawn_named("yielder", async {
        yield_now().await;
        yield_now().await;
    })
    .detach();
    let mut steps = vec![(rt.snapshot(), rt.events().recorded().len())];
    loop {
        while rt.step().is_some() {
            steps.push((rt.snapshot(), rt.events().recorded().len()));
        }
        let Some(next) = rt.next_deadline() else {
            break;
        };
        let _ = rt.run_for(next - rt.now());
        rt.take_interrupt();
    }
    assert_eq!(rt.live_tasks(), 0, "the run finished");
    (rt, steps)
}

/// The data the page embeds, parsed.
fn embedded_data(html: &str) -> serde_json::Value {
    let open = r#"<script type="application/json" id="evloop-data">"#;
    let start = html.find(open).expect("the page embeds its data") + open.len();
    let end = start + html[start..].find("</script>").expect("the data ends");
    serde_json::from_str(&html[start..end]).expect("the embedded data is JSON")
}

#[test]
fn the_page_is_one_self_contained_file() {
    let (rt, _) = stepped_run();
    let html = replay_page_of(&rt.events().recorded(), rt.now(), rt.clock());
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_lowercase();
    for outside in [
        "http:", "https:", "src=", "<link", "@import", "url(", "//cdn",
    ] {
        assert!(
            !lower.contains(outside),
            "the page refers outside: {outside}"
        );
    }
    // Two scripts (the data and the replayer), each closed once.
    assert_eq!(lower.matches("<script").count(), 2);
    assert_eq!(lower.matches("</script>").count(), 2);
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn the_embedded_data_reads_back_as_the_event_log() {
    let rt = Runtime::builder().virtual_clock().build();
    rt.events().record(1000);
    let nasty = "</script><b>x</b> & \"q\" <!-- \u{2028}日本語";
    rt.spawn_named(nasty, sleep(Duration::from_millis(3)))
        .detach();
    rt.spawn_named("plain", async {}).detach();
    rt.run_until_done().unwrap();
    let events = rt.events().recorded();
    let html = replay_page_of(&events, rt.now(), rt.clock());
    // The name cannot end the data's script early, nor open a comment.
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(!html.contains("<b>x</b>") && !html.contains("<!-- \u{2028}"));
    assert!(html.contains(
        r#""\u003c/script\u003e\u003cb\u003ex\u003c/b\u003e \u0026 \"q\" \u003c!-- \u2028日本語""#
    ));
    let data = embedded_data(&html);
    assert_eq!(data["clock"], "virtual");
    assert_eq!(data["now"], 3000);
    assert_eq!(data["names"][0][1], nasty, "the name reads back exactly");
    assert_eq!(data["names"][1][1], "plain");
    let kept = data["events"].as_array().unwrap();
    assert_eq!(kept.len(), events.len());
    // Each event's time, kind and task, in order.
    for (e, kept) in events.iter().zip(kept) {
        assert_eq!(kept[0], e.at.since_start().as_micros() as u64, "{e}");
        let kind = match e.kind {
            LoopEventKind::Spawned { .. } => "spawn",
            LoopEventKind::Woken { .. } => "ready",
            LoopEventKind::Polled { .. } => "poll",
            LoopEventKind::TimerFired { .. } => "timer",
            LoopEventKind::ClockAdvanced { .. } => "clock",
            LoopEventKind::Completed { .. } => "done",
            _ => "other",
        };
        assert_eq!(kept[1], kind, "{e}");
        if let Some(task) = e.kind.task() {
            assert_eq!(kept[2], task.as_u64(), "{e}");
        }
    }
    // The poll that left the sleeper waiting says on what.
    assert_eq!(kept[2][1], "poll");
    assert_eq!(kept[2][3], "Pending");
    assert_eq!(kept[2][5][1], "timer @0.003000s");
    assert_eq!(kept[2][5][3], 3000);
    // Steps end where `Runtime::step` ends: three polls, so four steps.
    assert_eq!(data["steps"].as_array().unwrap().len(), 4);
    assert_eq!(data["steps"][3], events.len());
}

#[test]
fn the_steps_end_where_the_loop_steps_end() {
    let (rt, steps) = stepped_run();
    let html = replay_page_of(&rt.events().recorded(), rt.now(), rt.clock());
    let ends: Vec<usize> = embedded_data(&html)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_u64().unwrap() as usize)
        .collect();
    let want: Vec<usize> = steps.iter().map(|(_, n)| *n).collect();
    assert_eq!(ends, want);
}

/// A run of at least `n` events: tasks that sleep and yield in turn.
fn long_run(n: usize) -> Runtime {
    let rt = Runtime::builder().virtual_clock().build();
    rt.events().record(n * 2);
    let left = Rc::new(Cell::new(n));
    for i in 0..40u64 {
        let left = left.clone();
        rt.spawn_named(format!("worker-{i}"), async move {
            while left.get() > 0 {
                left.set(left.get().saturating_sub(4));
                sleep(Duration::from_millis(1 + i % 7)).await;
                yield_now().await;
            }
        })
        .detach();
    }
    rt.run_until_done().unwrap();
    assert!(rt.events().recorded().len() >= n);
    rt
}

#[test]
fn ten_thousand_events_make_a_page_of_sane_size() {
    let rt = long_run(10_000);
    let events = rt.events().recorded();
    let html = replay_page_of(&events, rt.now(), rt.clock());
    let per_event = html.len() / events.len();
    assert!(
        (10..120).contains(&per_event),
        "{} bytes for {} events",
        html.len(),
        events.len()
    );
    assert_eq!(
        embedded_data(&html)["events"].as_array().unwrap().len(),
        events.len()
    );
}

// ---- in a browser -----------------------------------------------------------

/// A headless Chromium that can dump a page's DOM here, or `None` after
/// printing why the browser tests skip.
fn chromium(test: &str) -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let found = std::env::var_os("EVLOOP_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| names.map(|n| dir.join(n)))
                .find(|p| p.is_file())
        });
    let Some(browser) = found else {
        eprintln!(
            "{test}: skipped: no headless Chromium (looked for {} on PATH, and $EVLOOP_CHROMIUM); \
             .ci/run installs one with apt-get where it can",
            names.join(", ")
        );
        return None;
    };
    // A browser that cannot start here (no shared memory, a sandbox) is a
    // missing browser, not a broken page.
    let scratch = Scratch::new(&format!("{test}-probe"));
    let probe = scratch.0.join("probe.html");
    std::fs::write(
        &probe,
        "<p id=probe></p><script>probe.textContent='ran'</script>",
    )
    .unwrap();
    match dump_dom(&browser, &probe, "") {
        Ok(dom) if dom.contains("ran</p>") => Some(browser),
        Ok(dom) => {
            eprintln!(
                "{test}: skipped: {} ran no script: {dom}",
                browser.display()
            );
            None
        }
        Err(e) => {
            eprintln!(
                "{test}: skipped: {} cannot run headless here: {e}",
                browser.display()
            );
            None
        }
    }
}

/// The DOM of `page` (opened at `fragment`) after its scripts ran.
fn dump_dom(browser: &Path, page: &Path, fragment: &str) -> Result<String, String> {
    let profile = page.with_extension("profile");
    let url = format!("file://{}{fragment}", page.display());
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", &url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    // Read both pipes while the browser runs (the dumped page is larger
    // than a pipe holds), and never hang the suite on a browser that does
    // not return: after two minutes it is stopped (a generous bound, not a
    // timing assertion).
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let mut status = None;
    for _ in 0..1200 {
        status = child.try_wait().map_err(|e| e.to_string())?;
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = match status {
        Some(status) => status,
        None => {
            let _ = child.kill();
            child.wait().map_err(|e| e.to_string())?
        }
    };
    let (dom, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    if !status.success() || dom.is_empty() {
        return Err(format!("{status}; stderr: {}", stderr.trim()));
    }
    Ok(dom)
}

/// The text of the element with this id in a dumped DOM (tags removed,
/// entities read).
fn panel(dom: &str, id: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let open_end = at + dom[at..].find('>').unwrap() + 1;
    let tag = dom[..at].rfind('<').unwrap();
    let name: String = dom[tag + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let close = open_end + dom[open_end..].find(&format!("</{name}>")).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in dom[open_end..close].chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// A line with its runs of spaces made one.
fn words(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the page should show at one step, from the loop's snapshot there.
fn check_step(
    dom: &str,
    step: usize,
    last: usize,
    (snapshot, events): &(Snapshot, usize),
    total: usize,
) {
    let names = Names::from(snapshot);
    let info = panel(dom, "step-info");
    assert!(
        info.starts_with(&format!("step {step} of {last} ")),
        "{info}"
    );
    assert!(
        info.contains(&format!("clock {} (virtual)", snapshot.now)),
        "step {step}: {info}"
    );
    assert!(
        info.contains(&format!("through event {events} of {total}")),
        "step {step}: {info}"
    );

    let ready: Vec<String> = panel(dom, "ready")
        .lines()
        .filter(|l| !l.starts_with('('))
        .filter_map(|l| l.split_whitespace().nth(1).map(String::from))
        .collect();
    let want: Vec<String> = snapshot.ready.iter().map(|id| names.task(*id)).collect();
    assert_eq!(ready, want, "step {step}: the ready queue");

    let timers: Vec<String> = panel(dom, "timers")
        .lines()
        .filter(|l| l.starts_with('@'))
        .map(|l| words(l).split(" (").next().unwrap().to_string())
        .collect();
    let want: Vec<String> = snapshot
        .timers
        .iter()
        .map(|t| format!("@{} {}", t.deadline, names.task(t.owner.unwrap())))
        .collect();
    assert_eq!(timers, want, "step {step}: the timer heap");

    let tasks = panel(dom, "tasks");
    for t in &snapshot.tasks {
        let wait = match (&t.waiting_on, t.state) {
            (Some(w), evloop::TaskState::Waiting) => names.wait(w),
            _ => "-".to_string(),
        };
        let want = format!(
            "{} {} {} {wait} {} {}",
            t.id,
            t.name,
            t.state.as_str(),
            t.polls,
            t.wakes
        );
        assert!(
            tasks.lines().any(|l| words(l).starts_with(&want)),
            "step {step}: no line `{want}` in the tasks panel:\n{tasks}"
        );
    }
}

#[test]
fn the_page_in_a_browser_shows_what_the_loop_held_at_each_step() {
    let Some(browser) = chromium("the_page_in_a_browser_shows_what_the_loop_held_at_each_step")
    else {
        return;
    };
    let (rt, steps) = stepped_run();
    let events = rt.events().recorded();
    let scratch = Scratch::new("steps");
    let page = scratch.0.join("page.html");
    std::fs::write(&page, replay_page_of(&events, rt.now(), rt.clock())).unwrap();
    let last = steps.len() - 1;
    // The start, the semaphore's handover, the clock's first jump, the end.
    let chosen = [0, 1, 4, 7, 9, last];
    for step in chosen {
        let dom = dump_dom(&browser, &page, &format!("#step={step}")).unwrap();
        check_step(&dom, step, last, &steps[step], events.len());
    }
    // Without a fragment the page opens at step 0; past the end, at the end.
    let dom = dump_dom(&browser, &page, "").unwrap();
    assert!(panel(&dom, "step-info").starts_with(&format!("step 0 of {last} ")));
    let dom = dump_dom(&browser, &page, "#step=99999").unwrap();
    check_step(&dom, last, last, &steps[last], events.len());
}

#[test]
fn the_page_in_a_browser_shows_the_poll_and_what_it_woke() {
    let Some(browser) = chromium("the_page_in_a_browser_shows_the_poll_and_what_it_woke") else {
        return;
    };
    let rt = Runtime::builder().virtual_clock().build();
    rt.events().record(1000);
    let nasty = "</script><b>x</b> & \"q\"";
    let gate = evloop::sync::Event::new();
    let g = gate.clone();
    rt.spawn_named(nasty, async move { g.wait().await })
        .detach();
    rt.spawn_named("setter", async move { gate.set() }).detach();
    rt.run_until_done().unwrap();
    let scratch = Scratch::new("woke");
    let page = scratch.0.join("page.html");
    let events = rt.events().recorded();
    std::fs::write(&page, replay_page_of(&events, rt.now(), rt.clock())).unwrap();
    // Step 2: the setter's poll sets the event, which wakes the waiter.
    let dom = dump_dom(&browser, &page, "#step=2").unwrap();
    let poll = panel(&dom, "poll");
    assert!(
        poll.contains("polled setter (1st poll, first poll)"),
        "{poll}"
    );
    assert!(poll.contains("→ Ready"), "{poll}");
    let woke = panel(&dom, "woke");
    assert!(
        woke.contains(&format!("{nasty}: woken by setter")),
        "{woke}"
    );
    assert!(woke.contains("setter done"), "{woke}");
    assert!(panel(&dom, "tasks").contains("◀ woken by this poll"));
    assert_eq!(
        words(&panel(&dom, "ready")).split(' ').nth(1),
        Some(nasty.split(' ').next().unwrap())
    );
}

#[test]
fn the_page_in_a_browser_steps_through_ten_thousand_events() {
    let Some(browser) = chromium("the_page_in_a_browser_steps_through_ten_thousand_events") else {
        return;
    };
    let rt = long_run(10_000);
    let events = rt.events().recorded();
    let html = replay_page_of(&events, rt.now(), rt.clock());
    let last = embedded_data(&html)["steps"].as_array().unwrap().len() - 1;
    let scratch = Scratch::new("long");
    let page = scratch.0.join("page.html");
    std::fs::write(&page, html).unwrap();
    // The end: every worker done, nothing queued, no timer left.
    let dom = dump_dom(&browser, &page, &format!("#step={last}")).unwrap();
    let info = panel(&dom, "step-info");
    assert!(
        info.starts_with(&format!("step {last} of {last} ")),
        "{info}"
    );
    assert!(info.contains(&format!(
        "through event {} of {}",
        events.len(),
        events.len()
    )));
    assert_eq!(panel(&dom, "ready"), "empty");
    assert_eq!(panel(&dom, "timers"), "none");
    let tasks = panel(&dom, "tasks");
    assert_eq!(
        tasks
            .lines()
            .filter(|l| words(l).contains(" done "))
            .count(),
        40,
        "{tasks}"
    );
    // The middle, reached from a checkpoint: the state there is the loop's
    // (every worker is somewhere: ready, waiting on its timer, or polled).
    let dom = dump_dom(&browser, &page, &format!("#step={}", last / 2 + 5)).unwrap();
    let tasks = panel(&dom, "tasks");
    assert_eq!(
        tasks.lines().filter(|l| l.starts_with('#')).count(),
        40,
        "{tasks}"
    );
}

/// The REPL's `export-html` page of the health check (the session of
/// `tests/transcripts/export_html.txt`) shows at step 4 what docs/repl.md
/// says it shows.
#[test]
fn the_repl_page_shows_what_the_tour_says() {
    let Some(browser) = chromium("the_repl_page_shows_what_the_tour_says") else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let transcript =
        std::fs::read_to_string(root.join("tests/transcripts/export_html.txt")).unwrap();
    let script: String = transcript
        .lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|c| format!("{c}\n"))
        .collect();
    let scratch = Scratch::new("repl");
    util::run_script(Path::new(env!("CARGO_BIN_EXE_evloop")), &script, &scratch.0);
    let dom = dump_dom(&browser, &scratch.0.join("replay.html"), "#step=4").unwrap();
    let shown = [
        (
            "step-info",
            "step 4 of 6 (poll 4)   clock 1.000000s (virtual)   through event 11 of 21",
        ),
        (
            "poll",
            "[1.000000s] polled queue (2nd poll, woken by timer)\n  → Ready",
        ),
        ("woke", "queue done → returned ok"),
        ("ready", "empty"),
        (
            "timers",
            "@2.000000s  db  (in 1s)\n@3.000000s  cache  (in 2s)",
        ),
        (
            "tasks",
            "ID NAME  STATE   WAITING ON       POLLS WAKES\n\
             #1 db    waiting timer @2.000000s 1     0\n\
             #2 cache waiting timer @3.000000s 1     0\n\
             #3 queue done    -                2     1  → returned ok  ◀ just polled",
        ),
    ];
    let tour = std::fs::read_to_string(root.join("docs/repl.md")).unwrap();
    for (id, text) in shown {
        assert_eq!(panel(&dom, id), text, "#{id}");
        for line in text.lines() {
            assert!(
                tour.contains(line),
                "docs/repl.md does not show `{line}` of #{id}"
            );
        }
    }
}

/// A task waiting for a connection: the page lists its descriptor among the
/// I/O registrations, as the loop's snapshot does, until a client comes.
#[test]
fn the_page_in_a_browser_shows_the_io_registrations() {
    if util::skip_without_reactor("the_page_in_a_browser_shows_the_io_registrations") {
        return;
    }
    let Some(browser) = chromium("the_page_in_a_browser_shows_the_io_registrations") else {
        return;
    };
    let rt = Runtime::builder().virtual_clock().build();
    rt.events().record(1000);
    let listener = {
        let _inside = rt.enter();
        evloop::net::TcpListener::bind("127.0.0.1:0").unwrap()
    };
    let addr = listener.local_addr().unwrap();
    rt.spawn_named("acceptor", async move {
        let _ = listener.accept().await;
    })
    .detach();
    rt.step().expect("the acceptor is polled");
    let waiting = rt.snapshot();
    let registered = &waiting.io[0];
    assert_eq!(registered.readers.len(), 1, "{waiting}");
    let _client = std::net::TcpStream::connect(addr).unwrap();
    rt.run_until_done().unwrap();
    let events = rt.events().recorded();
    let scratch = Scratch::new("io");
    let page = scratch.0.join("page.html");
    std::fs::write(&page, replay_page_of(&events, rt.now(), rt.clock())).unwrap();

    let dom = dump_dom(&browser, &page, "#step=1").unwrap();
    assert_eq!(
        panel(&dom, "io"),
        format!("fd {}: acceptor waits readable", registered.fd)
    );
    assert!(words(&panel(&dom, "tasks")).contains(&format!(
        "#1 acceptor waiting fd {} readable 1 0",
        registered.fd
    )));
    let dom = dump_dom(&browser, &page, "#step=2").unwrap();
    assert_eq!(panel(&dom, "io"), "no registrations");
    let poll = panel(&dom, "poll");
    assert!(
        poll.contains("polled acceptor (2nd poll, woken by I/O (fd"),
        "{poll}"
    );
}

#[test]
fn an_empty_log_makes_a_page_of_one_step() {
    let rt = Runtime::builder().virtual_clock().build();
    let html = replay_page_of(&[], rt.now(), rt.clock());
    let data = embedded_data(&html);
    assert_eq!(data["events"].as_array().unwrap().len(), 0);
    assert_eq!(data["steps"], serde_json::json!([0]));
    assert_eq!(data["names"], serde_json::json!([]));
}

//! The library's views (`evloop::inspect`): the tasks table, the queue, the
//! step line, the timeline and the Chrome trace, over a program's own
//! snapshot and event log — the same text the REPL shows, without colour.
mod util;

use std::time::Duration;

use evloop::inspect::{
    Canvas, Names, Timeline, TimelineEvent, Tone, chrome_trace_of, step_line, tasks_table, timeline,
};
use evloop::sync::Semaphore;
use util::virtual_rt;

/// Two fetchers share one permit; the second waits on the semaphore while
/// the first sleeps; a third task awaits the first.
fn program(rt: &evloop::Runtime) {
    let permit = std::rc::Rc::new(Semaphore::named("pool", 1));
    let p = permit.clone();
    let first = rt.spawn_named("fetch-a", async move {
        let _held = p.acquire().await;
        evloop::sleep(Duration::from_millis(30)).await;
    });
    let p = permit.clone();
    rt.spawn_named("fetch-b", async move {
        let _held = p.acquire().await;
        evloop::sleep(Duration::from_millis(30)).await;
    })
    .detach();
    rt.spawn_named("joiner", async move { first.await.unwrap() })
        .detach();
}

#[test]
fn a_snapshot_prints_the_queue_then_the_tasks_table() {
    let (rt, _) = virtual_rt();
    program(&rt);
    for _ in 0..3 {
        rt.step();
    }
    assert_eq!(
        rt.snapshot().to_string(),
        "\
clock 0.000000s (virtual)
ready queue: empty
timers:
  @0.030000s  fetch-a  (in 30ms)
I/O: no registrations
primitives:
  semaphore pool: 0/1 permits free; held by fetch-a; waiting: fetch-b
waiting tasks:
  fetch-a waits on timer @0.030000s
  fetch-b waits on semaphore pool
  joiner waits on task fetch-a

ID NAME    STATE   WAITING ON       POLLS WAKES BUSY AGE
#1 fetch-a waiting timer @0.030000s 1     0     -    0s
#2 fetch-b waiting semaphore pool   1     0     -    0s
#3 joiner  waiting task fetch-a     1     0     -    0s
"
    );
}

#[test]
fn step_lines_name_tasks_causes_waits_and_wakes() {
    let (rt, _) = virtual_rt();
    let event = evloop::sync::Event::named("go");
    let e = event.clone();
    let waiter = rt.spawn_named("waiter", async move { e.wait().await });
    let setter = rt.spawn_named("setter", async move {
        evloop::yield_now().await;
        event.set();
    });
    let _joiner = rt.spawn_named("joiner", async move {
        setter.await.unwrap();
        waiter.await.unwrap();
    });
    let mut text = String::new();
    while let Some(report) = rt.step() {
        let names = Names::from(&rt.snapshot()).without_real_time();
        step_line(&report, &names, &mut text);
    }
    assert_eq!(
        text,
        "\
[0.000000s] poll waiter (first poll) → Pending, waits on event go
[0.000000s] poll setter (first poll) → Pending; woke setter
[0.000000s] poll joiner (first poll) → Pending, waits on task setter
[0.000000s] poll setter (yielded) → Ready; woke waiter, joiner
[0.000000s] poll waiter (woken by setter) → Ready
[0.000000s] poll joiner (woken by setter) → Ready
"
    );
}

#[test]
fn the_timeline_tells_the_waits_of_real_futures_apart() {
    let (rt, _) = virtual_rt();
    rt.events().record(10_000);
    program(&rt);
    rt.run_until_done().unwrap();
    let events = rt.events().recorded();
    let text = Timeline::new(&events, rt.now(), rt.clock()).to_string();
    let rows: Vec<&str> = text.lines().skip(3).collect();
    let dots = ".".repeat(29);
    assert_eq!(
        rows,
        [
            format!("fetch-a |#{dots}D{}|", " ".repeat(29)),
            format!("fetch-b |#{}#{}D|", "=".repeat(29), ".".repeat(28)),
            format!("joiner  |#{}D{}|", "-".repeat(29), " ".repeat(29)),
        ],
        "{text}"
    );
    assert!(text.starts_with("timeline 0s → 0.060000s, one column ≈ 1ms\n"));
}

#[test]
fn a_timeline_of_no_task_events_draws_nothing() {
    let (rt, _) = virtual_rt();
    let mut text = String::new();
    assert!(!timeline(
        std::iter::empty::<TimelineEvent<'_>>(),
        rt.now(),
        0,
        &Names::default(),
        &mut text
    ));
    assert_eq!(text, "");
    assert_eq!(
        Timeline::new(&[], rt.now(), rt.clock()).to_string(),
        "no tasks in these events\n"
    );
}

#[test]
fn the_chrome_trace_has_one_span_per_task_and_one_per_poll() {
    let (rt, _) = virtual_rt();
    rt.events().record(10_000);
    program(&rt);
    rt.run_until_done().unwrap();
    let json = chrome_trace_of(&rt.events().recorded(), rt.now(), rt.clock());
    assert_eq!(json.matches(r#""cat":"task","ph":"X""#).count(), 3);
    assert_eq!(json.matches(r#""cat":"poll","ph":"X""#).count(), 7);
    assert!(json.contains(
        r#"{"name":"fetch-b","cat":"task","ph":"X","pid":1,"tid":2,"ts":0,"dur":60000,"args":{"end":"done"}}"#
    ));
    assert!(json.ends_with("\n],\"displayTimeUnit\":\"ms\"}\n"));
}

/// A canvas that keeps each piece's tone: what a colouring front end sees.
#[derive(Default)]
struct Tones(Vec<(Tone, String)>);

impl Canvas for Tones {
    fn put(&mut self, tone: Tone, text: &str) {
        self.0.push((tone, text.trim_end().to_string()));
    }
    fn end_line(&mut self) {}
}

#[test]
fn each_piece_of_the_table_carries_its_tone() {
    let (rt, _) = virtual_rt();
    let _boom = rt.spawn_named("boom", async { panic!("no") });
    rt.spawn_named("nap", evloop::sleep(Duration::from_secs(1)))
        .detach();
    rt.run_until_idle().unwrap();
    let snapshot = rt.snapshot();
    let mut tones = Tones::default();
    tasks_table(&snapshot, &Names::from(&snapshot), &mut tones);
    assert!(tones.0.contains(&(Tone::Failed, "panicked".into())));
    assert!(tones.0.contains(&(Tone::Waiting, "waiting".into())));
    assert!(tones.0.contains(&(Tone::Heading, "STATE".into())));
}

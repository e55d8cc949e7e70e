//! Streams, generators, call_soon / call_later, create_future.
mod util;

use std::time::Duration;

use evloop::callback::{PromiseError, call_later, call_soon, create_future};
use evloop::stream::{self, StreamExt, generate};
use evloop::time::Instant;
use util::{Trace, virtual_rt};

#[test]
fn a_generator_interleaves_with_its_consumer() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    rt.block_on(async move {
        let tg = t.clone();
        let mut numbers = generate(|y| async move {
            for i in 0..3 {
                tg.push(format!("gen {i}"));
                evloop::sleep(Duration::from_secs(1)).await;
                y.yield_(i).await;
            }
            tg.push("gen end");
        });
        while let Some(n) = numbers.next().await {
            t.push(format!(
                "got {n} @{}",
                Instant::now().since_start().as_secs()
            ));
        }
        assert_eq!(
            numbers.next().await,
            None,
            "a finished generator stays finished"
        );
    });
    assert_eq!(
        trace.take(),
        [
            "gen 0", "got 0 @1", "gen 1", "got 1 @2", "gen 2", "got 2 @3", "gen end"
        ]
    );
}

#[test]
fn dropping_a_generator_drops_its_body_where_it_is_parked() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    struct Closed(Trace);
    impl Drop for Closed {
        fn drop(&mut self) {
            self.0.push("body dropped");
        }
    }
    let t = trace.clone();
    let first = rt.block_on(async move {
        let mut s = generate(|y| async move {
            let _g = Closed(t);
            for i in 0.. {
                y.yield_(i).await;
            }
        });
        s.next().await
    });
    assert_eq!(first, Some(0));
    assert_eq!(trace.take(), ["body dropped"]);
}

#[test]
fn adapters_map_filter_take_collect_for_each() {
    let (rt, _) = virtual_rt();
    let v: Vec<String> = rt.block_on(
        stream::iter(1..)
            .filter(|n| n % 3 == 0)
            .map(|n| format!("#{n}"))
            .take(3)
            .collect(),
    );
    assert_eq!(v, ["#3", "#6", "#9"]);
    let mut seen = Vec::new();
    rt.block_on(
        generate(|y| async move {
            y.yield_('a').await;
            y.yield_('b').await;
        })
        .for_each(|c| seen.push(c)),
    );
    assert_eq!(seen, ['a', 'b']);
    let s: String = rt.block_on(Box::pin(stream::iter(["x", "y"])).collect());
    assert_eq!(s, "xy");
}

#[test]
fn call_soon_runs_at_the_next_turn_in_fifo_order() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let t = trace.clone();
    rt.block_on(async move {
        for i in 0..3 {
            let t = t.clone();
            call_soon(move || t.push(format!("callback {i}")));
        }
        t.push("scheduled");
        evloop::yield_now().await;
        t.push("main again");
    });
    assert_eq!(
        trace.take(),
        [
            "scheduled",
            "callback 0",
            "callback 1",
            "callback 2",
            "main again"
        ]
    );
}

#[test]
fn call_later_fires_at_its_time_and_can_be_cancelled() {
    let (rt, _) = virtual_rt();
    let trace = Trace::default();
    let (t1, t2) = (trace.clone(), trace.clone());
    let (keep, cancelled) = rt.block_on(async move {
        let keep = call_later(Duration::from_secs(2), move || {
            t1.push(format!("fired @{}", Instant::now().since_start().as_secs()))
        });
        let gone = call_later(Duration::from_secs(1), move || t2.push("never"));
        (keep, gone.cancel())
    });
    assert!(cancelled);
    rt.run_until_done().unwrap();
    assert_eq!(trace.take(), ["fired @2"]);
    assert!(keep.is_finished());
    assert!(!keep.cancel(), "cancelling a callback that ran says so");
}

#[test]
fn create_future_set_result_exception_and_abandoned() {
    let (rt, _) = virtual_rt();
    let (r, at) = rt.block_on(async {
        let (p, fut) = create_future();
        call_later(Duration::from_secs(1), move || p.set_result("done"));
        (fut.await, Instant::now().since_start())
    });
    assert_eq!((r.unwrap(), at), ("done", Duration::from_secs(1)));
    let e = rt.block_on(async {
        let (p, fut) = create_future::<()>();
        call_soon(move || p.set_exception("boom"));
        fut.await.unwrap_err()
    });
    assert!(matches!(&e, PromiseError::Exception(x) if x.to_string() == "boom"));
    let e = rt.block_on(async {
        let (p, fut) = create_future::<()>();
        drop(p);
        fut.await.unwrap_err()
    });
    assert!(matches!(e, PromiseError::Abandoned));
    assert!(e.to_string().contains("dropped without set_result"));
}

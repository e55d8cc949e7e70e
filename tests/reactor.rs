//! The reactor as the loop sees it: which task a readiness event wakes,
//! what snapshots show, and the virtual clock rule.

mod util;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::time::Duration;

use evloop::inspect::LoopEventKind;
use evloop::io::Async;
use evloop::{Runtime, WakeCause};
use util::Trace;

/// Fills `s`'s send buffer until a write would block.
fn fill(s: &std::os::unix::net::UnixStream) -> usize {
    s.set_nonblocking(true).unwrap();
    let chunk = [0u8; 4096];
    let mut total = 0;
    loop {
        match (&*s).write(&chunk) {
            Ok(n) => total += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return total,
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn readiness_wakes_only_the_task_waiting_for_that_direction() {
    if util::skip_without_reactor("readiness_wakes_only_the_task_waiting_for_that_direction") {
        return;
    }
    let rt = util::io_rt();
    let (mine, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let filled = fill(&mine);
    let fd = mine.as_raw_fd();
    let trace = Trace::default();
    let (ours, t) = (
        rt.block_on(async { Async::new(mine).unwrap() }),
        trace.clone(),
    );
    let ours = std::rc::Rc::new(ours);
    let o = ours.clone();
    let reader = rt.spawn_named("reader", async move {
        o.readable().await.unwrap();
        t.push("reader woke");
    });
    let (o, t) = (ours.clone(), trace.clone());
    let writer = rt.spawn_named("writer", async move {
        o.writable().await.unwrap();
        t.push("writer woke");
    });
    rt.run_until_idle().unwrap();

    let snap = rt.snapshot();
    let reg = snap.io.iter().find(|r| r.fd == fd).expect("registered");
    assert_eq!(reg.readers, vec![(reader.id(), "reader".to_string())]);
    assert_eq!(reg.writers, vec![(writer.id(), "writer".to_string())]);
    assert!(reg.readable_interest && reg.writable_interest);

    // The peer writes: our side becomes readable. Only the reader wakes.
    (&theirs).write_all(b"x").unwrap();
    rt.block_on(async { evloop::sleep(Duration::from_millis(1)).await });
    assert_eq!(trace.take(), ["reader woke"]);
    assert!(!writer.is_finished());

    // The peer drains our bytes: our side becomes writable. Now the writer.
    let mut sink = vec![0u8; filled];
    let mut theirs_r = &theirs;
    std::io::Read::read_exact(&mut theirs_r, &mut sink).unwrap();
    rt.block_on(async { evloop::sleep(Duration::from_millis(1)).await });
    assert_eq!(trace.take(), ["writer woke"]);

    let causes: Vec<(u64, WakeCause)> = rt
        .events()
        .recorded()
        .iter()
        .filter_map(|e| match e.kind {
            LoopEventKind::Woken { task, cause } if task == reader.id() || task == writer.id() => {
                Some((task.as_u64(), cause))
            }
            _ => None,
        })
        .filter(|(_, c)| matches!(c, WakeCause::Io { .. }))
        .collect();
    assert_eq!(
        causes,
        [
            (
                reader.id().as_u64(),
                WakeCause::Io {
                    fd,
                    readable: true,
                    writable: false
                }
            ),
            (
                writer.id().as_u64(),
                WakeCause::Io {
                    fd,
                    readable: false,
                    writable: true
                }
            ),
        ]
    );
    assert_eq!(
        causes[0].1.to_string(),
        format!("woken by I/O (fd {fd} readable)")
    );
    drop(ours);
    assert!(
        rt.snapshot().io.iter().all(|r| r.fd != fd),
        "dropping deregisters"
    );
}

#[test]
fn the_step_report_says_woken_by_io() {
    if util::skip_without_reactor("the_step_report_says_woken_by_io") {
        return;
    }
    let rt = util::io_rt();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let a = rt.block_on(async { Async::new(a).unwrap() });
    let h = rt.spawn_named("reader", async move {
        let mut buf = [0; 4];
        a.read(&mut buf).await.unwrap()
    });
    let first = rt.step().unwrap();
    assert_eq!(
        first.waiting_on.unwrap().to_string(),
        format!("fd {fd} readable")
    );
    assert!(
        rt.step().is_none(),
        "nothing is ready before the peer writes"
    );
    (&b).write_all(b"hi").unwrap();
    let report = loop {
        // step() polls the reactor with a zero timeout; the kernel may need
        // a moment to deliver loopback data.
        if let Some(r) = rt.step() {
            break r;
        }
        std::thread::yield_now();
    };
    assert_eq!(
        report.cause.to_string(),
        format!("woken by I/O (fd {fd} readable)")
    );
    assert_eq!(rt.block_on(h).unwrap(), 2);
}

#[test]
fn the_virtual_clock_does_not_jump_while_a_socket_read_is_pending() {
    if util::skip_without_reactor("the_virtual_clock_does_not_jump_while_a_socket_read_is_pending")
    {
        return;
    }
    let (rt, _) = util::virtual_rt();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let trace = Trace::default();
    let peer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30)); // real time passes
        (&b).write_all(b"!").unwrap();
        b
    });
    let t = trace.clone();
    rt.block_on(async move {
        let start = evloop::time::Instant::now();
        let a = Async::new(a).unwrap();
        let t2 = t.clone();
        let timer = evloop::spawn(async move {
            evloop::sleep(Duration::from_secs(10)).await;
            t2.push(format!("timer at {:?}", start.elapsed()));
        });
        let mut buf = [0; 1];
        a.read(&mut buf).await.unwrap();
        t.push(format!("read at {:?}", start.elapsed()));
        timer.await.unwrap();
    });
    let _b = peer.join().unwrap();
    assert_eq!(trace.take(), ["read at 0ns", "timer at 10s"]);
}

#[test]
fn with_no_io_wait_the_virtual_clock_jumps_even_with_sockets_registered() {
    if util::skip_without_reactor(
        "with_no_io_wait_the_virtual_clock_jumps_even_with_sockets_registered",
    ) {
        return;
    }
    let (rt, _) = util::virtual_rt();
    rt.block_on(async {
        let (a, _b) = evloop::net::UnixStream::pair().unwrap(); // registered, nobody waits
        let start = evloop::time::Instant::now();
        evloop::sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        drop(a);
    });
}

#[test]
fn a_cancelled_reader_leaves_no_waiter_behind() {
    if util::skip_without_reactor("a_cancelled_reader_leaves_no_waiter_behind") {
        return;
    }
    let (rt, _) = util::virtual_rt();
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let a = rt.block_on(async { evloop::net::UnixStream::from_std(a).unwrap() });
    let reader = rt.spawn_named("reader", async move {
        let mut buf = [0; 1];
        a.read(&mut buf).await
    });
    rt.run_until_idle().unwrap();
    let readers = |rt: &Runtime| -> Vec<String> {
        let snap = rt.snapshot();
        snap.io
            .iter()
            .filter(|r| r.fd == fd)
            .flat_map(|r| r.readers.iter().map(|(_, n)| n.clone()))
            .collect()
    };
    assert_eq!(readers(&rt), ["reader"]);
    assert_eq!(reader.cancel(), evloop::Cancel::Cancelled);
    assert!(
        rt.snapshot().io.iter().all(|r| r.fd != fd),
        "the task owned the socket: dropped, deregistered"
    );
    // With the waiter gone, the virtual clock may jump again.
    rt.block_on(async { evloop::sleep(Duration::from_secs(5)).await });
    assert_eq!(rt.now().since_start(), Duration::from_secs(5));
}

#[test]
fn runtime_without_io_still_sleeps_in_the_poller_and_wakes_from_threads() {
    let rt = Runtime::new();
    let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
    let t = std::thread::spawn(move || {
        let w = rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(10));
        w.wake();
    });
    let mut sent = Some(tx);
    let mut polls = 0;
    rt.block_on(std::future::poll_fn(|cx| {
        polls += 1;
        match sent.take() {
            Some(tx) => {
                tx.send(cx.waker().clone()).unwrap();
                std::task::Poll::Pending
            }
            None => std::task::Poll::Ready(()),
        }
    }));
    t.join().unwrap();
    assert_eq!(polls, 2, "one wake from the thread, one poll");
}

#[test]
fn without_a_reactor_tasks_timers_and_threads_work_and_sockets_say_unsupported() {
    for rt in [
        Runtime::builder().reactor(false).build(),
        Runtime::builder().reactor(false).virtual_clock().build(),
    ] {
        rt.block_on(async {
            let start = evloop::time::Instant::now();
            evloop::sleep(Duration::from_millis(20)).await;
            assert!(start.elapsed() >= Duration::from_millis(20));
            let n = evloop::to_thread(|| 6 * 7).await.unwrap();
            assert_eq!(n, 42);
            let err = evloop::net::UnixStream::pair().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
            assert!(err.to_string().contains("without a reactor"), "{err}");
            let err = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
        });
        assert!(
            !rt.snapshot().io.iter().any(|_| true),
            "nothing was registered"
        );
    }
}

//! Out of descriptors: `accept` returns `EMFILE` to the caller, the loop and
//! the listener keep working, and a runtime built without a poller falls
//! back to parking its thread.
//!
//! The descriptor limit is process-wide, so the test re-runs this binary as
//! a child under `ulimit -n 64` (via `sh`), where running out cannot disturb
//! any other test.

mod util;

use std::process::Command;
use std::time::Duration;

use evloop::net::TcpListener;

const CHILD: &str = "EVLOOP_EMFILE_CHILD";

#[test]
fn accept_reports_emfile_and_the_listener_keeps_working() {
    if util::skip_without_reactor("accept_reports_emfile_and_the_listener_keeps_working") {
        return;
    }
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" --exact accept_reports_emfile_and_the_listener_keeps_working --nocapture"#)
        .arg(exe)
        .env(CHILD, "1")
        .output()
        .expect("run sh");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(
        text.contains("child: done"),
        "the child did not run the scenario:\n{text}"
    );
}

/// Opens descriptors until the OS refuses; returns them.
fn exhaust() -> Vec<std::fs::File> {
    let mut held = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => held.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(24), "expected EMFILE, got {e}");
                return held;
            }
        }
    }
}

fn child() {
    let rt = evloop::Runtime::new();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // The kernel completes the handshake into the backlog; this client
        // is connected before anyone accepts.
        let client = std::net::TcpStream::connect(addr).unwrap();
        let mut held = exhaust();

        let err = listener.accept().await.map(|_| ()).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(24), "accept: {err}");

        // The loop still runs timers meanwhile.
        evloop::sleep(Duration::from_millis(1)).await;

        held.truncate(held.len().saturating_sub(4));
        let (stream, _) = listener.accept().await.expect("accept works again");
        drop(client);
        let mut buf = [0; 1];
        assert_eq!(stream.read(&mut buf).await.unwrap(), 0);
        drop(held);
    });

    // A runtime is built without a descriptor (its poller comes at its
    // first need). One that needs its poller while no descriptor is free
    // does without: it parks its thread instead, timers and cross-thread
    // wakes still work, and sockets say why they cannot be watched. Once
    // descriptors are free again, the next need makes the poller.
    let rt = evloop::Runtime::new();
    let mut held = exhaust();
    held.pop(); // room for a socket, none for the poller
    rt.block_on(async {
        evloop::sleep(Duration::from_millis(1)).await;
        assert_eq!(evloop::to_thread(|| 5).await.unwrap(), 5);
        let err = TcpListener::bind("127.0.0.1:0").unwrap_err();
        assert!(err.to_string().contains("no I/O poller"), "{err}");
    });
    drop(held);
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a poller now");
        let addr = listener.local_addr().unwrap();
        let client = std::net::TcpStream::connect(addr).unwrap();
        let (_stream, _) = listener.accept().await.unwrap();
        drop(client);
    });
    println!("child: done");
}

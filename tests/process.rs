//! Pipes, child processes and this process's stdio:
//! `evloop::io::pipe`, `evloop::process::{spawn, output, stdin, stdout}`.
#![cfg(unix)]
mod util;

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use evloop::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use evloop::process::{self, Child};
use evloop::stream::StreamExt;

/// Real time that only guards against a hang; no assertion depends on it.
const PATIENCE: Duration = Duration::from_secs(30);

fn read_all(child: &mut Child) -> impl std::future::Future<Output = Vec<u8>> + use<> {
    let mut stdout = child.stdout.take().expect("stdout is piped");
    async move {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).await.unwrap();
        bytes
    }
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot make pipes")]
fn a_pipe_carries_bytes_in_order_and_ends_when_the_writer_drops() {
    if util::skip_without_reactor("a_pipe_carries_bytes…") {
        return;
    }
    evloop::run(async {
        let (mut reader, writer) = evloop::io::pipe().unwrap();
        // More than a pipe buffer holds (64 KiB on Linux), so the writer
        // must wait for the reader at least once.
        let sent: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let writer_task = evloop::spawn({
            let sent = sent.clone();
            async move { writer.write_all(&sent).await }
        });
        let mut got = Vec::new();
        reader.read_to_end(&mut got).await.unwrap();
        writer_task.await.unwrap().unwrap();
        assert_eq!(got.len(), sent.len());
        assert!(got == sent, "the bytes came out in order");
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot make pipes")]
fn a_write_after_the_reader_is_gone_is_a_broken_pipe() {
    if util::skip_without_reactor("a_write_after_the_reader_is_gone…") {
        return;
    }
    evloop::run(async {
        let (reader, writer) = evloop::io::pipe().unwrap();
        drop(reader);
        // Another test of this binary may fork a child at this moment: until
        // it execs, the child holds a copy of every descriptor, this read end
        // too (close-on-exec closes it only at the exec), and a write still
        // succeeds. So the write is tried again for a while; it must end in a
        // broken pipe.
        let mut tries = 0;
        let err = loop {
            match writer.write(b"anyone?").await {
                Err(e) => break e,
                Ok(_) if tries < 200 => {
                    tries += 1;
                    evloop::sleep(Duration::from_millis(5)).await;
                }
                Ok(n) => panic!("still writable after {tries} tries ({n} bytes): nobody reads"),
            }
        };
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot make pipes")]
fn without_a_reactor_a_pipe_is_unsupported_and_says_why() {
    let rt = evloop::Runtime::builder().reactor(false).build();
    let err = rt.block_on(async { evloop::io::pipe() }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("without a reactor"), "{err}");
    let err = evloop::io::pipe().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "outside a loop: {err}");
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn cat_echoes_what_it_is_given_on_stdin() {
    if util::skip_without_reactor("cat_echoes…") {
        return;
    }
    evloop::run(async {
        let mut cat = process::spawn(
            Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        )
        .unwrap();
        let stdin = cat.stdin.take().unwrap();
        let reading = evloop::spawn(read_all(&mut cat));
        stdin.write_all(b"one\ntwo\n").await.unwrap();
        drop(stdin); // end of stream: cat finishes
        assert_eq!(reading.await.unwrap(), b"one\ntwo\n");
        let status = evloop::timeout(PATIENCE, cat.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(status.success(), "{status}");
        assert_eq!(cat.status(), Some(status));
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn output_collects_stdout_stderr_and_the_exit_status() {
    if util::skip_without_reactor("output_collects…") {
        return;
    }
    evloop::run(async {
        let out = process::output(Command::new("echo").arg("hello"))
            .await
            .unwrap();
        assert_eq!(out.stdout, b"hello\n");
        assert!(out.status.success());
        let out = process::output(Command::new("sh").args(["-c", "echo oops >&2; exit 3"]))
            .await
            .unwrap();
        assert_eq!(out.stderr, b"oops\n");
        assert_eq!(out.status.code(), Some(3));
    });
}

/// Waiting needs no reactor: it is built on SIGCHLD, not on a descriptor.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn the_exit_status_is_awaited_without_a_reactor_too() {
    let rt = evloop::Runtime::builder().reactor(false).build();
    let status = rt.block_on(async {
        let mut child = process::spawn(Command::new("sh").args(["-c", "exit 7"])).unwrap();
        evloop::timeout(PATIENCE, child.wait()).await
    });
    assert_eq!(status.unwrap().unwrap().code(), Some(7));
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn piped_stdio_without_a_reactor_is_unsupported_and_the_child_is_killed() {
    let rt = evloop::Runtime::builder().reactor(false).build();
    let err = rt
        .block_on(async { process::spawn(Command::new("cat").stdin(Stdio::piped())) })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("so it was killed"), "{err}");
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn a_program_that_does_not_exist_is_an_error_naming_it() {
    let err = evloop::run(async {
        process::spawn(&mut Command::new("evloop-no-such-program")).unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("`evloop-no-such-program`"),
        "{err}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn kill_ends_a_child_and_wait_reports_the_signal() {
    evloop::run(async {
        let mut sleeper = process::spawn(Command::new("sleep").arg("1000")).unwrap();
        assert_eq!(sleeper.try_wait().unwrap(), None, "still running");
        sleeper.kill().unwrap();
        let status = evloop::timeout(PATIENCE, sleeper.wait())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.signal(), Some(9), "{status}");
        sleeper.kill().unwrap(); // killing a finished child is no error
        let err = sleeper.terminate().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "its pid is free now");
        assert!(err.to_string().contains("been reaped"), "{err}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn terminate_sends_sigterm() {
    evloop::run(async {
        let mut sleeper = process::spawn(Command::new("sleep").arg("1000")).unwrap();
        sleeper.terminate().unwrap();
        let status = evloop::timeout(PATIENCE, sleeper.wait())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.signal(), Some(15), "{status}");
    });
}

/// True while `pid` names a process (a zombie counts): `kill -0`.
fn exists(pid: u32) -> bool {
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn kill_on_drop_kills_and_the_signal_thread_reaps() {
    let pid = evloop::run(async {
        let mut sleeper = process::spawn(Command::new("sleep").arg("1000")).unwrap();
        sleeper.kill_on_drop(true);
        sleeper.id()
    });
    // Killed at the drop, then reaped at its SIGCHLD: not even a zombie is
    // left. Asked again and again, since reaping happens on another thread.
    let mut tries = 0;
    while exists(pid) {
        tries += 1;
        assert!(tries < 3000, "child {pid} still exists");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn many_children_exiting_at_once_are_all_seen() {
    // SIGCHLDs coalesce: one delivery may stand for many exits, and every
    // waiting child asks about itself each time.
    let codes = evloop::run(async {
        let waits: Vec<_> = (0..20)
            .map(|i| {
                let mut child =
                    process::spawn(Command::new("sh").args(["-c", &format!("exit {i}")])).unwrap();
                evloop::spawn(async move { child.wait().await.unwrap().code() })
            })
            .collect();
        let mut codes = Vec::new();
        for wait in waits {
            codes.push(evloop::timeout(PATIENCE, wait).await.unwrap().unwrap());
        }
        codes
    });
    assert_eq!(codes, (0..20).map(Some).collect::<Vec<_>>());
}

/// A task awaiting a child counts as outside work: the virtual clock waits
/// for the real exit rather than jumping an hour ahead to the timeout.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn waiting_for_a_child_holds_the_virtual_clock() {
    let rt = evloop::Runtime::builder().virtual_clock().build();
    let status = rt.block_on(async {
        let mut child = process::spawn(Command::new("sleep").arg("0.05")).unwrap();
        evloop::timeout(Duration::from_secs(3600), child.wait()).await
    });
    assert!(
        status.unwrap().unwrap().success(),
        "the timeout fired first: the clock jumped"
    );
}

const CHILD_VAR: &str = "EVLOOP_PROCESS_TEST_CHILD";

/// Run by the test below in a child process of this test binary: a tiny
/// REPL on evloop's stdin and stdout that shouts each line back.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn child_helper_shouts_each_line_of_stdin() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return; // only meaningful as the child of the test below
    }
    evloop::run(async {
        let mut out = process::stdout();
        let mut lines = BufReader::new(process::stdin()).lines();
        while let Some(line) = lines.next().await {
            let line = line.unwrap();
            out.write_all(format!("shout: {}\n", line.trim_end().to_uppercase()).as_bytes())
                .await
                .unwrap();
        }
        out.write_all(b"shout: bye\n").await.unwrap();
        out.flush().await.unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn a_program_reads_its_stdin_and_writes_its_stdout_through_evloop() {
    if util::skip_without_reactor("a_program_reads_its_stdin…") {
        return;
    }
    let shouted = evloop::run(async {
        let child = process::spawn(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_helper_shouts_each_line_of_stdin",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_VAR, "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped()),
        )
        .unwrap();
        child
            .stdin
            .as_ref()
            .unwrap()
            .write_all(b"hello\nworld\n")
            .await
            .unwrap();
        let out = evloop::timeout(PATIENCE, child.output())
            .await
            .unwrap()
            .unwrap();
        assert!(out.status.success(), "{:?}", out);
        String::from_utf8(out.stdout).unwrap()
    });
    // The test harness of the child prints its own lines around ours (and
    // "test … ... " right before the first one).
    let shouts: Vec<&str> = shouted
        .lines()
        .filter_map(|l| l.find("shout: ").map(|at| &l[at..]))
        .collect();
    assert_eq!(
        shouts,
        ["shout: HELLO", "shout: WORLD", "shout: bye"],
        "{shouted}"
    );
}

#[test]
fn stdin_outside_a_loop_is_an_error_not_a_panic() {
    let mut stdin = process::stdin();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut buf = [0; 4];
    let polled = std::pin::Pin::new(&mut stdin).poll_read(&mut cx, &mut buf);
    match polled {
        std::task::Poll::Ready(Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::NotFound);
            assert!(
                e.to_string().contains("outside a running evloop loop"),
                "{e}"
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn a_task_waiting_for_a_child_says_which_in_the_step_report() {
    let rt = evloop::Runtime::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = rt.spawn_named("waiter", async move {
        let mut child = process::spawn(Command::new("sleep").arg("1000")).unwrap();
        tx.send(child.id()).unwrap();
        child.wait().await.unwrap()
    });
    let report = rt.step().unwrap();
    let pid = rx.recv().unwrap();
    assert_eq!(
        report.waiting_on,
        Some(evloop::WaitOn::Primitive {
            kind: "child process",
            name: format!("{pid} (sleep)").into()
        })
    );
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(rt.block_on(waiter).unwrap().signal(), Some(9));
}

/// Both ends of `pipe()` are close-on-exec: a child started while they are
/// open does not inherit them (std's `spawn` returns after the child's
/// `exec`, which closed them if they were marked).
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn pipe_ends_are_not_inherited_by_children() {
    use std::os::fd::AsRawFd;
    if util::skip_without_reactor("pipe_ends_are_not_inherited_by_children") {
        return;
    }
    evloop::run(async {
        let (reader, writer) = evloop::io::pipe().unwrap();
        let mut child = process::spawn(Command::new("sleep").arg("1000")).unwrap();
        child.kill_on_drop(true);
        let stdin = format!("/proc/{}/fd/0", child.id());
        assert!(
            std::fs::symlink_metadata(&stdin).is_ok(),
            "{stdin}: the check can see"
        );
        for fd in [reader.as_raw_fd(), writer.as_raw_fd()] {
            // `pipe:[INODE]`: which pipe, not just which number (the child
            // may have a descriptor of its own under the same number, such
            // as a file its dynamic loader has open while it starts).
            let ours = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
            let theirs = std::fs::read_link(format!("/proc/{}/fd/{fd}", child.id())).ok();
            assert_ne!(theirs.as_ref(), Some(&ours), "fd {fd} was inherited");
        }
    });
}

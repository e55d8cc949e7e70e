//! The `evloop` binary as a program: its arguments, its exit status, how it
//! reads scripts, and what it does with signals and time. (What it prints
//! for each command is the transcript tests' business, `transcripts.rs`.)
//!
//! Every run here is bounded: a child that does not end in time is killed
//! and the test fails, so a hang is a failure, not a stuck `cargo test`.
//! Every run has a scratch directory of its own as its working directory
//! and home, so nothing is written into the source tree or `~`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("evloop-cli-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn evloop(scratch: &Scratch, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_evloop"));
    c.args(args)
        .current_dir(&scratch.0)
        .env("HOME", &scratch.0)
        .env_remove("XDG_STATE_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// A running `evloop` whose output lines arrive, with when they arrived.
struct Running {
    child: Child,
    lines: mpsc::Receiver<(Instant, String)>,
    seen: Vec<(Instant, String)>,
}

impl Running {
    fn start(mut command: Command, input: &str) -> Running {
        let mut child = command.spawn().expect("the evloop binary runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send((Instant::now(), line)).is_err() {
                    return;
                }
            }
        });
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `text`; panics after `within`.
    fn wait_for(&mut self, text: &str, within: Duration) -> Instant {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    let found = line.contains(text);
                    self.seen.push((at, line));
                    if found {
                        return at;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "no line with {text:?} within {within:?}; the output so far:\n{}",
                        self.output()
                    );
                }
            }
        }
    }

    /// Waits for the process to end; kills it and panics after `within`.
    fn finish(mut self, within: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.seen.push(line);
                }
                return (status, self.output());
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "evloop did not end within {within:?}; the output so far:\n{}",
                    self.output()
                );
            }
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(20)) {
                self.seen.push(line);
            }
        }
    }

    fn output(&self) -> String {
        self.seen.iter().map(|(_, l)| format!("{l}\n")).collect()
    }
}

/// Issue 17 item 25: `--script /dev/zero` held the whole endless "line" in
/// memory until the process aborted. A script line has a bound.
#[test]
fn a_script_without_newlines_is_refused_not_read_whole() {
    let scratch = Scratch::new("dev-zero");
    let run = Running::start(evloop(&scratch, &["--script", "/dev/zero"]), "");
    let (status, out) = run.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("longer than 65536 bytes"), "{out}");
}

/// Sends SIGINT (what Ctrl-C sends) to the child.
fn ctrl_c(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Issue 17 item 1: after `reset` (or `back`, or `replay`) Ctrl-C reached the
/// old loop, and a `run` over a task that never ends ran for hours.
#[test]
fn ctrl_c_interrupts_a_run_after_reset_back_and_replay() {
    for before in ["reset", "spawn x yield\nback 1", "replay 0"] {
        let scratch = Scratch::new("ctrl-c-after-reset");
        let script = format!("{before}\nspawn f forever {{ spin 100ms; yield }}\nrun\ntasks\n");
        let mut run = Running::start(evloop(&scratch, &[]), &script);
        run.wait_for("> run", Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(300));
        ctrl_c(&run.child);
        run.wait_for("interrupted (Ctrl-C)", Duration::from_secs(20));
        let (status, out) = run.finish(Duration::from_secs(20));
        assert!(out.contains("#1 f    ready"), "after {before:?}:\n{out}");
        assert_eq!(status.code(), Some(0), "after {before:?}:\n{out}");
    }
}

/// The CLI conventions of issue 17: `--version`, and `evloop FILE` runs a
/// script as stdin does.
#[test]
fn version_and_a_script_file_as_argument() {
    let scratch = Scratch::new("conventions");
    let run = Running::start(evloop(&scratch, &["--version"]), "");
    let (status, out) = run.finish(Duration::from_secs(20));
    assert!(status.success());
    assert_eq!(out, format!("evloop {}\n", env!("CARGO_PKG_VERSION")));

    let file = scratch.0.join("demo.evl");
    std::fs::write(&file, "spawn a sleep 1s; print hi\nrun\n").unwrap();
    let run = Running::start(evloop(&scratch, &[file.to_str().unwrap()]), "");
    let (status, out) = run.finish(Duration::from_secs(20));
    assert!(status.success(), "{out}");
    assert!(out.contains("> spawn a sleep 1s; print hi\n"), "{out}");
    assert!(out.contains("[1.000000s] a: hi"), "{out}");

    // A failing command: exit 1, as with --script or stdin.
    std::fs::write(&file, "cancel nobody\n").unwrap();
    let run = Running::start(evloop(&scratch, &[file.to_str().unwrap()]), "");
    let (status, _) = run.finish(Duration::from_secs(20));
    assert_eq!(status.code(), Some(1));

    // Two scripts, or an unknown flag: exit 2, saying why.
    let run = Running::start(evloop(&scratch, &["a.evl", "b.evl"]), "");
    let (status, _) = run.finish(Duration::from_secs(20));
    assert_eq!(status.code(), Some(2));
    let out = evloop(&scratch, &["--frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown flag \"--frobnicate\""));
}

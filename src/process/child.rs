//! [`Child`]: a child process whose exit and stdio can be awaited.

use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::process::{Command, ExitStatus, Output};
use std::task::{Context, Poll, ready};

use crate::io::{AsyncReadExt, PipeReader, PipeWriter};
use crate::signal::{SignalKind, Waiting};

/// Starts `command` as a child process (asyncio's
/// `create_subprocess_exec`). Whatever of its stdin, stdout and stderr the
/// command sets to [`Stdio::piped()`](std::process::Stdio::piped) becomes
/// an async pipe end in [`Child::stdin`], [`Child::stdout`],
/// [`Child::stderr`], non-blocking on this side only (the child's ends stay
/// as programs expect them, blocking).
///
/// # Errors
///
/// - The OS's, if the program cannot be started (`NotFound`, with the
///   program's name in the message; `PermissionDenied`, …).
/// - With a piped stdio: outside a running loop `NotFound`, in a loop
///   without a reactor `Unsupported` (the pipes need one). The child has
///   started by then; it is killed and reaped before the error returns.
/// - The signal handler for `SIGCHLD` cannot be installed (see
///   [`crate::signal`]).
///
/// # Examples
///
/// ```
/// use std::process::{Command, Stdio};
/// use evloop::io::AsyncReadExt;
///
/// evloop::run(async {
///     let mut child = evloop::process::spawn(
///         Command::new("echo").arg("hello").stdout(Stdio::piped()),
///     )
///     .unwrap();
///     let mut bytes = Vec::new();
///     child.stdout.take().unwrap().read_to_end(&mut bytes).await.unwrap();
///     assert_eq!(bytes, b"hello\n");
///     assert!(child.wait().await.unwrap().success());
/// });
/// ```
pub fn spawn(command: &mut Command) -> io::Result<Child> {
    // Listen before the child exists, so its exit cannot come unheard.
    let mut sigchld = Waiting::listen(
        SignalKind::child().as_raw_value(),
        "child process",
        String::new(),
    )?;
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot start `{program}`: {e}")))?;
    let pipes = (|| {
        let stdin = child
            .stdin
            .take()
            .map(|s| PipeWriter::from_std(OwnedFd::from(s).into()))
            .transpose()?;
        let stdout = child
            .stdout
            .take()
            .map(|s| PipeReader::from_std(OwnedFd::from(s).into()))
            .transpose()?;
        let stderr = child
            .stderr
            .take()
            .map(|s| PipeReader::from_std(OwnedFd::from(s).into()))
            .transpose()?;
        io::Result::Ok((stdin, stdout, stderr))
    })();
    sigchld.rename(format!("{} ({program})", child.id()));
    match pipes {
        Ok((stdin, stdout, stderr)) => Ok(Child {
            stdin,
            stdout,
            stderr,
            process: Some(child),
            status: None,
            sigchld,
            kill_on_drop: false,
        }),
        Err(e) => {
            // Nobody could talk to it: do not leave it running.
            let _ = child.kill();
            let _ = child.wait();
            Err(io::Error::new(
                e.kind(),
                format!(
                    "`{program}` was started but its pipes cannot be awaited, so it was killed: {e}"
                ),
            ))
        }
    }
}

/// Runs `command` to the end and collects its stdout and stderr (std's
/// `Command::output`, asyncio's `communicate()`): stdin is set to
/// [`Stdio::null()`](std::process::Stdio::null), stdout and stderr to
/// [`Stdio::piped()`](std::process::Stdio::piped), replacing what the
/// command had.
///
/// # Errors
///
/// Those of [`spawn`] and of reading the pipes.
///
/// # Examples
///
/// ```
/// use std::process::Command;
///
/// evloop::run(async {
///     let out = evloop::process::output(Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]))
///         .await
///         .unwrap();
///     assert_eq!(out.stdout, b"out\n");
///     assert_eq!(out.stderr, b"err\n");
///     assert_eq!(out.status.code(), Some(3));
/// });
/// ```
pub async fn output(command: &mut Command) -> io::Result<Output> {
    use std::process::Stdio;
    let child = spawn(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )?;
    child.output().await
}

/// A running (or finished) child process, made by [`spawn`]: asyncio's
/// `Process`, std's `Child` with awaitable exit and stdio.
///
/// # How the exit is awaited
///
/// A child's exit is announced by `SIGCHLD`. [`wait`](Child::wait) listens
/// for it through [`crate::signal`]'s self-pipe (the listener is made
/// before the child starts, so no exit is missed) and at each delivery asks
/// the kernel about this child only (`waitpid(pid, WNOHANG)`, std's
/// `try_wait`). No polling loop, no thread per child, and it works in a
/// loop without a reactor. Deliveries for other children only cost a
/// `try_wait` each.
///
/// # Dropping it
///
/// Dropping a `Child` does not kill the process (as with std and asyncio)
/// unless [`kill_on_drop`](Child::kill_on_drop) is on. Either way a child
/// nobody waited for is handed to the signal thread, which reaps it when it
/// exits, so it does not linger as a zombie.
pub struct Child {
    /// The child's stdin, if it was piped. Drop it (or `take()` it and drop
    /// it) to send end of stream; [`wait`](Child::wait) drops it for you.
    pub stdin: Option<PipeWriter>,
    /// The child's stdout, if it was piped.
    pub stdout: Option<PipeReader>,
    /// The child's stderr, if it was piped.
    pub stderr: Option<PipeReader>,
    /// Only `None` inside `drop`, which hands the process to the reaper.
    process: Option<std::process::Child>,
    status: Option<ExitStatus>,
    sigchld: Waiting,
    kill_on_drop: bool,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.id())
            .field("status", &self.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}

impl Child {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.process.as_ref().map_or(0, std::process::Child::id)
    }

    /// The exit status, once [`wait`](Child::wait) or
    /// [`try_wait`](Child::try_wait) has seen it (asyncio's `returncode`).
    pub fn status(&self) -> Option<ExitStatus> {
        self.status
    }

    /// If on, dropping the `Child` before it has exited kills the process
    /// (`SIGKILL`), as Tokio's `Command::kill_on_drop`. Off by default.
    pub fn kill_on_drop(&mut self, on: bool) {
        self.kill_on_drop = on;
    }

    /// Waits for the child to exit and returns its status (asyncio's
    /// `await proc.wait()`). Drops [`stdin`](Child::stdin) first, so a child
    /// that reads until end of stream (`cat`) can finish.
    ///
    /// # Errors
    ///
    /// The OS's, from `waitpid`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a status seen is kept, and a later `wait` returns it.
    pub fn wait(&mut self) -> Wait<'_> {
        self.stdin = None;
        Wait { child: self }
    }

    /// The exit status if the child has exited, without waiting.
    ///
    /// # Errors
    ///
    /// The OS's, from `waitpid`.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none()
            && let Some(process) = &mut self.process
        {
            self.status = process.try_wait()?;
        }
        Ok(self.status)
    }

    /// The poll form of [`wait`](Child::wait) (which also drops stdin).
    ///
    /// # Errors
    ///
    /// The OS's, from `waitpid`.
    pub fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = self.try_wait()? {
                self.sigchld.stop();
                return Poll::Ready(Ok(status));
            }
            // Ready: a SIGCHLD came since the last look; ask again.
            ready!(self.sigchld.poll(cx));
        }
    }

    /// Waits for the exit while reading all of stdout and stderr (those
    /// that are piped and not taken), both at once so that neither pipe
    /// fills up and stalls the child. std's `wait_with_output`, asyncio's
    /// `communicate()`.
    ///
    /// # Errors
    ///
    /// Those of reading the pipes and of [`wait`](Child::wait).
    #[doc(alias = "communicate")]
    #[doc(alias = "wait_with_output")]
    pub async fn output(mut self) -> io::Result<Output> {
        self.stdin = None;
        async fn read_all(pipe: Option<PipeReader>) -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                pipe.read_to_end(&mut bytes).await?;
            }
            Ok(bytes)
        }
        let (stdout, stderr) =
            crate::join!(read_all(self.stdout.take()), read_all(self.stderr.take()));
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout: stdout?,
            stderr: stderr?,
        })
    }

    /// Kills the child (`SIGKILL`; asyncio's `kill()`); [`wait`](Child::wait)
    /// afterwards to learn it ended and to reap it.
    ///
    /// # Errors
    ///
    /// The OS's. Killing a child that already exited is not an error.
    pub fn kill(&mut self) -> io::Result<()> {
        if self.try_wait()?.is_some() {
            return Ok(());
        }
        match &mut self.process {
            Some(process) => process.kill(),
            None => Ok(()),
        }
    }

    /// Asks the child to end (`SIGTERM`; asyncio's `terminate()`).
    ///
    /// # Errors
    ///
    /// As [`send_signal`](Child::send_signal).
    pub fn terminate(&mut self) -> io::Result<()> {
        self.send_signal(SignalKind::terminate())
    }

    /// Sends `kind` to the child (asyncio's `send_signal`).
    ///
    /// # Errors
    ///
    /// `InvalidInput` once the child has been waited for: its pid is free
    /// and may already name another process, so nothing is sent. Otherwise
    /// the OS's.
    pub fn send_signal(&mut self, kind: SignalKind) -> io::Result<()> {
        if let Some(status) = self.try_wait()? {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "cannot send {kind} to child {}: it has exited ({status}) and been reaped, so its pid \
                     may belong to another process now",
                    self.id()
                ),
            ));
        }
        crate::sys::signal::send(self.id(), kind.as_raw_value())
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut process) = self.process.take() else {
            return;
        };
        if self.status.is_some() {
            return;
        }
        if self.kill_on_drop {
            let _ = process.kill();
        }
        // Reaped when it exits, by the signal thread.
        crate::signal::adopt_orphan(process);
    }
}

/// The future of [`Child::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a> {
    child: &'a mut Child,
}

impl Future for Wait<'_> {
    type Output = io::Result<ExitStatus>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        self.get_mut().child.poll_wait(cx)
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        self.child.sigchld.stop();
    }
}

impl std::fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("pid", &self.child.id())
            .finish()
    }
}

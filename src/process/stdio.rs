//! [`stdin`], [`stdout`], [`stderr`]: this process's standard streams,
//! async, through a worker thread.
//!
//! # Why a worker thread, and not the reactor
//!
//! Descriptors 0, 1 and 2 are usually shared: with the terminal, with the
//! shell that started us, with the other programs of a pipeline. The
//! reactor needs a descriptor in non-blocking mode, and `O_NONBLOCK` is a
//! flag of the *open file*, not of the descriptor: setting it on our stdin
//! sets it for the shell too, which then sees `EAGAIN` on its next read of
//! the terminal and may exit, and a `dup` of fd 0 shares the same flag, so
//! it does not help. (Only reopening the file, `/proc/self/fd/0` on Linux,
//! gives a flag of one's own, and only for pipes and FIFOs, not terminals.)
//!
//! So evloop does what Tokio does: a read or a write runs as a blocking
//! call on a [`to_thread`](crate::to_thread) worker, and the task awaits
//! the job. Files, terminals, pipes and sockets all work the same way, and
//! nobody else's descriptor changes. The cost is a thread hop per call, and
//! a read that cannot be cancelled once started: its bytes, when they come,
//! are kept in the `Stdin` for the next read, never lost.
//!
//! ```text
//!   stdin().read(buf).await
//!     buffered bytes? ── yes ─▶ copy, Ready
//!     no job running? ─▶ to_thread(read up to 8 KiB from fd 0)   (ExternalWork: the loop waits)
//!     job done ─▶ keep its bytes in the buffer, copy, Ready
//! ```
//!
//! These work in loops without a reactor too: they need only the worker
//! threads.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::blocking::ToThread;
use crate::executor::context;
use crate::io::{AsyncRead, AsyncWrite};

/// How much one read or write job moves at most.
const CHUNK: usize = 8 * 1024;

/// The error for a stream polled outside a running loop: its jobs need the
/// loop's worker threads.
fn outside_loop(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "{what} was used outside a running evloop loop; its reads and writes run on the loop's \
             worker threads, so use it inside a future given to evloop::run or Runtime::block_on"
        ),
    )
}

/// Starts `job` on a worker of the running loop, or says there is none.
fn start<T: Send + 'static>(
    what: &str,
    job: impl FnOnce() -> T + Send + 'static,
) -> io::Result<ToThread<T>> {
    context::with_core(|_| ())
        .map(|()| crate::to_thread(job))
        .ok_or_else(|| outside_loop(what))
}

/// The result of a job, as an `io::Result` (a worker that panicked or could
/// not start becomes an error).
fn poll_job<T>(job: &mut ToThread<T>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
    Pin::new(job)
        .poll(cx)
        .map(|r| r.map_err(|e| io::Error::other(e.to_string())))
}

/// This process's standard input, async. Made by [`stdin`].
///
/// Each read is a blocking `read(2)` on a worker thread (see the module doc
/// for why). Bytes read but not yet asked for stay here; several `Stdin`
/// values read the same descriptor, each with its own buffer, so keep one.
///
/// # Cancel safety
///
/// Reads are cancel safe: a read dropped while its job runs leaves the job
/// running, and its bytes go to the next read.
pub struct Stdin {
    buf: Vec<u8>,
    pos: usize,
    job: Option<ToThread<(io::Result<usize>, Vec<u8>)>>,
}

/// This process's standard input (see [`Stdin`]).
///
/// # Examples
///
/// A line-by-line REPL over stdin that squares numbers (`printf '2\n3\n' |
/// this-program` prints 4 and 9):
///
/// ```no_run
/// use evloop::io::{AsyncWriteExt, BufReader};
/// use evloop::stream::StreamExt;
///
/// evloop::run(async {
///     let mut out = evloop::process::stdout();
///     let mut lines = BufReader::new(evloop::process::stdin()).lines();
///     while let Some(line) = lines.next().await {
///         let n: i64 = line.unwrap().trim().parse().unwrap_or(0);
///         out.write_all(format!("{}\n", n * n).as_bytes()).await.unwrap();
///     }
///     out.flush().await.unwrap();
/// });
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        buf: Vec::new(),
        pos: 0,
        job: None,
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            if this.pos < this.buf.len() || buf.is_empty() {
                let n = buf.len().min(this.buf.len() - this.pos);
                buf[..n].copy_from_slice(&this.buf[this.pos..this.pos + n]);
                this.pos += n;
                return Poll::Ready(Ok(n));
            }
            let job = match &mut this.job {
                Some(job) => job,
                None => this.job.insert(start("evloop::process::stdin()", || {
                    let mut bytes = vec![0; CHUNK];
                    let n = io::stdin().lock().read(&mut bytes);
                    (n, bytes)
                })?),
            };
            let (n, bytes) = ready!(poll_job(job, cx))?;
            this.job = None;
            let n = n?;
            if n == 0 {
                return Poll::Ready(Ok(0)); // end of input
            }
            this.buf = bytes;
            this.buf.truncate(n);
            this.pos = 0;
        }
    }
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stdin")
            .field("buffered", &(self.buf.len() - self.pos))
            .field("reading", &self.job.is_some())
            .finish()
    }
}

/// Which of the two output streams a [`Writer`] writes.
#[derive(Clone, Copy, Debug)]
enum Target {
    Stdout,
    Stderr,
}

/// The shared body of [`Stdout`] and [`Stderr`]: one write job at a time.
///
/// `poll_write` hands (a copy of) the bytes to a job and returns at once
/// with their count, as Tokio's `Stdout` does: the bytes are on their way,
/// in order. An error of that job comes back from the next call, and
/// `flush` waits until every byte is out.
struct Writer {
    target: Target,
    job: Option<ToThread<io::Result<()>>>,
}

impl Writer {
    /// Waits for the job in flight, if any, and returns its error, if any.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(job) = &mut self.job {
            let done = ready!(poll_job(job, cx)).and_then(|r| r);
            self.job = None;
            done?;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_idle(cx))?;
        let bytes = buf[..buf.len().min(CHUNK)].to_vec();
        let n = bytes.len();
        let target = self.target;
        self.job = Some(start(target.name(), move || match target {
            Target::Stdout => io::stdout().lock().write_all(&bytes),
            Target::Stderr => io::stderr().lock().write_all(&bytes),
        })?);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_idle(cx))?;
        let target = self.target;
        // std's Stdout is line-buffered: push out a last partial line.
        self.job = Some(start(target.name(), move || match target {
            Target::Stdout => io::stdout().lock().flush(),
            Target::Stderr => io::stderr().lock().flush(),
        })?);
        self.poll_idle(cx)
    }
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Stdout => "evloop::process::stdout()",
            Target::Stderr => "evloop::process::stderr()",
        }
    }
}

macro_rules! output_stream {
    ($(#[$doc:meta])* $name:ident, $fn_doc:literal, $make:ident, $target:ident) => {
        $(#[$doc])*
        pub struct $name {
            writer: Writer,
        }

        #[doc = $fn_doc]
        pub fn $make() -> $name {
            $name {
                writer: Writer {
                    target: Target::$target,
                    job: None,
                },
            }
        }

        impl AsyncWrite for $name {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().writer.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().writer.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().writer.poll_flush(cx)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("writing", &self.writer.job.is_some())
                    .finish()
            }
        }
    };
}

output_stream!(
    /// This process's standard output, async. Made by [`stdout`].
    ///
    /// Each write is a blocking `write(2)` on a worker thread (see the
    /// module doc for why): `write` returns as soon as the bytes are handed
    /// over, an error of that write comes back from the next call, and
    /// [`flush`](crate::io::AsyncWriteExt::flush) waits until every byte is
    /// out. **Flush before the program ends**, or the last write may not
    /// have happened. Writes of several `Stdout` values may interleave
    /// (each write of up to 8 KiB is whole).
    ///
    /// # Cancel safety
    ///
    /// A `write` dropped before it returned wrote nothing; one that
    /// returned will be written, even if the `Stdout` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncWriteExt;
    ///
    /// evloop::run(async {
    ///     let mut out = evloop::process::stdout();
    ///     out.write_all(b"hello from a worker thread\n").await.unwrap();
    ///     out.flush().await.unwrap();
    /// });
    /// ```
    Stdout,
    "This process's standard output (see [`Stdout`]).",
    stdout,
    Stdout
);

output_stream!(
    /// This process's standard error, async. Made by [`stderr`]; works as
    /// [`Stdout`] does.
    Stderr,
    "This process's standard error (see [`Stderr`]).",
    stderr,
    Stderr
);

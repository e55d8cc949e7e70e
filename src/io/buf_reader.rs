//! [`BufReader`]: asyncio's `StreamReader`, on any [`AsyncRead`].

use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::{AsyncBufRead, AsyncRead};

/// asyncio's default `limit` for a `StreamReader`: 64 KiB.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// How much one read from the inner stream asks for at most.
const CHUNK: usize = 8 * 1024;

/// A reader with a buffer: lines and delimited records from any
/// [`AsyncRead`] (a socket, a pipe, a [split](super::split) half), like
/// asyncio's `StreamReader`.
///
/// | asyncio                          | evloop                              |
/// |----------------------------------|-------------------------------------|
/// | `await reader.readline()`        | [`read_line`](BufReader::read_line) |
/// | `await reader.readuntil(b";")`   | [`read_until`](BufReader::read_until) |
/// | `async for line in reader`       | [`lines`](BufReader::lines) (a [`Stream`](crate::stream::Stream)) |
/// | `await reader.readexactly(n)`    | [`read_exact`](super::AsyncReadExt::read_exact) |
/// | `await reader.read(n)`           | [`read`](super::AsyncReadExt::read) |
/// | `StreamReader(limit=…)`          | [`with_limit`](BufReader::with_limit) |
///
/// # The limit
///
/// The buffer is bounded: a line (or record) is looked for in the buffer,
/// and the buffer grows to hold it, but never past the *limit* (64 KiB
/// unless [`with_limit`](BufReader::with_limit) says otherwise). A peer
/// that sends more than that without a delimiter gets an `InvalidData`
/// error that says so, not an ever-growing buffer; asyncio raises
/// `LimitOverrunError` (or `ValueError` from `readline`) the same way. The
/// bytes stay buffered: read them with `read`, or drop them with
/// [`discard_buffer`](BufReader::discard_buffer).
///
/// # Cancel safety
///
/// `read_line` and `read_until` take a line out of the buffer only when it
/// is complete, so a cancelled call loses nothing: the next call finds the
/// same bytes. `read_exact` is not cancel safe (see
/// [`AsyncReadExt`](super::AsyncReadExt)).
///
/// # Examples
///
/// ```
/// use evloop::io::BufReader;
/// use evloop::net::UnixStream;
/// use evloop::stream::StreamExt;
///
/// evloop::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     a.write_all(b"GET /\r\nHost: x\n\nbody").await.unwrap();
///     drop(a);
///     let mut reader = BufReader::new(b);
///     let mut line = String::new();
///     reader.read_line(&mut line).await.unwrap();
///     assert_eq!(line, "GET /\r\n");
///     let rest: Vec<String> = reader.lines().map(Result::unwrap).collect().await;
///     assert_eq!(rest, ["Host: x", "", "body"]);
/// });
/// ```
pub struct BufReader<R> {
    inner: R,
    /// Storage, zeroed once as it grows (never per read).
    buf: Vec<u8>,
    /// The unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    limit: usize,
}

impl<R: AsyncRead> BufReader<R> {
    /// A reader with asyncio's default limit, [`DEFAULT_LIMIT`] (64 KiB).
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_limit(DEFAULT_LIMIT, inner)
    }

    /// A reader whose buffer holds at most `limit` bytes: the longest line
    /// [`read_line`](BufReader::read_line) accepts, delimiter included.
    /// (With a limit of 0 no line fits: every `read_line` says so. Plain
    /// reads still work.)
    pub fn with_limit(limit: usize, inner: R) -> BufReader<R> {
        BufReader {
            inner,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            limit,
        }
    }
}

impl<R> BufReader<R> {
    /// The limit given at creation.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The bytes read from the inner stream and not yet taken.
    pub fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Drops the buffered bytes (after a limit error, to skip an overlong
    /// line); returns how many there were.
    pub fn discard_buffer(&mut self) -> usize {
        let n = self.end - self.pos;
        self.pos = 0;
        self.end = 0;
        n
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably (reading from it directly skips the
    /// buffered bytes).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner reader; buffered bytes are lost.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: AsyncRead + Unpin> BufReader<R> {
    /// Reads up to and including the next `delimiter` and appends it to
    /// `out`; returns how many bytes were appended. At end of stream the
    /// last bytes come without a delimiter, and then `Ok(0)`.
    ///
    /// # Errors
    ///
    /// - `InvalidData` if no `delimiter` comes within the limit (the bytes
    ///   stay in the buffer; see the type's docs).
    /// - The inner stream's.
    pub fn read_until<'a>(
        &'a mut self,
        delimiter: u8,
        out: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        let mut searched = 0;
        poll_fn(move |cx| {
            let n = ready!(self.poll_record(cx, delimiter, &mut searched))?;
            out.extend_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            Poll::Ready(Ok(n))
        })
    }

    /// Reads a line, `\n` included (and a `\r` before it), and appends it
    /// to `line`; returns how many bytes. `Ok(0)` is end of stream.
    ///
    /// # Errors
    ///
    /// - `InvalidData` if the line is longer than the limit (it stays
    ///   buffered), or is not UTF-8 (it is consumed; `line` is unchanged).
    /// - The inner stream's.
    pub fn read_line<'a>(
        &'a mut self,
        line: &'a mut String,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        let mut searched = 0;
        poll_fn(move |cx| {
            let n = ready!(self.poll_record(cx, b'\n', &mut searched))?;
            let bytes = &self.buf[self.pos..self.pos + n];
            self.pos += n;
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    line.push_str(s);
                    Poll::Ready(Ok(n))
                }
                Err(e) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "read_line: the line of {n} bytes is not UTF-8 ({e}); it was consumed, \
                         and the string is unchanged (use read_until for bytes)"
                    ),
                ))),
            }
        })
    }

    /// The lines to end of stream, each without its `\n` or `\r\n`, as a
    /// [`Stream`](crate::stream::Stream) (`async for line in reader`).
    pub fn lines(self) -> Lines<R> {
        Lines {
            reader: self,
            searched: 0,
        }
    }

    /// The length of the next record, `delimiter` included, once it is all
    /// in the buffer (the bytes before end of stream count as the last
    /// one; 0 is end of stream). `searched` is how far the buffer was
    /// already searched, so each byte is looked at once.
    fn poll_record(
        &mut self,
        cx: &mut Context<'_>,
        delimiter: u8,
        searched: &mut usize,
    ) -> Poll<io::Result<usize>> {
        loop {
            let unread = &self.buf[self.pos..self.end];
            if let Some(i) = unread[*searched..].iter().position(|&b| b == delimiter) {
                let n = *searched + i + 1;
                *searched = 0;
                return Poll::Ready(Ok(n));
            }
            *searched = unread.len();
            if unread.len() >= self.limit {
                return Poll::Ready(Err(self.overrun(delimiter)));
            }
            match ready!(self.poll_more(cx)) {
                Ok(0) => {
                    let n = self.end - self.pos;
                    *searched = 0;
                    return Poll::Ready(Ok(n));
                }
                Ok(_) => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn overrun(&self, delimiter: u8) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "no {:?} within the BufReader's limit of {} bytes; the {} bytes stay buffered \
                 (take them with read or drop them with discard_buffer), or raise the limit with \
                 BufReader::with_limit",
                char::from(delimiter),
                self.limit,
                self.end - self.pos,
            ),
        )
    }

    /// Reads more from the inner stream onto the end of the buffer (first
    /// moving the unread bytes to the front), never past the limit.
    fn poll_more(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        }
        let have = self.end - self.pos;
        // Below the limit when looking for a record (checked first); at
        // least one byte for a plain read, whatever the limit.
        let want = CHUNK.min(self.limit.saturating_sub(have)).max(1);
        if self.end + want > self.buf.len() {
            // Move the unread bytes to the front, then grow if still short.
            self.buf.copy_within(self.pos..self.end, 0);
            self.pos = 0;
            self.end = have;
            if have + want > self.buf.len() {
                self.buf.resize(have + want, 0);
            }
        }
        let read =
            Pin::new(&mut self.inner).poll_read(cx, &mut self.buf[self.end..self.end + want]);
        if let Poll::Ready(Ok(n)) = read {
            self.end += n;
        }
        read
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for BufReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // Nothing buffered and a big read: skip the copy.
        if this.pos == this.end && buf.len() >= CHUNK {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let available = ready!(Pin::new(&mut *this).poll_fill_buf(cx))?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        this.pos += n;
        Poll::Ready(Ok(n))
    }
}

impl<R: AsyncRead + Unpin> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos == this.end {
            ready!(this.poll_more(cx))?;
        }
        Poll::Ready(Ok(&this.buf[this.pos..this.end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.pos = (this.pos + amt).min(this.end);
    }
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("inner", &self.inner)
            .field("buffered", &(self.end - self.pos))
            .field("limit", &self.limit)
            .finish()
    }
}

/// The lines of a [`BufReader`], as a [`Stream`](crate::stream::Stream) of `io::Result<String>`;
/// see [`BufReader::lines`]. An error is one item; the stream goes on after
/// it (after a limit error, with the same bytes: drop them with
/// [`get_mut`](Lines::get_mut)`().discard_buffer()` or stop).
pub struct Lines<R> {
    reader: BufReader<R>,
    searched: usize,
}

impl<R> Lines<R> {
    /// The reader underneath.
    pub fn get_mut(&mut self) -> &mut BufReader<R> {
        &mut self.reader
    }

    /// The reader back, with what it buffered.
    pub fn into_inner(self) -> BufReader<R> {
        self.reader
    }
}

impl<R: AsyncRead + Unpin> Lines<R> {
    /// The next line; the `Stream` impl (in `stream`, which comes after
    /// `io` in the reading order) calls this.
    pub(crate) fn poll_next_line(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<io::Result<String>>> {
        let reader = &mut self.reader;
        let n = match ready!(reader.poll_record(cx, b'\n', &mut self.searched)) {
            Ok(0) => return Poll::Ready(None),
            Ok(n) => n,
            Err(e) => return Poll::Ready(Some(Err(e))),
        };
        let mut bytes = &reader.buf[reader.pos..reader.pos + n];
        reader.pos += n;
        if let Some(rest) = bytes.strip_suffix(b"\n") {
            bytes = rest.strip_suffix(b"\r").unwrap_or(rest);
        }
        Poll::Ready(Some(String::from_utf8(bytes.to_vec()).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line of {n} bytes is not UTF-8 ({e}); it was skipped"),
            )
        })))
    }
}

impl<R: fmt::Debug> fmt::Debug for Lines<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lines")
            .field("reader", &self.reader)
            .finish()
    }
}

//! `io::BufReader`, asyncio's `StreamReader`: lines and records across
//! chunk boundaries, the bounded buffer's error, cancel safety.

mod util;

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use evloop::io::{AsyncRead, AsyncReadExt, BufReader};
use evloop::select;
use evloop::stream::StreamExt;

/// A reader that hands out `chunks` one per poll, returning `Pending`
/// (and waking itself) between them, so every chunk boundary is a real
/// boundary between polls; then end of stream.
struct Chunks {
    chunks: VecDeque<Vec<u8>>,
    pending_next: bool,
    reads: usize,
}

fn chunks(parts: &[&[u8]]) -> Chunks {
    Chunks {
        chunks: parts.iter().map(|p| p.to_vec()).collect(),
        pending_next: true,
        reads: 0,
    }
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending_next {
            self.pending_next = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.pending_next = true;
        self.reads += 1;
        let Some(mut chunk) = self.chunks.pop_front() else {
            return Poll::Ready(Ok(0));
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        if n < chunk.len() {
            self.chunks.push_front(chunk.split_off(n));
        }
        Poll::Ready(Ok(n))
    }
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    evloop::Runtime::builder()
        .virtual_clock()
        .build()
        .block_on(f)
}

#[test]
fn read_line_joins_chunks_and_keeps_the_line_ending() {
    run(async {
        let mut r = BufReader::new(chunks(&[b"hel", b"lo\r", b"\nwor", b"ld\n", b"tail"]));
        let mut line = String::new();
        assert_eq!(r.read_line(&mut line).await.unwrap(), 7);
        assert_eq!(line, "hello\r\n");
        line.clear();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "world\n");
        line.clear();
        assert_eq!(
            r.read_line(&mut line).await.unwrap(),
            4,
            "the last line has no newline"
        );
        assert_eq!(line, "tail");
        assert_eq!(
            r.read_line(&mut line).await.unwrap(),
            0,
            "then end of stream"
        );
    });
}

#[test]
fn lines_is_a_stream_without_line_endings() {
    run(async {
        let r = BufReader::new(chunks(&[b"a\r\nb", b"\n\nc"]));
        let lines: Vec<String> = r.lines().map(Result::unwrap).collect().await;
        assert_eq!(lines, ["a", "b", "", "c"]);
    });
}

#[test]
fn read_until_takes_any_delimiter() {
    run(async {
        let mut r = BufReader::new(chunks(&[b"k=v;", b"x", b"=y;"]));
        let mut out = Vec::new();
        assert_eq!(r.read_until(b';', &mut out).await.unwrap(), 4);
        assert_eq!(r.read_until(b';', &mut out).await.unwrap(), 4);
        assert_eq!(out, b"k=v;x=y;");
    });
}

#[test]
fn a_line_past_the_limit_is_a_clear_error_and_the_bytes_stay() {
    run(async {
        let mut r = BufReader::with_limit(8, chunks(&[b"0123", b"456789", b"AB\nok\n"]));
        let mut line = String::new();
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let msg = err.to_string();
        assert!(
            msg.contains("limit of 8 bytes") && msg.contains("with_limit"),
            "{msg}"
        );
        assert_eq!(line, "", "nothing taken");
        assert_eq!(
            r.buffer(),
            b"01234567",
            "the bytes stay buffered, no more than the limit"
        );
        assert_eq!(r.discard_buffer(), 8);
        // The rest of the overlong line, then the next line.
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "89AB\n");
        line.clear();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "ok\n");
    });
}

#[test]
fn a_line_of_exactly_the_limit_fits() {
    run(async {
        let mut r = BufReader::with_limit(4, chunks(&[b"abc\n"]));
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "abc\n");
    });
}

#[test]
fn a_zero_limit_errors_on_lines_but_plain_reads_work() {
    run(async {
        let mut r = BufReader::with_limit(0, chunks(&[b"ab\n"]));
        let err = r.read_line(&mut String::new()).await.unwrap_err();
        assert!(err.to_string().contains("limit of 0 bytes"), "{err}");
        let mut all = Vec::new();
        r.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"ab\n");
    });
}

#[test]
fn read_exact_and_read_line_share_the_buffer() {
    run(async {
        let mut r = BufReader::new(chunks(&[b"LEN 5\nhel", b"lo", b"next\n"]));
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "LEN 5\n");
        let mut body = [0; 5];
        r.read_exact(&mut body).await.unwrap();
        assert_eq!(&body, b"hello");
        line.clear();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "next\n");
    });
}

#[test]
fn a_cancelled_read_line_loses_nothing() {
    run(async {
        let mut r = BufReader::new(chunks(&[b"par", b"tial", b" line\n"]));
        let mut line = String::new();
        // Cancelled after the first chunk came in (one yield lets the
        // reader take it; the other branch wins the next poll).
        select! {
            _ = r.read_line(&mut line) => panic!("the line is not complete yet"),
            _ = async { evloop::yield_now().await; evloop::yield_now().await } => {}
        }
        assert_eq!(line, "");
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "partial line\n");
    });
}

#[test]
fn invalid_utf8_is_an_error_and_the_string_is_unchanged() {
    run(async {
        let mut r = BufReader::new(chunks(&[b"ok\n\xff\xfe\n", b"fine\n"]));
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        assert_eq!(line, "ok\n");
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "ok\nfine\n");
    });
}

#[test]
fn big_reads_bypass_the_buffer_when_it_is_empty() {
    run(async {
        let mut r = BufReader::new(chunks(&[&[7u8; 10_000]]));
        let mut big = vec![0; 10_000];
        assert_eq!(r.read(&mut big).await.unwrap(), 10_000);
        assert_eq!(
            r.get_ref().reads,
            1,
            "one read of the inner stream, no copy"
        );
    });
}

#[test]
fn buf_reader_over_a_socket() {
    if util::skip_without_reactor("buf_reader_over_a_socket") {
        return;
    }
    evloop::run(async {
        let (a, b) = evloop::net::UnixStream::pair().unwrap();
        let writer = evloop::spawn(async move {
            for i in 0..100 {
                a.write_all(format!("line {i}\n").as_bytes()).await.unwrap();
            }
        });
        let lines: Vec<String> = BufReader::new(b)
            .lines()
            .map(Result::unwrap)
            .take(100)
            .collect()
            .await;
        assert_eq!(lines.len(), 100);
        assert_eq!(lines[99], "line 99");
        writer.await.unwrap();
    });
}

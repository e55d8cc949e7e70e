//! One in-memory connection: two pipes (one per direction), the faults and
//! their generator. Every change of state happens here.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::task::{Context, Poll, Waker};

use super::Faults;
use crate::executor::Rng;
use crate::time::{Instant, Sleep, sleep_until};

/// The bytes going one way.
pub(super) struct Pipe {
    /// Arrived: the reader may take them.
    ready: VecDeque<u8>,
    /// Written but not yet arrived (only with latency): when, and what.
    in_flight: VecDeque<(Instant, Vec<u8>)>,
    /// Bytes in `ready` and `in_flight` together.
    buffered: usize,
    capacity: usize,
    /// The writer shut down or dropped: end of stream after the bytes.
    write_closed: bool,
    /// The reader dropped: writes fail with `BrokenPipe`.
    read_closed: bool,
    /// Bytes written so far (for `reset_after`).
    written: u64,
    /// The tasks waiting to read / to write (several may share an end).
    readers: Vec<Waker>,
    writers: Vec<Waker>,
    /// The timer of the next in-flight bytes, while the reader waits on it.
    timer: Option<Sleep>,
}

impl Pipe {
    fn new(capacity: usize) -> Pipe {
        Pipe {
            ready: VecDeque::new(),
            in_flight: VecDeque::new(),
            buffered: 0,
            capacity: capacity.max(1),
            write_closed: false,
            read_closed: false,
            written: 0,
            readers: Vec::new(),
            writers: Vec::new(),
            timer: None,
        }
    }

    /// Moves the in-flight bytes that are due into `ready`.
    fn deliver(&mut self, now: Instant) {
        while let Some((due, _)) = self.in_flight.front()
            && *due <= now
        {
            let (_, bytes) = self.in_flight.pop_front().expect("just looked");
            self.ready.extend(bytes);
        }
    }
}

/// A connection: `pipes[0]` carries what end 0 writes, `pipes[1]` what end
/// 1 writes.
pub(super) struct Conn {
    pipes: [Pipe; 2],
    faults: Faults,
    rng: Rng,
    /// A reset happened: every operation on either end fails.
    reset: bool,
    /// The latest arrival time handed out, per pipe: writes never overtake.
    last_due: [Option<Instant>; 2],
    /// Wakers to wake once the caller has let go of the connection (never
    /// wake while borrowed: the woken code might use it).
    to_wake: Vec<Waker>,
}

/// Keeps `cx`'s waker among `waiters`, once.
fn wait_in(waiters: &mut Vec<Waker>, cx: &Context<'_>) {
    if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
        waiters.push(cx.waker().clone());
    }
}

fn reset_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "the in-memory connection was reset by its Faults::reset_after",
    )
}

impl Conn {
    pub(super) fn new(capacity: usize, faults: Faults) -> Conn {
        Conn {
            pipes: [Pipe::new(capacity), Pipe::new(capacity)],
            rng: Rng::new(faults.seed),
            faults,
            reset: false,
            last_due: [None, None],
            to_wake: Vec::new(),
        }
    }

    /// The wakers the last operation owes; wake them after the borrow ends.
    pub(super) fn take_wakes(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.to_wake)
    }

    fn wake_reader(&mut self, pipe: usize) {
        self.to_wake.append(&mut self.pipes[pipe].readers);
    }

    fn wake_writer(&mut self, pipe: usize) {
        self.to_wake.append(&mut self.pipes[pipe].writers);
    }

    /// End `end` reads what the other end wrote.
    pub(super) fn poll_read(
        &mut self,
        end: usize,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            let pipe = &mut self.pipes[1 - end];
            if !pipe.in_flight.is_empty() {
                pipe.deliver(Instant::now());
            }
            if !pipe.ready.is_empty() {
                pipe.timer = None;
                let want = buf.len().min(pipe.ready.len());
                let n = self.faults.draw_len(&mut self.rng, want);
                let pipe = &mut self.pipes[1 - end];
                for (slot, byte) in buf.iter_mut().zip(pipe.ready.drain(..n)) {
                    *slot = byte;
                }
                pipe.buffered -= n;
                self.wake_writer(1 - end);
                return Poll::Ready(Ok(n));
            }
            if let Some(&(due, _)) = pipe.in_flight.front() {
                // Bytes are on their way: wait on the loop's clock.
                let timer = pipe.timer.get_or_insert_with(|| sleep_until(due));
                if timer.deadline() != due {
                    timer.reset(due);
                }
                if std::pin::Pin::new(timer).poll(cx).is_ready() {
                    pipe.timer = None;
                    continue;
                }
                return Poll::Pending;
            }
            if self.reset {
                return Poll::Ready(Err(reset_error()));
            }
            if pipe.write_closed {
                return Poll::Ready(Ok(0));
            }
            wait_in(&mut pipe.readers, cx);
            return Poll::Pending;
        }
    }

    /// End `end` writes to the other end.
    pub(super) fn poll_write(
        &mut self,
        end: usize,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.reset {
            return Poll::Ready(Err(reset_error()));
        }
        let pipe = &mut self.pipes[end];
        if pipe.write_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "this in-memory stream's write side was shut down; shut it down only after the last write",
            )));
        }
        if pipe.read_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the other end of the in-memory stream was dropped",
            )));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let room = pipe.capacity - pipe.buffered;
        if room == 0 {
            wait_in(&mut pipe.writers, cx);
            return Poll::Pending;
        }
        let mut n = self.faults.draw_len(&mut self.rng, buf.len().min(room));
        let mut resets = false;
        if let Some(limit) = self.faults.reset_after {
            let left = limit.saturating_sub(pipe.written);
            if n as u64 >= left {
                n = usize::try_from(left).unwrap_or(n);
                resets = true;
            }
        }
        let bytes = &buf[..n];
        pipe.written += n as u64;
        pipe.buffered += n;
        match self.faults.draw_latency(&mut self.rng) {
            None => pipe.ready.extend(bytes),
            Some(latency) => {
                let due = Instant::now() + latency;
                let due = self.last_due[end].map_or(due, |last| last.max(due));
                self.last_due[end] = Some(due);
                pipe.in_flight.push_back((due, bytes.to_vec()));
            }
        }
        self.wake_reader(end);
        if resets {
            self.reset = true;
            for pipe in [0, 1] {
                self.wake_reader(pipe);
                self.wake_writer(pipe);
            }
            if n == 0 {
                return Poll::Ready(Err(reset_error()));
            }
        }
        Poll::Ready(Ok(n))
    }

    /// End `end` will write no more: the other end reads end of stream
    /// after the bytes already written.
    pub(super) fn shutdown(&mut self, end: usize) {
        self.pipes[end].write_closed = true;
        self.wake_reader(end);
    }

    /// End `end` is gone: it writes no more and reads no more.
    pub(super) fn close(&mut self, end: usize) {
        self.shutdown(end);
        let incoming = &mut self.pipes[1 - end];
        incoming.read_closed = true;
        incoming.timer = None;
        self.wake_writer(1 - end);
    }
}

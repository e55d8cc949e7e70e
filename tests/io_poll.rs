//! Poll-based I/O: `poll_readable`/`poll_read` with no borrow held across
//! calls, the poll traits on sockets and `Async<T>`, `split`, and the
//! `async fn` methods built on them.

mod util;

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::io::{IoSlice, IoSliceMut, Read};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use evloop::io::{self, Async, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use evloop::net::UnixStream;
use evloop::{Runtime, select};

/// The reactor chapter's exercise: a read future written by hand that owns
/// its socket (no self-borrow), counting its polls.
struct ReadSome {
    io: Async<std::os::unix::net::UnixStream>,
    buf: Vec<u8>,
    polls: Rc<Cell<u32>>,
}

impl Future for ReadSome {
    type Output = std::io::Result<Vec<u8>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.polls.set(this.polls.get() + 1);
        loop {
            ready!(this.io.poll_readable(cx))?;
            let mut chunk = [0u8; 16];
            match this.io.get_ref().read(&mut chunk) {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => this.io.clear_readable(),
                Err(e) => return Poll::Ready(Err(e)),
                Ok(n) => {
                    this.buf.extend_from_slice(&chunk[..n]);
                    return Poll::Ready(Ok(std::mem::take(&mut this.buf)));
                }
            }
        }
    }
}

#[test]
fn a_hand_written_read_future_owns_its_socket_and_is_polled_twice() {
    if util::skip_without_reactor("a_hand_written_read_future_owns_its_socket_and_is_polled_twice")
    {
        return;
    }
    let (rt, _) = util::virtual_rt();
    rt.block_on(async {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = UnixStream::from_std(a).unwrap();
        let polls = Rc::new(Cell::new(0));
        let reader = evloop::spawn(ReadSome {
            io: Async::new(b).unwrap(),
            buf: Vec::new(),
            polls: polls.clone(),
        });
        evloop::yield_now().await; // the reader parks: nothing to read yet
        assert_eq!(polls.get(), 1);
        a.write_all(b"hello").await.unwrap();
        assert_eq!(reader.await.unwrap().unwrap(), b"hello");
        assert_eq!(polls.get(), 2, "polled once to park, once when readable");
    });
}

#[test]
fn poll_read_keeps_one_waiter_per_direction_and_the_last_waker_wins() {
    if util::skip_without_reactor(
        "poll_read_keeps_one_waiter_per_direction_and_the_last_waker_wins",
    ) {
        return;
    }
    let (rt, _) = util::virtual_rt();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let fd = b.as_raw_fd();
    let (a, b) = rt.block_on(async {
        (
            UnixStream::from_std(a).unwrap(),
            Rc::new(UnixStream::from_std(b).unwrap()),
        )
    });
    // Two tasks poll the same socket through `poll_read`: the second
    // replaces the first's waker in the socket's one read waiter.
    let first = rt.spawn_named("first", {
        let b = b.clone();
        async move { poll_fn(|cx| b.poll_read(cx, &mut [0; 8])).await }
    });
    rt.run_until_idle().unwrap();
    let second = rt.spawn_named("second", {
        let b = b.clone();
        async move { poll_fn(|cx| b.poll_read(cx, &mut [0; 8])).await }
    });
    rt.run_until_idle().unwrap();
    let readers: Vec<String> = rt
        .snapshot()
        .io
        .iter()
        .filter(|r| r.fd == fd)
        .flat_map(|r| r.readers.iter().map(|(_, n)| n.clone()))
        .collect();
    assert_eq!(readers, ["second"], "one waiter, the last waker");
    rt.block_on(async { a.write_all(b"x").await.unwrap() });
    rt.run_until_idle().unwrap();
    assert!(second.is_finished(), "the last poller is woken");
    assert!(!first.is_finished(), "the replaced waker is not");
    first.cancel();
}

#[test]
fn a_dropped_async_read_leaves_no_waiter_and_the_virtual_clock_jumps() {
    if util::skip_without_reactor(
        "a_dropped_async_read_leaves_no_waiter_and_the_virtual_clock_jumps",
    ) {
        return;
    }
    let (rt, _) = util::virtual_rt();
    rt.block_on(async {
        let (a, _b) = UnixStream::pair().unwrap();
        let start = evloop::time::Instant::now();
        // The read loses the race against an event-less branch that is
        // ready at once; its waiter must go with it.
        let mut buf = [0; 4];
        select! {
            _ = a.read(&mut buf) => panic!("nothing was written"),
            _ = evloop::yield_now() => {}
        }
        evloop::sleep(Duration::from_secs(60)).await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(60),
            "no stale I/O waiter held the clock"
        );
    });
}

#[test]
fn the_poll_traits_work_on_sockets_on_shared_references_and_on_async() {
    if util::skip_without_reactor(
        "the_poll_traits_work_on_sockets_on_shared_references_and_on_async",
    ) {
        return;
    }
    evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        // Through `&UnixStream`: AsyncWriteExt / AsyncReadExt.
        let mut w = &a;
        AsyncWriteExt::write_all(&mut w, b"one").await.unwrap();
        let mut r = &b;
        let mut buf = [0; 3];
        AsyncReadExt::read_exact(&mut r, &mut buf).await.unwrap();
        assert_eq!(&buf, b"one");
        // Vectored, on Async<T>.
        let (c, d) = std::os::unix::net::UnixStream::pair().unwrap();
        let (c, d) = (Async::new(c).unwrap(), Async::new(d).unwrap());
        let n =
            poll_fn(|cx| c.poll_write_vectored(cx, &[IoSlice::new(b"ab"), IoSlice::new(b"cd")]))
                .await
                .unwrap();
        assert_eq!(n, 4);
        let (mut x, mut y) = ([0; 1], [0; 3]);
        let n = poll_fn(|cx| {
            d.poll_read_vectored(cx, &mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
        })
        .await
        .unwrap();
        assert_eq!((n, &x, &y), (4, b"a", b"bcd"));
        // Shutdown: the peer reads end of stream.
        let mut a = a;
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(matches!(
            Pin::new(&mut a).poll_flush(&mut cx),
            Poll::Ready(Ok(()))
        ));
        AsyncWriteExt::shutdown(&mut a).await.unwrap();
        assert_eq!(AsyncReadExt::read(&mut r, &mut buf).await.unwrap(), 0);
    });
}

/// Any `AsyncRead + AsyncWrite` works here: this is code written once.
async fn echo_once<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> std::io::Result<usize> {
    let mut buf = [0; 64];
    let n = stream.read(&mut buf).await?;
    stream.write_all(&buf[..n]).await?;
    Ok(n)
}

#[test]
fn split_halves_serve_two_tasks_and_reunite() {
    if util::skip_without_reactor("split_halves_serve_two_tasks_and_reunite") {
        return;
    }
    evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut reader, mut writer) = b.split();
        let task = evloop::spawn(async move {
            let mut buf = [0; 4];
            reader.read_exact(&mut buf).await.unwrap();
            writer.write_all(&buf).await.unwrap();
            (reader, writer)
        });
        a.write_all(b"ping").await.unwrap();
        let mut back = [0; 4];
        a.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"ping");
        let (reader, writer) = task.await.unwrap();
        let b = reader.reunite(writer).unwrap();
        drop(a);
        assert_eq!(
            b.read(&mut back).await.unwrap(),
            0,
            "the whole stream is back"
        );
    });
}

#[test]
fn reuniting_halves_of_two_streams_is_an_error_that_returns_them() {
    if util::skip_without_reactor("reuniting_halves_of_two_streams_is_an_error_that_returns_them") {
        return;
    }
    evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (ra, _wa) = io::split(a);
        let (_rb, wb) = io::split(b);
        let err = ra.reunite(wb).unwrap_err();
        assert!(err.to_string().contains("two different streams"), "{err}");
    });
}

#[test]
fn generic_code_runs_over_async_and_over_a_socket() {
    if util::skip_without_reactor("generic_code_runs_over_async_and_over_a_socket") {
        return;
    }
    let rt = Runtime::new();
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let server = evloop::spawn(async move { echo_once(b).await });
        a.write_all(b"hi").await.unwrap();
        let mut back = [0; 2];
        a.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hi");
        assert_eq!(server.await.unwrap().unwrap(), 2);
    });
}

//! Reads that learn how much is left to read (`TCP_INQ`, Linux): a read that
//! leaves a TCP socket drained forgets the cached edge, so the next read
//! waits for the poller instead of failing with `EAGAIN` first; bytes left,
//! the end of the stream and a reset are never waited for.

mod util;

use std::future::Future;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::task::Poll;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};
use evloop::time::timeout;

/// Whether the reactor holds a cached readable edge for `fd`.
fn edge_cached(fd: i32) -> bool {
    let now = evloop::inspect::snapshot().expect("inside the loop");
    now.io
        .iter()
        .find(|io| io.fd == fd)
        .expect("the socket is registered")
        .ready_readable
}

/// A connected pair on the loopback: (the connecting side, the accepted one).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = evloop::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

const WAIT: Duration = Duration::from_secs(5);

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_read_that_leaves_nothing_forgets_the_edge_and_the_next_waits_for_a_new_one() {
    if util::skip_without_reactor(
        "a_read_that_leaves_nothing_forgets_the_edge_and_the_next_waits_for_a_new_one",
    ) {
        return;
    }
    evloop::run(async {
        let (client, server) = pair().await;
        for round in 0..3u8 {
            client.write_all(&[round; 64]).await.unwrap();
            // The loop sleeps, and takes in the socket's edge meanwhile.
            evloop::sleep(Duration::from_millis(5)).await;
            assert!(
                edge_cached(server.as_raw_fd()),
                "round {round}: the bytes came"
            );
            let mut got = [0; 64];
            timeout(WAIT, server.read_exact(&mut got))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got, [round; 64]);
            assert!(
                !edge_cached(server.as_raw_fd()),
                "round {round}: the read left nothing, and forgot the edge"
            );
        }
    });
}

/// After a read that drained the socket, the next read does not try the
/// socket before the poller has said it is readable again: bytes that are
/// there already, but whose edge the loop has not taken in, are read after
/// the edge (the first poll is pending), not by a read tried at once.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn after_a_read_that_drained_the_socket_the_next_read_waits_for_the_edge_before_it_tries() {
    if util::skip_without_reactor(
        "after_a_read_that_drained_the_socket_the_next_read_waits_for_the_edge_before_it_tries",
    ) {
        return;
    }
    evloop::run(async {
        let (client, server) = pair().await;
        client.write_all(&[1; 64]).await.unwrap();
        let mut got = [0; 64];
        timeout(WAIT, server.read_exact(&mut got))
            .await
            .unwrap()
            .unwrap();
        // The next message is in the socket at once (loopback), but the
        // loop has not polled the reactor since.
        client.write_all(&[2; 64]).await.unwrap();
        let mut next = [0; 64];
        let n = {
            let mut read = std::pin::pin!(server.read(&mut next));
            let first = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
            assert!(first.is_pending(), "the read tried the socket: {first:?}");
            timeout(WAIT, read).await.unwrap().unwrap()
        };
        assert_eq!(n, 64, "and it reads the message after the edge");
        assert_eq!(next, [2; 64]);
    });
}

#[test]
fn a_read_that_leaves_bytes_keeps_the_edge_and_the_next_reads_at_once() {
    if util::skip_without_reactor(
        "a_read_that_leaves_bytes_keeps_the_edge_and_the_next_reads_at_once",
    ) {
        return;
    }
    evloop::run(async {
        let (client, server) = pair().await;
        client.write_all(&[7; 128]).await.unwrap();
        evloop::sleep(Duration::from_millis(10)).await; // both halves arrive
        let mut half = [0; 64];
        timeout(WAIT, server.read_exact(&mut half))
            .await
            .unwrap()
            .unwrap();
        assert!(edge_cached(server.as_raw_fd()), "64 bytes are left");
        timeout(WAIT, server.read_exact(&mut half))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(half, [7; 64]);
    });
}

/// The peer sends, then shuts down its side: the read of the data leaves
/// only the end of the stream, and the next read returns it.
#[test]
fn data_then_the_end_of_the_stream_reads_the_data_then_the_end() {
    if util::skip_without_reactor("data_then_the_end_of_the_stream_reads_the_data_then_the_end") {
        return;
    }
    evloop::run(async {
        let (client, server) = pair().await;
        client.write_all(b"last words").await.unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        evloop::sleep(Duration::from_millis(10)).await;
        let mut buf = [0; 10];
        timeout(WAIT, server.read_exact(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&buf, b"last words");
        let end = timeout(WAIT, server.read(&mut buf)).await;
        assert_eq!(
            end.expect("the end of the stream is not waited for")
                .unwrap(),
            0
        );
    });
}

/// The peer writes, then resets the connection (it closes with bytes it
/// never read): the read of the data leaves nothing to count, and the next
/// read must still see the reset, whose edge came once, with the data.
#[test]
fn data_then_a_reset_reads_the_data_then_the_reset() {
    if util::skip_without_reactor("data_then_a_reset_reads_the_data_then_the_reset") {
        return;
    }
    evloop::run(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.write_all(b"never read").await.unwrap();
        server.write_all(b"hello").unwrap();
        evloop::sleep(Duration::from_millis(10)).await;
        drop(server); // unread bytes: a reset, not a FIN
        evloop::sleep(Duration::from_millis(10)).await;
        let mut buf = [0; 5];
        let data = timeout(WAIT, client.read(&mut buf)).await;
        assert_eq!(data.expect("the data is not waited for").unwrap(), 5);
        assert_eq!(&buf, b"hello");
        let reset = timeout(WAIT, client.read(&mut buf)).await;
        let err = reset.expect("the reset is not waited for").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    });
}

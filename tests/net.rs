//! Sockets on the reactor: echo, UDP, refused connects, half-close, errors.

mod util;

use std::io;
use std::net::Shutdown;
use std::rc::Rc;

use evloop::io::Async;
use evloop::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};

/// Serves echo on `listener` until the loop ends: one task per connection.
async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        drop(evloop::spawn_named("echo", async move {
            let mut buf = [0u8; 4096];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        }));
    }
}

#[test]
fn a_thousand_concurrent_echo_connections_on_one_thread() {
    if util::skip_without_reactor("a_thousand_concurrent_echo_connections_on_one_thread") {
        return;
    }
    const CONNECTIONS: usize = 1000;
    let rt = evloop::Runtime::new();
    let echoed = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn_named("server", echo_server(listener));
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|i| {
                evloop::spawn(async move {
                    let stream = TcpStream::connect(addr).await?;
                    let message = format!("hello from client {i:04}");
                    stream.write_all(message.as_bytes()).await?;
                    let mut back = vec![0; message.len()];
                    stream.read_exact(&mut back).await?;
                    assert_eq!(back, message.as_bytes());
                    io::Result::Ok(stream) // kept open until every client is done
                })
            })
            .collect();
        let mut open = Vec::new();
        for client in clients {
            open.push(client.await.unwrap().unwrap());
        }
        server.cancel();
        open.len()
    });
    assert_eq!(echoed, CONNECTIONS);
}

#[test]
fn udp_round_trip_with_send_to_and_connected_send() {
    if util::skip_without_reactor("udp_round_trip_with_send_to_and_connected_send") {
        return;
    }
    let rt = evloop::Runtime::new();
    rt.block_on(async {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let server_addr = server.local_addr().unwrap();
        let responder = evloop::spawn(async move {
            let mut buf = [0; 64];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            buf[..n].make_ascii_uppercase();
            server.send_to(&buf[..n], from).await.unwrap();
        });
        client.connect(server_addr).unwrap();
        assert_eq!(client.peer_addr().unwrap(), server_addr);
        client.send(b"ping").await.unwrap();
        let mut buf = [0; 64];
        let n = client.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"PING");
        responder.await.unwrap();
    });
}

#[test]
fn connecting_where_nobody_listens_is_refused() {
    if util::skip_without_reactor("connecting_where_nobody_listens_is_refused") {
        return;
    }
    let rt = evloop::Runtime::new();
    let err = rt.block_on(async {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // The listener is dropped (closed) at the end of the line above.
        TcpStream::connect(port).await.unwrap_err()
    });
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn a_connect_needs_no_worker_thread() {
    // The one worker thread is busy until the connect is over: a connect
    // that needed it would wait behind it, and the timeout would end it.
    if util::skip_without_reactor("a_connect_needs_no_worker_thread") {
        return;
    }
    let rt = evloop::Runtime::builder()
        .blocking_threads(std::num::NonZeroUsize::MIN)
        .build();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let busy = evloop::to_thread(move || held.recv());
        // An address, its text, and an IP and a port: none needs a lookup.
        let connected = evloop::timeout(std::time::Duration::from_secs(5), async {
            let text = format!("127.0.0.1:{}", addr.port());
            [
                TcpStream::connect(addr).await,
                TcpStream::connect(text).await,
                TcpStream::connect(("127.0.0.1", addr.port())).await,
            ]
        })
        .await;
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        for stream in connected.expect("connected while the worker was busy") {
            let stream = stream.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            assert_eq!(server.peer_addr().unwrap(), stream.local_addr().unwrap());
        }
    });
}

#[test]
fn a_connect_cancelled_under_way_leaves_no_socket_and_no_registration() {
    // A non-blocking connect, even on loopback, returns "in progress" and
    // finishes on the reactor: the connect task is cancelled after its
    // first poll, while it waits for its socket to become writable.
    if util::skip_without_reactor(
        "a_connect_cancelled_under_way_leaves_no_socket_and_no_registration",
    ) {
        return;
    }
    let rt = Rc::new(evloop::Runtime::new());
    let inner = rt.clone();
    let seen = rt.block_on(async move {
        let rt = inner;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let connect = evloop::spawn(TcpStream::connect(listener.local_addr().unwrap()));
        evloop::yield_now().await; // the connect task's first poll
        if connect.is_finished() {
            return Err("the connect finished in its first poll".to_string());
        }
        let io = rt.snapshot().io;
        let listening = listener.local_addr().unwrap();
        let waiting: Vec<_> = io.iter().filter(|s| !s.writers.is_empty()).collect();
        assert_eq!(
            waiting.len(),
            1,
            "one socket under way to {listening}: {io:?}"
        );
        let fd = waiting[0].fd;
        let socket = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok();
        connect.cancel();
        assert!(connect.await.unwrap_err().is_cancelled());
        Ok((fd, socket, rt.snapshot().io))
    });
    match seen {
        Err(why) => eprintln!("a_connect_cancelled_under_way…: skipped, {why}"),
        Ok((fd, socket, io)) => {
            assert!(
                io.iter().all(|s| s.fd != fd),
                "the cancelled connect left its registration: {io:?}"
            );
            // The descriptor is closed: its number is free, or (reused by
            // another test's file since) names something else.
            if let Some(socket) = socket {
                let now = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok();
                assert_ne!(now, Some(socket), "fd {fd} is still the connecting socket");
            }
        }
    }
}

#[test]
fn every_form_of_address_connects_and_each_address_is_tried_in_turn() {
    if util::skip_without_reactor(
        "every_form_of_address_connects_and_each_address_is_tried_in_turn",
    ) {
        return;
    }
    let rt = evloop::Runtime::new();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        let refusing = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let text: &'static str = Box::leak(format!("127.0.0.1:{port}").into_boxed_str());
        let list = |addrs: &[std::net::SocketAddr]| -> &'static [std::net::SocketAddr] {
            Box::leak(addrs.to_vec().into_boxed_slice())
        };
        let streams = vec![
            TcpStream::connect(addr).await,
            TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port)).await,
            TcpStream::connect(text).await,
            TcpStream::connect(format!("127.0.0.1:{port}")).await,
            TcpStream::connect(("127.0.0.1", port)).await,
            // A host name: looked up on a worker thread.
            TcpStream::connect(format!("localhost:{port}")).await,
            // The first refuses; the second is tried next.
            TcpStream::connect(list(&[refusing, addr])).await,
        ];
        for (i, stream) in streams.into_iter().enumerate() {
            let stream = stream.unwrap_or_else(|e| panic!("form {i}: {e}"));
            let (server, _) = listener.accept().await.unwrap();
            assert_eq!(server.peer_addr().unwrap(), stream.local_addr().unwrap());
        }
        // Every address refuses: the last one's error.
        let err = TcpStream::connect(list(&[refusing, refusing]))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        // No address at all.
        let err = TcpStream::connect(list(&[])).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

#[test]
fn half_close_gives_eof_and_the_other_direction_keeps_working() {
    if util::skip_without_reactor("half_close_gives_eof_and_the_other_direction_keeps_working") {
        return;
    }
    let rt = evloop::Runtime::new();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn(async move {
            let (stream, peer) = listener.accept().await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), peer);
            let mut got = Vec::new();
            let mut buf = [0; 3];
            loop {
                match stream.read(&mut buf).await.unwrap() {
                    0 => break, // the client shut down its write side
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
            stream
                .write_all(format!("got {} bytes", got.len()).as_bytes())
                .await
                .unwrap();
            // Dropping the stream closes it: the client reads EOF next.
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        assert!(stream.nodelay().unwrap());
        stream.write_all(b"0123456789").await.unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut reply = [0; 12];
        stream.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"got 10 bytes");
        server.await.unwrap();
        let mut more = [0; 8];
        assert_eq!(stream.read(&mut more).await.unwrap(), 0, "EOF is Ok(0)");
        assert_eq!(stream.read(&mut more).await.unwrap(), 0, "and stays Ok(0)");
    });
}

#[test]
fn read_exact_at_eof_is_unexpected_eof_and_a_closed_peer_breaks_the_pipe() {
    if util::skip_without_reactor(
        "read_exact_at_eof_is_unexpected_eof_and_a_closed_peer_breaks_the_pipe",
    ) {
        return;
    }
    let rt = evloop::Runtime::new();
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        a.write_all(b"ab").await.unwrap();
        drop(a);
        let mut buf = [0; 4];
        let err = b.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let err = b.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    });
}

/// A fresh directory for one test's socket files, and a free path in it.
fn socket_dir(test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("evloop-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    let _ = std::fs::remove_file(&path);
    (dir, path)
}

#[test]
fn unix_stream_connects_to_a_path() {
    if util::skip_without_reactor("unix_stream_connects_to_a_path") {
        return;
    }
    let (dir, path) = socket_dir("unix-connect");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0; 5];
        s.read_exact(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    });
    let rt = evloop::Runtime::new();
    let back = rt.block_on(async {
        let s = UnixStream::connect(&path).await.unwrap();
        s.write_all(b"hello").await.unwrap();
        let mut buf = [0; 5];
        s.read_exact(&mut buf).await.unwrap();
        buf
    });
    server.join().unwrap();
    assert_eq!(&back, b"hello");
    let missing = rt
        .block_on(UnixStream::connect(dir.join("nobody-here")))
        .unwrap_err();
    assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn io_objects_made_outside_a_loop_are_an_error_not_a_panic() {
    let err = TcpListener::bind("127.0.0.1:0").unwrap_err();
    assert!(err.to_string().contains("no running evloop loop"), "{err}");
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let err = Async::new(a).unwrap_err();
    assert!(err.to_string().contains("no running evloop loop"), "{err}");
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    // A connect to an address (no lookup, so no worker thread to ask for)
    // says the same at its first poll.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let connect = std::pin::pin!(TcpStream::connect(listener.local_addr().unwrap()));
    let polled = connect.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    let std::task::Poll::Ready(Err(err)) = polled else {
        panic!("a connect outside a loop ends at once, in an error");
    };
    assert!(err.to_string().contains("no running evloop loop"), "{err}");
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
}

#[test]
fn a_regular_file_cannot_be_registered_and_says_so() {
    if util::skip_without_reactor("a_regular_file_cannot_be_registered_and_says_so") {
        return;
    }
    let rt = evloop::Runtime::new();
    let file = std::fs::File::open("Cargo.toml").unwrap();
    let result = rt.block_on(async { Async::new(file).map(|_| ()) });
    // epoll refuses regular files with EPERM; kqueue accepts them (always
    // ready). Either way: no panic, and the loop keeps working.
    if let Err(e) = result {
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    }
    assert_eq!(rt.block_on(async { 1 + 1 }), 2);
}

#[test]
fn two_tasks_may_share_a_stream_one_reading_one_writing() {
    if util::skip_without_reactor("two_tasks_may_share_a_stream_one_reading_one_writing") {
        return;
    }
    let rt = evloop::Runtime::new();
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let a = Rc::new(a);
        let reader = {
            let a = a.clone();
            evloop::spawn(async move {
                let mut buf = [0; 3];
                a.read_exact(&mut buf).await.unwrap();
                buf
            })
        };
        let writer = {
            let a = a.clone();
            evloop::spawn(async move { a.write_all(b"out").await.unwrap() })
        };
        let mut buf = [0; 3];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"out");
        b.write_all(b"in!").await.unwrap();
        writer.await.unwrap();
        assert_eq!(&reader.await.unwrap(), b"in!");
    });
}

#[test]
fn a_unix_listener_serves_many_clients_in_one_loop() {
    if util::skip_without_reactor("a_unix_listener_serves_many_clients_in_one_loop") {
        return;
    }
    let (dir, path) = socket_dir("unix-listen");
    let rt = evloop::Runtime::new();
    let echoed = rt.block_on(async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let server = evloop::spawn(async move {
            for _ in 0..10 {
                let (stream, _peer) = listener.accept().await.unwrap();
                evloop::spawn(async move {
                    let mut buf = [0; 8];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                    }
                })
                .detach();
            }
        });
        let clients: Vec<_> = (0..10u8)
            .map(|i| {
                let path = path.clone();
                evloop::spawn(async move {
                    let stream = UnixStream::connect(&path).await.unwrap();
                    stream.write_all(&[i; 3]).await.unwrap();
                    let mut back = [0; 3];
                    stream.read_exact(&mut back).await.unwrap();
                    back[0]
                })
            })
            .collect();
        let mut echoed = Vec::new();
        for c in clients {
            echoed.push(c.await.unwrap());
        }
        server.await.unwrap();
        echoed
    });
    assert_eq!(echoed, (0..10).collect::<Vec<u8>>());
    // The path is taken until the file is removed, and says so.
    let err = rt
        .block_on(async { UnixListener::bind(&path).map(|_| ()) })
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

//! The ecosystem's code, unchanged, over evloop's streams (features
//! `futures-io` and `futures-core`): `futures::io::BufReader::lines`,
//! `futures::io::copy` with futures' own `split`, and
//! `asynchronous-codec`'s `LinesCodec` framing a connection.

use asynchronous_codec::{Framed, LinesCodec};
use evloop::interop::{FromFuturesIo, FromFuturesStream, FuturesStream};
use evloop::net::{TcpListener, TcpStream, UnixStream};
use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use futures::{SinkExt, StreamExt, TryStreamExt};

#[test]
fn futures_bufreader_lines_over_a_tcp_stream() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = evloop::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"one\ntwo\r\nthree\n").await.unwrap();
            stream.close().await.unwrap(); // futures' poll_close: evloop's shutdown
        });
        let (stream, _) = listener.accept().await.unwrap();
        let lines: Vec<String> = futures::io::BufReader::new(stream)
            .lines()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(lines, ["one", "two", "three"]);
        client.await.unwrap();
    });
}

#[test]
fn futures_io_copy_echoes_through_futures_own_split() {
    evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let echo = evloop::spawn(async move {
            let (mut reader, mut writer) = b.split(); // futures' split (a BiLock)
            futures::io::copy(&mut reader, &mut writer).await.unwrap()
        });
        let (mut reader, mut writer) = AsyncReadExt::split(a);
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let sent = payload.clone();
        let send = evloop::spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer.close().await.unwrap();
        });
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, payload);
        send.await.unwrap();
        assert_eq!(echo.await.unwrap(), 100_000);
    });
}

#[test]
fn a_line_codec_frames_a_connection_over_memory_and_tcp() {
    // In memory, on the virtual clock, with partial reads and writes.
    evloop::testing::run(async {
        let faults = evloop::testing::mem::Faults::seeded(3).partial_io();
        let (a, b) = evloop::testing::mem::duplex_with(32, faults);
        let server = evloop::spawn(async move {
            let mut framed = Framed::new(b, LinesCodec);
            while let Some(line) = framed.next().await {
                let line = line.unwrap();
                framed.send(line.to_uppercase()).await.unwrap();
            }
        });
        let mut framed = Framed::new(a, LinesCodec);
        for word in ["hello\n", "codec\n"] {
            framed.send(word.to_string()).await.unwrap();
            let back = framed.next().await.unwrap().unwrap();
            assert_eq!(back, word.to_uppercase());
        }
        drop(framed);
        server.await.unwrap();
    });
    // And over TCP.
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = evloop::spawn(async move {
            let mut framed = Framed::new(TcpStream::connect(addr).await.unwrap(), LinesCodec);
            framed.send("ping\n".to_string()).await.unwrap();
            framed.next().await.unwrap().unwrap()
        });
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed = Framed::new(stream, LinesCodec);
        let line = framed.next().await.unwrap().unwrap();
        framed.send(line.replace("ping", "pong")).await.unwrap();
        assert_eq!(client.await.unwrap(), "pong\n");
    });
}

#[test]
fn evloop_bufreader_lines_is_a_futures_stream_and_back() {
    evloop::testing::run(async {
        let (mut a, b) = evloop::testing::mem::duplex(64);
        evloop::io::AsyncWriteExt::write_all(&mut a, b"x\ny\n")
            .await
            .unwrap();
        drop(a);
        // evloop's Lines, used through futures::StreamExt.
        let lines: Vec<String> = evloop::io::BufReader::new(b)
            .lines()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(lines, ["x", "y"]);
        // Any evloop stream through futures, and any futures stream through evloop.
        let doubled: Vec<u32> = FuturesStream::new(evloop::stream::iter([1, 2]))
            .map(|n| n * 2)
            .collect()
            .await;
        assert_eq!(doubled, [2, 4]);
        let sum = evloop::stream::StreamExt::fold(
            FromFuturesStream::new(futures::stream::iter([1, 2, 3])),
            0,
            |a, b| a + b,
        )
        .await;
        assert_eq!(sum, 6);
    });
}

#[test]
fn a_futures_io_reader_under_an_evloop_bufreader() {
    evloop::testing::run(async {
        let cursor = futures::io::Cursor::new(b"alpha\nbeta\n".to_vec());
        let mut reader = evloop::io::BufReader::new(FromFuturesIo::new(cursor));
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "alpha\n");
    });
}

/// A child's stdout is a pipe end, and pipe ends speak futures-io too.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot run processes")]
fn futures_bufreader_lines_over_a_childs_stdout() {
    use std::process::{Command, Stdio};
    evloop::run(async {
        let mut child = evloop::process::spawn(
            Command::new("sh")
                .args(["-c", "echo one; echo two"])
                .stdout(Stdio::piped()),
        )
        .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines: Vec<String> = futures::io::BufReader::new(stdout)
            .lines()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(lines, ["one", "two"]);
        assert!(child.wait().await.unwrap().success());
    });
}

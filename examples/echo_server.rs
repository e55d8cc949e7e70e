//! An echo server: every byte a client sends comes back.
//!
//! ```text
//! cargo run --example echo_server -- 7000        # serves on 127.0.0.1:7000
//! cargo run --example echo_client -- 7000 hello  # in another terminal
//! ```
//!
//! One thread, one task per connection, the reactor waking each task only
//! when its socket is ready. The port defaults to 7000; the server listens
//! on loopback only.
//!
//! The echo loop (`echo`) is written against `AsyncRead + AsyncWrite`, so
//! `cargo test --example echo_server` runs it over in-memory connections
//! (`evloop::testing::mem`) with latency and partial reads and writes, on
//! the virtual clock: instant, and the same every run.

use evloop::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use evloop::net::TcpListener;

/// Sends back every byte until end of stream; returns how many.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> std::io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        match stream.read(&mut buf).await? {
            0 => return Ok(total),
            n => {
                stream.write_all(&buf[..n]).await?;
                total += n as u64;
            }
        }
    }
}

fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        None => 7000,
        Some(arg) => arg.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the port must be a number from 0 to 65535, not {arg:?}"),
            )
        })?,
    };
    evloop::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        println!("echo server listening on {}", listener.local_addr()?);
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(conn) => conn,
                // EMFILE and friends: report and keep serving.
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    evloop::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            println!("{peer} connected");
            drop(evloop::spawn_named(format!("client {peer}"), async move {
                match echo(stream).await {
                    Ok(n) => println!("{peer} closed after {n} bytes"),
                    Err(e) => eprintln!("{peer}: {e}"),
                }
            }));
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use evloop::io::{AsyncReadExt, AsyncWriteExt};
    use evloop::testing::mem::{Faults, MemListener};

    #[test]
    fn echoes_three_clients_over_a_flaky_in_memory_network() {
        let faults = Faults::seeded(7)
            .latency(Duration::from_millis(1), Duration::from_millis(30))
            .partial_io();
        let (took, echoed) = evloop::testing::run(async move {
            let start = evloop::time::Instant::now();
            let listener = MemListener::new(64, faults);
            let connector = listener.connector();
            let server = evloop::spawn(async move {
                let mut total = 0;
                for _ in 0..3 {
                    let conn = listener.accept().await.unwrap();
                    total += super::echo(conn).await.unwrap();
                }
                total
            });
            for i in 0..3 {
                let client = connector.connect().await.unwrap();
                let message = format!("hello from client {i}").repeat(20);
                // Write and read at once: 380 bytes do not fit in the
                // pipes' 64, so a client that wrote everything before
                // reading would deadlock with the server (as over TCP
                // with large enough messages).
                let (mut reader, mut writer) = evloop::io::split(client);
                let mut back = vec![0; message.len()];
                let (sent, received) = evloop::join!(
                    writer.write_all(message.as_bytes()),
                    reader.read_exact(&mut back),
                );
                sent.unwrap();
                received.unwrap();
                assert_eq!(back, message.as_bytes());
            }
            (start.elapsed(), server.await.unwrap())
        });
        assert_eq!(echoed, 3 * 20 * 19);
        // Virtual time, the same on every run with this seed.
        assert!(took > Duration::from_millis(3), "{took:?}");
    }
}

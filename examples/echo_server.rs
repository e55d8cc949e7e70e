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

use evloop::net::TcpListener;

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
                let mut buf = [0u8; 4096];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) => break println!("{peer} closed"),
                        Ok(n) => {
                            if let Err(e) = stream.write_all(&buf[..n]).await {
                                break eprintln!("{peer}: {e}");
                            }
                        }
                        Err(e) => break eprintln!("{peer}: {e}"),
                    }
                }
            }));
        }
    })
}

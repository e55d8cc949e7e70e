//! A program of the reader's kind, explored in the console: HTTP-like
//! fetches over evloop's TCP against a local server, two connections at a
//! time (a semaphore), each under a timeout. It has a bug: the timeout
//! also counts the time a fetch waits in line for a connection, so a fast
//! page times out behind two slow ones. `docs/console.md` steps to it.
//!
//! ```text
//! cargo run --example console                  # the prompt (a terminal)
//! cargo run --example console -- SCRIPT        # a script, as `evloop SCRIPT`
//! > spawn f1 fetch 1 /slow
//! > spawn f2 fetch 1 /slow
//! > spawn f3 fetch 1 /fast
//! > run
//! > timeline
//! ```
//!
//! The server is on the same loop: each fetch connects, sends `GET PATH`,
//! and the server's handler (a task named `server PATH`) accepts it and
//! answers at once. (The fetch connects with std's blocking `connect`, at
//! once on this machine, so that every run is the same: see `fetch`.) The
//! page's latency is a `sleep` between the request and
//! the read, on the fetch's side: on the virtual clock, time does not move
//! while any task waits on a socket (it might be woken by the world at any
//! moment), so the wait for the "network" is a timer.

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use evloop::console::{Args, Console};
use evloop::net::{TcpListener, TcpStream};
use evloop::sync::Semaphore;

/// What the program keeps, made anew for every loop of the console.
#[derive(Clone)]
struct Shop {
    server: Rc<TcpListener>,
    address: SocketAddr,
    /// Two connections at a time.
    pool: Semaphore,
}

impl Shop {
    fn open() -> Shop {
        let server = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let address = server.local_addr().expect("its address");
        Shop {
            server: Rc::new(server),
            address,
            pool: Semaphore::named("pool", 2),
        }
    }
}

/// How long the "network" takes for a page.
fn latency(path: &str) -> Duration {
    match path {
        "/slow" => Duration::from_millis(900),
        "/fast" => Duration::from_millis(120),
        _ => Duration::from_millis(200),
    }
}

/// The server's side of one connection: read the request, answer it.
async fn serve(server: Rc<TcpListener>) -> std::io::Result<()> {
    let (conn, _) = server.accept().await?;
    let mut request = [0u8; 256];
    let n = conn.read(&mut request).await?;
    let line = String::from_utf8_lossy(&request[..n]);
    let path = line.trim().strip_prefix("GET ").unwrap_or("/");
    let body = format!("200 OK {path}");
    conn.write_all(body.as_bytes()).await
}

/// One fetch: a connection from the pool, the request, the page.
async fn fetch(shop: Shop, path: String) -> Result<String, String> {
    let _connection = shop.pool.acquire().await;
    // std's blocking connect: to a port of this machine it returns at once.
    // (`TcpStream::connect` resolves and connects on a worker thread, whose
    // wake comes at a moment of real time that no replay can repeat.)
    let conn = std::net::TcpStream::connect(shop.address)
        .and_then(TcpStream::from_std)
        .map_err(|e| e.to_string())?;
    evloop::spawn_named(format!("server {path}"), serve(shop.server.clone())).detach();
    conn.write_all(format!("GET {path}\n").as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    evloop::sleep(latency(&path)).await; // the network
    let mut page = [0u8; 256];
    let n = conn.read(&mut page).await.map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&page[..n]).into_owned())
}

fn main() -> std::process::ExitCode {
    Console::with_state(Shop::open)
        .function(
            "fetch",
            "fetch SECONDS PATH",
            "GET PATH from the local server, within SECONDS (the bug: the wait for a connection counts)",
            |shop: &Shop, mut args: Args<'_>| {
                let seconds: u64 = args.next("SECONDS")?;
                let path: String = args.next("PATH")?;
                args.end()?;
                if !path.starts_with('/') {
                    return Err(format!("PATH starts with /: /{path}"));
                }
                let within = Duration::from_secs(seconds);
                // The future owns what it uses: it outlives this call.
                let fetching = fetch(shop.clone(), path);
                Ok(async move {
                    match evloop::timeout(within, fetching).await {
                        Ok(page) => page,
                        Err(_) => Err(format!("timed out after {seconds}s")),
                    }
                })
            },
        )
        .run_args(std::env::args().skip(1))
}

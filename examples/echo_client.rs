//! An echo client: sends each word given on the command line and prints
//! what comes back.
//!
//! ```text
//! cargo run --example echo_client -- 7000 hello world
//! ```

use evloop::net::TcpStream;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next() {
        None => 7000,
        Some(arg) => arg.parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "usage: echo_client [PORT] [WORDS...]; the port must be a number, not {arg:?}"
                ),
            )
        })?,
    };
    let mut words: Vec<String> = args.collect();
    if words.is_empty() {
        words.push("hello".into());
    }
    evloop::run(async move {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        for word in &words {
            stream.write_all(word.as_bytes()).await?;
            let mut back = vec![0; word.len()];
            stream.read_exact(&mut back).await?;
            println!(
                "sent {word:?}, got back {:?}",
                String::from_utf8_lossy(&back)
            );
        }
        stream.shutdown(std::net::Shutdown::Write)?;
        let mut rest = [0; 1];
        assert_eq!(
            stream.read(&mut rest).await?,
            0,
            "the server closes after our EOF"
        );
        Ok(())
    })
}

//! No descriptor leaks: after thousands of connections the count of open
//! descriptors is back where it started. (Its own test binary: other tests
//! running in parallel would open descriptors of their own.)

mod util;

use evloop::net::{TcpListener, TcpStream};

#[test]
fn the_open_descriptor_count_returns_to_where_it_started() {
    if util::skip_without_reactor("the_open_descriptor_count_returns_to_where_it_started") {
        return;
    }
    let rt = evloop::Runtime::new();
    // A timed wait on the real clock makes the poller: its descriptors then
    // count in both readings.
    rt.block_on(evloop::sleep(std::time::Duration::from_millis(1)));
    let Some(before) = util::open_fds() else {
        return;
    };
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                drop(evloop::spawn(async move {
                    let mut buf = [0; 16];
                    while stream.read(&mut buf).await.unwrap_or(0) > 0 {}
                }));
            }
        });
        for _ in 0..20 {
            let batch: Vec<_> = (0..100)
                .map(|_| {
                    evloop::spawn(async move {
                        let s = TcpStream::connect(addr).await.unwrap();
                        s.write_all(b"bye").await.unwrap();
                    })
                })
                .collect();
            for h in batch {
                h.await.unwrap();
            }
        }
        server.cancel(); // drops the listener
    });
    rt.run_until_idle().unwrap();
    // Server-side streams close when their tasks see EOF; give them a turn.
    for _ in 0..100 {
        if util::open_fds() == Some(before) {
            break;
        }
        rt.block_on(evloop::sleep(std::time::Duration::from_millis(5)));
    }
    assert_eq!(util::open_fds(), Some(before), "2,000 connections later");
    assert!(rt.snapshot().io.is_empty(), "no registration left");
}

//! A property of a protocol, explored over in-memory connections: any
//! messages, any seed of faults (latency, partial reads and writes), any
//! pipe capacity and any scheduling policy, and every frame arrives whole
//! and in order; a reset arrives as an error, never as a wrong frame.

use std::time::Duration;

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::testing::mem::{self, Faults};
use evloop::{Builder, Policy};
use proptest::prelude::*;

/// The protocol: a frame is a 2-byte big-endian length, then the bytes.
async fn send_frames(stream: &mut mem::MemStream, frames: &[Vec<u8>]) -> std::io::Result<()> {
    for frame in frames {
        let len = u16::try_from(frame.len()).expect("frames are short");
        stream.write_all(&len.to_be_bytes()).await?;
        stream.write_all(frame).await?;
    }
    stream.shutdown().await
}

async fn receive_frames(stream: &mut mem::MemStream) -> (Vec<Vec<u8>>, Option<std::io::Error>) {
    let mut frames = Vec::new();
    loop {
        let mut len = [0; 2];
        match stream.read(&mut len[..1]).await {
            Ok(0) => return (frames, None),
            Ok(_) => {}
            Err(e) => return (frames, Some(e)),
        }
        if let Err(e) = stream.read_exact(&mut len[1..]).await {
            return (frames, Some(e));
        }
        let mut frame = vec![0; usize::from(u16::from_be_bytes(len))];
        if let Err(e) = stream.read_exact(&mut frame).await {
            return (frames, Some(e));
        }
        frames.push(frame);
    }
}

fn policy(n: u8, seed: u64) -> Policy {
    match n % 4 {
        0 => Policy::Fifo,
        1 => Policy::Lifo,
        2 => Policy::Random { seed },
        _ => Policy::Pct { seed, depth: 3 },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn frames_arrive_whole_and_in_order(
        frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..100), 0..20),
        seed in any::<u64>(),
        capacity in 1usize..64,
        policy_n in any::<u8>(),
        reset in prop::option::of(0u64..400),
    ) {
        let mut faults = Faults::seeded(seed)
            .latency(Duration::from_micros(10), Duration::from_millis(5))
            .partial_io();
        if let Some(n) = reset {
            faults = faults.reset_after(n);
        }
        let rt = Builder::new().virtual_clock().policy(policy(policy_n, seed)).build();
        let sent = frames.clone();
        let (got, err) = rt.block_on(async move {
            let (mut a, mut b) = mem::duplex_with(capacity, faults);
            let sender = evloop::spawn(async move {
                let r = send_frames(&mut a, &sent).await;
                drop(a);
                r
            });
            let got = receive_frames(&mut b).await;
            let _ = sender.await.unwrap();
            got
        });
        // What arrived is a prefix of what was sent, frame for frame...
        prop_assert!(got.len() <= frames.len());
        prop_assert_eq!(&got[..], &frames[..got.len()]);
        match err {
            // ...all of it, unless the connection was reset.
            None => prop_assert_eq!(got.len(), frames.len()),
            Some(e) => {
                prop_assert!(reset.is_some(), "an error without a reset fault: {}", e);
                prop_assert!(
                    matches!(e.kind(), std::io::ErrorKind::ConnectionReset),
                    "{}", e
                );
            }
        }
    }
}

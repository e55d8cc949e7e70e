//! tokio's I/O traits over evloop's streams (feature `tokio-io`; tokio with
//! its io utilities and no runtime): `tokio::io::copy`, `BufReader::lines`,
//! `AsyncReadExt::read_exact`, all polled by evloop.

use evloop::net::UnixStream;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

#[test]
fn tokio_io_utilities_run_on_evloop_without_tokios_runtime() {
    evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let echo = evloop::spawn(async move {
            let (mut reader, mut writer) = evloop::io::split(b);
            tokio::io::copy(&mut reader, &mut writer).await.unwrap()
        });
        let (reader, mut writer) = a.split();
        writer
            .write_all(b"first line\nsecond line\n")
            .await
            .unwrap();
        writer.shutdown().await.unwrap();
        let mut lines = tokio::io::BufReader::new(reader).lines();
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("first line")
        );
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("second line")
        );
        assert_eq!(lines.next_line().await.unwrap(), None);
        assert_eq!(echo.await.unwrap(), 23);
    });
    evloop::testing::run(async {
        let (mut a, mut b) = evloop::testing::mem::duplex(16);
        AsyncWriteExt::write_all(&mut a, b"0123456789")
            .await
            .unwrap();
        let mut buf = [0; 10];
        AsyncReadExt::read_exact(&mut b, &mut buf).await.unwrap();
        assert_eq!(&buf, b"0123456789");
    });
}

/// `tokio::io::copy` from one pipe into another: pipe ends speak tokio's
/// traits too.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot make pipes")]
fn tokio_copy_between_two_pipes() {
    evloop::run(async {
        let (mut in_reader, in_writer) = evloop::io::pipe().unwrap();
        let (mut out_reader, mut out_writer) = evloop::io::pipe().unwrap();
        let copy = evloop::spawn(async move {
            let n = tokio::io::copy(&mut in_reader, &mut out_writer)
                .await
                .unwrap();
            drop(out_writer);
            n
        });
        in_writer.write_all(b"piped through").await.unwrap();
        drop(in_writer);
        let mut got = String::new();
        out_reader.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "piped through");
        assert_eq!(copy.await.unwrap(), 13);
    });
}

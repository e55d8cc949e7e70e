//! tokio's I/O utilities over evloop's streams, through tokio-util's
//! `compat` over the `futures-io` traits (the library depends on no runtime
//! crate; tokio with its io utilities and no runtime is a dev-dependency):
//! `tokio::io::copy`, `BufReader::lines`, `AsyncReadExt::read_exact`, all
//! polled by evloop.

use evloop::net::UnixStream;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio_util::compat::{FuturesAsyncReadCompatExt, FuturesAsyncWriteCompatExt};

#[test]
fn tokio_io_utilities_run_on_evloop_without_tokios_runtime() {
    evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let echo = evloop::spawn(async move {
            let (reader, writer) = evloop::io::split(b);
            let (mut reader, mut writer) = (reader.compat(), writer.compat_write());
            tokio::io::copy(&mut reader, &mut writer).await.unwrap()
        });
        let (reader, writer) = a.split();
        let mut writer = writer.compat_write();
        writer
            .write_all(b"first line\nsecond line\n")
            .await
            .unwrap();
        writer.shutdown().await.unwrap();
        let mut lines = tokio::io::BufReader::new(reader.compat()).lines();
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
        let (a, b) = evloop::testing::mem::duplex(16);
        let (mut a, mut b) = (a.compat_write(), b.compat());
        a.write_all(b"0123456789").await.unwrap();
        let mut buf = [0; 10];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"0123456789");
    });
}

/// `tokio::io::copy` from one pipe into another: pipe ends speak the
/// futures-io traits, and so tokio's through `compat`.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot make pipes")]
fn tokio_copy_between_two_pipes() {
    evloop::run(async {
        let (in_reader, in_writer) = evloop::io::pipe().unwrap();
        let (out_reader, out_writer) = evloop::io::pipe().unwrap();
        let copy = evloop::spawn(async move {
            let (mut from, mut to) = (in_reader.compat(), out_writer.compat_write());
            let n = tokio::io::copy(&mut from, &mut to).await.unwrap();
            drop(to);
            n
        });
        let mut in_writer = in_writer.compat_write();
        in_writer.write_all(b"piped through").await.unwrap();
        drop(in_writer);
        let mut got = String::new();
        out_reader.compat().read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "piped through");
        assert_eq!(copy.await.unwrap(), 13);
    });
}

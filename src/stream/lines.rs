//! The lines of an [`io::BufReader`](crate::io::BufReader) as a stream
//! (`async for line in reader`). The reading is in `io`; this is only the
//! `Stream` face, here because `stream` comes after `io` in the reading
//! order.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Stream;
use crate::io::{AsyncRead, Lines};

impl<R: AsyncRead + Unpin> Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<String>>> {
        self.get_mut().poll_next_line(cx)
    }
}

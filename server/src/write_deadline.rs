//! A socket whose writes fail once they have been blocked for too long. Hyper has a timeout for
//! reading a request head but none for writing: a client that stops reading (a live stream left
//! open in a frozen tab, or an attacker) would hold its connection and buffers forever. Wrapped
//! in [`WriteDeadline`], a write that cannot make progress for the deadline fails with
//! `TimedOut`, and hyper drops the connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{sleep, Sleep};

/// `inner`, with writes that give up after being blocked for `deadline`.
#[derive(Debug)]
pub struct WriteDeadline<T> {
    inner: T,
    deadline: Duration,
    /// Running while a write is blocked; cleared by any progress.
    blocked: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteDeadline<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, deadline: Duration) -> Self {
        Self {
            inner,
            deadline,
            blocked: None,
        }
    }

    /// What a pending write does: starts (or keeps) the timer, and fails once it fired.
    fn pending<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let deadline = self.deadline;
        let timer = self
            .blocked
            .get_or_insert_with(|| Box::pin(sleep(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.blocked = None;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client stopped reading",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// Progress or an error: the timer restarts at the next blocked write.
    fn settled<R>(&mut self, result: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        self.blocked = None;
        result
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.pending(cx),
            ready => self.settled(ready),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.pending(cx),
            ready => self.settled(ready),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.pending(cx),
            ready => self.settled(ready),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_shutdown(cx) {
            Poll::Pending => self.pending(cx),
            ready => self.settled(ready),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_write_blocked_past_the_deadline_fails() {
        // A pipe with room for 8 bytes that nobody reads.
        let (client, _server) = tokio::io::duplex(8);
        let deadline = Duration::from_millis(300);
        let mut stream = WriteDeadline::new(client, deadline);
        stream.write_all(b"12345678").await.unwrap();
        let started = tokio::time::Instant::now();
        let err = stream.write_all(b"more").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= deadline);
    }

    #[tokio::test]
    async fn a_reader_that_keeps_taking_bytes_never_times_out() {
        let (client, mut server) = tokio::io::duplex(8);
        // Ten times the reader's pauses: progress always comes well before the deadline, so
        // the total (longer than the deadline) does not matter.
        let mut stream = WriteDeadline::new(client, Duration::from_secs(1));
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 4];
            let mut total = 0;
            while total < 128 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                total += server.read(&mut buf).await.unwrap();
            }
        });
        stream.write_all(&[7u8; 128]).await.unwrap();
        reader.await.unwrap();
    }
}

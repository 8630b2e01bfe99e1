//! A client socket that reports to its [`Connection`]: bytes read and
//! written count as activity (the watchdog's idle clock), the first bytes of
//! a new request start its head clock, and once the connection is told to
//! close every read and write fails, so whatever serves it ends.

use super::connections::Connection;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket (or any stream) tracked by its connection's state.
pub struct TrackedIo<T> {
    inner: T,
    conn: Arc<Connection>,
}

impl<T> TrackedIo<T> {
    /// Wraps `inner`, reporting to `conn`.
    pub fn new(inner: T, conn: Arc<Connection>) -> Self {
        TrackedIo { inner, conn }
    }

    fn closed() -> io::Error {
        io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the server closed this connection",
        )
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TrackedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.register_wakers(Some(cx.waker()), None);
        if this.conn.is_closing() {
            return Poll::Ready(Err(Self::closed()));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &result {
            this.conn.on_read(buf.filled().len() - before);
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TrackedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.conn.register_wakers(None, Some(cx.waker()));
        if this.conn.is_closing() {
            return Poll::Ready(Err(Self::closed()));
        }
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &result {
            if *n > 0 {
                this.conn.on_write();
            }
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.conn.register_wakers(None, Some(cx.waker()));
        if this.conn.is_closing() {
            return Poll::Ready(Err(Self::closed()));
        }
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &result {
            if *n > 0 {
                this.conn.on_write();
            }
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

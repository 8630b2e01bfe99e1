//! The simulator's TCP listener: counts open connections, lets a handler kill
//! its own connection (the `Close` fault) and tears every connection down when
//! the simulator stops, even idle keep-alive ones.

use super::shutdown::Shutdown;
use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Connection counters shared by the listener and the handle.
#[derive(Debug, Default)]
pub(crate) struct ConnStats {
    open: AtomicUsize,
    accepted: AtomicU64,
}

impl ConnStats {
    /// Connections currently open.
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Connections accepted since start.
    pub(crate) fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Identifies one accepted connection to the handlers serving it
/// (through `ConnectInfo`), so a handler can drop it on purpose.
#[derive(Clone, Debug)]
pub(crate) struct ConnTag {
    /// The client's address.
    #[allow(dead_code)]
    pub(crate) peer: SocketAddr,
    killed: Arc<AtomicBool>,
}

impl ConnTag {
    /// Makes every further read or write on this connection fail, so hyper
    /// drops it without sending the pending response.
    pub(crate) fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, SimListener>> for ConnTag {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.remote_addr().clone()
    }
}

/// `axum::serve` listener wrapping a loopback `TcpListener`.
pub(crate) struct SimListener {
    inner: TcpListener,
    stats: Arc<ConnStats>,
    shutdown: Shutdown,
}

impl SimListener {
    /// Wraps a bound listener.
    pub(crate) fn new(inner: TcpListener, stats: Arc<ConnStats>, shutdown: Shutdown) -> Self {
        SimListener {
            inner,
            stats,
            shutdown,
        }
    }
}

impl axum::serve::Listener for SimListener {
    type Io = TrackedIo;
    type Addr = ConnTag;

    async fn accept(&mut self) -> (TrackedIo, ConnTag) {
        loop {
            match self.inner.accept().await {
                Ok((tcp, peer)) => {
                    let _ = tcp.set_nodelay(true);
                    self.stats.open.fetch_add(1, Ordering::SeqCst);
                    self.stats.accepted.fetch_add(1, Ordering::SeqCst);
                    let killed = Arc::new(AtomicBool::new(false));
                    let io = TrackedIo {
                        tcp,
                        killed: killed.clone(),
                        stats: self.stats.clone(),
                        stop: Box::pin(self.shutdown.clone().wait()),
                    };
                    return (io, ConnTag { peer, killed });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<ConnTag> {
        Ok(ConnTag {
            peer: self.inner.local_addr()?,
            killed: Arc::new(AtomicBool::new(false)),
        })
    }
}

/// An accepted connection: the TCP stream plus its kill switch, the stop
/// signal, and the open-connection count it gives back when dropped.
pub(crate) struct TrackedIo {
    tcp: TcpStream,
    killed: Arc<AtomicBool>,
    stats: Arc<ConnStats>,
    stop: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl TrackedIo {
    /// `Err` when the connection must die (killed or simulator stopping).
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if self.killed.load(Ordering::SeqCst) {
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        if self.stop.as_mut().poll(cx).is_ready() {
            // Never poll the finished future again: remember through `killed`.
            self.killed.store(true, Ordering::SeqCst);
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        Ok(())
    }
}

impl Drop for TrackedIo {
    fn drop(&mut self) {
        self.stats.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check(cx)?;
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

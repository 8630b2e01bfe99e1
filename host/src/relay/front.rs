//! The listener in front of the HTTP server. A connection whose first
//! request is `GET /stream/{n}` or `GET /auto/v{n}` (what Plex, Jellyfin,
//! Emby and players open for a channel) is played by the relay on the socket
//! itself: the channel's pump writes the stream straight to it (see
//! [`super::direct`]), with no HTTP body task in between. Every other
//! connection goes to the axum router with the bytes already read put back
//! in front, so it sees exactly what the client sent.
//!
//! The listener runs on the relay's thread (see [`super::thread`]); a
//! connection for the router is moved to the runtime of the HTTP server,
//! so writing a 20 MB guide never delays a channel's bytes. Every accepted
//! connection is admitted by the server's connection registry first (see
//! `crate::server::connections`): past the cap it is refused at once, and
//! one told to make room while it still sends its first head is let go.

use super::hub::ViewerInfo;
use super::Relay;
use crate::server::connections::{Connection, Registry};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Longest request head read to decide.
const MAX_HEAD: usize = 8 * 1024;
/// A client that has not said what it wants by then is let go.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Paths the relay serves on the socket itself.
const STREAM_PREFIXES: [&[u8]; 3] = [b"GET /stream/", b"GET /auto/v", b"GET /lineups/"];

/// A connection for the router, between the two runtimes: the bytes read
/// while deciding and the socket, not yet registered with either, and its
/// place in the connection registry.
type Handover = (Vec<u8>, std::net::TcpStream, SocketAddr, Arc<Connection>);

/// The connections left for the HTTP server (`crate::server::http`).
pub struct Front {
    rx: mpsc::Receiver<Handover>,
    local: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Front {
    /// Accepts on `listener` on the relay's runtime; stream requests go to
    /// `relay`, the rest to the returned listener (on the runtime it is
    /// used from).
    pub fn new(
        listener: TcpListener,
        relay: Arc<Relay>,
        registry: Arc<Registry>,
    ) -> io::Result<Front> {
        Front::for_lineup(listener, relay, registry, crate::store::MAIN_LINEUP)
    }

    /// [`Front::new`] for a lineup's own listener: `/stream/{n}` at its root
    /// plays through `root_lineup`.
    pub fn for_lineup(
        listener: TcpListener,
        relay: Arc<Relay>,
        registry: Arc<Registry>,
        root_lineup: &str,
    ) -> io::Result<Front> {
        let local = listener.local_addr()?;
        let listener = listener.into_std()?;
        let (tx, rx) = mpsc::channel(64);
        let root: Arc<str> = root_lineup.into();
        let accepting = relay.runtime.clone().spawn(async move {
            match TcpListener::from_std(listener) {
                Ok(listener) => accept_loop(listener, relay, registry, tx, root).await,
                Err(e) => tracing::error!("the relay cannot listen: {e}"),
            }
        });
        Ok(Front {
            rx,
            local,
            accepting,
        })
    }

    /// The next connection for the HTTP server: the bytes already read put
    /// back in front, the client's address and its registry entry; `None`
    /// once the listener stopped.
    pub async fn accept(&mut self) -> Option<(Prefixed, SocketAddr, Arc<Connection>)> {
        loop {
            let (head, socket, addr, conn) = self.rx.recv().await?;
            match TcpStream::from_std(socket) {
                Ok(socket) => return Some((Prefixed::new(head, socket), addr, conn)),
                Err(e) => tracing::warn!("taking a connection from {addr} failed: {e}"),
            }
        }
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

async fn accept_loop(
    listener: TcpListener,
    relay: Arc<Relay>,
    registry: Arc<Registry>,
    tx: mpsc::Sender<Handover>,
    root: Arc<str>,
) {
    let mut warned_full = false;
    loop {
        let (socket, addr) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(conn) = registry.admit() else {
            // Every slot is busy: refused at once (closing frees the descriptor).
            if !warned_full {
                tracing::warn!(
                    "{} connections are open, all busy: refusing new ones until some close (max_open_connections)",
                    registry.max_open()
                );
                warned_full = true;
            }
            drop(socket);
            continue;
        };
        warned_full = false;
        // Video goes out as it comes: no Nagle delay on viewers' sockets.
        let _ = socket.set_nodelay(true);
        tokio::spawn(route(
            socket,
            addr,
            conn,
            relay.clone(),
            tx.clone(),
            root.clone(),
        ));
    }
}

/// Reads the first request's head far enough to decide where it goes.
async fn route(
    mut socket: TcpStream,
    addr: SocketAddr,
    conn: Arc<Connection>,
    relay: Arc<Relay>,
    tx: mpsc::Sender<Handover>,
    root: Arc<str>,
) {
    let mut head = Vec::with_capacity(1024);
    let deciding = tokio::time::timeout(HEAD_TIMEOUT, async {
        loop {
            match classify(&head) {
                Kind::Undecided if head.len() < MAX_HEAD => {}
                Kind::Stream(number, lineup, agent) => return Some(Ok((number, lineup, agent))),
                _ => return Some(Err(())),
            }
            let mut buf = [0u8; 2048];
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    });
    // Told to make room for a newer connection: let go at once.
    let decided = tokio::select! {
        decided = deciding => decided,
        () = conn.closed() => return,
    };
    match decided {
        Ok(Some(Ok((number, lineup, agent)))) => {
            conn.set_streaming();
            let viewer = ViewerInfo::new(Some(addr), agent.as_deref()).holding(conn);
            let lineup = lineup.as_deref().unwrap_or(&root);
            relay.tune_socket(&number, lineup, viewer, socket).await
        }
        Ok(Some(Err(()))) => {
            // Unregistered here, registered by the router's runtime.
            if let Ok(socket) = socket.into_std() {
                let _ = tx.send((head, socket, addr, conn)).await;
            }
        }
        // Closed, broken, or silent for too long.
        _ => {}
    }
}

/// Where a connection's first request goes, from the bytes read so far.
#[derive(Debug, PartialEq)]
enum Kind {
    /// Not enough bytes yet.
    Undecided,
    /// A complete `GET /stream/{n}` or `GET /auto/v{n}` head (maybe under
    /// `/lineups/{name}`): the channel, the lineup named in the path and the
    /// client's `User-Agent`.
    Stream(String, Option<String>, Option<String>),
    /// Anything else: the HTTP server's.
    Other,
}

fn classify(head: &[u8]) -> Kind {
    let Some(prefix) = STREAM_PREFIXES.iter().find(|p| {
        let n = p.len().min(head.len());
        head[..n] == p[..n]
    }) else {
        return Kind::Other;
    };
    if head.len() < prefix.len() {
        return Kind::Undecided;
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(head) {
        Ok(httparse::Status::Partial) => Kind::Undecided,
        Ok(httparse::Status::Complete(len)) if len == head.len() => {
            let path = request.path.unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default();
            let (lineup, path) = match path.strip_prefix("/lineups/") {
                Some(rest) => match rest.split_once('/') {
                    Some((name, rest)) if crate::store::valid_lineup_name(name) => {
                        (Some(name.to_string()), &path[path.len() - rest.len() - 1..])
                    }
                    _ => return Kind::Other,
                },
                None => (None, path),
            };
            let channel = path
                .strip_prefix("/stream/")
                .or_else(|| path.strip_prefix("/auto/v"));
            match channel {
                // Percent-encoded or nested paths: the router decides, as before.
                Some(n) if !n.is_empty() && !n.contains(['/', '%']) => {
                    let agent = request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("user-agent"))
                        .map(|h| String::from_utf8_lossy(h.value).into_owned());
                    Kind::Stream(n.to_string(), lineup, agent)
                }
                _ => Kind::Other,
            }
        }
        // Pipelined requests or a body: the HTTP server handles them.
        _ => Kind::Other,
    }
}

/// A connection for the HTTP server: the bytes read while deciding, then
/// the socket.
pub struct Prefixed {
    head: Vec<u8>,
    read: usize,
    socket: TcpStream,
}

impl Prefixed {
    fn new(head: Vec<u8>, socket: TcpStream) -> Prefixed {
        Prefixed {
            head,
            read: 0,
            socket,
        }
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.read < this.head.len() {
            let rest = &this.head[this.read..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.read += n;
            if this.read == this.head.len() {
                this.head = Vec::new();
                this.read = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.socket).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::{classify, Kind};

    #[test]
    fn stream_requests_are_told_apart_from_the_rest() {
        let stream = |n: &str| Kind::Stream(n.to_string(), None, None);
        let kids = |n: &str| Kind::Stream(n.to_string(), Some("kids".into()), None);
        let cases: &[(&[u8], Kind)] = &[
            (b"", Kind::Undecided),
            (b"GE", Kind::Undecided),
            (b"GET /str", Kind::Undecided),
            (b"GET /stream/5 HTTP/1.1\r\nHost: x\r\n", Kind::Undecided),
            (b"GET /stream/5 HTTP/1.1\r\nHost: x\r\n\r\n", stream("5")),
            (b"GET /stream/5.1?x=1 HTTP/1.1\r\n\r\n", stream("5.1")),
            (
                b"GET /stream/7 HTTP/1.1\r\nUser-Agent: Lavf/61\r\n\r\n",
                Kind::Stream("7".into(), None, Some("Lavf/61".into())),
            ),
            (
                b"GET /auto/v101?transcode=mobile HTTP/1.0\r\n\r\n",
                stream("101"),
            ),
            // Malformed numbers are the relay's to refuse (400).
            (b"GET /stream/abc HTTP/1.1\r\n\r\n", stream("abc")),
            (b"GET /lineup.json HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /lineups/kids/stream/5 HTTP/1.1\r\n\r\n", kids("5")),
            (b"GET /lineups/kids/auto/v5.1 HTTP/1.1\r\n\r\n", kids("5.1")),
            (b"GET /lineups/kids/stream/5 HTTP/1.1\r\n", Kind::Undecided),
            (
                b"GET /lineups/kids/lineup.json HTTP/1.1\r\n\r\n",
                Kind::Other,
            ),
            (b"GET /lineups/Kids/stream/5 HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /lineups/kids HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /lineups/../stream/5 HTTP/1.1\r\n\r\n", Kind::Other),
            (b"POST /stream/5 HTTP/1.1\r\n\r\n", Kind::Other),
            (b"HEAD /stream/5 HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /stream/ HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /stream/5/x HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /stream/%35 HTTP/1.1\r\n\r\n", Kind::Other),
            (b"GET /auto/5 HTTP/1.1\r\n\r\n", Kind::Other),
            // A second request already behind the first: the HTTP server's.
            (
                b"GET /stream/5 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
                Kind::Other,
            ),
            (b"GET /stream/5 HTTP/1.1\r\nbad header\r\n\r\n", Kind::Other),
            (b"\x16\x03\x01\x00", Kind::Other),
        ];
        for (head, kind) in cases {
            assert_eq!(&classify(head), kind, "{:?}", String::from_utf8_lossy(head));
        }
    }
}

//! A minimal HTTP/1.1 GET for provider streams over plain `http://`: the
//! pump task reads the provider's socket itself, straight into `Bytes` it
//! hands on, with no client task in between (a general HTTP client runs each
//! connection in a task of its own and passes every read through a channel:
//! one more wake-up per read on the relay's hottest path). Bodies framed by
//! `Content-Length`, `Transfer-Encoding: chunked` or the connection's end.
//! `https://` streams go through reqwest instead (see `upstream`).

use crate::fetch::headers::RequestHeader;
use bytes::{Buf, Bytes, BytesMut};
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes asked of the socket per read.
const READ_SIZE: usize = 64 * 1024;
/// Longest chunk-size line accepted.
const MAX_SIZE_LINE: usize = 1024;

/// A response whose head has been read.
pub(crate) struct Response {
    pub(crate) status: u16,
    /// `Location`, for redirects.
    pub(crate) location: Option<String>,
    pub(crate) body: Body,
}

/// The body of a [`Response`], read on demand.
pub(crate) struct Body {
    tcp: TcpStream,
    /// Bytes read from the socket and not yet handed out.
    buf: BytesMut,
    framing: Framing,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    /// This many bytes left.
    Length(u64),
    /// Inside a chunked body.
    Chunked(Chunk),
    /// Until the server closes.
    Close,
    /// Nothing more.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Chunk {
    /// Expecting a size line.
    Size,
    /// This many data bytes of the current chunk left.
    Data(u64),
    /// Expecting the CRLF after a chunk's data.
    DataEnd,
    /// After the last (zero) chunk: trailers until an empty line.
    Trailers,
}

/// Why a request failed; short, no URL.
fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Sends `GET url` with `headers` and reads the response head.
pub(crate) async fn get(
    url: &Url,
    headers: &[&RequestHeader],
    user_agent: &str,
) -> io::Result<Response> {
    let host = url.host_str().ok_or_else(|| bad("the URL has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut tcp = TcpStream::connect((host.trim_matches(['[', ']']), port)).await?;
    tcp.set_nodelay(true)?;
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let mut head = format!(
        "GET {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\nConnection: close\r\n"
    )
    .into_bytes();
    for h in headers {
        head.extend_from_slice(h.name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(h.value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    tcp.write_all(&head).await?;

    let mut buf = BytesMut::with_capacity(READ_SIZE);
    loop {
        if tcp.read_buf(&mut buf).await? == 0 {
            return Err(bad("the server closed the connection before answering"));
        }
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut fields);
        match parsed
            .parse(&buf)
            .map_err(|_| bad("the answer is not HTTP"))?
        {
            httparse::Status::Partial if buf.len() > MAX_HEAD => {
                return Err(bad("the answer's head is too large"))
            }
            httparse::Status::Partial => continue,
            httparse::Status::Complete(len) => {
                let status = parsed.code.unwrap_or(0);
                let find = |name: &str| {
                    parsed
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
                };
                let location = find("location");
                let chunked = find("transfer-encoding")
                    .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
                let framing = if chunked {
                    Framing::Chunked(Chunk::Size)
                } else if let Some(length) = find("content-length") {
                    Framing::Length(length.parse().map_err(|_| bad("a bad Content-Length"))?)
                } else {
                    Framing::Close
                };
                buf.advance(len);
                return Ok(Response {
                    status,
                    location,
                    body: Body { tcp, buf, framing },
                });
            }
        }
    }
}

impl Body {
    /// The next piece of the body; `None` at its end. Cancel-safe: what was
    /// read stays in `self`.
    pub(crate) async fn chunk(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            if let Some(out) = self.take()? {
                return Ok(Some(out));
            }
            if self.framing == Framing::Done {
                return Ok(None);
            }
            if self.buf.capacity() - self.buf.len() < READ_SIZE / 4 {
                self.buf.reserve(READ_SIZE);
            }
            if self.tcp.read_buf(&mut self.buf).await? == 0 {
                return match self.framing {
                    Framing::Close => {
                        self.framing = Framing::Done;
                        Ok(None)
                    }
                    _ => Err(io::ErrorKind::UnexpectedEof.into()),
                };
            }
        }
    }

    /// Body bytes already buffered, decoded; `None` when more must be read.
    fn take(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            match self.framing {
                Framing::Done => return Ok(None),
                Framing::Close => {
                    return Ok((!self.buf.is_empty()).then(|| self.buf.split().freeze()));
                }
                Framing::Length(0) => {
                    self.framing = Framing::Done;
                    return Ok(None);
                }
                Framing::Length(left) => {
                    if self.buf.is_empty() {
                        return Ok(None);
                    }
                    let n = (self.buf.len() as u64).min(left) as usize;
                    self.framing = Framing::Length(left - n as u64);
                    return Ok(Some(self.buf.split_to(n).freeze()));
                }
                Framing::Chunked(Chunk::Data(0)) => {
                    self.framing = Framing::Chunked(Chunk::DataEnd);
                }
                Framing::Chunked(Chunk::Data(left)) => {
                    if self.buf.is_empty() {
                        return Ok(None);
                    }
                    let n = (self.buf.len() as u64).min(left) as usize;
                    self.framing = Framing::Chunked(Chunk::Data(left - n as u64));
                    return Ok(Some(self.buf.split_to(n).freeze()));
                }
                Framing::Chunked(Chunk::DataEnd) => {
                    if self.buf.len() < 2 {
                        return Ok(None);
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(bad("a chunk does not end with CRLF"));
                    }
                    self.buf.advance(2);
                    self.framing = Framing::Chunked(Chunk::Size);
                }
                Framing::Chunked(Chunk::Size) => {
                    let Some(line) = self.line()? else {
                        return Ok(None);
                    };
                    let digits = line.split(';').next().unwrap_or("").trim();
                    let size =
                        u64::from_str_radix(digits, 16).map_err(|_| bad("a bad chunk size"))?;
                    self.framing = Framing::Chunked(if size == 0 {
                        Chunk::Trailers
                    } else {
                        Chunk::Data(size)
                    });
                }
                Framing::Chunked(Chunk::Trailers) => {
                    let Some(line) = self.line()? else {
                        return Ok(None);
                    };
                    if line.is_empty() {
                        self.framing = Framing::Done;
                    }
                }
            }
        }
    }

    /// One CRLF-terminated line from the buffer (without the CRLF).
    fn line(&mut self) -> io::Result<Option<String>> {
        match self.buf.windows(2).position(|w| w == b"\r\n") {
            Some(end) => {
                let line = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                self.buf.advance(end + 2);
                Ok(Some(line))
            }
            None if self.buf.len() > MAX_SIZE_LINE => Err(bad("a chunk-size line is too long")),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Serves `parts` (written with pauses) to one client; returns its URL.
    async fn serve(parts: Vec<&'static [u8]>) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut req = vec![0u8; 4096];
            let _ = tcp.read(&mut req).await;
            for p in parts {
                let _ = tcp.write_all(p).await;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        Url::parse(&format!("http://{addr}/live/u/p/1.ts?x=1")).unwrap()
    }

    async fn body_of(url: &Url) -> io::Result<(u16, Vec<u8>)> {
        let mut r = get(url, &[], "test").await?;
        let mut all = Vec::new();
        while let Some(b) = r.body.chunk().await? {
            all.extend_from_slice(&b);
        }
        Ok((r.status, all))
    }

    #[tokio::test]
    async fn chunked_bodies_split_anywhere_decode() {
        let url = serve(vec![
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel",
            b"lo\r\n6\r\n worl",
            b"d\r",
            b"\n0\r\nX-Trailer: 1\r\n\r\n",
        ])
        .await;
        assert_eq!(body_of(&url).await.unwrap(), (200, b"hello world".to_vec()));
    }

    #[tokio::test]
    async fn length_and_close_framed_bodies() {
        let url = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdEXTRA",
        ])
        .await;
        assert_eq!(body_of(&url).await.unwrap().1, b"abcd");
        let url = serve(vec![b"HTTP/1.0 200 OK\r\n\r\nuntil", b" close"]).await;
        assert_eq!(body_of(&url).await.unwrap().1, b"until close");
    }

    #[tokio::test]
    async fn redirects_and_errors_are_read() {
        let url = serve(vec![
            b"HTTP/1.1 302 Found\r\nLocation: /lb/1.ts?token=t\r\nContent-Length: 0\r\n\r\n",
        ])
        .await;
        let r = get(&url, &[], "t").await.unwrap();
        assert_eq!(
            (r.status, r.location.as_deref()),
            (302, Some("/lb/1.ts?token=t"))
        );
        let url = serve(vec![b"<html>not http</html>\r\n\r\n"]).await;
        assert!(get(&url, &[], "t").await.is_err());
        let url = serve(vec![
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ])
        .await;
        assert!(body_of(&url).await.is_err());
        let url = serve(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"]).await;
        assert!(body_of(&url).await.is_err(), "cut before its length");
    }
}

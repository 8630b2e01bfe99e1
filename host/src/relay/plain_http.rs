//! A provider stream over plain HTTP/1.1, read by the channel's pump itself.
//! Through the HTTP client every read of the provider's socket crossed a task
//! (its connection task decodes, then wakes the pump); here the pump reads
//! the socket and decodes the body in place (close-delimited, chunked or
//! with a length). HTTPS streams still go through the HTTP client.

use crate::fetch::headers::RequestHeader;
use bytes::{Buf, Bytes, BytesMut};
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// Longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes asked of the socket per read.
const READ_SIZE: usize = 64 * 1024;

/// A response whose head was read: the status, where a redirect points, and
/// the body still to read.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: Body,
}

/// How the body ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    /// At the connection's end.
    Close,
    /// After this many more bytes.
    Length(u64),
    /// Chunked: inside a chunk with this many bytes left, or between chunks.
    Chunk(u64),
    /// Chunked: a chunk's data was read, its CRLF is next.
    ChunkEnd,
    /// Chunked: between chunks, a size line is next.
    SizeLine,
    /// Nothing more.
    Done,
}

/// A response body being read.
pub(crate) struct Body {
    socket: TcpStream,
    buf: BytesMut,
    framing: Framing,
}

/// Why a read failed, for the relay's reasons.
pub(crate) fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        io::ErrorKind::ConnectionReset => "connection reset".into(),
        io::ErrorKind::TimedOut => "timed out".into(),
        io::ErrorKind::InvalidData => "the provider's answer is not valid HTTP".into(),
        kind => kind.to_string(),
    }
}

/// Sends `GET url` with `headers` (name, value) and reads the response head.
pub(crate) async fn get(
    url: &Url,
    headers: &[&RequestHeader],
    user_agent: &str,
) -> io::Result<Response> {
    let host = url
        .host_str()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let connect_host = host.trim_start_matches('[').trim_end_matches(']');
    let mut socket = TcpStream::connect((connect_host, port)).await?;
    socket.set_nodelay(true)?;
    let mut target = url.path().to_string();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let mut request = format!("GET {target} HTTP/1.1\r\nhost: {host_header}\r\n").into_bytes();
    if !headers
        .iter()
        .any(|h| h.name == reqwest::header::USER_AGENT)
    {
        request.extend_from_slice(format!("user-agent: {user_agent}\r\n").as_bytes());
    }
    request.extend_from_slice(b"accept: */*\r\n");
    for h in headers {
        request.extend_from_slice(h.name.as_str().as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(h.value.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"connection: close\r\n\r\n");
    socket.write_all(&request).await?;
    read_head(socket).await
}

async fn read_head(mut socket: TcpStream) -> io::Result<Response> {
    let mut buf = BytesMut::with_capacity(8 * 1024);
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        let parsed = response.parse(&buf).map_err(invalid)?;
        if let httparse::Status::Complete(len) = parsed {
            let status = response.code.unwrap_or(0);
            let header = |name: &str| {
                response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
            };
            let location = header("location");
            let chunked = header("transfer-encoding")
                .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
            let framing = if chunked {
                Framing::SizeLine
            } else if let Some(length) = header("content-length") {
                Framing::Length(length.parse().map_err(invalid)?)
            } else {
                Framing::Close
            };
            buf.advance(len);
            return Ok(Response {
                status,
                location,
                body: Body {
                    socket,
                    buf,
                    framing,
                },
            });
        }
        if buf.len() >= MAX_HEAD {
            return Err(invalid("the response head is too long"));
        }
        buf.reserve(8 * 1024);
        if socket.read_buf(&mut buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

fn invalid(e: impl ToString) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl Body {
    /// The next body bytes (`None` at the body's end). Cancel-safe: a read
    /// that did not complete changed nothing.
    pub(crate) async fn chunk(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            if let Some(data) = self.decode()? {
                return Ok(Some(data));
            }
            if self.framing == Framing::Done {
                return Ok(None);
            }
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(READ_SIZE);
            }
            if self.socket.read_buf(&mut self.buf).await? == 0 {
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

    /// Body bytes from what is buffered, if any.
    fn decode(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            match self.framing {
                Framing::Done => return Ok(None),
                Framing::Close if !self.buf.is_empty() => {
                    return Ok(Some(self.buf.split().freeze()));
                }
                Framing::Close => return Ok(None),
                Framing::Length(0) => self.framing = Framing::Done,
                Framing::Length(left) | Framing::Chunk(left) if !self.buf.is_empty() => {
                    let take = (left.min(self.buf.len() as u64)) as usize;
                    let left = left - take as u64;
                    self.framing = match self.framing {
                        Framing::Length(_) => Framing::Length(left),
                        _ if left == 0 => Framing::ChunkEnd,
                        _ => Framing::Chunk(left),
                    };
                    return Ok(Some(self.buf.split_to(take).freeze()));
                }
                Framing::Length(_) | Framing::Chunk(_) => return Ok(None),
                Framing::ChunkEnd => {
                    if self.buf.len() < 2 {
                        return Ok(None);
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(invalid("a chunk does not end with CRLF"));
                    }
                    self.buf.advance(2);
                    self.framing = Framing::SizeLine;
                }
                Framing::SizeLine => match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((used, 0))) => {
                        // The last chunk: trailers are not read.
                        self.buf.advance(used);
                        self.framing = Framing::Done;
                    }
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.buf.advance(used);
                        self.framing = Framing::Chunk(size);
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() > 1024 => {
                        return Err(invalid("a chunk size line is too long"));
                    }
                    Ok(httparse::Status::Partial) => return Ok(None),
                    Err(_) => return Err(invalid("a chunk size line is not valid")),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Serves `answer` to one request, written in pieces of `piece` bytes,
    /// and returns what the body reader made of it.
    async fn read_body(answer: &'static [u8], piece: usize) -> io::Result<(u16, Vec<u8>)> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/live/x.ts",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut req = vec![0u8; 4096];
            let _ = s.read(&mut req).await.unwrap();
            for part in answer.chunks(piece) {
                if s.write_all(part).await.is_err() {
                    return;
                }
                s.flush().await.unwrap();
            }
        });
        let mut response = get(&url, &[], "test").await?;
        let mut body = Vec::new();
        let result = async {
            while let Some(data) = response.body.chunk().await? {
                body.extend_from_slice(&data);
            }
            Ok::<_, io::Error>(())
        }
        .await;
        server.await.unwrap();
        result.map(|()| (response.status, body))
    }

    #[tokio::test]
    async fn bodies_are_read_whatever_the_framing_and_the_read_boundaries() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\n\r\nhello world", b"hello world"),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b"hello"),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
                b"hello world",
            ),
            (b"HTTP/1.0 200 OK\r\n\r\n", b""),
        ];
        for (answer, expected) in cases {
            for piece in [1, 3, 7, 4096] {
                let (status, body) = read_body(answer, piece).await.unwrap();
                assert_eq!(status, 200);
                assert_eq!(
                    &body,
                    expected,
                    "{:?} in pieces of {piece}",
                    String::from_utf8_lossy(answer)
                );
            }
        }
    }

    #[tokio::test]
    async fn broken_answers_are_errors_not_data() {
        let broken: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
            b"not http at all\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: 1\r\n",
        ];
        for answer in broken {
            assert!(
                read_body(answer, 4).await.is_err(),
                "{:?}",
                String::from_utf8_lossy(answer)
            );
        }
    }
}

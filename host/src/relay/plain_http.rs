//! A provider stream over plain HTTP/1.1, read by the channel's pump itself.
//! Through the HTTP client every read of the provider's socket crossed a task
//! (its connection task decodes, then wakes the pump); here the pump reads
//! the socket and decodes the body in place (close-delimited, chunked or
//! with a length), handing out whole 188-byte packets without copying them.
//! HTTPS streams still go through the HTTP client.

use crate::fetch::headers::RequestHeader;
use bytes::{Buf, Bytes, BytesMut};
use std::collections::VecDeque;
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// Longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Most bytes taken from the socket per read, and the size of every read
/// buffer: one size, so a buffer let go by its chunks fits any later read.
/// Two 100 ms batches of a 20 Mbit/s stream fit (a read that meets the
/// buffer's end is split in two, so smaller buffers split most batches).
const MAX_READ: usize = 512 * 1024;
/// A read buffer with less room than this left is replaced by a fresh one
/// (reads fill a buffer to its end, so little of it is left unused).
const MIN_ROOM: usize = 16 * 1024;
/// An MPEG-TS packet: body bytes go out in whole ones.
const PACKET: usize = 188;
/// Decoded bytes before a chunk's framing are moved over it, rather than
/// going out as a piece of their own, when fewer than this: a read that
/// begins with the end of a chunk then gives one piece instead of a small
/// one the relay would merge with the next (an allocation and a copy of all
/// of it) or pass on alone (a chunk on every viewer's queue for a few bytes).
const MOVE_UNDER: usize = 16 * 1024;
/// Spent read buffers kept to be taken back, at most (see [`Spent`]).
const SPENT_MAX: usize = 512;
/// Free read buffers kept for later reads, at most (see [`Spent`]): 8 MiB,
/// a few seconds of a 4K stream.
const SPARE_MAX: usize = 16;

/// A response whose head was read: the status, where a redirect points, and
/// the body still to read.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: Body,
}

/// Where the body's decoding stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Body bytes: this many more (`u64::MAX`: until the connection ends),
    /// then a chunk's CRLF (`chunked`) or the end.
    Data { left: u64, chunked: bool },
    /// Chunked: a chunk's data was read, its CRLF is next.
    ChunkEnd,
    /// Chunked: a size line is next.
    SizeLine,
    /// The body is complete: what is decoded goes out, then nothing.
    Done,
}

/// A response body being read. Decoded bytes stay at the front of `buf`
/// (`decoded` of them) and go out as whole 188-byte packets; a partial
/// packet waits for the next read, in the same buffer, so the aligner gets
/// packet-aligned slices it passes on without copying. Chunk framing between
/// two pieces of data is cut out by moving the decoded bytes before it over
/// it when they are fewer than [`MOVE_UNDER`] (a partial packet, or the end
/// of a chunk the previous read began); more go out as a piece first.
pub(crate) struct Body {
    socket: TcpStream,
    buf: BytesMut,
    decoded: usize,
    state: State,
    /// `buf` is a [`MAX_READ`] buffer from [`Spent`] (not the head's).
    spendable: bool,
    /// Earlier read buffers, to be taken back once their chunks are gone.
    spent: Spent,
    /// Bytes the socket must hold before it wakes the pump (`SO_RCVLOWAT`).
    wake_at: usize,
    /// The last read stopped at the buffer's end, so the socket most likely
    /// holds more (read at once, see [`Body::fill`]).
    filled: bool,
}

/// Read buffers whose bytes went out as chunks, oldest first, all
/// [`MAX_READ`] bytes. The chunks share the buffer's allocation, so keeping
/// the (empty) buffer costs no memory while they live; once every chunk cut
/// from it is dropped the allocation is taken back for a later read instead
/// of asking malloc for a new one. Chunks are let go in bursts (a keyframe
/// releases the previous group of pictures at once), so the free buffers are
/// kept for the reads that follow, up to [`SPARE_MAX`]. Measured at ten
/// channels: buffers sized to each read, and all but one free buffer let
/// go, made 97 % of reads a fresh allocation, and reading into fresh pages
/// cost page faults worth 5 % of the relay's CPU.
#[derive(Default)]
struct Spent(VecDeque<BytesMut>);

impl Spent {
    /// An empty [`MAX_READ`] buffer: the oldest free spent one if there is
    /// one, else a new allocation.
    fn take(&mut self) -> BytesMut {
        let mut found = None;
        let mut spare = 0;
        while let Some(buf) = self.0.get_mut(spare) {
            buf.clear();
            // Only the sole owner of the allocation can take all of it back.
            if !buf.try_reclaim(MAX_READ) {
                break;
            }
            if found.is_none() {
                found = self.0.remove(spare);
            } else if spare >= SPARE_MAX {
                self.0.remove(spare); // more than a cycle of reads needs
            } else {
                spare += 1;
            }
        }
        found.unwrap_or_else(|| BytesMut::with_capacity(MAX_READ))
    }

    /// Keeps a buffer whose bytes went out (its chunks may still live).
    fn keep(&mut self, buf: BytesMut) {
        if self.0.len() >= SPENT_MAX {
            self.0.pop_front();
        }
        self.0.push_back(buf);
    }
}

/// Keeps every allocation of 128 KiB or more, read buffers ([`MAX_READ`])
/// above all, in a mapping of its own that goes back to the system when
/// freed. glibc otherwise raises that threshold each time such a block is
/// freed, after which read buffers come from the heap, where a freed one
/// can rarely be given back (a small allocation above it pins the heap's
/// top): measured, a server whose ten channels had stopped stayed at 82 MiB
/// instead of 28. Reads reuse their buffers (see [`Spent`]), so the mappings
/// are made when a channel starts, not per read. Called once at start.
pub(crate) fn keep_read_buffers_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc setting, under malloc's own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Why a read failed, for the relay's reasons.
pub(crate) fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::InvalidData => "the provider's answer is not valid HTTP".into(),
        _ => super::upstream::io_reason(e),
    }
}

/// Sends `GET url` to one of `addrs` (what its host resolved to, already
/// checked by the address guard) with `headers` (name, value) and reads
/// the response head.
pub(crate) async fn get(
    url: &Url,
    addrs: &[std::net::SocketAddr],
    headers: &[&RequestHeader],
    user_agent: &str,
) -> io::Result<Response> {
    let host = url
        .host_str()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no host"))?;
    let mut socket = TcpStream::connect(addrs).await?;
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
            let state = if chunked {
                State::SizeLine
            } else if let Some(length) = header("content-length") {
                State::Data {
                    left: length.parse().map_err(invalid)?,
                    chunked: false,
                }
            } else {
                State::Data {
                    left: u64::MAX,
                    chunked: false,
                }
            };
            buf.advance(len);
            return Ok(Response {
                status,
                location,
                body: Body {
                    socket,
                    buf,
                    decoded: 0,
                    state,
                    spendable: false,
                    spent: Spent::default(),
                    wake_at: 1,
                    filled: false,
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

/// `SO_RCVLOWAT` (Linux and the BSDs honour it for readiness too); an error
/// only means reads stay small.
#[cfg(unix)]
fn set_recv_lowat(socket: &TcpStream, bytes: usize) {
    use std::os::fd::AsRawFd;
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: a valid socket descriptor (borrowed for the call) and a
    // pointer to a c_int that lives across it, with its size.
    unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            std::ptr::from_ref(&value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(unix))]
fn set_recv_lowat(_socket: &TcpStream, _bytes: usize) {}

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
            if self.state == State::Done {
                return Ok(None);
            }
            if self.fill().await? == 0 {
                match self.state {
                    State::Data {
                        left: u64::MAX,
                        chunked: false,
                    } => self.state = State::Done,
                    _ => return Err(io::ErrorKind::UnexpectedEof.into()),
                }
            }
        }
    }

    /// One read into what is left of the read buffer, or into a fresh one
    /// when less than [`MIN_ROOM`] is left (the undecoded rest, under a
    /// packet and a chunk size line, moves over). A read that fills the
    /// buffer leaves the socket marked readable, so the rest is read at once
    /// without waiting; one that comes back short tells tokio to wait for
    /// epoll again. 0 at the end.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.buf.capacity() - self.buf.len() < MIN_ROOM {
            let mut fresh = self.spent.take();
            fresh.extend_from_slice(&self.buf);
            let old = std::mem::replace(&mut self.buf, fresh);
            if std::mem::replace(&mut self.spendable, true) {
                self.spent.keep(old);
            }
        }
        let room = self.buf.capacity() - self.buf.len();
        let read = self.socket.read_buf(&mut self.buf).await?;
        self.filled = read == room;
        Ok(read)
    }

    /// Whether more body bytes are at hand, so that [`Body::chunk`] will
    /// most likely answer without waiting: buffered already (a partial
    /// packet or a partial chunk size line may still make it wait), or left
    /// in the socket by a read that stopped at the buffer's end (a batch
    /// bigger than the room left, read in two).
    pub(crate) fn more_at_hand(&self) -> bool {
        self.buf.len() >= PACKET || self.filled
    }

    /// Lets the socket wake the pump only once it holds `bytes` (at least
    /// 1, at most two fifths of its receive buffer): the kernel gathers a
    /// steady stream into fewer, larger reads, so a channel costs fewer
    /// wake-ups, reads and writes per second. A stream that slows below it
    /// is still read when the pump's quiet timer sets it back to 1, and the
    /// kernel wakes it anyway when its receive window is about to close.
    /// Best effort: where the option is missing nothing changes.
    ///
    /// Measured and dropped: reading every steady channel on one shared
    /// 50 ms clock (a kernel timer, the mark raised above a tick's bytes),
    /// so the async thread wakes once per tick for all of them. At ten
    /// channels it cost the same (0.580 and 0.587 CPU s/GB against 0.578
    /// and 0.590 this way, with a quarter fewer context switches); for one
    /// channel it cost 1.6 times as much (2.05-2.19 against 1.24-1.35 s/GB).
    /// Most likely (inferred, not traced) the bytes waited up to a tick in
    /// the socket and went cold, while the socket's own wake-up comes right
    /// after the provider's write, with them still in the cache.
    pub(crate) fn wake_at(&mut self, bytes: usize) {
        // Inside the receive buffer the kernel tuned for this connection:
        // when a batch needs more room than the buffer has (Linux counts up
        // to twice the bytes for their overhead), it grows the buffer to fit
        // and clamps the receive window to the batch, which on a long link
        // could hold the stream below its rate until autotuning catches up.
        let room = socket2::SockRef::from(&self.socket)
            .recv_buffer_size()
            .map_or(0, |size| size * 2 / 5);
        let bytes = bytes.min(room).clamp(1, MAX_READ);
        // A rate that wobbles a little keeps its setting (no call per second).
        let (low, high) = (
            self.wake_at - self.wake_at / 4,
            self.wake_at + self.wake_at / 4,
        );
        if (bytes == 1) == (self.wake_at == 1) && (low..=high).contains(&bytes) {
            return;
        }
        self.wake_at = bytes;
        set_recv_lowat(&self.socket, bytes);
    }

    /// Whether the socket wakes the reader only for a batch of bytes (see
    /// [`Body::wake_at`]), so the next read is a batch away.
    pub(crate) fn batching(&self) -> bool {
        self.wake_at > 1
    }

    /// Decoded whole packets from what is buffered, if any (everything at
    /// the body's end).
    fn decode(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            match self.state {
                State::Data { left, chunked } => {
                    let take = left.min((self.buf.len() - self.decoded) as u64);
                    self.decoded += take as usize;
                    // u64::MAX stays: the body ends with the connection.
                    let left = if left == u64::MAX { left } else { left - take };
                    self.state = match (left, chunked) {
                        (0, true) => State::ChunkEnd,
                        (0, false) => State::Done,
                        _ => State::Data { left, chunked },
                    };
                    if left > 0 {
                        return Ok(self.emit(false));
                    }
                }
                State::ChunkEnd => {
                    if self.buf.len() - self.decoded < 2 {
                        return Ok(self.emit(false));
                    }
                    if &self.buf[self.decoded..self.decoded + 2] != b"\r\n" {
                        return Err(invalid("a chunk does not end with CRLF"));
                    }
                    if let Some(packets) = self.cut(2) {
                        return Ok(Some(packets));
                    }
                    self.state = State::SizeLine;
                }
                State::SizeLine => match httparse::parse_chunk_size(&self.buf[self.decoded..]) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        if let Some(packets) = self.cut(used) {
                            return Ok(Some(packets));
                        }
                        // A last chunk (size 0): trailers are not read.
                        self.state = match size {
                            0 => State::Done,
                            left => State::Data {
                                left,
                                chunked: true,
                            },
                        };
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() - self.decoded > 1024 => {
                        return Err(invalid("a chunk size line is too long"));
                    }
                    Ok(httparse::Status::Partial) => return Ok(self.emit(false)),
                    Err(_) => return Err(invalid("a chunk size line is not valid")),
                },
                State::Done => return Ok(self.emit(true)),
            }
        }
    }

    /// Removes `n` framing bytes after the decoded ones: [`MOVE_UNDER`] or
    /// more whole packets go out first (returned; call again), then what is
    /// left is moved over the framing.
    fn cut(&mut self, n: usize) -> Option<Bytes> {
        if self.decoded >= MOVE_UNDER {
            return self.emit(false);
        }
        self.buf.copy_within(..self.decoded, n);
        self.buf.advance(n);
        None
    }

    /// The decoded whole packets (`all`: every decoded byte), if any.
    fn emit(&mut self, all: bool) -> Option<Bytes> {
        let n = if all {
            self.decoded
        } else {
            self.decoded - self.decoded % PACKET
        };
        if n == 0 {
            return None;
        }
        self.decoded -= n;
        Some(self.buf.split_to(n).freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::net::TcpListener;

    /// Serves `answer` to one request, written in pieces of `piece` bytes,
    /// and returns what the body reader made of it.
    async fn read_body(answer: &'static [u8], piece: usize) -> io::Result<(u16, Vec<u8>)> {
        let (status, pieces) = serve(answer, piece).await?;
        Ok((status, pieces.concat()))
    }

    async fn read_pieces(answer: &'static [u8], piece: usize) -> io::Result<Vec<Vec<u8>>> {
        Ok(serve(answer, piece).await?.1)
    }

    /// The address of a test server's URL.
    fn listener_addr(url: &Url) -> std::net::SocketAddr {
        url.socket_addrs(|| None).unwrap()[0]
    }

    /// Serves `answer` to one request in pieces of `piece` bytes; the status
    /// and the body as the reader handed it out.
    async fn serve(answer: &'static [u8], piece: usize) -> io::Result<(u16, Vec<Vec<u8>>)> {
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
        let addr = [listener_addr(&url)];
        let mut response = get(&url, &addr, &[], "test").await?;
        let mut body = Vec::new();
        let result = async {
            while let Some(data) = response.body.chunk().await? {
                body.push(data.to_vec());
            }
            Ok::<_, io::Error>(())
        }
        .await;
        server.await.unwrap();
        result.map(|()| (response.status, body))
    }

    /// With `wake_at`, a read waits until the socket holds that much; set
    /// back to 1 byte, what is there is read at once.
    #[tokio::test]
    async fn the_socket_wakes_the_reader_only_once_it_holds_the_batch() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/x.ts", listener.local_addr().unwrap())).unwrap();
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut req = vec![0u8; 4096];
            let _ = s.read(&mut req).await.unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
            let _ = wait.await;
            s.write_all(&[0x47; 188 * 50]).await.unwrap();
            // Held open until the reader is done.
            let _ = s.read(&mut req).await;
        });
        let addr = [listener_addr(&url)];
        let mut response = get(&url, &addr, &[], "test").await.unwrap();
        response.body.wake_at(64 * 1024);
        go.send(()).unwrap();
        let early = tokio::time::timeout(Duration::from_millis(300), response.body.chunk()).await;
        assert!(
            early.is_err(),
            "9400 bytes woke a reader waiting for a larger batch"
        );
        response.body.wake_at(0);
        let mut got = 0;
        while got < 188 * 50 {
            let data = tokio::time::timeout(Duration::from_secs(5), response.body.chunk())
                .await
                .expect("set back to 1 byte, the bytes there are read")
                .unwrap()
                .unwrap();
            got += data.len();
        }
        assert_eq!(got, 188 * 50);
        drop(response);
        server.await.unwrap();
    }

    /// Reads `want` body bytes (whole packets), failing after 5 s.
    async fn read_exactly(body: &mut Body, want: usize) {
        let mut got = 0;
        while got < want {
            let data = tokio::time::timeout(Duration::from_secs(5), body.chunk())
                .await
                .expect("the bytes sent arrive")
                .unwrap()
                .unwrap();
            got += data.len();
        }
        assert_eq!(got, want);
    }

    /// A read that meets the end of the read buffer leaves the rest of a
    /// batch in the socket: the body says more is at hand, so the pump holds
    /// viewers' writes for it (one `writev` for the batch, not two).
    #[tokio::test]
    async fn a_read_that_fills_the_buffer_says_more_is_at_hand() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/x.ts", listener.local_addr().unwrap())).unwrap();
        let (ask, mut asked) = tokio::sync::mpsc::channel::<usize>(1);
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut req = vec![0u8; 4096];
            let _ = s.read(&mut req).await.unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
            while let Some(bytes) = asked.recv().await {
                s.write_all(&vec![0x47; bytes]).await.unwrap();
            }
        });
        let addr = [listener_addr(&url)];
        let mut response = get(&url, &addr, &[], "test").await.unwrap();
        let body = &mut response.body;
        // Short reads (the socket never holds the room left) leave 16 688
        // bytes of a fresh read buffer.
        let first = 188 * 2700;
        ask.send(first).await.unwrap();
        read_exactly(body, first).await;
        assert_eq!(body.buf.capacity() - body.buf.len(), MAX_READ - first);
        assert!(!body.more_at_hand(), "short reads: nothing more at hand");
        // The next read waits for 20 000 bytes, more than that room.
        body.wake_at(20_000);
        ask.send(188 * 400).await.unwrap();
        let data = tokio::time::timeout(Duration::from_secs(5), body.chunk())
            .await
            .expect("the batch arrives")
            .unwrap()
            .unwrap();
        // Whole packets go out; the rest of the last one waits in the buffer.
        assert_eq!(data.len(), (MAX_READ - first) / PACKET * PACKET);
        assert!(body.buf.len() < PACKET);
        assert!(body.more_at_hand(), "the read filled the buffer");
        read_exactly(body, 188 * 400 - data.len()).await;
        assert!(!body.more_at_hand(), "the rest came in a short read");
        drop(ask);
        drop(response);
        server.await.unwrap();
    }

    #[test]
    fn a_spent_buffer_is_taken_back_only_when_its_chunks_are_gone() {
        let mut spent = Spent::default();
        let mut a = spent.take();
        assert_eq!(a.capacity(), MAX_READ);
        a.extend_from_slice(&[7; 940]);
        let chunk = a.split_to(940).freeze();
        let a_ptr = chunk.as_ptr();
        spent.keep(a);
        // A chunk still holds it: a new allocation.
        let b = spent.take();
        assert_ne!(b.as_ptr(), a_ptr);
        drop(chunk);
        // Free now: the same allocation comes back, whole.
        let c = spent.take();
        assert_eq!((c.as_ptr(), c.capacity()), (a_ptr, MAX_READ));
        assert!(spent.0.is_empty());
    }

    #[test]
    fn free_buffers_wait_for_the_next_reads_up_to_the_spare_limit() {
        let mut spent = Spent::default();
        // A keyframe lets a whole group of pictures go at once.
        let group: Vec<BytesMut> = (0..SPARE_MAX + 5).map(|_| spent.take()).collect();
        let ptrs: Vec<*const u8> = group.iter().map(|b| b.as_ptr()).collect();
        for buf in group {
            spent.keep(buf);
        }
        // The first read takes the oldest; the spare limit is kept, the
        // surplus let go.
        assert_eq!(spent.take().as_ptr(), ptrs[0]);
        assert_eq!(spent.0.len(), SPARE_MAX);
        // The next reads reuse the kept ones, oldest first.
        for &ptr in &ptrs[1..=SPARE_MAX] {
            assert_eq!(spent.take().as_ptr(), ptr);
        }
        assert!(spent.0.is_empty());
        // A buffer still in use stops the search: a fresh one is made.
        let mut held = spent.take();
        held.extend_from_slice(&[1; 188]);
        let chunk = held.split_to(188).freeze();
        spent.keep(held);
        assert_ne!(spent.take().as_ptr(), chunk.as_ptr());
        assert_eq!(spent.0.len(), 1);
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

    /// Whatever the chunk sizes and read boundaries, bytes go out as whole
    /// packets, in order, none lost.
    #[tokio::test]
    async fn bodies_go_out_in_whole_packets() {
        let payload: Vec<u8> = (0..188 * 9).map(|i| (i % 251) as u8).collect();
        let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for part in payload.chunks(301) {
            chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            chunked.extend_from_slice(part);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let mut close = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        close.extend_from_slice(&payload);
        for answer in [chunked, close] {
            let answer: &'static [u8] = Vec::leak(answer);
            for piece in [1, 100, 500, 4096] {
                let pieces = read_pieces(answer, piece).await.unwrap();
                assert!(pieces.iter().all(|p| p.len() % 188 == 0), "piece {piece}");
                assert_eq!(pieces.concat(), payload, "piece {piece}");
            }
        }
    }

    #[tokio::test]
    async fn a_short_end_of_a_chunk_joins_the_next_piece_instead_of_going_alone() {
        // A short chunk (2 packets), then a large chunk, then another: the
        // short one goes out with what follows it.
        let payload: Vec<u8> = (0..188 * 300).map(|i| (i % 251) as u8).collect();
        let mut answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for part in [
            &payload[..376],
            &payload[376..188 * 200],
            &payload[188 * 200..],
        ] {
            answer.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            answer.extend_from_slice(part);
            answer.extend_from_slice(b"\r\n");
        }
        answer.extend_from_slice(b"0\r\n\r\n");
        let pieces = read_pieces(Vec::leak(answer), 1 << 20).await.unwrap();
        // (Where the reads end depends on the socket; the first piece holds
        // more than the two packets either way.)
        let sizes: Vec<usize> = pieces.iter().map(Vec::len).collect();
        assert!(
            sizes[0] > 376,
            "the end of the chunk went out alone: {sizes:?}"
        );
        assert_eq!(pieces.concat(), payload);
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

//! One connection to a provider stream: fill the candidate's template, follow
//! redirects (load balancers with short-lived tokens, on other hosts too),
//! and read until the first whole MPEG-TS packets arrive. Anything else is a
//! [`ConnectError`] with a short reason that never contains a URL, a host's
//! path or a credential.

use super::config::RelayConfig;
use super::health::Failure;
use super::hls;
use super::plain_http;
use crate::fetch::guard::{AddressGuard, Refusal};
use crate::fetch::headers::RequestHeader;
use crate::fetch::template::origin;
use bytes::Bytes;
use futures_util::FutureExt;
use reqwest::header::LOCATION;
use std::error::Error as _;
use std::time::Duration;
use streamforge_ts::Aligner;
use url::Url;

/// Junk read before a body is judged not to be MPEG-TS.
const NOT_TS_AFTER: u64 = 64 * 1024;

/// Where a stream's body comes from: read by the pump itself (plain HTTP),
/// through the HTTP client (HTTPS), or an HLS session's segments.
enum Source {
    Plain(plain_http::Body),
    Client(reqwest::Response),
    Hls(hls::HlsBody),
}

impl Source {
    /// The next body bytes, `None` at its end, or why it broke (reasons
    /// without a URL). Cancel-safe.
    async fn chunk(&mut self) -> Result<Option<Bytes>, Failure> {
        match self {
            Source::Plain(body) => body
                .chunk()
                .await
                .map_err(|e| Failure::Broken(plain_http::describe(&e))),
            Source::Client(response) => response
                .chunk()
                .await
                .map_err(|e| Failure::Broken(describe(&e))),
            Source::Hls(body) => body.chunk().await,
        }
    }

    /// The first bytes of a body: an HLS playlist (`#EXTM3U`) starts a
    /// session and gives its first segment's bytes instead.
    async fn first_chunk(&mut self, hls: &HlsStart<'_>) -> Result<Option<Bytes>, ConnectError> {
        let first = self
            .chunk()
            .await
            .map_err(|f| ConnectError::Connect(f.to_string()))?;
        let Some(first) = first else { return Ok(None) };
        if !is_playlist(&first) {
            return Ok(Some(first));
        }
        let mut body = first.to_vec();
        while let Some(more) = self
            .chunk()
            .await
            .map_err(|f| ConnectError::Connect(f.to_string()))?
        {
            if body.len() + more.len() > hls::MAX_PLAYLIST {
                return Err(ConnectError::Hls(
                    "the HLS playlist is larger than 1 MiB".into(),
                ));
            }
            body.extend_from_slice(&more);
        }
        let context = hls::Context {
            fetch: hls::Fetcher {
                guard: hls.guard.clone(),
                client: hls.client.clone(),
                headers: hls.headers.to_vec(),
                home: hls.home.clone(),
                max_redirects: hls.config.max_redirects,
            },
            tier: hls.info.tier,
            metrics: hls.info.metrics.clone(),
            timeout: hls.config.first_byte_timeout.max(hls::MIN_TIMEOUT),
        };
        *self = Source::Hls(hls::start(context, hls.url.clone(), &body).await?);
        self.chunk()
            .await
            .map_err(|f| ConnectError::Hls(f.to_string()))
    }
}

/// Whether a body's first bytes are an HLS playlist (a BOM and blank lines allowed).
fn is_playlist(first: &[u8]) -> bool {
    let text = first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(first);
    text.trim_ascii_start().starts_with(b"#EXTM3U")
}

/// What a stream needs if its answer turns out to be an HLS playlist.
#[derive(Clone)]
pub(crate) struct HlsInfo {
    /// The tier the lineup ranked the stream as (its variant is preferred).
    pub(crate) tier: crate::model::Quality,
    pub(crate) metrics: std::sync::Arc<super::metrics::Metrics>,
}

/// [`HlsInfo`] with the request's own parts, while a connect is under way.
struct HlsStart<'a> {
    info: &'a HlsInfo,
    /// Where the session's playlists and segments may come from.
    guard: &'a AddressGuard,
    client: &'a reqwest::Client,
    headers: &'a [RequestHeader],
    /// The account's origin (the first URL's): sensitive headers stay there.
    home: String,
    /// Where the playlist was answered from (relative URIs resolve here).
    url: Url,
    config: &'a RelayConfig,
}

/// A provider stream that has delivered its first packets.
pub struct Upstream {
    response: Source,
    /// Keeps packet alignment across reads; counts junk.
    pub aligner: Aligner,
    /// The first whole packets, already read.
    pub first: Bytes,
    /// Junk count when packets last came: more than [`NOT_TS_AFTER`] since is a failure.
    junk_mark: u64,
    /// Reads gathered for the next batch, not yet aligned.
    raw: Vec<Bytes>,
    raw_len: usize,
    batch_until: tokio::time::Instant,
    /// How the body ended, reported after the last batch.
    end: Option<Failure>,
}

/// A batch goes out once it holds this much...
const BATCH_BYTES: usize = 64 * 1024;
/// ...or this long after its first read...
const BATCH_WAIT: Duration = Duration::from_millis(10);
/// ...or as soon as it holds this much and no more has arrived yet.
const WORTH_SENDING: usize = 16 * 1024;

/// How much of a steady stream read by the pump itself is gathered by the
/// kernel before the pump wakes (see [`Upstream::batch_reads`]). Measured
/// with ten viewers of ten 20 Mbit/s channels (relay bench, 3 × 5 rounds,
/// A/B in turns): 100 ms with 512 KiB read buffers cost 0.539, 0.538 and
/// 0.546 CPU s/GB against 0.638, 0.606 and 0.556 for 50 ms with 256 KiB
/// (a third fewer reads and writes; the batch is still capped by the
/// socket's receive buffer, see `Body::wake_at`).
const READ_BATCH: Duration = Duration::from_millis(100);

/// Why a candidate could not be used. Shown in events and status.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    /// A URL template could not be filled (a plugin bug or a foreign host).
    Template(String),
    #[error("the plugin gave no way to play it ({0})")]
    /// The provider plugin gave no way to play the stream.
    NoCandidates(String),
    #[error("cannot connect: {0}")]
    /// The provider could not be reached.
    Connect(String),
    #[error("no video within {} s", .0.as_secs_f32())]
    /// No MPEG-TS came within the first-byte timeout.
    Timeout(Duration),
    #[error("the provider answered HTTP {0}")]
    /// The provider answered with this HTTP status.
    Status(u16),
    #[error("the provider's answer is not MPEG-TS")]
    /// The provider answered with something other than MPEG-TS.
    NotTs,
    #[error("the provider closed the stream before any video")]
    /// The provider ended the stream before any video.
    Ended,
    #[error("{}", crate::fetch::untrusted_message(.account, .at, .problem))]
    /// The server's certificate was refused (never bypassed).
    Untrusted {
        /// The account (filled in by the caller that knows it).
        account: String,
        /// `host:port` of the handshake.
        at: String,
        /// What is wrong with the certificate.
        problem: String,
    },
    #[error("{0}")]
    /// An HLS stream that cannot be played (fMP4, no segment, no variant works...).
    Hls(String),
    #[error("more than {0} redirects")]
    /// More redirects than allowed.
    Redirects(usize),
    #[error("the provider redirected to an unusable address")]
    /// A redirect without a usable `Location`.
    BadRedirect,
    #[error("not connected: {0}")]
    /// The URL (or a redirect) points where a playlist may not send us.
    Forbidden(crate::fetch::guard::Refusal),
}

impl ConnectError {
    /// A short word for the reason, kept in a stream's history.
    pub fn reason(&self) -> String {
        match self {
            ConnectError::Template(_) => "bad URL template".into(),
            ConnectError::NoCandidates(_) => "no way to play".into(),
            ConnectError::Connect(_) => "unreachable".into(),
            ConnectError::Timeout(_) => "no video in time".into(),
            ConnectError::Status(code) => format!("HTTP {code}"),
            ConnectError::NotTs => "not MPEG-TS".into(),
            ConnectError::Ended => "closed at once".into(),
            ConnectError::Untrusted { .. } => "certificate refused".into(),
            ConnectError::Hls(_) => "unplayable HLS".into(),
            ConnectError::Redirects(_) | ConnectError::BadRedirect => "bad redirects".into(),
            ConnectError::Forbidden(_) => "forbidden address".into(),
        }
    }

    /// Whether another URL form of the same stream may work (the path was
    /// wrong); otherwise the next stream is tried.
    pub fn try_other_form(&self) -> bool {
        matches!(self, ConnectError::Status(404) | ConnectError::NotTs)
    }
}

impl Upstream {
    /// Opens `url` and waits for its first packets, all within
    /// [`RelayConfig::first_byte_timeout`].
    pub async fn open(
        client: &reqwest::Client,
        url: Url,
        headers: &[RequestHeader],
        config: &RelayConfig,
        hls: &HlsInfo,
        guard: &AddressGuard,
    ) -> Result<Upstream, ConnectError> {
        let limit = config.first_byte_timeout;
        let opening = guard.scope(open(client, url, headers, config, hls, guard));
        match tokio::time::timeout(limit, opening).await {
            Ok(result) => result,
            Err(_) => Err(ConnectError::Timeout(limit)),
        }
    }

    /// The next whole packets, or why the source cannot go on. Reads that
    /// come within [`BATCH_WAIT`] of each other go out as one chunk (up to
    /// [`BATCH_BYTES`]), so viewers are woken once per batch rather than once
    /// per TCP read; a batch of [`WORTH_SENDING`] goes out as soon as nothing
    /// more is waiting. Cancel-safe: what was read is kept in `self`.
    pub async fn next(&mut self) -> Result<Bytes, Failure> {
        loop {
            if let Some(end) = self.end.take() {
                return Err(end);
            }
            let read: Result<Option<Bytes>, Failure> = if self.raw.is_empty() {
                self.response.chunk().await
            } else if self.raw_len >= BATCH_BYTES {
                Ok(Some(Bytes::new()))
            } else if matches!(&self.response,
                Source::Plain(body) if self.raw_len >= WORTH_SENDING || body.batching())
            {
                // Our own reads are whole socket reads already: a large one
                // goes out as it is, and what follows it in the same read
                // goes out next (merging them would copy). While the kernel
                // gathers the reads (see `batch_reads`), a small one does
                // too: the next read is a batch away, waiting for it would
                // cost a timer and merging an allocation and a copy.
                Ok(Some(Bytes::new()))
            } else if self.raw_len >= WORTH_SENDING {
                // Enough for a batch: take what is already there, but do not
                // wait (a timer wake-up per batch costs more than it saves).
                self.response
                    .chunk()
                    .now_or_never()
                    .unwrap_or(Ok(Some(Bytes::new())))
            } else {
                match tokio::time::timeout_at(self.batch_until, self.response.chunk()).await {
                    Ok(read) => read,
                    Err(_) => Ok(Some(Bytes::new())),
                }
            };
            match read {
                // An empty chunk marks "batch complete" (full or waited enough).
                Ok(Some(bytes)) if bytes.is_empty() => {}
                Ok(Some(bytes)) => {
                    if self.raw.is_empty() {
                        self.batch_until = tokio::time::Instant::now() + BATCH_WAIT;
                    }
                    self.raw_len += bytes.len();
                    self.raw.push(bytes);
                    continue;
                }
                Ok(None) => self.end = Some(Failure::Ended),
                Err(failure) => self.end = Some(failure),
            }
            if let Some(result) = self.flush() {
                return result;
            }
        }
    }

    /// The failure a silence of `stalled` is: a stall, or for HLS a
    /// playlist that stopped advancing (which is why no segment came).
    pub fn stall(&self, stalled: Duration) -> Failure {
        match &self.response {
            Source::Hls(body) => body
                .stale_for()
                .map_or(Failure::Stalled(stalled), Failure::PlaylistStale),
            _ => Failure::Stalled(stalled),
        }
    }

    /// Whether more packets are already read and waiting, so that
    /// [`Upstream::next`] will likely answer at once: viewers' writes can
    /// wait for them and go out in one `writev`.
    pub fn more_ready(&self) -> bool {
        match &self.response {
            Source::Plain(body) => body.more_at_hand(),
            Source::Client(_) | Source::Hls(_) => false,
        }
    }

    /// Tells a stream read by the pump itself how many bytes to gather per
    /// wake-up, from the bytes it brought in the last second: about
    /// [`READ_BATCH`] of them (0: wake for any byte). Fewer wake-ups cost
    /// less per GB; the delay they add stays well below what players buffer.
    pub fn batch_reads(&mut self, last_second: u64) {
        if let Source::Plain(body) = &mut self.response {
            let per_batch = last_second as u128 * READ_BATCH.as_millis() / 1000;
            body.wake_at(usize::try_from(per_batch).unwrap_or(usize::MAX));
        }
    }

    /// Aligns what was gathered: packets, a junk failure, or nothing yet.
    fn flush(&mut self) -> Option<Result<Bytes, Failure>> {
        let packets = match self.raw.len() {
            0 => Bytes::new(),
            // Our own reads fill 64 KiB buffers end to end: their slices
            // are kept as they are (no copy when the read ends on a packet).
            1 if matches!(self.response, Source::Plain(_)) => {
                self.aligner.push_bytes(self.raw[0].clone())
            }
            // Copied: a slice would keep the HTTP client's whole read buffer
            // alive in the channel's buffer (measured: +7 MiB RSS for 10
            // channels).
            1 => self.aligner.push(&self.raw[0]),
            _ => {
                let mut all = bytes::BytesMut::with_capacity(self.raw_len);
                for part in &self.raw {
                    all.extend_from_slice(part);
                }
                // A fresh allocation of just these bytes: aligned without a second copy.
                self.aligner.push_bytes(all.freeze())
            }
        };
        self.raw.clear();
        self.raw_len = 0;
        let junk = self.aligner.junk_bytes();
        if !packets.is_empty() {
            self.junk_mark = junk;
            return Some(Ok(packets));
        }
        if junk - self.junk_mark > NOT_TS_AFTER {
            return Some(Err(Failure::NotTs(junk - self.junk_mark)));
        }
        None
    }
}

async fn open(
    client: &reqwest::Client,
    mut url: Url,
    headers: &[RequestHeader],
    config: &RelayConfig,
    info: &HlsInfo,
    guard: &AddressGuard,
) -> Result<Upstream, ConnectError> {
    let max_redirects = config.max_redirects;
    let first_origin = origin(&url);
    let hls = |url: &Url| HlsStart {
        info,
        guard,
        client,
        headers,
        home: first_origin.clone(),
        url: url.clone(),
        config,
    };
    for _ in 0..=max_redirects {
        let same_origin = origin(&url) == first_origin;
        let addrs = match guard.resolve(&url).await {
            Ok(addrs) => addrs,
            Err(Refusal::Unresolved) => {
                return Err(ConnectError::Connect(
                    "the host name does not resolve".into(),
                ))
            }
            Err(why) => return Err(ConnectError::Forbidden(why)),
        };
        if url.scheme() == "http" {
            let sent: Vec<&RequestHeader> = headers
                .iter()
                .filter(|h| same_origin || !h.sensitive)
                .collect();
            let response = plain_http::get(&url, &addrs, &sent, super::USER_AGENT)
                .await
                .map_err(|e| ConnectError::Connect(plain_http::describe(&e)))?;
            if (300..400).contains(&response.status) {
                url = redirect_target(&url, response.location.as_deref())?;
                continue;
            }
            if !(200..300).contains(&response.status) {
                return Err(ConnectError::Status(response.status));
            }
            return first_packets(Source::Plain(response.body), &hls(&url)).await;
        }
        let mut request = client.get(url.clone());
        for h in headers.iter().filter(|h| same_origin || !h.sensitive) {
            request = request.header(h.name.clone(), h.value.clone());
        }
        let response =
            request
                .send()
                .await
                .map_err(|e| match crate::fetch::certificate_problem(&e) {
                    Some(problem) => ConnectError::Untrusted {
                        account: String::new(),
                        at: host_port(&url),
                        problem,
                    },
                    None => ConnectError::Connect(describe(&e)),
                })?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok());
            url = redirect_target(&url, location)?;
            continue;
        }
        if !status.is_success() {
            return Err(ConnectError::Status(status.as_u16()));
        }
        return first_packets(Source::Client(response), &hls(&url)).await;
    }
    Err(ConnectError::Redirects(max_redirects))
}

/// `host:port` of `url`, what a certificate error may show.
fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Where a redirect from `url` points (HTTP or HTTPS only).
pub(super) fn redirect_target(url: &Url, location: Option<&str>) -> Result<Url, ConnectError> {
    location
        .and_then(|loc| url.join(loc).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or(ConnectError::BadRedirect)
}

async fn first_packets(mut response: Source, hls: &HlsStart<'_>) -> Result<Upstream, ConnectError> {
    let mut aligner = Aligner::new();
    let mut read = response.first_chunk(hls).await?;
    loop {
        let Some(bytes) = read else {
            return Err(if aligner.junk_bytes() > 0 {
                ConnectError::NotTs
            } else {
                ConnectError::Ended
            });
        };
        let first = aligner.push(&bytes);
        if !first.is_empty() {
            let junk_mark = aligner.junk_bytes();
            return Ok(Upstream {
                response,
                aligner,
                first,
                junk_mark,
                raw: Vec::new(),
                raw_len: 0,
                batch_until: tokio::time::Instant::now(),
                end: None,
            });
        }
        if aligner.junk_bytes() > NOT_TS_AFTER {
            return Err(ConnectError::NotTs);
        }
        read = response
            .chunk()
            .await
            .map_err(|f| ConnectError::Connect(f.to_string()))?;
    }
}

/// A socket error as one short line (its kind: never an address or a URL).
pub(super) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::ConnectionReset => "connection reset".into(),
        std::io::ErrorKind::TimedOut => "timed out".into(),
        kind => kind.to_string(),
    }
}

/// A reqwest error as one short line without the URL.
pub(super) fn describe(err: &reqwest::Error) -> String {
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io_reason(io);
        }
        source = e.source();
    }
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "the server cannot be reached".into()
    } else if err.is_body() || err.is_decode() {
        "the connection broke".into()
    } else {
        "the request failed".into()
    }
}

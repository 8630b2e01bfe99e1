//! `/xmltv.xml` (and `.xml.gz`): the guide for exactly the lineup's
//! channels, channel ids equal to the M3U `tvg-id`, written as a stream from
//! the prepared programme files (never built whole in memory) and valid
//! against the XMLTV DTD.

use super::door::Door;
use crate::guide::{write_channel, write_footer, write_header, ChannelSelection, ProgrammeReader};
use crate::routing::lineup::Lineup;
use axum::body::Body;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Bytes per chunk sent to the client.
const CHUNK: usize = 64 * 1024;

pub(super) async fn xmltv(door: Door, headers: HeaderMap) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    respond(door, gzip, false)
}

pub(super) async fn xmltv_gz(door: Door) -> Response {
    respond(door, true, true)
}

/// The guide of `door`'s lineup, gzip-compressed when `gzip` (as a
/// `.gz` file when `gz_file`); the Xtream door's `xmltv.php` too.
pub(crate) fn respond(door: Door, gzip: bool, gz_file: bool) -> Response {
    let base = door.device.base_url.clone();
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(8);
    tokio::task::spawn_blocking(move || {
        let sink = ChunkSender {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
        };
        let result = if gzip {
            let mut gz = flate2::write::GzEncoder::new(sink, flate2::Compression::fast());
            write_guide(door.lineup(), &door.snapshot.guides, &base, &mut gz)
                .and_then(|()| gz.finish()?.flush())
        } else {
            let mut sink = sink;
            write_guide(door.lineup(), &door.snapshot.guides, &base, &mut sink)
                .and_then(|()| sink.flush())
        };
        if let Err(err) = result {
            // The client went away, or a programme file broke: end the body.
            tracing::debug!("xmltv output stopped: {err}");
            let _ = tx.blocking_send(Err(err));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    if gz_file {
        h.insert(
            header::CONTENT_TYPE,
            "application/gzip".parse().expect("valid"),
        );
    } else {
        h.insert(
            header::CONTENT_TYPE,
            "application/xml; charset=utf-8".parse().expect("valid"),
        );
        if gzip {
            h.insert(header::CONTENT_ENCODING, "gzip".parse().expect("valid"));
        }
    }
    response
}

/// Writes the whole document: channels that have programmes, then their
/// programmes guide by guide.
fn write_guide<W: Write>(
    lineup: &Lineup,
    guides: &BTreeMap<String, PathBuf>,
    base: &str,
    out: &mut W,
) -> io::Result<()> {
    let mut with_programmes: HashSet<(&str, String)> = HashSet::new();
    for (name, path) in guides {
        for id in channels_with_programmes(path)? {
            with_programmes.insert((name.as_str(), id));
        }
    }
    write_header(out)?;
    let mut selections: BTreeMap<&str, ChannelSelection> = BTreeMap::new();
    for e in &lineup.entries {
        if !with_programmes.contains(&(e.guide.as_str(), e.guide_id.clone())) {
            continue; // the DTD validator refuses channels without programmes
        }
        write_channel(
            out,
            &e.xmltv_id,
            &[e.name.as_str(), e.number.as_str()],
            e.logo
                .as_deref()
                .filter(|l| !l.trim().is_empty())
                .map(|l| crate::logos::served_url(base, l))
                .as_deref(),
        )?;
        selections
            .entry(e.guide.as_str())
            .or_default()
            .add(e.guide_id.clone(), e.xmltv_id.clone());
    }
    for (guide, selection) in &selections {
        let Some(path) = guides.get(*guide) else {
            continue;
        };
        let mut reader = ProgrammeReader::new(io::BufReader::new(std::fs::File::open(path)?))
            .map_err(io::Error::other)?;
        reader
            .copy_selected(selection, out)
            .map_err(io::Error::other)?;
    }
    write_footer(out)
}

/// The channel ids a prepared programme file has programmes for.
fn channels_with_programmes(path: &Path) -> io::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    let mut reader = ProgrammeReader::new(io::BufReader::new(std::fs::File::open(path)?))
        .map_err(io::Error::other)?;
    while let Some(record) = reader.next_record().map_err(io::Error::other)? {
        if !ids.contains(record.channel().as_ref()) {
            ids.insert(record.channel().into_owned());
        }
    }
    Ok(ids)
}

/// A `Write` that hands 64 KiB chunks to the response body; fails once the
/// client is gone, which stops the writer.
struct ChunkSender {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChunkSender {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "client gone"))
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

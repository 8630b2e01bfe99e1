//! Hand-built packets, tables and PES headers for the unit tests.

use std::collections::HashMap;

use super::crc::crc32_mpeg;
use super::{PACKET_SIZE, SYNC_BYTE};

/// Adaptation field contents for [`packet`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Af {
    pub discontinuity: bool,
    pub random_access: bool,
    pub pcr: Option<u64>,
}

/// One packet. A payload shorter than 184 bytes (or any `af`) gets an adaptation
/// field sized so the payload ends the packet, padded with stuffing, as muxers
/// do. An empty payload with `af` makes an adaptation-only packet.
pub(crate) fn packet(
    pid: u16,
    cc: u8,
    pusi: bool,
    af: Option<&Af>,
    payload: &[u8],
) -> [u8; PACKET_SIZE] {
    assert!(payload.len() <= 184, "test payload too long");
    let mut p = [0xFFu8; PACKET_SIZE];
    p[0] = SYNC_BYTE;
    p[1] = (u8::from(pusi) << 6) | ((pid >> 8) as u8 & 0x1F);
    p[2] = pid as u8;
    let needs_af = af.is_some() || payload.len() < 184;
    let afc = match (needs_af, payload.is_empty()) {
        (false, _) => 1,
        (true, true) => 2,
        (true, false) => 3,
    };
    p[3] = (afc << 4) | (cc & 0x0F);
    if needs_af {
        let af_len = 183 - payload.len();
        p[4] = af_len as u8;
        if af_len >= 1 {
            let a = af.copied().unwrap_or_default();
            let mut flags = 0;
            if a.discontinuity {
                flags |= 0x80;
            }
            if a.random_access {
                flags |= 0x40;
            }
            if let Some(pcr) = a.pcr {
                assert!(af_len >= 7, "no room for PCR");
                flags |= 0x10;
                super::packet::write_pcr_base(&mut p[6..12], pcr);
                p[10] = (p[10] & 0x80) | 0x7E;
                p[11] = 0;
            }
            p[5] = flags;
        } else {
            assert!(af.is_none(), "no room for adaptation flags");
        }
    }
    p[PACKET_SIZE - payload.len()..].copy_from_slice(payload);
    p
}

/// A long-form section with `table_id`, `id_ext` and `body`, CRC appended.
fn section(table_id: u8, id_ext: u16, body: &[u8]) -> Vec<u8> {
    let len = 5 + body.len() + 4;
    let mut s = vec![
        table_id,
        0xB0 | (len >> 8) as u8,
        len as u8,
        (id_ext >> 8) as u8,
        id_ext as u8,
        0xC1, // version 0, current
        0,
        0,
    ];
    s.extend_from_slice(body);
    let crc = crc32_mpeg(&s);
    s.extend_from_slice(&crc.to_be_bytes());
    s
}

/// A PAT section listing (program_number, PMT PID) pairs.
pub(crate) fn pat_section(programs: &[(u16, u16)]) -> Vec<u8> {
    let mut body = Vec::new();
    for &(program, pid) in programs {
        body.extend_from_slice(&program.to_be_bytes());
        body.extend_from_slice(&(0xE000 | pid).to_be_bytes());
    }
    section(0x00, 1, &body)
}

/// A PMT section for `program` with (stream_type, PID) streams.
pub(crate) fn pmt_section(program: u16, pcr_pid: u16, streams: &[(u8, u16)]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(0xE000 | pcr_pid).to_be_bytes());
    body.extend_from_slice(&[0xF0, 0x00]);
    for &(stream_type, pid) in streams {
        body.push(stream_type);
        body.extend_from_slice(&(0xE000 | pid).to_be_bytes());
        body.extend_from_slice(&[0xF0, 0x00]);
    }
    section(0x02, program, &body)
}

/// A PSI payload: pointer_field 0, the section, then 0xFF padding to 184 bytes.
pub(crate) fn psi_payload(section: &[u8]) -> Vec<u8> {
    let mut p = vec![0];
    p.extend_from_slice(section);
    p.resize(184, 0xFF);
    p
}

/// A whole PAT packet.
pub(crate) fn pat_packet(programs: &[(u16, u16)], cc: u8) -> [u8; PACKET_SIZE] {
    packet(0, cc, true, None, &psi_payload(&pat_section(programs)))
}

/// A whole PMT packet on `pmt_pid`.
pub(crate) fn pmt_packet(
    pmt_pid: u16,
    program: u16,
    pcr_pid: u16,
    streams: &[(u8, u16)],
    cc: u8,
) -> [u8; PACKET_SIZE] {
    packet(
        pmt_pid,
        cc,
        true,
        None,
        &psi_payload(&pmt_section(program, pcr_pid, streams)),
    )
}

fn timestamp(prefix: u8, ts: u64) -> [u8; 5] {
    [
        (prefix << 4) | (((ts >> 30) as u8 & 0x07) << 1) | 1,
        (ts >> 22) as u8,
        ((ts >> 15) as u8) << 1 | 1,
        (ts >> 7) as u8,
        (ts as u8) << 1 | 1,
    ]
}

/// A PES packet with optional PTS/DTS around `es` (PES_packet_length 0).
pub(crate) fn pes(stream_id: u8, pts: Option<u64>, dts: Option<u64>, es: &[u8]) -> Vec<u8> {
    let mut header = Vec::new();
    let flags = match (pts, dts) {
        (Some(p), Some(d)) => {
            header.extend_from_slice(&timestamp(3, p));
            header.extend_from_slice(&timestamp(1, d));
            0xC0
        }
        (Some(p), None) => {
            header.extend_from_slice(&timestamp(2, p));
            0x80
        }
        _ => 0,
    };
    let mut out = vec![0, 0, 1, stream_id, 0, 0, 0x80, flags, header.len() as u8];
    out.extend_from_slice(&header);
    out.extend_from_slice(es);
    out
}

/// An H.264 access unit in a PES packet: AUD, then SPS + PPS + IDR slice for a
/// keyframe or a non-IDR slice otherwise, padded to about `len` bytes.
pub(crate) fn h264_frame(key: bool, pts: u64, len: usize) -> Vec<u8> {
    let mut es = vec![0, 0, 0, 1, 0x09, 0xF0];
    if key {
        es.extend_from_slice(&[0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1E]);
        es.extend_from_slice(&[0, 0, 0, 1, 0x68, 0xEE, 0x3C, 0x80]);
        es.extend_from_slice(&[0, 0, 0, 1, 0x65, 0x88, 0x84]);
    } else {
        es.extend_from_slice(&[0, 0, 0, 1, 0x41, 0x9A, 0x02]);
    }
    es.resize(len.max(es.len()), 0x5A);
    pes(0xE0, Some(pts), None, &es)
}

/// Packetises PES packets and tables with per-PID counters, like a muxer.
#[derive(Default)]
pub(crate) struct Mux {
    /// The stream so far.
    pub out: Vec<u8>,
    ccs: HashMap<u16, u8>,
}

impl Mux {
    fn next_cc(&mut self, pid: u16) -> u8 {
        let cc = self.ccs.entry(pid).or_insert(0);
        let now = *cc;
        *cc = (*cc + 1) & 0x0F;
        now
    }

    /// Appends a prebuilt packet as is.
    pub fn raw(&mut self, p: [u8; PACKET_SIZE]) {
        self.out.extend_from_slice(&p);
    }

    /// Splits `data` into packets on `pid`; the first has PUSI and `af`.
    pub fn pes(&mut self, pid: u16, af: Option<&Af>, data: &[u8]) {
        let mut first = true;
        let mut rest = data;
        while first || !rest.is_empty() {
            let room = if first && af.is_some() { 176 } else { 184 };
            let (chunk, tail) = rest.split_at(rest.len().min(room));
            let cc = self.next_cc(pid);
            let p = packet(pid, cc, first, if first { af } else { None }, chunk);
            self.out.extend_from_slice(&p);
            rest = tail;
            first = false;
        }
    }
}

/// A deterministic xorshift generator for random and mutated test input.
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeded generator (a zero seed is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A small hand-built programme: PAT, PMT, then H.264 video (a keyframe every
/// 5 frames, PCR on video) and audio, `frames` frames long.
pub(crate) fn sample_stream(frames: u64) -> Vec<u8> {
    let mut m = Mux::default();
    for f in 0..frames {
        if f.is_multiple_of(5) {
            let pat = pat_packet(&[(1, 0x1000)], 0);
            m.pes(0, None, &pat[4..]);
            let pmt = pmt_packet(0x1000, 1, 0x100, &[(0x1B, 0x100), (0x0F, 0x101)], 0);
            m.pes(0x1000, None, &pmt[4..]);
        }
        let key = f.is_multiple_of(5);
        let af = Af {
            random_access: key,
            pcr: Some(f * 3600),
            ..Af::default()
        };
        m.pes(0x100, Some(&af), &h264_frame(key, 3600 * f + 7200, 700));
        m.pes(
            0x101,
            None,
            &pes(0xC0, Some(3600 * f + 7200), None, &[0x21; 300]),
        );
    }
    m.out
}

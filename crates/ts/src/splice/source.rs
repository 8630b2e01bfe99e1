//! A spliced-in source's packets as viewers get them: its PIDs mapped onto
//! the programme they have (see `program`), every counter continuing the
//! sequence they saw, its PAT/PMT/SDT replaced by theirs, its clock moved by
//! one offset (see `rebase`), and its first pictures and sound trimmed: no
//! picture before the one it starts at (nor a leading picture referring to
//! one before it), no sound before the old sound's end.

use super::program::{map, section_packets, Kind, Pmt};
use super::rebase::Rebase;
use super::Sent;
use crate::clock::clock_diff;
use crate::packet::{read_pcr_base, write_pcr_base};
use crate::rewrite::{set_continuity_counter, shift_timestamps};
use crate::track::SDT_PID;
use crate::{pes, Packet, NULL_PID, PACKET_SIZE, TIMESTAMP_MASK};
use bytes::{Bytes, BytesMut};

/// Counter of an output PID never sent.
const UNSEEN: u8 = 0xFF;
/// Leading pictures are looked for this long (1 s) after the first one.
const LEADING_WINDOW: i64 = 90_000;

/// Where the new source's pictures stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pictures {
    /// Waiting for the picture with this PTS (any picture with `None`).
    Before(Option<u64>),
    /// Started at this PTS: earlier ones (leading pictures) are dropped.
    Leading(u64),
    /// Past the leading pictures.
    Open,
}

/// One input PID's way out.
#[derive(Clone, Copy, Debug)]
struct Route {
    from: u16,
    to: u16,
    kind: Kind,
    /// Added to the input counter (set at the first packet sent).
    delta: Option<u8>,
    /// The PES under way is dropped.
    dropping: bool,
    /// Audio: the gate has let a PES through.
    open: bool,
    /// An unlisted PID that one of our streams already uses: never sent.
    blocked: bool,
}

/// The rewrite of one spliced-in source.
pub(crate) struct Rewrite {
    routes: Vec<Route>,
    /// The programme viewers have and the new source's, as last read.
    out_pmt: Option<Pmt>,
    in_pmt: Option<Pmt>,
    /// The PID of the new source's PMT and of the viewers'.
    in_pmt_pid: Option<u16>,
    out_pmt_pid: Option<u16>,
    /// The tables sent in place of the new source's.
    pat: Option<[u8; PACKET_SIZE]>,
    pmt: Vec<[u8; PACKET_SIZE]>,
    sdt: Option<[u8; PACKET_SIZE]>,
    /// The latest counter sent per output PID.
    cc: Box<[u8]>,
    video_in: Option<u16>,
    pictures: Pictures,
    rebase: Rebase,
}

impl Rewrite {
    /// The rewrite of a source whose programme is `in_pmt` (on `in_pmt_pid`),
    /// following what `sent` describes, starting at the picture with PTS
    /// `first_picture`, its clock moved by `rebase`.
    pub(crate) fn new(
        sent: &Sent,
        in_pmt_pid: Option<u16>,
        in_pmt: Option<Pmt>,
        first_picture: Option<u64>,
        rebase: Rebase,
    ) -> Rewrite {
        let mut cc = vec![UNSEEN; 1 << 13].into_boxed_slice();
        for &(pid, c) in &sent.counters {
            cc[usize::from(pid)] = c;
        }
        let mut r = Rewrite {
            routes: Vec::new(),
            out_pmt: sent.pmt.clone(),
            in_pmt: None,
            in_pmt_pid,
            out_pmt_pid: sent.pmt_pid,
            pat: sent.pat,
            pmt: sent.pmt_packet.into_iter().collect(),
            sdt: sent.sdt,
            cc,
            video_in: None,
            pictures: Pictures::Before(first_picture),
            rebase,
        };
        if let Some(pmt) = in_pmt {
            r.follow(pmt);
        }
        r
    }

    /// The tables viewers get before the new source's first packet.
    pub(crate) fn tables(&mut self) -> BytesMut {
        let mut out = BytesMut::new();
        if let Some(pat) = self.pat {
            self.table(&mut out, &pat);
        }
        for pmt in self.pmt.clone() {
            self.table(&mut out, &pmt);
        }
        out
    }

    /// Maps a (new) programme of the source onto the one viewers have.
    fn follow(&mut self, pmt: Pmt) {
        self.video_in = pmt
            .streams
            .iter()
            .find(|s| s.kind() == Kind::Video)
            .map(|s| s.pid);
        if self.video_in.is_none() {
            // A programme without pictures: its sound waits for none.
            self.pictures = Pictures::Open;
        }
        let Some(out) = &self.out_pmt else {
            // Nothing to map onto: the source's own PIDs and tables go out.
            self.routes = pmt
                .streams
                .iter()
                .map(|s| route(s.pid, s.pid, s.kind()))
                .collect();
            self.in_pmt = Some(pmt);
            return;
        };
        let reserved: Vec<u16> = [0, SDT_PID].into_iter().chain(self.out_pmt_pid).collect();
        let mapping = map(out, &pmt, &reserved);
        if let (Some(changed), Some(pid)) = (&mapping.changed, self.out_pmt_pid) {
            let section = changed.section();
            let next = self.cc[usize::from(pid)].wrapping_add(1) & 0x0F;
            self.pmt = section_packets(pid, &section, next);
            self.out_pmt = Some(changed.clone());
        }
        let old = std::mem::take(&mut self.routes);
        self.routes = pmt
            .streams
            .iter()
            .zip(&mapping.pids)
            .map(|(s, &(from, to))| {
                let kept = old.iter().find(|r| r.from == from && r.to == to);
                kept.copied().unwrap_or_else(|| route(from, to, s.kind()))
            })
            .collect();
        self.in_pmt = Some(pmt);
    }

    /// The new source's `packets` as viewers get them.
    pub(crate) fn apply(&mut self, packets: &[u8]) -> Bytes {
        let mut out = BytesMut::with_capacity(packets.len() + 2 * PACKET_SIZE);
        for raw in packets.chunks_exact(PACKET_SIZE) {
            let Some(p) = Packet::new(raw) else {
                continue;
            };
            let pid = p.pid();
            if pid == NULL_PID {
                out.extend_from_slice(raw);
            } else if pid == 0 && self.pat.is_some() {
                if p.pusi() {
                    let pat = self.pat.expect("checked");
                    self.table(&mut out, &pat);
                }
            } else if Some(pid) == self.in_pmt_pid && self.out_pmt.is_some() {
                if p.pusi() {
                    self.pmt_came(&p, &mut out);
                }
            } else if pid == SDT_PID && self.sdt.is_some() {
                if p.pusi() {
                    let sdt = self.sdt.expect("checked");
                    self.table(&mut out, &sdt);
                }
            } else {
                self.stream(&p, &mut out);
            }
        }
        out.freeze()
    }

    /// The source's PMT came again: re-mapped if it changed, then ours goes out.
    fn pmt_came(&mut self, p: &Packet<'_>, out: &mut BytesMut) {
        if let Some(pmt) = Pmt::parse(p.payload()) {
            let same = self
                .in_pmt
                .as_ref()
                .is_some_and(|old| old.streams == pmt.streams && old.pcr_pid == pmt.pcr_pid);
            if !same {
                self.follow(pmt);
            }
        }
        for pmt in self.pmt.clone() {
            self.table(out, &pmt);
        }
    }

    /// Sends a table packet of ours with the next counter of its PID.
    fn table(&mut self, out: &mut BytesMut, packet: &[u8; PACKET_SIZE]) {
        let pid = u16::from(packet[1] & 0x1F) << 8 | u16::from(packet[2]);
        let last = self.cc[usize::from(pid)];
        let next = if last == UNSEEN {
            packet[3] & 0x0F
        } else {
            (last + 1) & 0x0F
        };
        let at = out.len();
        out.extend_from_slice(packet);
        set_continuity_counter(&mut out[at..], next);
        self.cc[usize::from(pid)] = next;
    }

    /// A packet of an elementary stream (or of a PID the PMT does not list).
    fn stream(&mut self, p: &Packet<'_>, out: &mut BytesMut) {
        let pid = p.pid();
        let i = match self.routes.iter().position(|r| r.from == pid) {
            Some(i) => i,
            None => {
                // Unlisted: its own PID, unless one of our streams has it.
                let mut r = route(pid, pid, Kind::Other);
                r.blocked = self.routes.iter().any(|r| r.to == pid)
                    || self
                        .out_pmt
                        .as_ref()
                        .is_some_and(|o| o.streams.iter().any(|s| s.pid == pid));
                self.routes.push(r);
                self.routes.len() - 1
            }
        };
        if self.routes[i].blocked {
            return;
        }
        if p.pusi() {
            let dropping = self.starts(i, p);
            self.routes[i].dropping = dropping;
        }
        let r = &mut self.routes[i];
        if r.dropping {
            if let (Some(delta), true) = (r.delta.as_mut(), p.has_payload()) {
                *delta = delta.wrapping_sub(1);
            }
            return;
        }
        let cc_in = p.continuity_counter();
        let delta = *r.delta.get_or_insert_with(|| {
            let last = self.cc[usize::from(r.to)];
            if last == UNSEEN {
                0
            } else {
                let next = if p.has_payload() { last + 1 } else { last };
                next.wrapping_sub(cc_in)
            }
        });
        let to = r.to;
        let at = out.len();
        out.extend_from_slice(p.bytes());
        let packet = &mut out[at..];
        packet[1] = (packet[1] & 0xE0) | (to >> 8) as u8 & 0x1F;
        packet[2] = to as u8;
        let cc = cc_in.wrapping_add(delta) & 0x0F;
        set_continuity_counter(packet, cc);
        self.cc[usize::from(to)] = cc;
        let offset = self.rebase.offset;
        if offset != 0 {
            shift_timestamps(packet, offset as u64 & TIMESTAMP_MASK);
        }
        self.keep_pcr_forward(packet);
    }

    /// Whether the PES starting in `p` (on route `i`) is dropped.
    fn starts(&mut self, i: usize, p: &Packet<'_>) -> bool {
        let r = self.routes[i];
        let payload = p.payload();
        let pts = pes::parse(payload)
            .and_then(|h| h.pts_at)
            .and_then(|at| pes::read_timestamp(payload.get(at..)?));
        if Some(r.from) == self.video_in {
            return self.picture(pts);
        }
        if r.kind == Kind::Audio && !r.open {
            let early = pts.is_some_and(|t| !self.rebase.sound_may_start(t));
            // Sound waits for the first picture too.
            if early || matches!(self.pictures, Pictures::Before(_)) {
                return true;
            }
            self.routes[i].open = true;
        }
        false
    }

    /// Whether a picture with `pts` is dropped, moving the picture state on.
    fn picture(&mut self, pts: Option<u64>) -> bool {
        match (self.pictures, pts) {
            (Pictures::Before(want), _) => {
                if want.is_some() && want != pts {
                    return true;
                }
                self.pictures = pts.map_or(Pictures::Open, Pictures::Leading);
                false
            }
            (Pictures::Leading(first), Some(pts)) => {
                let d = clock_diff(pts, first);
                if d > LEADING_WINDOW {
                    self.pictures = Pictures::Open;
                }
                d < 0
            }
            _ => false,
        }
    }

    /// A PCR (already moved) earlier than the last one sent is held at it, so
    /// the clock never steps back where two sources' muxers differ in delay.
    fn keep_pcr_forward(&mut self, packet: &mut [u8]) {
        let Some(pcr) = Packet::new(packet).and_then(|p| p.pcr()) else {
            return;
        };
        match self.rebase.pcr_floor {
            Some(floor) if clock_diff(pcr, floor) < 0 => {
                write_pcr_base(&mut packet[6..12], floor);
                debug_assert_eq!(read_pcr_base(&packet[6..12]), floor);
            }
            _ => self.rebase.pcr_floor = Some(pcr),
        }
    }
}

fn route(from: u16, to: u16, kind: Kind) -> Route {
    Route {
        from,
        to,
        kind,
        delta: None,
        dropping: false,
        open: false,
        blocked: false,
    }
}

//! One programme across sources: the new source's PMT is read in full, its
//! streams are mapped onto the PIDs viewers already have where their kind
//! and stream type match, and a PMT is rebuilt (with the next version) only
//! when the programme really changed: another codec, or a stream that maps
//! onto nothing.

use crate::crc::crc32_mpeg;
use crate::keyframe::VideoCodec;
use crate::psi::{is_audio, len12_at, pid_at, whole_section};
use crate::{NULL_PID, PACKET_SIZE, SYNC_BYTE};

/// table_id of a program map section.
const PMT_TABLE_ID: u8 = 0x02;
/// The lowest PID a moved stream may get (0x00-0x1F are reserved for tables).
const FIRST_FREE_PID: u16 = 0x20;

/// One elementary stream of a PMT, descriptors kept as they came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Es {
    pub stream_type: u8,
    pub pid: u16,
    pub info: Vec<u8>,
}

/// A whole PMT, as read from its section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pmt {
    pub program: u16,
    pub version: u8,
    pub pcr_pid: u16,
    pub info: Vec<u8>,
    pub streams: Vec<Es>,
}

/// What kind of stream an entry is, for mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Video,
    Audio,
    Other,
}

impl Es {
    /// Video, audio or anything else (subtitles, teletext, data).
    pub(crate) fn kind(&self) -> Kind {
        if VideoCodec::from_stream_type(self.stream_type).is_some()
            || matches!(self.stream_type, 0x01 | 0x10 | 0x42 | 0xEA)
        {
            Kind::Video
        } else if is_audio(self.stream_type, &self.info) {
            Kind::Audio
        } else {
            Kind::Other
        }
    }
}

impl Pmt {
    /// The PMT whose section starts and ends in `payload` (a PUSI packet's).
    pub(crate) fn parse(payload: &[u8]) -> Option<Pmt> {
        let s = whole_section(payload, PMT_TABLE_ID)?;
        let body = s.get(8..s.len() - 4)?;
        let fixed = body.get(..4)?;
        let info_len = len12_at(&fixed[2..]);
        let info = body.get(4..4 + info_len)?.to_vec();
        let mut es = body.get(4 + info_len..)?;
        let mut streams = Vec::new();
        while es.len() >= 5 {
            let len = len12_at(&es[3..]);
            streams.push(Es {
                stream_type: es[0],
                pid: pid_at(&es[1..]),
                info: es.get(5..5 + len)?.to_vec(),
            });
            es = &es[5 + len..];
        }
        Some(Pmt {
            program: u16::from_be_bytes([s[3], s[4]]),
            version: (s[5] >> 1) & 0x1F,
            pcr_pid: pid_at(fixed),
            info,
            streams,
        })
    }

    /// The section, CRC included.
    pub(crate) fn section(&self) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&(0xE000 | self.pcr_pid).to_be_bytes());
        body.extend_from_slice(&(0xF000 | self.info.len() as u16).to_be_bytes());
        body.extend_from_slice(&self.info);
        for es in &self.streams {
            body.push(es.stream_type);
            body.extend_from_slice(&(0xE000 | es.pid).to_be_bytes());
            body.extend_from_slice(&(0xF000 | es.info.len() as u16).to_be_bytes());
            body.extend_from_slice(&es.info);
        }
        let len = 5 + body.len() + 4;
        let mut s = vec![PMT_TABLE_ID, 0xB0 | (len >> 8) as u8, len as u8];
        s.extend_from_slice(&self.program.to_be_bytes());
        s.extend_from_slice(&[0xC1 | (self.version & 0x1F) << 1, 0, 0]);
        s.extend_from_slice(&body);
        let crc = crc32_mpeg(&s);
        s.extend_from_slice(&crc.to_be_bytes());
        s
    }
}

/// How a new source's programme goes onto the one viewers have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// (the new source's PID, the PID it goes out on), for every stream.
    pub pids: Vec<(u16, u16)>,
    /// The PMT to send from now on when the programme changed (the next
    /// version); `None`: the one viewers have stays valid.
    pub changed: Option<Pmt>,
}

/// Maps `new` onto `old`: a stream takes the PID of an unused old stream of
/// the same kind and stream type, else of the same kind (a codec change),
/// else keeps its own PID unless `old` uses it (then the first free one).
/// `reserved` PIDs (the PAT's, the PMT's) are never given to a stream.
pub(crate) fn map(old: &Pmt, new: &Pmt, reserved: &[u16]) -> Mapping {
    let mut used = vec![false; old.streams.len()];
    let mut out: Vec<Option<u16>> = vec![None; new.streams.len()];
    let mut changed = false;
    for exact in [true, false] {
        for (i, es) in new.streams.iter().enumerate() {
            if out[i].is_some() || es.kind() == Kind::Other && !exact {
                continue;
            }
            let found = old.streams.iter().enumerate().find(|(j, o)| {
                !used[*j] && o.kind() == es.kind() && (!exact || o.stream_type == es.stream_type)
            });
            if let Some((j, o)) = found {
                used[j] = true;
                out[i] = Some(o.pid);
                changed |= !exact;
            }
        }
    }
    let taken = |pid: u16, out: &[Option<u16>]| {
        reserved.contains(&pid)
            || old.streams.iter().any(|o| o.pid == pid)
            || out.iter().flatten().any(|&p| p == pid)
    };
    for i in 0..new.streams.len() {
        if out[i].is_some() {
            continue;
        }
        changed = true;
        let own = new.streams[i].pid;
        let pid = if taken(own, &out) {
            (FIRST_FREE_PID..NULL_PID)
                .find(|&p| !taken(p, &out))
                .unwrap_or(own)
        } else {
            own
        };
        out[i] = Some(pid);
    }
    changed |= used.iter().any(|u| !u);
    let pids: Vec<(u16, u16)> = new
        .streams
        .iter()
        .zip(&out)
        .map(|(es, o)| (es.pid, o.unwrap_or(es.pid)))
        .collect();
    let pcr_pid = pids
        .iter()
        .find(|(from, _)| *from == new.pcr_pid)
        .map_or(new.pcr_pid, |&(_, to)| to);
    changed |= pcr_pid != old.pcr_pid;
    let changed = changed.then(|| Pmt {
        program: old.program,
        version: (old.version + 1) & 0x1F,
        pcr_pid,
        info: new.info.clone(),
        streams: new
            .streams
            .iter()
            .zip(&pids)
            .map(|(es, &(_, pid))| Es { pid, ..es.clone() })
            .collect(),
    });
    Mapping { pids, changed }
}

/// `section` as packets on `pid` (pointer field 0, stuffed with 0xFF), the
/// first with `next_cc` and each following one counter further.
pub(crate) fn section_packets(pid: u16, section: &[u8], next_cc: u8) -> Vec<[u8; PACKET_SIZE]> {
    let mut payload = vec![0u8];
    payload.extend_from_slice(section);
    payload
        .chunks(PACKET_SIZE - 4)
        .enumerate()
        .map(|(i, chunk)| {
            let mut p = [0xFFu8; PACKET_SIZE];
            p[0] = SYNC_BYTE;
            p[1] = if i == 0 { 0x40 } else { 0 } | (pid >> 8) as u8 & 0x1F;
            p[2] = pid as u8;
            p[3] = 0x10 | (next_cc.wrapping_add(i as u8) & 0x0F);
            p[4..4 + chunk.len()].copy_from_slice(chunk);
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psi::pmt_streams;
    use crate::testutil::{pmt_section, psi_payload};

    fn pmt(pcr: u16, streams: &[(u8, u16)]) -> Pmt {
        Pmt::parse(&psi_payload(&pmt_section(1, pcr, streams))).unwrap()
    }

    #[test]
    fn a_pmt_round_trips() {
        let p = pmt(0x100, &[(0x1B, 0x100), (0x0F, 0x101)]);
        assert_eq!(p.streams.len(), 2);
        assert_eq!((p.program, p.pcr_pid), (1, 0x100));
        let again = Pmt::parse(&psi_payload(&p.section())).unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn matching_streams_take_the_old_pids_and_keep_the_version() {
        let old = pmt(0x100, &[(0x1B, 0x100), (0x0F, 0x101)]);
        // Another encoder: audio first, other PIDs, PMT elsewhere.
        let new = pmt(0x31, &[(0x0F, 0x34), (0x1B, 0x31)]);
        let m = map(&old, &new, &[0, 0x1000]);
        assert_eq!(m.pids, vec![(0x34, 0x101), (0x31, 0x100)]);
        assert_eq!(m.changed, None);
    }

    #[test]
    fn a_codec_change_or_an_extra_stream_makes_a_new_version() {
        let old = pmt(0x100, &[(0x1B, 0x100), (0x0F, 0x101)]);
        let hevc = pmt(0x200, &[(0x24, 0x200), (0x0F, 0x201)]);
        let m = map(&old, &hevc, &[0, 0x1000]);
        assert_eq!(m.pids, vec![(0x200, 0x100), (0x201, 0x101)]);
        let out = m.changed.expect("the codec changed");
        assert_eq!((out.version, out.pcr_pid, out.program), (1, 0x100, 1));
        assert_eq!(out.streams[0].stream_type, 0x24);
        // A second audio stream whose own PID the old video uses moves to a free one.
        let two = pmt(0x300, &[(0x1B, 0x300), (0x0F, 0x301), (0x0F, 0x100)]);
        let m = map(&old, &two, &[0, 0x1000]);
        assert_eq!(m.pids, vec![(0x300, 0x100), (0x301, 0x101), (0x100, 0x20)]);
        let out = m.changed.expect("a stream was added");
        let read = pmt_streams(&psi_payload(&out.section())).unwrap();
        assert_eq!(read.audio, vec![0x101, 0x20]);
    }

    #[test]
    fn long_sections_span_packets_with_counters() {
        let section: Vec<u8> = (0..300u16).map(|b| b as u8).collect();
        let packets = section_packets(0x1000, &section, 15);
        assert_eq!(packets.len(), 2);
        let first = crate::Packet::new(&packets[0]).unwrap();
        let second = crate::Packet::new(&packets[1]).unwrap();
        assert!(first.pusi() && !second.pusi());
        assert_eq!(
            (first.continuity_counter(), second.continuity_counter()),
            (15, 0)
        );
        assert_eq!(first.payload()[0], 0);
        assert_eq!(&first.payload()[1..], &section[..183]);
        assert_eq!(&second.payload()[..117], &section[183..]);
    }
}

//! Learning a stream's structure from aligned packets, for clean join and
//! splice points.

use bytes::{Bytes, BytesMut};

use super::clock::{Clock, ClockWatch};
use super::keyframe::{contains_keyframe, VideoCodec};
use super::packet::Packet;
use super::pes::PesHeader;
use super::probe::{self, Picture, Sound};
use super::psi::{pat_pmt_pids, pmt_streams};
use super::{pes, NULL_PID, PACKET_SIZE, TIMESTAMP_MASK};

/// Number of distinct PIDs (13 bits).
const PID_COUNT: usize = 1 << 13;
/// Marks a PID never seen in `counters` (real counters are 0..=15).
const UNSEEN: u8 = 0xFF;
/// A video PTS moving further than this (10 s of the 90 kHz clock), either
/// way, without a discontinuity_indicator counts as a jump.
const PTS_JUMP: u64 = 10 * 90_000;
/// PID of the DVB service description table.
pub(crate) const SDT_PID: u16 = 0x11;

/// What the stream carried so far, counted as it passed: the relay compares
/// two readings to notice a picture that froze while the rest flows, or audio
/// that went silent, without decoding anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Content {
    /// Video pictures begun: PES starts on the video PID whose PTS differs
    /// from the previous one (or that carry none).
    pub pictures: u64,
    /// PES starts on any audio PID.
    pub audio_frames: u64,
    /// Video PTS jumps of more than 10 s without a discontinuity_indicator.
    pub pts_jumps: u64,
}

/// Watches a channel's packets so the relay can start a joining viewer at
/// PAT → PMT → keyframe and splice sources with continuous counters.
///
/// Per packet it does a PID compare and a counter store; tables are parsed only
/// on PSI PIDs, and keyframe detection only on video packets that start a PES.
#[derive(Debug)]
pub struct Tracker {
    /// PMT PIDs from the latest PAT, in PAT order.
    pmt_pids: Vec<u16>,
    /// Latest PAT packet.
    pat: Option<[u8; PACKET_SIZE]>,
    /// Latest PMT packet per PMT PID of the latest PAT.
    pmts: Vec<(u16, [u8; PACKET_SIZE])>,
    /// Video PID, its codec, and the PMT PID that announced it.
    video: Option<(u16, VideoCodec, u16)>,
    /// Last continuity counter per PID, [`UNSEEN`] if never seen.
    counters: Box<[u8; PID_COUNT]>,
    /// PIDs in the order first seen, for [`Tracker::last_counters`].
    seen: Vec<u16>,
    /// Audio PIDs and the PMT PID that announced each.
    audio: Vec<(u16, u16)>,
    /// PTS of the latest video PES that had one.
    last_video_pts: Option<u64>,
    content: Content,
    /// The PCR PID of the PMT that announced the video ([`NULL_PID`]: none).
    pcr_pid: u16,
    /// Where the clock stands (see [`Clock`]).
    clock: ClockWatch,
    /// Latest SDT packet that starts a section.
    sdt: Option<[u8; PACKET_SIZE]>,
    /// The ES bytes of the latest PES on the first audio PID (at most
    /// [`MAX_AUDIO_PES`]), so the sound's end is timed by its frames.
    audio_es: Vec<u8>,
    /// Whether `audio_es` is still being filled (its PES fits).
    audio_filling: bool,
    /// What the video's latest SPS said (read at keyframes).
    picture: Option<Box<Picture>>,
    /// What the first audio stream's frame header said.
    sound: Option<Box<Sound>>,
    /// The sound is read again at the next audio PES (set when the picture is).
    sound_due: bool,
    /// Keyframes to pass before the picture is read again (0: at the next).
    keyframes_until_read: u8,
    /// Bumped when `picture` or `sound` changes.
    format_version: u32,
}

/// Keyframes between two readings of the format (about half a minute at
/// common GOP lengths): an encoder that changes mid-stream is seen then, a
/// new source at its first keyframe (see [`Tracker::read_format_soon`]).
const READ_EVERY: u8 = 31;

/// Largest audio PES kept whole for timing its end.
const MAX_AUDIO_PES: usize = 16 * 1024;

impl Default for Tracker {
    fn default() -> Tracker {
        Tracker {
            pmt_pids: Vec::new(),
            pat: None,
            pmts: Vec::new(),
            video: None,
            counters: Box::new([UNSEEN; PID_COUNT]),
            seen: Vec::new(),
            audio: Vec::new(),
            last_video_pts: None,
            content: Content::default(),
            pcr_pid: NULL_PID,
            clock: ClockWatch::default(),
            sdt: None,
            audio_es: Vec::new(),
            audio_filling: false,
            picture: None,
            sound: None,
            sound_due: true,
            keyframes_until_read: 0,
            format_version: 0,
        }
    }
}

impl Tracker {
    /// A tracker that has seen nothing yet.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// Observes whole aligned packets (`len % 188 == 0`; a trailing partial
    /// packet and packets without the sync byte are skipped). Returns the byte
    /// offset within `packets` of the last packet that starts a video keyframe:
    /// a video-PID packet with PUSI and either random_access_indicator or a
    /// keyframe start code in the PES data within this packet.
    pub fn observe(&mut self, packets: &[u8]) -> Option<usize> {
        let mut keyframe = None;
        for (i, bytes) in packets.chunks_exact(PACKET_SIZE).enumerate() {
            let Some(p) = Packet::new(bytes) else {
                continue;
            };
            let pid = p.pid();
            self.count(pid, p.continuity_counter());
            // Most packets carry no adaptation field: test that first.
            if p.has_adaptation() && pid == self.pcr_pid {
                if let Some(pcr) = p.pcr() {
                    self.clock.pcr(pcr);
                }
            }
            if pid == 0 {
                if p.pusi() {
                    self.on_pat(&p);
                }
            } else if self.video.is_some_and(|(v, _, _)| v == pid) {
                if p.pusi() {
                    let header = pes::parse(p.payload());
                    self.on_picture(&p, header);
                    if self.starts_keyframe(&p, header) {
                        keyframe = Some(i * PACKET_SIZE);
                        if self.keyframes_until_read == 0 {
                            self.read_picture(&p, header);
                        } else {
                            self.keyframes_until_read -= 1;
                        }
                    }
                }
            } else if p.pusi() {
                if self.pmt_pids.contains(&pid) {
                    self.on_pmt(&p);
                } else if let Some(i) = self.audio.iter().position(|&(a, _)| a == pid) {
                    self.content.audio_frames += 1;
                    if i == 0 {
                        self.on_audio(&p);
                    }
                } else if pid == SDT_PID {
                    self.sdt = Some(packet_copy(&p));
                }
            } else if self.audio_filling && self.audio.first().is_some_and(|&(a, _)| a == pid) {
                self.audio_more(p.payload());
            }
        }
        keyframe
    }

    /// The most recent PAT packet followed by the most recent PMT packet(s) (in
    /// PAT order), as whole packets, for leading a viewer who joins mid-stream.
    /// `None` until a PAT and at least one of its PMTs were seen.
    pub fn psi(&self) -> Option<Bytes> {
        let pat = self.pat.as_ref()?;
        if self.pmts.is_empty() {
            return None;
        }
        let mut out = BytesMut::with_capacity((1 + self.pmts.len()) * PACKET_SIZE);
        out.extend_from_slice(pat);
        for pid in &self.pmt_pids {
            if let Some((_, pmt)) = self.pmts.iter().find(|(p, _)| p == pid) {
                out.extend_from_slice(pmt);
            }
        }
        Some(out.freeze())
    }

    /// PID of the first video stream of the PMTs seen, if any.
    pub fn video_pid(&self) -> Option<u16> {
        self.video.map(|(pid, _, _)| pid)
    }

    /// PIDs of the audio streams the PMTs seen announce.
    pub fn audio_pids(&self) -> Vec<u16> {
        self.audio.iter().map(|&(pid, _)| pid).collect()
    }

    /// PID of the first audio stream the PMTs seen announce.
    pub fn first_audio_pid(&self) -> Option<u16> {
        self.audio.first().map(|&(pid, _)| pid)
    }

    /// The PCR PID of the programme followed, once its PMT was seen.
    pub fn pcr_pid(&self) -> Option<u16> {
        (self.pcr_pid != NULL_PID).then_some(self.pcr_pid)
    }

    /// Whether the PMTs seen announce an audio stream.
    pub fn has_audio(&self) -> bool {
        !self.audio.is_empty()
    }

    /// What the stream carried so far (see [`Content`]).
    pub fn content(&self) -> Content {
        self.content
    }

    /// Codec of the video stream, if any.
    pub fn video_codec(&self) -> Option<VideoCodec> {
        self.video.map(|(_, codec, _)| codec)
    }

    /// The continuity counter of `pid`'s last packet, if it was seen.
    pub fn counter(&self, pid: u16) -> Option<u8> {
        self.counters
            .get(usize::from(pid))
            .copied()
            .filter(|&cc| cc != UNSEEN)
    }

    /// Where the clock of the stream observed stands: what a splice goes on from.
    pub fn clock(&self) -> Clock {
        let es = (!self.audio_es.is_empty()).then_some(&self.audio_es[..]);
        self.clock.clock(es)
    }

    /// The latest SDT packet that starts a section (the service's name), if any.
    pub fn sdt(&self) -> Option<[u8; PACKET_SIZE]> {
        self.sdt
    }

    /// Every PID seen so far (null packets excepted), in first-seen order, with
    /// the continuity counter of its last packet, for splicing.
    pub fn last_counters(&self) -> Vec<(u16, u8)> {
        self.seen
            .iter()
            .map(|&pid| (pid, self.counters[usize::from(pid)]))
            .collect()
    }

    fn count(&mut self, pid: u16, cc: u8) {
        if pid == NULL_PID {
            return;
        }
        // A PID is 13 bits: the mask lets the compiler drop the bounds check.
        let slot = &mut self.counters[usize::from(pid) & (PID_COUNT - 1)];
        if *slot == UNSEEN {
            self.seen.push(pid);
        }
        *slot = cc;
    }

    fn on_pat(&mut self, p: &Packet<'_>) {
        let Some(mut pids) = pat_pmt_pids(p.payload()) else {
            return;
        };
        // PID 0 is the PAT itself and 0x1FFF is null: neither can be a PMT.
        pids.retain(|&pid| pid != 0 && pid != NULL_PID);
        pids.dedup();
        self.pmts.retain(|(pid, _)| pids.contains(pid));
        if let Some((_, _, pmt)) = self.video {
            if !pids.contains(&pmt) {
                self.video = None;
            }
        }
        self.audio.retain(|(_, pmt)| pids.contains(pmt));
        self.pmt_pids = pids;
        self.pat = Some(packet_copy(p));
    }

    fn on_pmt(&mut self, p: &Packet<'_>) {
        let Some(streams) = pmt_streams(p.payload()) else {
            return;
        };
        let video = streams.video;
        let pmt_pid = p.pid();
        if video.is_none() && self.video.is_none() {
            self.pcr_pid = streams.pcr_pid;
        }
        self.audio.retain(|&(_, owner)| owner != pmt_pid);
        for pid in streams.audio {
            if pid != 0 && pid != NULL_PID && !self.audio.iter().any(|&(a, _)| a == pid) {
                self.audio.push((pid, pmt_pid));
            }
        }
        match self.pmts.iter_mut().find(|(pid, _)| *pid == pmt_pid) {
            Some((_, stored)) => *stored = packet_copy(p),
            None => self.pmts.push((pmt_pid, packet_copy(p))),
        }
        let owned = self.video.is_some_and(|(_, _, owner)| owner == pmt_pid);
        match video {
            Some(v) if v.pid != 0 && v.pid != NULL_PID && (self.video.is_none() || owned) => {
                self.video = Some((v.pid, v.codec, pmt_pid));
                self.pcr_pid = streams.pcr_pid;
            }
            None if owned => self.video = None,
            _ => {}
        }
    }

    /// Counts a video PES start as a new picture unless it repeats the last
    /// PTS, and a PTS jump unless the packet flags a discontinuity.
    fn on_picture(&mut self, p: &Packet<'_>, header: Option<PesHeader>) {
        let payload = p.payload();
        let pts = header
            .and_then(|h| h.pts_at)
            .and_then(|at| pes::read_timestamp(payload.get(at..)?));
        let Some(pts) = pts else {
            self.content.pictures += 1;
            return;
        };
        let dts = header
            .and_then(|h| h.dts_at)
            .and_then(|at| pes::read_timestamp(payload.get(at..)?));
        self.clock.video(pts, dts);
        if let Some(last) = self.last_video_pts {
            if pts == last {
                return;
            }
            let ahead = pts.wrapping_sub(last) & TIMESTAMP_MASK;
            let behind = last.wrapping_sub(pts) & TIMESTAMP_MASK;
            if ahead.min(behind) > PTS_JUMP && !p.discontinuity() {
                self.content.pts_jumps += 1;
            }
        }
        self.last_video_pts = Some(pts);
        self.content.pictures += 1;
    }

    /// Notes the PTS of a PES start on the first audio stream.
    fn on_audio(&mut self, p: &Packet<'_>) {
        let payload = p.payload();
        let pts = pes::parse(payload)
            .and_then(|h| h.pts_at)
            .and_then(|at| pes::read_timestamp(payload.get(at..)?));
        let Some(pts) = pts else {
            self.audio_filling = false;
            return;
        };
        self.clock.audio(pts, pes::announced_len(payload));
        self.audio_es.clear();
        self.audio_filling = true;
        if let Some(data) = pes::parse(payload).and_then(|h| payload.get(h.data_at..)) {
            self.audio_more(data);
            if self.sound_due {
                self.read_sound(data);
            }
        }
    }

    /// Reads the SPS a keyframe's first packet brings, and asks for the
    /// sound to be read again at the next audio PES: at the first keyframe,
    /// then every [`READ_EVERY`] keyframes (or at the next one after
    /// [`Tracker::read_format_soon`]).
    #[cold]
    #[inline(never)]
    fn read_picture(&mut self, p: &Packet<'_>, header: Option<PesHeader>) {
        self.sound_due = true;
        self.keyframes_until_read = READ_EVERY;
        let (Some((_, codec, _)), Some(h)) = (self.video, header) else {
            return;
        };
        let Some(es) = p.payload().get(h.data_at..) else {
            return;
        };
        let picture = probe::picture(codec, es);
        if picture.is_some() && picture.as_ref() != self.picture.as_deref() {
            self.picture = picture.map(Box::new);
            self.format_version = self.format_version.wrapping_add(1);
        }
    }

    /// Reads the audio frame header at the start of `data` (once a keyframe).
    #[cold]
    #[inline(never)]
    fn read_sound(&mut self, data: &[u8]) {
        self.sound_due = false;
        let sound = probe::sound(data);
        if sound.is_some() && sound.as_ref() != self.sound.as_deref() {
            self.sound = sound.map(Box::new);
            self.format_version = self.format_version.wrapping_add(1);
        }
    }

    /// What the video's latest parameter set said: its real size,
    /// interlacing, frame rate (none before the first keyframe, or when its
    /// SPS does not fit the keyframe's first packet).
    pub fn picture(&self) -> Option<&Picture> {
        self.picture.as_deref()
    }

    /// What the first audio stream's latest frame header said.
    pub fn sound(&self) -> Option<&Sound> {
        self.sound.as_deref()
    }

    /// Reads the format again at the next keyframe (a new source took over).
    pub fn read_format_soon(&mut self) {
        self.keyframes_until_read = 0;
    }

    /// Whether the format is to be read at the next keyframe (none read
    /// since [`Tracker::read_format_soon`], or since the start).
    pub fn format_pending(&self) -> bool {
        self.keyframes_until_read == 0
    }

    /// Changes whenever [`Tracker::picture`] or [`Tracker::sound`] does.
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// More ES bytes of the latest audio PES.
    fn audio_more(&mut self, data: &[u8]) {
        if self.audio_es.len() + data.len() > MAX_AUDIO_PES {
            self.audio_filling = false;
            self.audio_es.clear();
            return;
        }
        self.audio_es.extend_from_slice(data);
    }

    fn starts_keyframe(&self, p: &Packet<'_>, header: Option<PesHeader>) -> bool {
        if p.random_access() {
            return true;
        }
        let Some((_, codec, _)) = self.video else {
            return false;
        };
        let payload = p.payload();
        match header {
            Some(h) => payload
                .get(h.data_at..)
                .is_some_and(|es| contains_keyframe(codec, es)),
            None => false,
        }
    }
}

fn packet_copy(p: &Packet<'_>) -> [u8; PACKET_SIZE] {
    let mut out = [0u8; PACKET_SIZE];
    out.copy_from_slice(p.bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{h264_frame, pat_packet, pmt_packet, Af, Mux};

    const PMT: u16 = 0x1000;
    const VIDEO: u16 = 0x100;
    const AUDIO: u16 = 0x101;

    fn mux_with_tables() -> Mux {
        let mut m = Mux::default();
        m.raw(pat_packet(&[(1, PMT)], 0));
        m.raw(pmt_packet(
            PMT,
            1,
            VIDEO,
            &[(0x1B, VIDEO), (0x0F, AUDIO)],
            0,
        ));
        m
    }

    #[test]
    fn learns_video_pid_and_psi() {
        let mut t = Tracker::new();
        assert_eq!(t.psi(), None);
        let m = mux_with_tables();
        assert_eq!(t.observe(&m.out), None);
        assert_eq!(t.video_pid(), Some(VIDEO));
        assert_eq!(t.video_codec(), Some(VideoCodec::H264));
        let psi = t.psi().unwrap();
        assert_eq!(&psi[..], &m.out[..]);
        assert_eq!(t.last_counters(), vec![(0, 0), (PMT, 0)]);
    }

    #[test]
    fn psi_needs_a_pmt() {
        let mut t = Tracker::new();
        t.observe(&pat_packet(&[(1, PMT)], 0));
        assert_eq!(t.psi(), None);
        assert_eq!(t.video_pid(), None);
    }

    #[test]
    fn keyframe_by_nal_and_by_random_access() {
        let mut m = mux_with_tables();
        let start = m.out.len();
        m.pes(VIDEO, None, &h264_frame(false, 0, 400));
        let idr = m.out.len();
        m.pes(VIDEO, None, &h264_frame(true, 3600, 400));
        m.pes(
            AUDIO,
            None,
            &[0, 0, 1, 0xC0, 0, 0, 0x80, 0, 0, 0, 0, 1, 0x65],
        );
        m.pes(VIDEO, None, &h264_frame(false, 7200, 400));
        let mut t = Tracker::new();
        assert_eq!(t.observe(&m.out), Some(idr));

        let mut t = Tracker::new();
        t.observe(&m.out[..start]);
        let ra = Af {
            random_access: true,
            ..Af::default()
        };
        let mut m2 = Mux::default();
        m2.pes(VIDEO, None, &h264_frame(false, 0, 400));
        let flagged = m2.out.len();
        m2.pes(VIDEO, Some(&ra), &h264_frame(false, 3600, 100));
        m2.pes(VIDEO, None, &h264_frame(false, 7200, 100));
        assert_eq!(t.observe(&m2.out), Some(flagged));
    }

    #[test]
    fn keyframe_nal_after_pes_header_only() {
        // Header data that happens to look like an IDR start code must be skipped.
        let mut m = mux_with_tables();
        let mut t = Tracker::new();
        t.observe(&m.out);
        m.out.clear();
        let mut frame = h264_frame(false, 0, 100);
        // Grow PES_header_data_length by 4 bytes of fake start code.
        frame[8] += 4;
        frame.splice(14..14, [0, 0, 1, 0x65]);
        m.pes(VIDEO, None, &frame);
        assert_eq!(t.observe(&m.out), None);
    }

    #[test]
    fn last_keyframe_wins_and_partial_packets_are_ignored() {
        let mut m = mux_with_tables();
        m.pes(VIDEO, None, &h264_frame(true, 0, 300));
        let second = m.out.len();
        m.pes(VIDEO, None, &h264_frame(true, 3600, 300));
        m.out.extend_from_slice(&[0x47, 1, 2]);
        let mut t = Tracker::new();
        assert_eq!(t.observe(&m.out), Some(second));
    }

    #[test]
    fn pat_change_drops_old_program() {
        let mut t = Tracker::new();
        t.observe(&mux_with_tables().out);
        assert_eq!(t.video_pid(), Some(VIDEO));
        t.observe(&pat_packet(&[(2, 0x1800)], 1));
        assert_eq!(t.video_pid(), None);
        assert_eq!(t.psi(), None);
        t.observe(&pmt_packet(0x1800, 2, 0x200, &[(0x24, 0x200)], 0));
        assert_eq!(t.video_pid(), Some(0x200));
        assert_eq!(t.video_codec(), Some(VideoCodec::Hevc));
    }

    #[test]
    fn ignores_null_packets_in_counters() {
        let mut m = Mux::default();
        m.pes(NULL_PID, None, &[0xFF; 10]);
        m.pes(VIDEO, None, &[0; 500]);
        let mut t = Tracker::new();
        t.observe(&m.out);
        assert_eq!(t.last_counters(), vec![(VIDEO, 2)]);
    }

    /// An audio PES start (MPEG audio stream id 0xC0, PTS 0).
    const AUDIO_PES: [u8; 14] = [0, 0, 1, 0xC0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1];

    #[test]
    fn counts_pictures_audio_and_jumps() {
        let mut m = mux_with_tables();
        m.pes(VIDEO, None, &h264_frame(true, 0, 300));
        m.pes(AUDIO, None, &AUDIO_PES);
        m.pes(VIDEO, None, &h264_frame(false, 3600, 300));
        // The same picture again (a frozen encoder repeating itself).
        m.pes(VIDEO, None, &h264_frame(false, 3600, 300));
        m.pes(AUDIO, None, &AUDIO_PES);
        let mut t = Tracker::new();
        t.observe(&m.out);
        assert_eq!(t.audio_pids(), vec![AUDIO]);
        let c = t.content();
        assert_eq!((c.pictures, c.audio_frames, c.pts_jumps), (2, 2, 0));

        // 20 s later without a flag: a jump; with the flag: none.
        m.out.clear();
        m.pes(VIDEO, None, &h264_frame(false, 3600 + 20 * 90_000, 300));
        let flagged = Af {
            discontinuity: true,
            ..Af::default()
        };
        m.pes(VIDEO, Some(&flagged), &h264_frame(false, 3600, 300));
        t.observe(&m.out);
        let c = t.content();
        assert_eq!((c.pictures, c.pts_jumps), (4, 1));
    }

    #[test]
    fn pts_wrap_is_not_a_jump() {
        let mut m = mux_with_tables();
        m.pes(VIDEO, None, &h264_frame(true, TIMESTAMP_MASK - 1800, 300));
        m.pes(VIDEO, None, &h264_frame(false, 1800, 300));
        let mut t = Tracker::new();
        t.observe(&m.out);
        assert_eq!(t.content().pts_jumps, 0);
        assert_eq!(t.content().pictures, 2);
    }

    #[test]
    fn audio_follows_the_pmt() {
        let mut t = Tracker::new();
        t.observe(&mux_with_tables().out);
        assert_eq!(t.audio_pids(), vec![AUDIO]);
        // The PMT now lists video only: the audio PID is no longer counted.
        t.observe(&pmt_packet(PMT, 1, VIDEO, &[(0x1B, VIDEO)], 1));
        assert!(t.audio_pids().is_empty());
        let mut m = Mux::default();
        m.pes(AUDIO, None, &AUDIO_PES);
        t.observe(&m.out);
        assert_eq!(t.content().audio_frames, 0);
    }
}

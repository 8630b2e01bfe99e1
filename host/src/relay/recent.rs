//! The recent part of a channel's stream, kept so a viewer who joins a
//! running channel starts at a clean point: the last PAT/PMT, then the data
//! from the last keyframe on. Bounded in bytes; when the last keyframe falls
//! out of the bound, a joiner starts at the live point instead (after PSI).

use bytes::Bytes;
use std::collections::VecDeque;
use streamforge_ts::{Packet, PACKET_SIZE};

/// Chunks since the last keyframe (or since the stream began).
pub(crate) struct Recent {
    psi: Option<Bytes>,
    chunks: VecDeque<Bytes>,
    bytes: usize,
    cap: usize,
    /// `chunks` begins at a clean point (stream start or a keyframe).
    clean: bool,
}

impl Recent {
    /// Empty, at the stream's start (a clean point), holding at most `cap` bytes.
    pub(crate) fn new(cap: usize) -> Recent {
        Recent {
            psi: None,
            chunks: VecDeque::new(),
            bytes: 0,
            cap,
            clean: true,
        }
    }

    /// Adds a chunk; `keyframe` is the offset of a keyframe's first packet in it.
    pub(crate) fn push(&mut self, data: &Bytes, keyframe: Option<usize>) {
        if let Some(at) = keyframe {
            self.chunks.clear();
            self.bytes = 0;
            self.clean = true;
            let from = data.slice(at..);
            self.bytes += from.len();
            self.chunks.push_back(from);
        } else {
            self.bytes += data.len();
            self.chunks.push_back(data.clone());
        }
        while self.bytes > self.cap {
            match self.chunks.pop_front() {
                Some(old) => self.bytes -= old.len(),
                None => break,
            }
            self.clean = false;
        }
    }

    /// Remembers the latest PAT + PMT packets.
    pub(crate) fn set_psi(&mut self, psi: Bytes) {
        self.psi = Some(psi);
    }

    /// What a joining viewer gets before the live chunks: PSI, then the data
    /// from the last clean point when it is still held.
    /// Before the first keyframe went out there are no PSI copies yet: the
    /// stream's own start is given from its first PAT (the tables a muxer
    /// sends before it, an SDT, come again later), so every joiner's first
    /// packet is a PAT.
    pub(crate) fn join_prefix(&self) -> VecDeque<Bytes> {
        let mut prefix = VecDeque::with_capacity(self.chunks.len() + 1);
        prefix.extend(self.psi.clone());
        if self.clean {
            let mut chunks = self.chunks.iter().cloned();
            if self.psi.is_none() {
                if let Some(first) = chunks.next() {
                    prefix.push_back(from_first_pat(first));
                }
            }
            prefix.extend(chunks);
        }
        prefix
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

/// `chunk` from its first PAT packet on (whole when it has none).
fn from_first_pat(chunk: Bytes) -> Bytes {
    let at = chunk
        .chunks_exact(PACKET_SIZE)
        .position(|p| Packet::new(p).is_some_and(|p| p.pid() == 0));
    match at {
        Some(i) => chunk.slice(i * PACKET_SIZE..),
        None => chunk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(pid: u16) -> [u8; PACKET_SIZE] {
        let mut p = [0xFFu8; PACKET_SIZE];
        p[..4].copy_from_slice(&[0x47, (pid >> 8) as u8 & 0x1F, pid as u8, 0x10]);
        p
    }

    #[test]
    fn before_any_psi_copy_a_joiner_starts_at_the_streams_first_pat() {
        let mut r = Recent::new(1 << 20);
        let start: Vec<u8> = [packet(0x11), packet(0), packet(0x1000)].concat();
        r.push(&Bytes::from(start), None);
        let prefix = r.join_prefix();
        assert_eq!(
            Packet::new(&prefix[0][..PACKET_SIZE]).unwrap().pid(),
            0,
            "PAT first"
        );
        assert_eq!(prefix[0].len(), 2 * PACKET_SIZE);
    }

    #[test]
    fn a_keyframe_restarts_the_buffer_and_the_bound_holds() {
        let mut r = Recent::new(1000);
        r.push(&Bytes::from(vec![1u8; 376]), None);
        assert_eq!(r.join_prefix().len(), 1, "stream start is clean");
        r.set_psi(Bytes::from(vec![0x47u8; 376]));
        r.push(&Bytes::from(vec![2u8; 752]), Some(188));
        let p = r.join_prefix();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].len(), 564);
        assert_eq!(p[1][0], 2);
        r.push(&Bytes::from(vec![3u8; 564]), None);
        assert!(r.bytes() <= 1000);
        assert_eq!(r.join_prefix().len(), 1, "keyframe fell out: PSI only");
    }
}

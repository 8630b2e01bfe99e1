//! The recent part of a channel's stream, kept so a viewer who joins a
//! running channel starts at a clean point: the last PAT/PMT, then the data
//! from the last keyframe on. Bounded in bytes; when the last keyframe falls
//! out of the bound, a joiner starts at the live point instead (after PSI).

use bytes::Bytes;
use std::collections::VecDeque;

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
    pub(crate) fn join_prefix(&self) -> VecDeque<Bytes> {
        let mut prefix = VecDeque::with_capacity(self.chunks.len() + 1);
        prefix.extend(self.psi.clone());
        if self.clean {
            prefix.extend(self.chunks.iter().cloned());
        }
        prefix
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Arbitrary upstream chunks in, whole aligned packets out.

use bytes::{Buf, Bytes, BytesMut};

use super::{PACKET_SIZE, SYNC_BYTE};

/// Packets that must show the sync byte at 188-byte spacing before we lock on.
const LOCK_PACKETS: usize = 3;

/// Re-frames an upstream byte stream into whole 188-byte packets, so the relay
/// only ever forwards packet boundaries and drops anything that is not MPEG-TS.
///
/// While in sync only the first byte of each packet is checked, and input is
/// copied once, straight into the returned [`Bytes`]. Memory stays bounded: at
/// most a partial packet (in sync) or a couple of packets' worth of candidate
/// bytes (searching) is kept between calls.
#[derive(Debug, Default)]
pub struct Aligner {
    /// Bytes carried over: a partial packet (in sync) or unresolved candidates.
    buf: BytesMut,
    synced: bool,
    junk: u64,
    packets: u64,
}

/// Outcome of searching for packet boundaries in unsynchronised bytes.
enum Search {
    /// Packets start at this offset (confirmed by [`LOCK_PACKETS`] sync bytes).
    Found(usize),
    /// Nothing before this offset can start a packet; wait for more bytes.
    Wait(usize),
}

impl Aligner {
    /// A fresh aligner, not yet in sync.
    pub fn new() -> Aligner {
        Aligner::default()
    }

    /// Feeds bytes; returns only whole 188-byte packets each starting with 0x47
    /// (`len % 188 == 0`, possibly empty). Keeps a partial trailing packet for the
    /// next call. When sync is lost (or at the start) it finds the next offset
    /// where 0x47 repeats at 188-byte spacing (three times when that many bytes
    /// are buffered; with fewer it waits for more data), discarding bytes before it.
    pub fn push(&mut self, data: &[u8]) -> Bytes {
        if data.is_empty() {
            return Bytes::new();
        }
        let mut out = BytesMut::new();
        let mut rest = data;
        if self.synced {
            rest = self.push_synced(rest, &mut out);
            if self.synced {
                self.packets += out.len() as u64;
                return out.freeze();
            }
        }
        self.buf.extend_from_slice(rest);
        self.drain(&mut out);
        self.packets += out.len() as u64;
        out.freeze()
    }

    /// Like [`Aligner::push`], but without copying in the common case: in
    /// sync, nothing carried over, and `data` a run of whole packets (plus at
    /// most a partial one at the end), the packets are a slice of `data`.
    pub fn push_bytes(&mut self, data: Bytes) -> Bytes {
        if self.synced && self.buf.is_empty() {
            let run = synced_run(&data);
            if data.len() - run < PACKET_SIZE {
                self.buf.extend_from_slice(&data[run..]);
                self.packets += run as u64;
                return data.slice(..run);
            }
        }
        self.push(&data)
    }

    /// Bytes discarded as not MPEG-TS since creation.
    pub fn junk_bytes(&self) -> u64 {
        self.junk
    }

    /// Bytes returned as packets since creation.
    pub fn packet_bytes(&self) -> u64 {
        self.packets
    }

    /// Whether the aligner is currently locked onto packet boundaries.
    pub fn synced(&self) -> bool {
        self.synced
    }

    /// Bytes held back for the next call (a partial packet or sync candidates).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// The in-sync fast path: completes a carried-over partial packet, then
    /// copies the run of well-synced packets from `data` into `out`. Returns the
    /// bytes not consumed; on return either the aligner is still in sync and
    /// those bytes (a partial packet) were stored, or sync was lost and the caller
    /// must search them (`buf` then holds any bad packet, to be searched first).
    fn push_synced<'d>(&mut self, mut data: &'d [u8], out: &mut BytesMut) -> &'d [u8] {
        let mut head = false;
        if !self.buf.is_empty() {
            let take = (PACKET_SIZE - self.buf.len().min(PACKET_SIZE)).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() < PACKET_SIZE {
                return &[];
            }
            if self.buf[0] != SYNC_BYTE {
                self.synced = false;
                return data;
            }
            head = true;
        }
        let run = synced_run(data);
        out.reserve(run + if head { PACKET_SIZE } else { 0 });
        if head {
            out.extend_from_slice(&self.buf);
            self.buf.clear();
        }
        out.extend_from_slice(&data[..run]);
        data = &data[run..];
        if data.len() < PACKET_SIZE {
            self.buf.extend_from_slice(data);
            return &[];
        }
        self.synced = false;
        data
    }

    /// The general path over `buf`: emits synced runs, and searches for sync
    /// whenever a packet does not start with the sync byte.
    fn drain(&mut self, out: &mut BytesMut) {
        loop {
            if self.synced {
                let run = synced_run(&self.buf);
                if run > 0 {
                    let chunk = self.buf.split_to(run);
                    if out.is_empty() {
                        *out = chunk;
                    } else {
                        out.extend_from_slice(&chunk);
                    }
                }
                if self.buf.len() < PACKET_SIZE {
                    return;
                }
                self.synced = false;
            }
            match search(&self.buf) {
                Search::Found(at) => {
                    self.discard(at);
                    self.synced = true;
                }
                Search::Wait(at) => {
                    self.discard(at);
                    return;
                }
            }
        }
    }

    fn discard(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.advance(n);
        self.junk += n as u64;
        if self.buf.is_empty() {
            // Let a large junk push's allocation go instead of keeping it around.
            self.buf = BytesMut::new();
        }
    }
}

/// Length of the leading run of whole packets that each start with the sync byte.
fn synced_run(data: &[u8]) -> usize {
    data.chunks_exact(PACKET_SIZE)
        .take_while(|p| p[0] == SYNC_BYTE)
        .count()
        * PACKET_SIZE
}

/// Finds the first offset where the sync byte repeats at packet spacing.
fn search(buf: &[u8]) -> Search {
    let mut from = 0;
    while let Some(i) = buf
        .get(from..)
        .and_then(|b| b.iter().position(|&x| x == SYNC_BYTE))
    {
        let at = from + i;
        let mut confirmed = 0;
        let mut complete = true;
        for k in 0..LOCK_PACKETS {
            match buf.get(at + k * PACKET_SIZE) {
                Some(&SYNC_BYTE) => confirmed += 1,
                Some(_) => break,
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if confirmed == LOCK_PACKETS {
            return Search::Found(at);
        }
        if !complete {
            // Every sync byte seen so far from here matched; wait for the rest.
            return Search::Wait(at);
        }
        from = at + 1;
    }
    Search::Wait(buf.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{sample_stream, Rng};

    /// Pushes `input` in chunks of `size`, returning all output and checking the
    /// byte accounting and output shape after every call.
    fn feed(a: &mut Aligner, input: &[u8], size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let before = a.junk_bytes() + a.packet_bytes() + a.pending() as u64;
        for (n, chunk) in input.chunks(size).enumerate() {
            let got = a.push(chunk);
            assert_eq!(got.len() % PACKET_SIZE, 0);
            assert!(got.chunks(PACKET_SIZE).all(|p| p[0] == SYNC_BYTE));
            out.extend_from_slice(&got);
            let fed = input.len().min((n + 1) * size) as u64;
            assert_eq!(
                a.junk_bytes() + a.packet_bytes() + a.pending() as u64,
                before + fed
            );
            assert!(a.pending() <= 2 * PACKET_SIZE, "pending {}", a.pending());
        }
        out
    }

    #[test]
    fn empty_push_is_empty() {
        let mut a = Aligner::new();
        assert!(a.push(&[]).is_empty());
        assert!(!a.synced());
    }

    #[test]
    fn clean_stream_passes_through_any_chunking() {
        let s = sample_stream(12);
        for size in [1, 2, 187, 188, 189, 376, 377, 1000, s.len()] {
            let mut a = Aligner::new();
            assert_eq!(feed(&mut a, &s, size), s, "chunk size {size}");
            assert_eq!(a.junk_bytes(), 0);
            assert_eq!(a.packet_bytes(), s.len() as u64);
            assert!(a.synced());
        }
    }

    #[test]
    fn waits_for_three_sync_bytes() {
        let s = sample_stream(2);
        let mut a = Aligner::new();
        assert!(a.push(&s[..2 * PACKET_SIZE]).is_empty());
        assert!(!a.synced());
        assert_eq!(a.pending(), 2 * PACKET_SIZE);
        let out = a.push(&s[2 * PACKET_SIZE..2 * PACKET_SIZE + 1]);
        assert_eq!(&out[..], &s[..2 * PACKET_SIZE]);
        assert!(a.synced());
    }

    #[test]
    fn leading_junk_is_dropped() {
        let s = sample_stream(6);
        let mut input = vec![0x00; 1000];
        // Decoys: sync bytes at packet spacing, but only twice.
        input[10] = SYNC_BYTE;
        input[10 + PACKET_SIZE] = SYNC_BYTE;
        input.extend_from_slice(&s);
        for size in [1, 100, 188, 5000] {
            let mut a = Aligner::new();
            assert_eq!(feed(&mut a, &input, size), s, "chunk size {size}");
            assert_eq!(a.junk_bytes(), 1000);
        }
    }

    #[test]
    fn lost_packet_start_resyncs_on_next_packet() {
        let s = sample_stream(6);
        let mut broken = s.clone();
        broken[5 * PACKET_SIZE] = 0x00;
        let mut expected = s[..5 * PACKET_SIZE].to_vec();
        expected.extend_from_slice(&s[6 * PACKET_SIZE..]);
        for size in [1, 188, 200, 4000, broken.len()] {
            let mut a = Aligner::new();
            assert_eq!(feed(&mut a, &broken, size), expected, "chunk size {size}");
            assert_eq!(a.junk_bytes(), PACKET_SIZE as u64);
            assert!(a.synced());
        }
    }

    #[test]
    fn junk_between_packets_is_dropped() {
        let s = sample_stream(6);
        let mut input = s[..7 * PACKET_SIZE].to_vec();
        input.extend_from_slice(&[0x11; 333]);
        input.extend_from_slice(&s[7 * PACKET_SIZE..]);
        for size in [1, 188, 1000] {
            let mut a = Aligner::new();
            assert_eq!(feed(&mut a, &input, size), s, "chunk size {size}");
            assert_eq!(a.junk_bytes(), 333);
        }
    }

    #[test]
    fn push_bytes_matches_push_and_shares_aligned_input() {
        let s = sample_stream(12);
        let mut broken = s.clone();
        broken[5 * PACKET_SIZE] = 0x00;
        broken.splice(7 * PACKET_SIZE..7 * PACKET_SIZE, [0x11; 333]);
        for input in [&s, &broken] {
            for size in [1, 187, 188, 189, 376, 1000, input.len()] {
                let (mut copying, mut sharing) = (Aligner::new(), Aligner::new());
                for chunk in input.chunks(size) {
                    let chunk = Bytes::copy_from_slice(chunk);
                    let want = copying.push(&chunk);
                    let got = sharing.push_bytes(chunk);
                    assert_eq!(got, want, "chunk size {size}");
                    assert_eq!(sharing.pending(), copying.pending());
                }
                assert_eq!(sharing.junk_bytes(), copying.junk_bytes());
                assert_eq!(sharing.packet_bytes(), copying.packet_bytes());
            }
        }
        // In sync, a whole-packet chunk comes back as the same memory.
        let mut a = Aligner::new();
        a.push(&s[..3 * PACKET_SIZE]);
        let chunk = Bytes::copy_from_slice(&s[3 * PACKET_SIZE..6 * PACKET_SIZE + 10]);
        let out = a.push_bytes(chunk.clone());
        assert_eq!(out.len(), 3 * PACKET_SIZE);
        assert_eq!(out.as_ptr(), chunk.as_ptr());
        assert_eq!(a.pending(), 10);
    }

    #[test]
    fn random_junk_stays_bounded() {
        let mut rng = Rng::new(7);
        let mut a = Aligner::new();
        for _ in 0..200 {
            let n = rng.below(5000);
            let junk = rng.bytes(n);
            let out = a.push(&junk);
            assert_eq!(out.len() % PACKET_SIZE, 0);
            assert!(a.pending() <= 2 * PACKET_SIZE);
        }
        let s = sample_stream(6);
        let out = feed(&mut a, &s, 100);
        // Whatever random bytes locked on before, the stream itself comes through.
        assert!(out.ends_with(&s[PACKET_SIZE..]));
        assert!(a.synced());
    }
}

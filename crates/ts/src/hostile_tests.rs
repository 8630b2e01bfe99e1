//! Hostile input: random and mutated bytes through every entry point. Nothing
//! may panic, and the aligner's output and accounting must stay well formed.

use super::testutil::{sample_stream, Rng};
use super::*;

/// Values that hit edge cases in lengths and flags.
const INTERESTING: [u8; 10] = [0x00, 0x01, 0x47, 0x7F, 0x80, 0xB7, 0xB8, 0xFF, 0xC0, 0x10];

/// Applies a few random edits: byte flips, interesting values, cuts, insertions.
pub(crate) fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(8) {
        if data.is_empty() {
            let n = 1 + rng.below(400);
            data.extend(rng.bytes(n));
            continue;
        }
        let at = rng.below(data.len());
        match rng.below(6) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => data[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => data[at] = rng.next() as u8,
            3 => {
                let end = (at + rng.below(300)).min(data.len());
                data.drain(at..end);
            }
            4 => {
                let n = rng.below(300);
                let junk = rng.bytes(n);
                data.splice(at..at, junk);
            }
            _ => data.truncate(at),
        }
    }
}

/// Runs every public function over `data`; returns the aligned packets.
pub(crate) fn exercise(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    // Aligner, in random chunk sizes, with accounting and shape checks.
    let mut a = Aligner::new();
    let mut aligned = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = (1 + rng.below(600)).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        let out = a.push(chunk);
        assert_eq!(out.len() % PACKET_SIZE, 0);
        assert!(out.chunks(PACKET_SIZE).all(|p| p[0] == SYNC_BYTE));
        assert!(a.pending() <= 2 * PACKET_SIZE);
        aligned.extend_from_slice(&out);
        rest = tail;
    }
    assert_eq!(
        a.junk_bytes() + a.packet_bytes() + a.pending() as u64,
        data.len() as u64
    );
    assert_eq!(a.packet_bytes(), aligned.len() as u64);

    // Tracker on aligned packets and on raw, unaligned bytes.
    for input in [&aligned[..], data] {
        let mut t = Tracker::new();
        if let Some(at) = t.observe(input) {
            assert!(at.is_multiple_of(PACKET_SIZE) && at < input.len());
        }
        if let Some(psi) = t.psi() {
            assert_eq!(psi.len() % PACKET_SIZE, 0);
            assert_eq!(Packet::new(&psi[..PACKET_SIZE]).map(|p| p.pid()), Some(0));
        }
        let _ = (t.video_pid(), t.video_codec(), t.last_counters());
    }

    // Checker on both.
    let r = check(&aligned);
    assert_eq!(r.misaligned_at, None);
    let r = check(data);
    assert!(r.packets as usize * PACKET_SIZE <= data.len());

    // Packet accessors and rewrites on every 188-byte window (aligned or not).
    let mut windows: Vec<Vec<u8>> = aligned.chunks(PACKET_SIZE).map(<[u8]>::to_vec).collect();
    windows.extend(data.chunks(PACKET_SIZE).map(<[u8]>::to_vec));
    for mut w in windows {
        if let Some(p) = Packet::new(&w) {
            let _ = (p.pid(), p.pusi(), p.continuity_counter(), p.has_payload());
            let _ = (p.has_adaptation(), p.discontinuity(), p.random_access());
            let _ = (p.pcr(), p.transport_error(), p.adaptation_len());
            assert!(p.payload().len() <= 184);
        }
        let _ = pes_pts(&w);
        shift_timestamps(&mut w, rng.next());
        set_continuity_counter(&mut w, rng.next() as u8);
        mark_discontinuity(&mut w);
        if !w.is_empty() {
            w[0] = SYNC_BYTE;
        }
        let _ = pes_pts(&w);
        shift_timestamps(&mut w, rng.next());
        mark_discontinuity(&mut w);
        if let Some(p) = Packet::new(&w) {
            let _ = (p.pcr(), p.payload());
        }
    }
    aligned
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(0x5EED);
    for round in 0..300u32 {
        let len = rng.below(3000);
        let mut data = rng.bytes(len);
        // Sprinkle sync bytes at packet spacing so the aligner locks sometimes.
        if round.is_multiple_of(2) {
            let start = rng.below(PACKET_SIZE);
            for at in (start..data.len()).step_by(PACKET_SIZE) {
                data[at] = SYNC_BYTE;
            }
        }
        exercise(&mut rng, &data);
    }
}

#[test]
fn mutated_streams_never_panic() {
    let base = sample_stream(15);
    let mut rng = Rng::new(42);
    for _ in 0..300 {
        let mut data = base.clone();
        mutate(&mut rng, &mut data);
        exercise(&mut rng, &data);
    }
}

#[test]
fn mutated_packets_never_panic() {
    // Dense mutation of single packets: every header and PES/PSI byte gets hit.
    let base = sample_stream(5);
    let mut rng = Rng::new(9);
    for _ in 0..3000 {
        let i = rng.below(base.len() / PACKET_SIZE);
        let mut p = base[i * PACKET_SIZE..(i + 1) * PACKET_SIZE].to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = 1 + rng.below(30);
            p[at] = if rng.below(2) == 0 {
                rng.next() as u8
            } else {
                INTERESTING[rng.below(INTERESTING.len())]
            };
        }
        let mut t = Tracker::new();
        t.observe(&base[..2 * PACKET_SIZE]);
        t.observe(&p);
        let _ = t.psi();
        let _ = check(&p);
        let _ = pes_pts(&p);
        shift_timestamps(&mut p, rng.next());
        mark_discontinuity(&mut p);
        if let Some(q) = Packet::new(&p) {
            let _ = (q.pcr(), q.payload(), q.discontinuity());
        }
    }
}

//! Fuzzes the MPEG-TS crate (`streamforge-ts`): arbitrary bytes, cut into
//! arbitrary chunks, go through `Aligner`. The first input byte's low nibble
//! says how many chunk-length bytes follow; the rest is the stream.
//!
//! Properties: every output is whole 188-byte packets starting with 0x47; the
//! byte accounting (junk + packets + pending = fed) holds after every push,
//! with at most two packets pending; `push_bytes` gives exactly what `push`
//! gives; the result does not depend on the chunking. `Tracker` learns the same
//! PSI, video PID, counters (the last of each PID, as counted here) and last
//! keyframe whether fed chunk by chunk or at once, and its PSI is whole
//! packets starting with the PAT. `check` agrees with the packets it judges.
//! The rewrite helpers change only the fields they name: counters,
//! discontinuity flag, timestamps (shifted forward and back to the original
//! bytes), and a `discontinuity_marker` makes the next packet of its PID
//! continuous for `check`.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use streamforge_ts::{
    check, discontinuity_marker, mark_discontinuity, pes_pts, set_continuity_counter,
    shift_timestamps, Aligner, Packet, Tracker, NULL_PID, PACKET_SIZE, SYNC_BYTE, TIMESTAMP_MASK,
};

/// A chunk length from one control byte: small pieces, lengths around whole
/// packets (187..190 times 1..16), and larger odd sizes.
fn chunk_len(b: u8) -> usize {
    match b {
        0x00..=0x3F => usize::from(b) + 1,
        0x40..=0x7F => PACKET_SIZE * (usize::from((b - 0x40) >> 2) + 1) + usize::from(b & 3) - 1,
        _ => usize::from(b - 0x7F) * 37,
    }
}

/// Timestamp offsets the rewrite is tried with, wrap-around included.
const OFFSETS: [u64; 4] = [1, 90_000, TIMESTAMP_MASK, (1 << 32) + 12_345];

fn packets(stream: &[u8]) -> impl Iterator<Item = &[u8]> {
    stream.chunks_exact(PACKET_SIZE)
}

fn assert_packets(out: &[u8]) {
    assert_eq!(out.len() % PACKET_SIZE, 0, "output of {} bytes", out.len());
    assert!(
        packets(out).all(|p| p[0] == SYNC_BYTE),
        "output packet without sync byte"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let k = usize::from(head & 0x0F).min(rest.len());
    let (spec, stream) = rest.split_at(k);

    // Align in chunks, with push and push_bytes side by side.
    let (mut copying, mut sharing) = (Aligner::new(), Aligner::new());
    let mut chunks_out: Vec<Bytes> = Vec::new();
    let mut fed = 0u64;
    let mut at = 0usize;
    let mut i = 0usize;
    while at < stream.len() {
        let len = spec
            .get(i % spec.len().max(1))
            .map_or(stream.len(), |&b| chunk_len(b));
        let chunk = &stream[at..stream.len().min(at + len)];
        at += chunk.len();
        i += 1;
        fed += chunk.len() as u64;
        let got = copying.push(chunk);
        assert_packets(&got);
        let shared = sharing.push_bytes(Bytes::copy_from_slice(chunk));
        assert_eq!(got, shared, "push_bytes differs from push");
        assert_eq!(copying.pending(), sharing.pending());
        assert_eq!(copying.synced(), sharing.synced());
        assert_eq!(
            copying.junk_bytes() + copying.packet_bytes() + copying.pending() as u64,
            fed,
            "bytes lost or invented"
        );
        assert!(
            copying.pending() <= 2 * PACKET_SIZE,
            "{} bytes pending",
            copying.pending()
        );
        chunks_out.push(got);
    }
    let out: Vec<u8> = chunks_out.concat();
    assert_eq!(sharing.junk_bytes(), copying.junk_bytes());

    // The chunking does not matter.
    let mut whole = Aligner::new();
    let one_shot = whole.push(stream);
    assert!(one_shot[..] == out[..], "output depends on the chunking");
    assert_eq!(whole.junk_bytes(), copying.junk_bytes());
    assert_eq!(whole.pending(), copying.pending());

    // Tracker: chunk by chunk or at once, the same.
    let mut by_chunk = Tracker::new();
    let mut keyframe = None;
    let mut base = 0;
    for chunk in &chunks_out {
        if let Some(k) = by_chunk.observe(chunk) {
            assert!(
                k % PACKET_SIZE == 0 && k < chunk.len(),
                "keyframe offset {k}"
            );
            keyframe = Some(base + k);
        }
        base += chunk.len();
    }
    let mut at_once = Tracker::new();
    assert_eq!(
        at_once.observe(&out),
        keyframe,
        "keyframe depends on the chunking"
    );
    assert_eq!(at_once.psi(), by_chunk.psi());
    assert_eq!(at_once.video_pid(), by_chunk.video_pid());
    assert_eq!(at_once.video_codec(), by_chunk.video_codec());
    let counters = at_once.last_counters();
    assert_eq!(counters, by_chunk.last_counters());

    let mut order = Vec::new();
    let mut last: HashMap<u16, u8> = HashMap::new();
    for p in packets(&out).filter_map(Packet::new) {
        if p.pid() != NULL_PID && last.insert(p.pid(), p.continuity_counter()).is_none() {
            order.push(p.pid());
        }
    }
    let expected: Vec<(u16, u8)> = order.iter().map(|pid| (*pid, last[pid])).collect();
    assert_eq!(counters, expected, "last_counters");
    if let Some(pid) = at_once.video_pid() {
        assert!(
            pid != 0 && pid != NULL_PID && pid < 0x2000,
            "video pid {pid:#x}"
        );
    }
    if let Some(psi) = at_once.psi() {
        assert!(psi.len() >= 2 * PACKET_SIZE, "psi of {} bytes", psi.len());
        assert_packets(&psi);
        let pat = Packet::new(&psi[..PACKET_SIZE]).unwrap();
        assert!(
            pat.pid() == 0 && pat.pusi(),
            "psi does not start with a PAT"
        );
    }

    // check: on aligned packets, consistent with them; on raw bytes, bounded.
    let report = check(&out);
    assert_eq!(report.misaligned_at, None);
    assert_eq!(report.packets as usize, out.len() / PACKET_SIZE);
    assert_eq!(
        report.discontinuities as usize,
        report.discontinuity_offsets.len()
    );
    for &off in &report.discontinuity_offsets {
        let p = Packet::new(&out[off as usize..off as usize + PACKET_SIZE]).unwrap();
        assert!(off as usize % PACKET_SIZE == 0 && p.discontinuity());
    }
    for &(off, pid, want, got) in &report.cc_errors {
        let off = off as usize;
        assert_eq!(off % PACKET_SIZE, 0);
        let p = Packet::new(&out[off..off + PACKET_SIZE]).unwrap();
        assert!(pid == p.pid() && pid != NULL_PID && got == p.continuity_counter() && want < 16);
    }
    let raw = check(stream);
    assert!(raw.packets as usize * PACKET_SIZE <= stream.len());
    match raw.misaligned_at {
        Some(m) => assert_eq!(m as usize, raw.packets as usize * PACKET_SIZE),
        None => assert_eq!(raw.packets as usize * PACKET_SIZE, stream.len()),
    }

    // Rewrites.
    let mut previous: HashMap<u16, &[u8]> = HashMap::new();
    let mut markers = 0;
    for (n, bytes) in packets(&out).enumerate().take(128) {
        let p = Packet::new(bytes).unwrap();
        let orig: [u8; PACKET_SIZE] = bytes.try_into().unwrap();

        let mut q = orig;
        let cc = (n as u8).wrapping_mul(7);
        set_continuity_counter(&mut q, cc);
        assert_eq!(Packet::new(&q).unwrap().continuity_counter(), cc & 0x0F);
        assert!(q[..3] == orig[..3] && q[3] & 0xF0 == orig[3] & 0xF0 && q[4..] == orig[4..]);

        let mut q = orig;
        let marked = mark_discontinuity(&mut q);
        assert_eq!(marked, p.adaptation_len().is_some_and(|l| l >= 1));
        if marked {
            assert!(Packet::new(&q).unwrap().discontinuity());
            assert!(q[5] == orig[5] | 0x80 && q[..5] == orig[..5] && q[6..] == orig[6..]);
        } else {
            assert!(q == orig, "mark_discontinuity changed a packet it refused");
        }

        let offset = OFFSETS[n % OFFSETS.len()];
        let mut q = orig;
        shift_timestamps(&mut q, offset);
        assert!(q[..5] == orig[..5], "shift_timestamps changed the header");
        if let Some(pts) = pes_pts(&orig) {
            assert_eq!(
                pes_pts(&q),
                Some((pts + offset) & TIMESTAMP_MASK),
                "PTS not shifted"
            );
        }
        if let (Some(pcr), Some(7..=183)) = (p.pcr(), p.adaptation_len()) {
            let shifted = Packet::new(&q).unwrap().pcr();
            assert_eq!(
                shifted,
                Some((pcr + offset) & TIMESTAMP_MASK),
                "PCR not shifted"
            );
        }
        shift_timestamps(&mut q, (TIMESTAMP_MASK + 1 - offset) & TIMESTAMP_MASK);
        assert!(
            q == orig,
            "shifting forward and back does not restore the packet"
        );

        let pid = p.pid();
        if p.has_payload() && pid != NULL_PID && markers < 8 {
            markers += 1;
            let m = discontinuity_marker(pid, p.continuity_counter());
            let mp = Packet::new(&m).expect("a marker is a packet");
            assert!(mp.pid() == pid && !mp.has_payload() && mp.discontinuity());
            assert_eq!(
                mp.continuity_counter(),
                p.continuity_counter().wrapping_sub(1) & 0x0F
            );
            let mut s = previous.get(&pid).map(|b| b.to_vec()).unwrap_or_default();
            s.extend_from_slice(&m);
            s.extend_from_slice(bytes);
            let r = check(&s);
            assert!(
                r.cc_errors.is_empty(),
                "marker does not make the next packet continuous: {r:?}"
            );
        }
        previous.insert(pid, bytes);
    }
});

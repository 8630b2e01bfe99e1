//! MPEG-TS tooling shared by StreamForge's relay, its simulated provider,
//! its tests and its fuzz targets.
//!
//! Everything here works on whole 188-byte packets and never panics on hostile
//! bytes: [`Aligner`] turns arbitrary upstream chunks into aligned packets,
//! [`Packet`] reads one packet's header fields, [`Tracker`] learns PAT/PMT and
//! keyframe positions for clean joins (and where the stream's [`Clock`] stands),
//! [`Splicer`] makes one continuous programme out of successive sources, the
//! functions in `rewrite` edit packets in place for loops, and [`check`] judges
//! continuity the way ffmpeg's demuxer does (for tests and benchmarks), and
//! [`probe`] reads what a stream is (size, interlacing, frame rate, sound)
//! from its parameter sets and frame headers.

mod align;
mod check;
mod clock;
mod crc;
mod keyframe;
mod packet;
mod pes;
pub mod probe;
mod psi;
mod rewrite;
mod splice;
mod track;

pub use align::Aligner;
pub use check::{check, CheckReport};
pub use clock::{clock_add, clock_diff, Clock, DEFAULT_FRAME};
pub use keyframe::VideoCodec;
pub use packet::Packet;
pub use rewrite::{
    discontinuity_marker, fit_copies, mark_discontinuity, pes_pts, set_continuity_counter,
    shift_timestamps,
};
pub use splice::Splicer;
pub use track::{Content, Tracker};

/// Size of one transport stream packet in bytes.
pub const PACKET_SIZE: usize = 188;

/// First byte of every transport stream packet.
pub const SYNC_BYTE: u8 = 0x47;

/// PID of null (stuffing) packets, which carry no data and no meaningful counter.
pub const NULL_PID: u16 = 0x1FFF;

/// Timestamps (PTS, DTS, PCR base) are 33-bit counters of a 90 kHz clock.
pub const TIMESTAMP_MASK: u64 = (1 << 33) - 1;

#[cfg(test)]
mod testutil;

#[cfg(test)]
mod hostile_tests;

#[cfg(test)]
mod ffmpeg_tests;

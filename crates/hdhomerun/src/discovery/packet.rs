//! The SiliconDust discovery wire format (UDP port 65001), parsed and built
//! generically: a frame header, tag-length-value fields, and a CRC-32 trailer.
//!
//! ```text
//! u16 BE  type     0x0002 request, 0x0003 reply
//! u16 BE  length   payload bytes
//! ...     payload  TLVs: tag u8, varlen length (1 byte if <= 127, else 2), value
//! u32 LE  crc      CRC-32 (zlib/IEEE) of everything before it
//! ```
//!
//! Parsing never panics: every malformed input becomes a [`PacketError`].

use std::fmt;

/// The UDP port HDHomeRun clients broadcast discovery requests to.
pub const DISCOVER_PORT: u16 = 65001;
/// Largest frame libhdhomerun sends or accepts; bigger datagrams are refused.
pub const MAX_PACKET: usize = 1460;
/// Largest payload that fits in [`MAX_PACKET`] (header 4 + CRC 4).
pub const MAX_PAYLOAD: usize = MAX_PACKET - 8;
/// Largest value a two-byte varlen can express (`0x7F | 0xFF << 7`).
const MAX_VARLEN: usize = 0x7FFF;

/// Device type value for a tuner, in requests and replies.
pub const DEVICE_TYPE_TUNER: u32 = 0x0000_0001;
/// Device type a client sends to find every kind of device.
pub const DEVICE_TYPE_WILDCARD: u32 = 0xFFFF_FFFF;
/// Device id a client sends to find every device.
pub const DEVICE_ID_WILDCARD: u32 = 0xFFFF_FFFF;

/// Tag numbers of the TLVs the tuner reads or writes (others are kept but ignored).
pub mod tag {
    /// u32 BE device type (tuner = 1); present in every request and reply.
    pub const DEVICE_TYPE: u8 = 0x01;
    /// u32 BE device id; optional in requests, always in replies.
    pub const DEVICE_ID: u8 = 0x02;
    /// u8 number of tuners.
    pub const TUNER_COUNT: u8 = 0x10;
    /// String, `{BaseURL}/lineup.json`.
    pub const LINEUP_URL: u8 = 0x27;
    /// String, where the HTTP API lives (e.g. `http://10.0.0.5:5004`).
    pub const BASE_URL: u8 = 0x2A;
    /// String, the DeviceAuth token also shown in `/discover.json`.
    pub const DEVICE_AUTH_STR: u8 = 0x2B;
    /// Device types of a multi-function device (not sent by a plain tuner).
    pub const MULTI_TYPE: u8 = 0x2D;
}

/// Which way a discovery frame goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Client → device, type 0x0002.
    Request,
    /// Device → client, type 0x0003.
    Reply,
}

impl Kind {
    /// The on-wire type number.
    pub fn code(self) -> u16 {
        match self {
            Kind::Request => 0x0002,
            Kind::Reply => 0x0003,
        }
    }

    fn from_code(code: u16) -> Option<Kind> {
        match code {
            0x0002 => Some(Kind::Request),
            0x0003 => Some(Kind::Reply),
            _ => None,
        }
    }
}

/// Why bytes are not a discovery packet (or a packet cannot be encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketError {
    /// Fewer bytes than a header and a CRC.
    TooShort(usize),
    /// Longer than [`MAX_PACKET`], or a payload longer than [`MAX_PAYLOAD`].
    TooLong(usize),
    /// The type is neither discovery request nor reply (control, upgrade, junk).
    WrongType(u16),
    /// The length field disagrees with the datagram size.
    LengthMismatch {
        /// Payload length the header claims.
        declared: usize,
        /// Payload bytes actually present.
        actual: usize,
    },
    /// The CRC trailer does not match the bytes.
    BadCrc {
        /// CRC computed over the frame.
        computed: u32,
        /// CRC found in the trailer.
        found: u32,
    },
    /// A TLV's tag, length or value runs past the payload.
    TruncatedTlv {
        /// Payload offset where the broken TLV starts.
        offset: usize,
    },
    /// A value too long for a varlen length (encoding only).
    ValueTooLong(usize),
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::TooShort(n) => write!(f, "{n} bytes is shorter than a discovery frame"),
            PacketError::TooLong(n) => {
                write!(f, "{n} bytes exceeds the {MAX_PACKET}-byte frame limit")
            }
            PacketError::WrongType(t) => write!(f, "packet type {t:#06x} is not discovery"),
            PacketError::LengthMismatch { declared, actual } => {
                write!(
                    f,
                    "length field says {declared} payload bytes, datagram has {actual}"
                )
            }
            PacketError::BadCrc { computed, found } => {
                write!(
                    f,
                    "CRC mismatch: computed {computed:08x}, found {found:08x}"
                )
            }
            PacketError::TruncatedTlv { offset } => {
                write!(f, "TLV at payload offset {offset} is truncated")
            }
            PacketError::ValueTooLong(n) => write!(f, "a {n}-byte TLV value cannot be encoded"),
        }
    }
}

impl std::error::Error for PacketError {}

/// One discovery frame: its direction and its TLVs in wire order, unknown
/// tags included (so a parsed packet re-encodes to the same bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Request or reply.
    pub kind: Kind,
    /// `(tag, value)` pairs in wire order.
    pub tlvs: Vec<(u8, Vec<u8>)>,
}

impl Packet {
    /// An empty frame of the given kind, to push TLVs onto.
    pub fn new(kind: Kind) -> Packet {
        Packet {
            kind,
            tlvs: Vec::new(),
        }
    }

    /// Appends a raw TLV (builder style).
    pub fn with(mut self, tag: u8, value: impl Into<Vec<u8>>) -> Packet {
        self.tlvs.push((tag, value.into()));
        self
    }

    /// Appends a u32 BE TLV (DEVICE_TYPE, DEVICE_ID).
    pub fn with_u32(self, tag: u8, value: u32) -> Packet {
        self.with(tag, value.to_be_bytes())
    }

    /// Every value carried under `tag`, in order.
    pub fn values(&self, tag: u8) -> impl Iterator<Item = &[u8]> + '_ {
        self.tlvs
            .iter()
            .filter(move |(t, _)| *t == tag)
            .map(|(_, v)| v.as_slice())
    }

    /// Every well-formed (4-byte) u32 under `tag`; malformed ones are skipped,
    /// as libhdhomerun does.
    pub fn u32s(&self, tag: u8) -> impl Iterator<Item = u32> + '_ {
        self.values(tag)
            .filter_map(|v| <[u8; 4]>::try_from(v).ok())
            .map(u32::from_be_bytes)
    }

    /// The first well-formed u32 under `tag`.
    pub fn u32(&self, tag: u8) -> Option<u32> {
        self.u32s(tag).next()
    }

    /// The first well-formed (1-byte) u8 under `tag`.
    pub fn u8(&self, tag: u8) -> Option<u8> {
        self.values(tag).find(|v| v.len() == 1).map(|v| v[0])
    }

    /// The first value under `tag` as text (lossy UTF-8, trailing NULs dropped).
    pub fn string(&self, tag: u8) -> Option<String> {
        let v = self.values(tag).next()?;
        let end = v.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        Some(String::from_utf8_lossy(&v[..end]).into_owned())
    }

    /// Parses one datagram: the whole datagram must be exactly one frame.
    pub fn parse(bytes: &[u8]) -> Result<Packet, PacketError> {
        if bytes.len() > MAX_PACKET {
            return Err(PacketError::TooLong(bytes.len()));
        }
        if bytes.len() < 8 {
            return Err(PacketError::TooShort(bytes.len()));
        }
        let code = u16::from_be_bytes([bytes[0], bytes[1]]);
        let kind = Kind::from_code(code).ok_or(PacketError::WrongType(code))?;
        let declared = usize::from(u16::from_be_bytes([bytes[2], bytes[3]]));
        let actual = bytes.len() - 8;
        if declared != actual {
            return Err(PacketError::LengthMismatch { declared, actual });
        }
        let (frame, trailer) = bytes.split_at(bytes.len() - 4);
        let found = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let computed = crc32fast::hash(frame);
        if computed != found {
            return Err(PacketError::BadCrc { computed, found });
        }
        Ok(Packet {
            kind,
            tlvs: parse_tlvs(&frame[4..])?,
        })
    }

    /// Encodes the frame with its CRC; refuses what a client could not read.
    pub fn encode(&self) -> Result<Vec<u8>, PacketError> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(&self.kind.code().to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        for (tag, value) in &self.tlvs {
            out.push(*tag);
            write_varlen(&mut out, value.len())?;
            out.extend_from_slice(value);
            if out.len() - 4 > MAX_PAYLOAD {
                return Err(PacketError::TooLong(out.len() + 4));
            }
        }
        let payload = u16::try_from(out.len() - 4).expect("payload bounded by MAX_PAYLOAD");
        out[2..4].copy_from_slice(&payload.to_be_bytes());
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }
}

/// Splits a payload into TLVs; any TLV that runs past the end is an error.
fn parse_tlvs(mut rest: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, PacketError> {
    let total = rest.len();
    let mut tlvs = Vec::new();
    while let Some((&tag, after_tag)) = rest.split_first() {
        let offset = total - rest.len();
        let truncated = PacketError::TruncatedTlv { offset };
        let (len, after_len) = match after_tag {
            [b0, tail @ ..] if b0 & 0x80 == 0 => (usize::from(*b0), tail),
            [b0, b1, tail @ ..] => (usize::from(b0 & 0x7F) | usize::from(*b1) << 7, tail),
            _ => return Err(truncated),
        };
        if after_len.len() < len {
            return Err(truncated);
        }
        let (value, next) = after_len.split_at(len);
        tlvs.push((tag, value.to_vec()));
        rest = next;
    }
    Ok(tlvs)
}

/// Writes a TLV length: one byte up to 127, else low 7 bits | 0x80 then the rest.
fn write_varlen(out: &mut Vec<u8>, len: usize) -> Result<(), PacketError> {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=MAX_VARLEN => out.extend_from_slice(&[(len & 0x7F) as u8 | 0x80, (len >> 7) as u8]),
        _ => return Err(PacketError::ValueTooLong(len)),
    }
    Ok(())
}

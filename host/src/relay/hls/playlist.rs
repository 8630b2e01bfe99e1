//! Reading HLS playlists (with `m3u8-rs`): a master playlist's variant for a
//! quality tier, and a media playlist's segments with the key that applies
//! to each (an `#EXT-X-KEY` holds until the next one). Only MPEG-TS segments
//! are relayed: fMP4/CMAF ones are refused with the reason.

use crate::model::Quality;
use m3u8_rs::{KeyMethod, Playlist};
use std::time::Duration;
use url::Url;

/// A variant of a master playlist, with the tier its picture size (or,
/// without one, its bandwidth) puts it in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variant {
    pub(crate) url: Url,
    pub(crate) tier: Quality,
    pub(crate) bandwidth: u64,
}

/// How a segment is encrypted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Encryption {
    None,
    /// AES-128-CBC with the key at this URL; the IV given, or (none) the
    /// segment's media sequence number.
    Aes128 {
        key: Url,
        iv: Option<[u8; 16]>,
    },
}

/// One segment of a media playlist.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    /// Its media sequence number.
    pub(crate) sequence: u64,
    pub(crate) url: Url,
    pub(crate) duration: Duration,
    /// `#EXT-X-DISCONTINUITY` before it: counters and clocks jump.
    pub(crate) discontinuity: bool,
    pub(crate) encryption: Encryption,
}

/// A media playlist, as far as the relay needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Media {
    pub(crate) target_duration: Duration,
    pub(crate) segments: Vec<Segment>,
    /// `#EXT-X-ENDLIST`: no segment will be added.
    pub(crate) ended: bool,
}

impl Media {
    /// The sequence number after the last segment (what "advancing" means).
    pub(crate) fn end_sequence(&self) -> u64 {
        self.segments.last().map_or(0, |s| s.sequence + 1)
    }
}

/// A playlist: either variants to choose from or segments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed {
    Master(Vec<Variant>),
    Media(Media),
}

/// Reads a playlist fetched from `base` (relative URIs resolve against it).
pub(crate) fn parse(body: &[u8], base: &Url) -> Result<Parsed, String> {
    let playlist =
        m3u8_rs::parse_playlist_res(body).map_err(|_| "not a valid HLS playlist".to_string())?;
    match playlist {
        Playlist::MasterPlaylist(master) => {
            let variants: Vec<Variant> = master
                .variants
                .iter()
                .filter(|v| !v.is_i_frame)
                .filter_map(|v| {
                    Some(Variant {
                        url: base.join(&v.uri).ok()?,
                        tier: tier_of(v.resolution.map(|r| r.height), v.bandwidth),
                        bandwidth: v.bandwidth,
                    })
                })
                .collect();
            if variants.is_empty() {
                return Err("the HLS master playlist lists no usable variant".into());
            }
            Ok(Parsed::Master(variants))
        }
        Playlist::MediaPlaylist(media) => {
            let mut segments = Vec::with_capacity(media.segments.len());
            let mut encryption = Encryption::None;
            for (i, s) in media.segments.iter().enumerate() {
                if s.map.is_some() || is_fmp4(&s.uri) {
                    return Err("the HLS stream uses fMP4/CMAF segments; StreamForge relays MPEG-TS segments only (ask the provider for the `ts` format)".into());
                }
                if let Some(key) = &s.key {
                    encryption = match &key.method {
                        KeyMethod::None => Encryption::None,
                        KeyMethod::AES128 => {
                            let uri = key
                                .uri
                                .as_deref()
                                .ok_or("an HLS AES-128 key has no URI")?;
                            Encryption::Aes128 {
                                key: base
                                    .join(uri)
                                    .map_err(|_| "an HLS key URI is not valid")?,
                                iv: key.iv.as_deref().map(parse_iv).transpose()?,
                            }
                        }
                        other => {
                            return Err(format!(
                                "the HLS stream is encrypted with {other}, which StreamForge cannot decrypt (AES-128 only)"
                            ))
                        }
                    };
                }
                let url = base
                    .join(&s.uri)
                    .map_err(|_| "an HLS segment URI is not valid".to_string())?;
                segments.push(Segment {
                    sequence: media.media_sequence + i as u64,
                    url,
                    duration: Duration::from_secs_f32(s.duration.clamp(0.0, 3600.0)),
                    discontinuity: s.discontinuity,
                    encryption: encryption.clone(),
                });
            }
            Ok(Parsed::Media(Media {
                target_duration: Duration::from_secs(media.target_duration.clamp(1, 60)),
                segments,
                ended: media.end_list,
            }))
        }
    }
}

/// Whether a segment URI names an fMP4 file (`.mp4`, `.m4s`, ...).
fn is_fmp4(uri: &str) -> bool {
    let path = uri
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    [".mp4", ".m4s", ".m4v", ".m4a", ".cmfv", ".cmfa"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// `0x` + 32 hex digits.
fn parse_iv(text: &str) -> Result<[u8; 16], String> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let value = u128::from_str_radix(hex, 16)
        .ok()
        .filter(|_| hex.len() <= 32)
        .ok_or_else(|| "an HLS key IV is not 128-bit hex".to_string())?;
    Ok(value.to_be_bytes())
}

/// The tier of a variant: its picture height, else its bandwidth.
pub(crate) fn tier_of(height: Option<u64>, bandwidth: u64) -> Quality {
    match height {
        Some(h) if h >= 2160 => Quality::Uhd,
        Some(h) if h >= 1080 => Quality::Fhd,
        Some(h) if h >= 720 => Quality::Hd,
        Some(_) => Quality::Sd,
        None if bandwidth >= 12_000_000 => Quality::Uhd,
        None if bandwidth >= 4_500_000 => Quality::Fhd,
        None if bandwidth >= 2_000_000 => Quality::Hd,
        None => Quality::Sd,
    }
}

/// Best first: a variant of the stream's own tier (the one the lineup
/// ranked it as), then the others from the best tier down; within a tier,
/// the higher bandwidth first. A stream whose name says nothing about
/// quality takes the best variant.
pub(crate) fn order_variants(mut variants: Vec<Variant>, wanted: Quality) -> Vec<Variant> {
    variants.sort_by_key(|v| {
        let own = wanted != Quality::Unknown && v.tier == wanted;
        (!own, rank(v.tier), std::cmp::Reverse(v.bandwidth))
    });
    variants
}

/// Lower is better.
fn rank(q: Quality) -> u8 {
    match q {
        Quality::Uhd => 0,
        Quality::Fhd => 1,
        Quality::Hd => 2,
        Quality::Sd => 3,
        Quality::Unknown => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://cdn.example/live/a/index.m3u8?token=t1").unwrap()
    }

    #[test]
    fn a_master_playlist_gives_variants_by_tier() {
        let body = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080\nhttp://other.example/high.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2500000\nmid.m3u8\n";
        let Parsed::Master(variants) = parse(body, &base()).unwrap() else {
            panic!("not a master");
        };
        let tiers: Vec<Quality> = variants.iter().map(|v| v.tier).collect();
        assert_eq!(tiers, [Quality::Sd, Quality::Fhd, Quality::Hd]);
        assert_eq!(
            variants[0].url.as_str(),
            "http://cdn.example/live/a/low/index.m3u8"
        );
        let best = order_variants(variants.clone(), Quality::Unknown);
        assert_eq!(best[0].tier, Quality::Fhd);
        let hd = order_variants(variants.clone(), Quality::Hd);
        assert_eq!(
            hd.iter().map(|v| v.tier).collect::<Vec<_>>(),
            [Quality::Hd, Quality::Fhd, Quality::Sd]
        );
        // No variant of the wanted tier: the best first.
        let uhd = order_variants(variants, Quality::Uhd);
        assert_eq!(uhd[0].tier, Quality::Fhd);
    }

    #[test]
    fn a_media_playlist_gives_segments_keys_and_discontinuities() {
        let body = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:40\n#EXTINF:2.0,\ns40.ts\n#EXT-X-KEY:METHOD=AES-128,URI=\"key?k=1\",IV=0x000102030405060708090a0b0c0d0e0f\n#EXTINF:1.5,\ns41.ts?t=x\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\n/abs/s42.ts\n";
        let Parsed::Media(media) = parse(body, &base()).unwrap() else {
            panic!("not media");
        };
        assert_eq!(media.target_duration, Duration::from_secs(2));
        assert!(!media.ended);
        let s = &media.segments;
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].sequence, s[2].sequence), (40, 42));
        assert_eq!(media.end_sequence(), 43);
        assert_eq!(s[0].encryption, Encryption::None);
        let key = Url::parse("http://cdn.example/live/a/key?k=1").unwrap();
        let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
        // The key holds for the segments after it, not only the next one.
        for seg in &s[1..] {
            assert_eq!(
                seg.encryption,
                Encryption::Aes128 {
                    key: key.clone(),
                    iv: Some(iv)
                }
            );
        }
        assert!(!s[1].discontinuity && s[2].discontinuity);
        assert_eq!(s[2].url.as_str(), "http://cdn.example/abs/s42.ts");
        assert_eq!(s[1].duration, Duration::from_millis(1500));
    }

    #[test]
    fn what_cannot_be_relayed_is_refused_with_the_reason() {
        let fmp4 = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.0,\ns1.m4s\n";
        assert!(parse(fmp4, &base()).unwrap_err().contains("fMP4"));
        let fmp4_no_map = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ns1.m4s\n";
        assert!(parse(fmp4_no_map, &base()).unwrap_err().contains("fMP4"));
        let sample_aes = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:2.0,\ns1.ts\n";
        assert!(parse(sample_aes, &base())
            .unwrap_err()
            .contains("AES-128 only"));
        let bad_iv = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0xzz\n#EXTINF:2.0,\ns1.ts\n";
        assert!(parse(bad_iv, &base()).unwrap_err().contains("IV"));
        assert!(parse(b"<html>nope</html>", &base()).is_err());
    }
}

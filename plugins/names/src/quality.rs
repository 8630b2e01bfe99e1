//! The picture quality tier a name announces.

use std::fmt;
use std::str::FromStr;

/// Picture quality tier, best first. Mirrors the WIT `quality` enum.
///
/// The derived order puts the best tier first (`Uhd < Fhd < Hd < Sd < Unknown`),
/// so the best of several markers is their minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quality {
    /// 4K / UHD / 2160p.
    Uhd,
    /// Full HD / 1080p / 1080i.
    Fhd,
    /// HD / 720p.
    Hd,
    /// SD / 576p / 480p.
    Sd,
    /// The name says nothing about quality.
    Unknown,
}

impl Quality {
    /// The lower-case word used in tables, logs and the WIT enum ("uhd", "fhd", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Uhd => "uhd",
            Quality::Fhd => "fhd",
            Quality::Hd => "hd",
            Quality::Sd => "sd",
            Quality::Unknown => "unknown",
        }
    }

    /// The better of two tiers, so several markers in one name keep the best.
    pub fn best(self, other: Quality) -> Quality {
        self.min(other)
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of reading a [`Quality`] from a word that is none of its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownQuality(pub String);

impl fmt::Display for UnknownQuality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown quality {:?} (expected uhd, fhd, hd, sd or unknown)",
            self.0
        )
    }
}

impl std::error::Error for UnknownQuality {}

impl FromStr for Quality {
    type Err = UnknownQuality;

    /// Reads the words written by [`Quality::as_str`], ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "uhd" => Ok(Quality::Uhd),
            "fhd" => Ok(Quality::Fhd),
            "hd" => Ok(Quality::Hd),
            "sd" => Ok(Quality::Sd),
            "unknown" | "" => Ok(Quality::Unknown),
            _ => Err(UnknownQuality(s.to_string())),
        }
    }
}

//! Why a tune gives no stream. Its own module so the pieces that decide it
//! (the pump, the hub, the tune) and the HTTP face that answers it share it
//! without depending on each other.

/// Why a tune gives no stream; each maps to one HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub enum TuneError {
    /// Not a channel number (400).
    Malformed,
    /// No such channel in the lineup (404).
    Unknown,
    /// No tuner, or every source's account at its limit (503, 805).
    AllTunersInUse,
    /// Every source failed (503, 807).
    NoVideo,
    /// Something inside failed (500); logged.
    Internal(String),
}

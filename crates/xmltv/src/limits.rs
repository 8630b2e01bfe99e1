//! Size limits that keep ingest memory bounded whatever the input.

/// Caps applied while ingesting, so one hostile or broken guide cannot exhaust
/// memory. Items over a cap are skipped and counted, never fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestLimits {
    /// Largest single text node, attribute value, comment or CDATA section kept.
    pub max_text_bytes: usize,
    /// Largest single `<programme>` (serialized) or `<channel>` kept; also bounds
    /// any one tag and the DOCTYPE declaration.
    pub max_element_bytes: usize,
    /// Most guide channels kept; further channels are skipped and counted.
    pub max_channels: usize,
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_text_bytes: 64 * 1024,
            max_element_bytes: 1024 * 1024,
            max_channels: 200_000,
        }
    }
}

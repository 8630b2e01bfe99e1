//! The relay's knobs, with the defaults DESIGN.md section 6 names. `serve`
//! fills them from its flags; tests and benchmarks build them directly.

use std::time::Duration;

/// How the relay connects, buffers and lets go.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Longest wait for a candidate's first MPEG-TS bytes (connect, redirects,
    /// headers and first packets together) before trying the next one.
    pub first_byte_timeout: Duration,
    /// How long a channel's upstream stays open after its last viewer left,
    /// so a quick re-tune (Plex does this) finds it still running.
    pub idle_grace: Duration,
    /// Most bytes of recent stream kept per channel for viewers that join:
    /// the bytes since the last keyframe, up to this bound (a longer GOP
    /// makes joiners start at the live point instead).
    pub channel_buffer: usize,
    /// A viewer that is behind and makes no progress for this long is let go,
    /// so a stuck client never holds a tuner.
    pub stuck_viewer_timeout: Duration,
    /// No byte from the provider for this long ends the source (a stall).
    pub stall_timeout: Duration,
    /// Redirects followed per connect (load balancers with tokens).
    pub max_redirects: usize,
    /// A source below this share of its own recent rate...
    pub slow_ratio: f64,
    /// ...for this long is given up as too slow.
    pub slow_timeout: Duration,
    /// A source that failed is not tried again by a failover for this long.
    pub failover_cooldown: Duration,
    /// After a switch, how long to hold the new source's packets waiting for
    /// a keyframe before sending them from its PAT/PMT anyway.
    pub keyframe_wait: Duration,
    /// A source silent this long gets the next source connected alongside it
    /// (when that source's account has a free connection), so a stall
    /// switches without waiting for a connect; dropped again if data comes
    /// back. `None`: connect only once the failure is detected.
    pub standby_after: Option<Duration>,
    /// What a source whose audio went silent (while its video plays) gets:
    /// nothing, an event (default), or a failover. A frozen picture always
    /// fails over, after [`RelayConfig::stall_timeout`].
    pub audio_missing: super::health::AudioPolicy,
    /// An account limit lowered because the provider evicted or refused a
    /// connection comes back up after this long without another one.
    pub limit_quiet_time: Duration,
    /// A channel playing a lesser stream returns to a better-ranked one that
    /// is healthy again at most once per this long (`super::restore`);
    /// `None`: never.
    pub restore_period: Option<Duration>,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            first_byte_timeout: Duration::from_secs(5),
            idle_grace: Duration::from_secs(3),
            channel_buffer: 4 * 1024 * 1024,
            stuck_viewer_timeout: Duration::from_secs(15),
            stall_timeout: Duration::from_secs(2),
            max_redirects: 5,
            slow_ratio: 0.3,
            slow_timeout: Duration::from_secs(5),
            failover_cooldown: Duration::from_secs(60),
            keyframe_wait: Duration::from_millis(500),
            standby_after: Some(Duration::from_secs(1)),
            audio_missing: super::health::AudioPolicy::Event,
            limit_quiet_time: Duration::from_secs(3600),
            restore_period: Some(Duration::from_secs(600)),
        }
    }
}

/// Viewers who got nothing from a channel for this long get a TS null packet
/// (while a silent source is detected and replaced), so none goes 500 ms
/// without a byte.
pub(crate) const KEEPALIVE: Duration = Duration::from_millis(400);

/// Largest chunk handed to viewers; bigger reads are split, between whole
/// 188-byte packets (348 of them, just under 64 KiB).
pub(crate) const MAX_CHUNK: usize = 348 * 188;

/// Chunks the per-channel fan-out ring holds: enough for a viewer whose
/// socket is full for a moment (16 reads, a fraction of a second at
/// 20 Mbit/s), and few, because the ring keeps its chunks until they are
/// overwritten. A channel then holds little beyond the bytes since its last
/// keyframe (kept for joiners, capped by [`RelayConfig::channel_buffer`],
/// sharing the same buffers); a viewer further behind skips ahead to a keyframe.
pub(crate) const RING_CHUNKS: usize = 16;

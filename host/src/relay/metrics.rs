//! Counters the relay keeps (relaxed atomics, no locks) and their Prometheus
//! text form for `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Relay counters since start.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Stream requests that got a stream.
    pub tunes_ok: AtomicU64,
    /// Stream requests refused for lack of a tuner or account connection (805).
    pub tunes_busy: AtomicU64,
    /// Stream requests for which every source failed (807).
    pub tunes_no_video: AtomicU64,
    /// Stream requests for no such (or a malformed) channel.
    pub tunes_not_found: AtomicU64,
    /// Provider connections that delivered video.
    pub upstream_connects: AtomicU64,
    /// Provider connection attempts that failed.
    pub upstream_failures: AtomicU64,
    /// MPEG-TS bytes received from providers.
    pub bytes_in: AtomicU64,
    /// Bytes sent to viewers, all together.
    pub bytes_out: AtomicU64,
    /// Bytes from providers that were not MPEG-TS packets.
    pub junk_bytes: AtomicU64,
    /// Times a viewer fell behind and skipped ahead.
    pub viewers_lagged: AtomicU64,
    /// Viewers let go for making no progress.
    pub viewers_dropped: AtomicU64,
    /// Channel sessions that ended.
    pub sessions_ended: AtomicU64,
    /// Sources given up mid-stream, by reason (see `health::Failure::kind`).
    pub failed_stall: AtomicU64,
    /// ...for being far below their own usual rate.
    pub failed_slow: AtomicU64,
    /// ...for sending something other than MPEG-TS.
    pub failed_not_ts: AtomicU64,
    /// ...because the provider ended the stream.
    pub failed_ended: AtomicU64,
    /// ...because the connection broke.
    pub failed_broken: AtomicU64,
    /// ...because the video carried no new picture while data flowed.
    pub failed_video_frozen: AtomicU64,
    /// ...because the audio went silent (when the policy says fail over).
    pub failed_audio_missing: AtomicU64,
    /// ...because an HLS playlist stopped advancing.
    pub failed_hls_stale: AtomicU64,
    /// ...because an HLS playlist could not be fetched or read.
    pub failed_hls_playlist: AtomicU64,
    /// ...because HLS segments in a row failed.
    pub failed_hls_segment: AtomicU64,
    /// HLS segments skipped (one failed, the next worked).
    pub hls_segments_skipped: AtomicU64,
    /// Times a source's audio went silent while its video played (any policy but off).
    pub audio_missing: AtomicU64,
    /// Video PTS jumps without a discontinuity flag, all sources together.
    pub pts_jumps: AtomicU64,
    /// Switches that found a working next source, and their gaps.
    pub switches: AtomicU64,
    /// Sum of the detection-to-new-video gaps, in milliseconds.
    pub switch_gap_ms_sum: AtomicU64,
    /// Longest detection-to-new-video gap, in milliseconds.
    pub switch_gap_ms_max: AtomicU64,
    /// Failures after which no source was left.
    pub failovers_failed: AtomicU64,
    /// Sessions returned to a better-ranked stream healthy again.
    pub sources_restored: AtomicU64,
    /// Backups connected while the source was silent, and those switched to.
    pub standby_opened: AtomicU64,
    /// ...and those the channel then switched to.
    pub standby_used: AtomicU64,
}

impl Metrics {
    /// Counts a source given up mid-stream.
    pub(crate) fn count_failure(&self, failure: &super::health::Failure) {
        use super::health::Failure;
        let counter = match failure {
            Failure::Stalled(_) => &self.failed_stall,
            Failure::Slow { .. } => &self.failed_slow,
            Failure::NotTs(_) => &self.failed_not_ts,
            Failure::Ended => &self.failed_ended,
            Failure::Broken(_) => &self.failed_broken,
            Failure::VideoFrozen(_) => &self.failed_video_frozen,
            Failure::AudioMissing(_) => &self.failed_audio_missing,
            Failure::PlaylistStale(_) => &self.failed_hls_stale,
            Failure::PlaylistBroken(_) => &self.failed_hls_playlist,
            Failure::SegmentsBroken(_) => &self.failed_hls_segment,
        };
        add(counter, 1);
    }

    /// Counts a switch whose new video reached viewers `gap` after detection.
    pub(crate) fn count_switch(&self, gap: std::time::Duration) {
        let ms = gap.as_millis() as u64;
        add(&self.switches, 1);
        add(&self.switch_gap_ms_sum, ms);
        self.switch_gap_ms_max.fetch_max(ms, Ordering::Relaxed);
    }
}

/// Adds `n` to a counter.
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// Gauges read at render time.
pub struct Gauges {
    /// Channels being relayed.
    pub sessions: usize,
    /// Viewers connected, all channels together.
    pub viewers: usize,
    /// Tuners held by running channels.
    pub tuners_in_use: u32,
    /// Tuners advertised.
    pub tuners_total: u32,
    /// (account, connections open, limit).
    pub accounts: Vec<(String, u32, u32)>,
    /// (lineup, tuners in use, tuners).
    pub lineups: Vec<(String, u32, u32)>,
}

impl Metrics {
    /// Prometheus text exposition (version 0.0.4).
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(2048);
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut counter = |name: &str, help: &str, values: &[(&str, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in values {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        counter(
            "streamforge_tunes_total",
            "Stream requests by result.",
            &[
                ("{result=\"ok\"}", get(&self.tunes_ok)),
                ("{result=\"all_tuners_in_use\"}", get(&self.tunes_busy)),
                ("{result=\"no_video\"}", get(&self.tunes_no_video)),
                ("{result=\"not_found\"}", get(&self.tunes_not_found)),
            ],
        );
        counter(
            "streamforge_upstream_connects_total",
            "Provider connections that delivered video.",
            &[("", get(&self.upstream_connects))],
        );
        counter(
            "streamforge_upstream_failures_total",
            "Provider connection attempts that failed.",
            &[("", get(&self.upstream_failures))],
        );
        counter(
            "streamforge_received_bytes_total",
            "MPEG-TS bytes received from providers.",
            &[("", get(&self.bytes_in))],
        );
        counter(
            "streamforge_sent_bytes_total",
            "Bytes sent to viewers.",
            &[("", get(&self.bytes_out))],
        );
        counter(
            "streamforge_junk_bytes_total",
            "Bytes from providers that were not MPEG-TS packets.",
            &[("", get(&self.junk_bytes))],
        );
        counter(
            "streamforge_viewers_lagged_total",
            "Times a viewer fell behind and skipped ahead.",
            &[("", get(&self.viewers_lagged))],
        );
        counter(
            "streamforge_viewers_dropped_total",
            "Viewers let go for making no progress.",
            &[("", get(&self.viewers_dropped))],
        );
        counter(
            "streamforge_sessions_ended_total",
            "Channel sessions that ended.",
            &[("", get(&self.sessions_ended))],
        );
        counter(
            "streamforge_source_failures_total",
            "Sources given up in the middle of playback, by reason.",
            &[
                ("{reason=\"stall\"}", get(&self.failed_stall)),
                ("{reason=\"slow\"}", get(&self.failed_slow)),
                ("{reason=\"not_ts\"}", get(&self.failed_not_ts)),
                ("{reason=\"ended\"}", get(&self.failed_ended)),
                ("{reason=\"broken\"}", get(&self.failed_broken)),
                ("{reason=\"video_frozen\"}", get(&self.failed_video_frozen)),
                (
                    "{reason=\"audio_missing\"}",
                    get(&self.failed_audio_missing),
                ),
                ("{reason=\"hls_stale\"}", get(&self.failed_hls_stale)),
                ("{reason=\"hls_playlist\"}", get(&self.failed_hls_playlist)),
                ("{reason=\"hls_segment\"}", get(&self.failed_hls_segment)),
            ],
        );
        counter(
            "streamforge_hls_segments_skipped_total",
            "HLS segments that failed and were skipped (the next one worked).",
            &[("", get(&self.hls_segments_skipped))],
        );
        counter(
            "streamforge_audio_missing_total",
            "Times a source's audio went silent while its video played.",
            &[("", get(&self.audio_missing))],
        );
        counter(
            "streamforge_pts_jumps_total",
            "Video timestamps jumping more than 10 s without a discontinuity flag.",
            &[("", get(&self.pts_jumps))],
        );
        counter(
            "streamforge_failovers_total",
            "Switches to another source while viewers stayed connected.",
            &[("", get(&self.switches))],
        );
        counter(
            "streamforge_failover_gap_milliseconds_sum",
            "Sum of the times from detection to the new source's first bytes.",
            &[("", get(&self.switch_gap_ms_sum))],
        );
        counter(
            "streamforge_failovers_exhausted_total",
            "Source failures after which no other source worked.",
            &[("", get(&self.failovers_failed))],
        );
        counter(
            "streamforge_sources_restored_total",
            "Returns to a better-ranked stream that was healthy again.",
            &[("", get(&self.sources_restored))],
        );
        counter(
            "streamforge_standby_connects_total",
            "Backups connected while the source was silent: all, and those switched to.",
            &[
                ("{outcome=\"opened\"}", get(&self.standby_opened)),
                ("{outcome=\"used\"}", get(&self.standby_used)),
            ],
        );
        let mut gauge = |name: &str, help: &str, values: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for (labels, v) in values {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        gauge(
            "streamforge_failover_gap_milliseconds_max",
            "Longest time from detection to the new source's first bytes.",
            &[(String::new(), get(&self.switch_gap_ms_max))],
        );
        gauge(
            "streamforge_sessions",
            "Channels being relayed now.",
            &[(String::new(), gauges.sessions as u64)],
        );
        gauge(
            "streamforge_viewers",
            "Viewers connected now.",
            &[(String::new(), gauges.viewers as u64)],
        );
        gauge(
            "streamforge_tuners_in_use",
            "Tuners in use now.",
            &[(String::new(), u64::from(gauges.tuners_in_use))],
        );
        gauge(
            "streamforge_tuners",
            "Tuners advertised.",
            &[(String::new(), u64::from(gauges.tuners_total))],
        );
        let label = |a: &str| format!("{{account=\"{}\"}}", escape(a));
        let open: Vec<(String, u64)> = gauges
            .accounts
            .iter()
            .map(|(a, n, _)| (label(a), u64::from(*n)))
            .collect();
        gauge(
            "streamforge_account_connections",
            "Provider connections open per account.",
            &open,
        );
        let limits: Vec<(String, u64)> = gauges
            .accounts
            .iter()
            .map(|(a, _, max)| (label(a), u64::from(*max)))
            .collect();
        gauge(
            "streamforge_account_connection_limit",
            "Provider connections allowed per account.",
            &limits,
        );
        let lineup = |l: &str| format!("{{lineup=\"{}\"}}", escape(l));
        let held: Vec<(String, u64)> = gauges
            .lineups
            .iter()
            .map(|(l, n, _)| (lineup(l), u64::from(*n)))
            .collect();
        gauge(
            "streamforge_lineup_tuners_in_use",
            "Tuners in use per lineup.",
            &held,
        );
        let sizes: Vec<(String, u64)> = gauges
            .lineups
            .iter()
            .map(|(l, _, max)| (lineup(l), u64::from(*max)))
            .collect();
        gauge("streamforge_lineup_tuners", "Tuners per lineup.", &sizes);
        out
    }
}

/// A label value as the text format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_gauges() {
        let m = Metrics::default();
        add(&m.tunes_ok, 3);
        let text = m.render(&Gauges {
            sessions: 1,
            viewers: 2,
            tuners_in_use: 1,
            tuners_total: 4,
            accounts: vec![("we\"ird".into(), 1, 2)],
            lineups: vec![("kids".into(), 1, 2)],
        });
        assert!(text.contains("streamforge_lineup_tuners_in_use{lineup=\"kids\"} 1\n"));
        assert!(text.contains("streamforge_lineup_tuners{lineup=\"kids\"} 2\n"));
        assert!(text.contains("streamforge_tunes_total{result=\"ok\"} 3\n"));
        assert!(text.contains("streamforge_viewers 2\n"));
        assert!(text.contains("streamforge_account_connections{account=\"we\\\"ird\"} 1\n"));
        assert!(text.contains("# TYPE streamforge_sessions gauge\n"));
    }
}

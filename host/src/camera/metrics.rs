//! Camera lines of `/metrics`: streams active, viewers per camera and level,
//! pictures decoded and frames encoded and sent, decoder restarts, refusals.

use super::registry::{CameraView, Cameras};
use std::sync::atomic::Ordering;

/// Appends the camera metrics for `views` (from [`Cameras::list`]).
pub fn render(cameras: &Cameras, views: &[CameraView], out: &mut String) {
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line("# HELP streamforge_camera_streams_active Cameras streaming now (one RTSP session and decoder each).".into());
    line("# TYPE streamforge_camera_streams_active gauge".into());
    line(format!(
        "streamforge_camera_streams_active {}",
        views.iter().filter(|v| v.streaming).count()
    ));
    line("# HELP streamforge_camera_viewers Viewers per camera and quality level.".into());
    line("# TYPE streamforge_camera_viewers gauge".into());
    for v in views {
        for (level, n) in &v.levels {
            line(format!(
                "streamforge_camera_viewers{{camera=\"{}\",level=\"{level}\"}} {n}",
                v.id
            ));
        }
    }
    line("# HELP streamforge_camera_pictures_decoded_total Pictures decoded in the camera's current session.".into());
    line("# TYPE streamforge_camera_pictures_decoded_total counter".into());
    line("# HELP streamforge_camera_decoder_restarts_total Decoder restarts after a failure in the camera's current session.".into());
    line("# TYPE streamforge_camera_decoder_restarts_total counter".into());
    for v in views.iter().filter(|v| v.streaming) {
        line(format!(
            "streamforge_camera_pictures_decoded_total{{camera=\"{}\"}} {}",
            v.id, v.pictures
        ));
        line(format!(
            "streamforge_camera_decoder_restarts_total{{camera=\"{}\"}} {}",
            v.id, v.restarts
        ));
    }
    line(
        "# HELP streamforge_camera_frames_encoded_total JPEG frames encoded per camera and level."
            .into(),
    );
    line("# TYPE streamforge_camera_frames_encoded_total counter".into());
    for v in views {
        for (level, n) in &v.encoded {
            line(format!(
                "streamforge_camera_frames_encoded_total{{camera=\"{}\",level=\"{level}\"}} {n}",
                v.id
            ));
        }
    }
    let c = &cameras.counters;
    line("# HELP streamforge_camera_frames_sent_total JPEG frames sent to viewers.".into());
    line("# TYPE streamforge_camera_frames_sent_total counter".into());
    line(format!(
        "streamforge_camera_frames_sent_total {}",
        c.sent.load(Ordering::Relaxed)
    ));
    line(
        "# HELP streamforge_camera_refused_total Requests refused by the camera streaming limit."
            .into(),
    );
    line("# TYPE streamforge_camera_refused_total counter".into());
    line(format!(
        "streamforge_camera_refused_total {}",
        c.refused.load(Ordering::Relaxed)
    ));
}

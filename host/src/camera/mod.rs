//! Cameras: RTSP sources turned into JPEG frames for browsers and
//! dashboards, one RTSP session and one decode per camera whatever the
//! viewers and qualities.
//!
//! The flow, file by file: `capture` runs the decoder (a supervised ffmpeg
//! reading the camera, writing YUV4MPEG2 read by `y4m`) → each level in use
//! (`level`) has one encoder thread (`encode`) turning the latest picture
//! into a JPEG at the level's rate → viewers get the JPEGs as shared
//! `Bytes`. Cameras come from `book` (added by hand) and `controllers`
//! (listed by a camera controller); `serve` gives both to the `registry`.

pub mod book;
pub mod capture;
pub mod controllers;
pub mod encode;
pub mod http;
pub mod level;
pub mod metrics;
pub mod page;
pub mod registry;
pub mod serve;
pub mod stream;
pub mod y4m;

#[cfg(test)]
mod tests;

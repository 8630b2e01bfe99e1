//! The tuner's identity and size: DeviceID (made once per data dir, or
//! configured), friendly name, tuner count (sum of enabled accounts'
//! connection limits unless configured).

use super::{device_id, DeviceInfo};
use crate::app::App;
use anyhow::anyhow;

/// What the user may set.
#[derive(Debug, Clone, Default)]
pub struct TunerOptions {
    /// `--base-url`: where clients reach the tuner (else derived from the listener).
    pub base_url: Option<String>,
    /// `--device-id` (else the one kept in the data dir).
    pub device_id: Option<String>,
    /// `--tuner-count` (else the sum of enabled accounts' limits).
    pub tuner_count: Option<u32>,
    /// `--friendly-name` (else "StreamForge").
    pub friendly_name: Option<String>,
}

const DEVICE_ID_KEY: &str = "device-id";

/// The DeviceID: configured (validated), or the one stored, or a new one stored now.
pub fn device_id(app: &App, configured: Option<&str>) -> anyhow::Result<u32> {
    if let Some(text) = configured {
        return device_id::parse(text).map_err(|reason| anyhow!("{reason}"));
    }
    if let Some(stored) = app.store.setting(DEVICE_ID_KEY)? {
        if let Ok(id) = device_id::parse(&stored) {
            return Ok(id);
        }
    }
    let id = random_device_id()?;
    app.store
        .set_setting(DEVICE_ID_KEY, &device_id::format(id))?;
    Ok(id)
}

/// A new random DeviceID with a valid checksum.
pub fn random_device_id() -> anyhow::Result<u32> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for a DeviceID: {e}"))?;
    // Keep clear of ids that look like wildcards or zero.
    Ok(device_id::with_checksum(
        (u32::from_be_bytes(bytes) & 0x7FFF_FFF0) | 0x1000_0000,
    ))
}

/// Tuners to advertise (see [`crate::routing::table::tuner_count`]).
pub fn tuner_count(app: &App, configured: Option<u32>) -> anyhow::Result<u32> {
    Ok(crate::routing::table::tuner_count(
        configured,
        &app.store.accounts()?,
    ))
}

/// The device as clients will see it.
pub fn device_info(
    app: &App,
    options: &TunerOptions,
    base_url: String,
) -> anyhow::Result<DeviceInfo> {
    let id = device_id(app, options.device_id.as_deref())?;
    Ok(DeviceInfo {
        device_id: id,
        friendly_name: options
            .friendly_name
            .clone()
            .unwrap_or_else(|| "StreamForge".to_string()),
        model_number: "HDTC-2US".to_string(),
        firmware_name: "hdhomeruntc_atsc".to_string(),
        firmware_version: "20200101".to_string(),
        device_auth: format!("streamforge{}", device_id::format(id).to_lowercase()),
        base_url,
        tuner_count: tuner_count(app, options.tuner_count)?,
    })
}

//! What the tuner says about itself on every face: the HTTP API
//! (`/discover.json`, `/device.xml`), SiliconDust UDP discovery and SSDP.

/// The emulated device: what discovery replies, SSDP messages and the
/// host's HTTP API all announce.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    /// 8-hex-digit id with a valid checksum (see [`crate::device_id`]).
    pub device_id: u32,
    /// The name media servers show for the tuner.
    pub friendly_name: String,
    /// The HDHomeRun model it presents as.
    pub model_number: String,
    /// The firmware name it presents.
    pub firmware_name: String,
    /// The firmware version it presents.
    pub firmware_version: String,
    /// `DeviceAuth`, which some clients expect to be present.
    pub device_auth: String,
    /// Where clients reach the HTTP API, e.g. `http://192.168.1.20:5004`; no trailing slash.
    pub base_url: String,
    /// Tuners advertised (the sum of enabled accounts' connection limits unless configured).
    pub tuner_count: u32,
}

impl DeviceInfo {
    /// `{BaseURL}/lineup.json`.
    pub fn lineup_url(&self) -> String {
        format!("{}/lineup.json", self.base_url)
    }

    /// The UPnP UDN: `uuid:` and a stable UUID derived from the DeviceID.
    pub fn udn(&self) -> String {
        format!(
            "uuid:{:08x}-5f0c-4e00-8000-{:012x}",
            self.device_id,
            u64::from(self.device_id)
        )
    }
}

//! Cameras added by hand: their RTSP URL (credentials taken out), user name
//! and sealed password.

use super::{decode, encode, Result, Store};
use serde::{Deserialize, Serialize};

/// One camera as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CameraRecord {
    /// URL-safe id, unique (the user's NAME for a camera added by hand).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The RTSP URL without credentials.
    pub url: String,
    /// The camera's user name, if it asks for one.
    #[serde(default)]
    pub username: Option<String>,
    /// The password sealed with AES-256-GCM; never plaintext.
    #[serde(default)]
    pub sealed_password: Option<Vec<u8>>,
    /// Unix seconds.
    pub created_at: u64,
}

impl Store {
    /// Every camera, by id.
    pub fn cameras(&self) -> Result<Vec<CameraRecord>> {
        self.cameras
            .iter()
            .values()
            .map(|v| decode("camera", &v?))
            .collect()
    }

    /// Adds or replaces a camera.
    pub fn put_camera(&self, camera: &CameraRecord) -> Result<()> {
        self.cameras.insert(camera.id.as_bytes(), encode(camera))?;
        self.cameras.flush()?;
        self.changed()
    }

    /// Removes a camera; the old record if there was one.
    pub fn remove_camera(&self, id: &str) -> Result<Option<CameraRecord>> {
        let old = self.cameras.remove(id.as_bytes())?;
        self.cameras.flush()?;
        self.changed()?;
        old.map(|v| decode("camera", &v)).transpose()
    }
}

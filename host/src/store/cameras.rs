//! Cameras added by hand: their RTSP URL (credentials taken out), user name
//! and sealed password; and camera controllers (whose cameras are listed
//! through a camera-source plugin, never stored).

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

/// One camera controller as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ControllerRecord {
    /// URL-safe name, unique; its cameras' ids start with it.
    pub name: String,
    /// The camera-source plugin that lists its cameras (`protect`).
    pub provider: String,
    /// The controller's URL (`https://HOST`).
    pub url: String,
    /// The user name it logs in with.
    pub username: String,
    /// The password sealed with AES-256-GCM; never plaintext.
    pub sealed_password: Vec<u8>,
    /// Free-form options for the plugin (`rtsp-port`).
    #[serde(default)]
    pub options: Vec<(String, String)>,
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

    /// Every camera controller, by name.
    pub fn controllers(&self) -> Result<Vec<ControllerRecord>> {
        self.controllers
            .iter()
            .values()
            .map(|v| decode("camera controller", &v?))
            .collect()
    }

    /// The camera controller `name`, if stored.
    pub fn controller(&self, name: &str) -> Result<Option<ControllerRecord>> {
        self.controllers
            .get(name.as_bytes())?
            .map(|v| decode("camera controller", &v))
            .transpose()
    }

    /// Adds or replaces a camera controller.
    pub fn put_controller(&self, controller: &ControllerRecord) -> Result<()> {
        self.controllers
            .insert(controller.name.as_bytes(), encode(controller))?;
        self.controllers.flush()?;
        self.changed()
    }

    /// Removes a camera controller; the old record if there was one.
    pub fn remove_controller(&self, name: &str) -> Result<Option<ControllerRecord>> {
        let old = self.controllers.remove(name.as_bytes())?;
        self.controllers.flush()?;
        self.changed()?;
        old.map(|v| decode("camera controller", &v)).transpose()
    }
}

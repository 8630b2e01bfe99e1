//! Cameras added by hand (`camera add NAME --url rtsp://…`): checked,
//! credentials taken out of the URL and the password sealed, stored; and
//! turned back into decoder inputs (credentials filled in) for the
//! registry. Nothing here is shown with a password.

use super::registry::CameraDef;
use crate::events::{Event, EventLog};
use crate::model::CameraStep;
use crate::plugins::PluginRegistry;
use crate::secrets::KeyRing;
use crate::store::{CameraRecord, Store};
use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A camera to add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewCamera {
    /// Its id and name: letters, digits, `-` and `_`.
    pub name: String,
    /// `rtsp://HOST:PORT/PATH` (or `rtsps://`); credentials in it are taken out.
    pub url: String,
    /// The camera's user name.
    #[serde(default)]
    pub username: Option<String>,
    /// The camera's password (sealed at once; never stored or shown plain).
    #[serde(default)]
    pub password: Option<String>,
}

/// A camera as shown by `camera list` (no password).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CameraInfo {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its URL without credentials.
    pub url: String,
    /// Its user name, if any.
    pub username: Option<String>,
    /// Whether a password is kept for it.
    pub has_password: bool,
    /// The controller that lists it (none for a camera added by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
}

impl From<&CameraRecord> for CameraInfo {
    fn from(r: &CameraRecord) -> Self {
        CameraInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            url: r.url.clone(),
            username: r.username.clone(),
            has_password: r.sealed_password.is_some(),
            controller: None,
        }
    }
}

/// Adds, lists and removes cameras, and gives the registry their inputs.
#[derive(Clone)]
pub struct CameraBook {
    store: Store,
    keys: Arc<KeyRing>,
    events: Arc<EventLog>,
    plugins: Arc<PluginRegistry>,
}

/// The camera-source plugin that describes cameras added by hand.
pub const BY_HAND: &str = "rtsp";

/// The associated data a camera's password is sealed with (never an account's).
fn seal_context(id: &str) -> String {
    format!("camera/{id}")
}

/// Whether `id` is usable in URLs as it is.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl CameraBook {
    /// The book over `store`, sealing with `keys`; hand-added cameras are
    /// described by `plugins`' [`BY_HAND`] plugin.
    pub fn new(
        store: Store,
        keys: Arc<KeyRing>,
        events: Arc<EventLog>,
        plugins: Arc<PluginRegistry>,
    ) -> CameraBook {
        CameraBook {
            store,
            keys,
            events,
            plugins,
        }
    }

    /// A hand-added camera is a camera source like a controller's: the
    /// [`BY_HAND`] plugin (contract `camera-source`) describes it from its
    /// URL (credentials already taken out), so a replacement plugin of that
    /// name changes how such cameras are read without a new host. Its answer
    /// must stay an `rtsp`/`rtsps` URL on the same host. Blocking (calls the
    /// plugin): run it on the blocking pool.
    fn described(&self, name: &str, url: &url::Url) -> anyhow::Result<url::Url> {
        let plugin = self.plugins.get(BY_HAND).with_context(|| {
            format!("cameras added by hand need the `{BY_HAND}` camera-source plugin")
        })?;
        let source = plugin.camera_source().with_context(|| {
            format!("plugin `{BY_HAND}` is not a camera source; reinstall the bundled one")
        })?;
        let options = [
            ("url".to_string(), url.to_string()),
            ("name".to_string(), name.to_string()),
        ];
        let step = source
            .list_cameras(&options, 0, &[])
            .with_context(|| format!("plugin `{BY_HAND}` failed"))?;
        let mut cameras = match step {
            Ok(CameraStep::Cameras(cameras)) => cameras,
            Ok(CameraStep::Requests(_)) => {
                bail!("plugin `{BY_HAND}` asked for requests; a hand-added camera has no controller to ask")
            }
            Err(message) => bail!("plugin `{BY_HAND}` refused the camera: {message}"),
        };
        if cameras.len() != 1 {
            bail!(
                "plugin `{BY_HAND}` described {} cameras for one URL",
                cameras.len()
            );
        }
        let camera = cameras.remove(0);
        let template = camera
            .streams
            .first()
            .map(|s| s.url_template.clone())
            .with_context(|| format!("plugin `{BY_HAND}` gave the camera no stream"))?;
        let described = url::Url::parse(&template)
            .ok()
            .filter(|d| matches!(d.scheme(), "rtsp" | "rtsps") && d.host_str() == url.host_str())
            .with_context(|| {
                format!("plugin `{BY_HAND}` pointed the camera somewhere else than its own host; refused")
            })?;
        Ok(described)
    }

    /// Adds (or replaces) a camera.
    pub fn add(&self, new: NewCamera) -> anyhow::Result<CameraInfo> {
        if !valid_id(&new.name) {
            bail!(
                "camera name {:?} must be 1-64 letters, digits, '-' or '_' (it is the camera's id in URLs)",
                new.name
            );
        }
        if self.store.controller(&new.name)?.is_some() {
            bail!(
                "a camera controller is named {:?}; choose another camera name",
                new.name
            );
        }
        let mut url = url::Url::parse(&new.url).map_err(|e| {
            anyhow::anyhow!("camera URL is not valid ({e}); give rtsp://HOST:PORT/PATH")
        })?;
        if !matches!(url.scheme(), "rtsp" | "rtsps") || url.host_str().is_none() {
            bail!("camera URL must be rtsp://HOST[:PORT]/PATH or rtsps://…");
        }
        // Credentials written in the URL are taken out and kept like a password.
        let in_url_user = (!url.username().is_empty()).then(|| decode(url.username()));
        let in_url_pass = url.password().map(decode);
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let username = new.username.or(in_url_user).filter(|u| !u.is_empty());
        let password = new.password.or(in_url_pass).filter(|p| !p.is_empty());
        if password.is_some() && username.is_none() {
            bail!("a camera password needs a user name too (--username)");
        }
        let url = self.described(&new.name, &url)?;
        let record = CameraRecord {
            id: new.name.clone(),
            name: new.name.clone(),
            url: url.to_string(),
            username,
            sealed_password: password.map(|p| self.keys.seal(&seal_context(&new.name), &p)),
            created_at: crate::clock::now_unix(),
        };
        self.store.put_camera(&record)?;
        self.events.record(Event::new(
            "camera-added",
            format!("camera {} added ({})", record.id, record.url),
        ));
        Ok(CameraInfo::from(&record))
    }

    /// Every camera.
    pub fn list(&self) -> anyhow::Result<Vec<CameraInfo>> {
        Ok(self.store.cameras()?.iter().map(CameraInfo::from).collect())
    }

    /// Removes camera `id`.
    pub fn remove(&self, id: &str) -> anyhow::Result<CameraInfo> {
        let old = self
            .store
            .remove_camera(id)?
            .with_context(|| format!("no camera {id:?}; `streamforge camera list` shows them"))?;
        self.events
            .record(Event::new("camera-removed", format!("camera {id} removed")));
        Ok(CameraInfo::from(&old))
    }

    /// The registry's view: every camera with its credentials filled into
    /// its URL (a secret) and what to redact from the decoder's messages.
    pub fn defs(&self) -> anyhow::Result<Vec<CameraDef>> {
        let mut out = vec![];
        for r in self.store.cameras()? {
            let mut url = url::Url::parse(&r.url).context("a stored camera URL")?;
            let mut redact_list = vec![];
            if let Some(user) = &r.username {
                let _ = url.set_username(user);
            }
            if let Some(sealed) = &r.sealed_password {
                let secret = self.keys.open(&seal_context(&r.id), sealed)?;
                let _ = url.set_password(Some(secret.expose()));
                redact_list.push(secret.expose().to_string());
            }
            let filled = url.to_string();
            redact_list.insert(0, filled.clone());
            out.push(CameraDef {
                id: r.id.clone(),
                name: r.name.clone(),
                source_url: filled,
                redact: redact_list,
            });
        }
        Ok(out)
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::camera::capture::redact;

    /// What the camera book and the controllers are built on, in `dir`: a
    /// store, a key, an event log and a plugin registry (for their tests).
    pub(crate) fn parts(
        dir: &std::path::Path,
    ) -> (Store, Arc<KeyRing>, Arc<EventLog>, Arc<PluginRegistry>) {
        let store = Store::open(&dir.join("db")).unwrap();
        let keys = Arc::new(KeyRing::from_env_value(&"11".repeat(32)).unwrap());
        let events = Arc::new(EventLog::persistent(store.events_tree(), 100));
        let plugins = Arc::new(
            PluginRegistry::open(
                dir.join("plugins"),
                streamforge_testkit::plugin_cache(),
                events.clone(),
            )
            .unwrap(),
        );
        (store, keys, events, plugins)
    }

    fn book() -> (tempfile::TempDir, CameraBook) {
        let dir = tempfile::tempdir().unwrap();
        let (store, keys, events, plugins) = parts(dir.path());
        (dir, CameraBook::new(store, keys, events, plugins))
    }

    #[test]
    fn credentials_leave_the_url_and_come_back_only_for_the_decoder() {
        let (_dir, book) = book();
        let info = book
            .add(NewCamera {
                name: "front-door".into(),
                url: "rtsp://admin:s3cr%40t@10.0.0.5:554/live".into(),
                username: None,
                password: None,
            })
            .unwrap();
        assert_eq!(info.url, "rtsp://10.0.0.5:554/live");
        assert_eq!(
            (info.username.as_deref(), info.has_password),
            (Some("admin"), true)
        );
        let listed = serde_json::to_string(&book.list().unwrap()).unwrap();
        assert!(!listed.contains("s3cr"), "{listed}");
        let def = &book.defs().unwrap()[0];
        assert_eq!(def.source_url, "rtsp://admin:s3cr%40t@10.0.0.5:554/live");
        let said = format!("{}: 401 Unauthorized s3cr@t", def.source_url);
        assert!(!redact(&said, &def.redact).contains("s3cr"));
    }

    #[test]
    fn bad_names_and_urls_are_refused_with_what_to_do() {
        let (_dir, book) = book();
        let add = |name: &str, url: &str| {
            book.add(NewCamera {
                name: name.into(),
                url: url.into(),
                username: None,
                password: None,
            })
            .unwrap_err()
            .to_string()
        };
        assert!(add("a b", "rtsp://h/x").contains("letters, digits"));
        assert!(add("cam", "http://h/x").contains("rtsp://"));
        assert!(add("cam", "not a url").contains("not valid"));
        assert!(book
            .remove("nope")
            .unwrap_err()
            .to_string()
            .contains("camera list"));
    }
}

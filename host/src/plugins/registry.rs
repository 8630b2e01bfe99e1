//! Installed plugins: one folder each under `<data>/plugins/<name>/` holding
//! `plugin.wasm` and `manifest.json`. Built-in plugins are written there on
//! first use (and refreshed when the binary carries a newer build), so
//! `plugin list` shows them on a fresh data dir like any other.

use super::builtin::BUILTINS;
use super::cache::ArtifactCache;
use super::error::InstallError;
use super::inspect::{ensure_component, inspect, Inspection};
use super::loaded::{Limits, Plugin};
use super::manifest::{sha256_hex, valid_name, Manifest};
use crate::events::{Event, EventLog};
use crate::model::PluginInfo;
use anyhow::{bail, Context};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

const WASM_FILE: &str = "plugin.wasm";
const MANIFEST_FILE: &str = "manifest.json";

/// The set of installed plugins and the loaded ones among them.
pub struct PluginRegistry {
    dir: PathBuf,
    cache: ArtifactCache,
    events: Arc<EventLog>,
    limits: Limits,
    loaded: RwLock<HashMap<String, Arc<Plugin>>>,
}

impl PluginRegistry {
    /// Opens the registry in `plugins_dir`, caching compiled code in
    /// `cache_dir`, and makes sure the built-in plugins are installed.
    pub fn open(
        plugins_dir: PathBuf,
        cache_dir: PathBuf,
        events: Arc<EventLog>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&plugins_dir)
            .with_context(|| format!("creating the plugin folder {}", plugins_dir.display()))?;
        let registry = PluginRegistry {
            dir: plugins_dir,
            cache: ArtifactCache::new(cache_dir),
            events,
            limits: Limits::default(),
            loaded: RwLock::new(HashMap::new()),
        };
        registry.install_builtins()?;
        Ok(registry)
    }

    /// A registry that only inspects files (`plugin inspect x.wasm`): it
    /// shares the compiled-code cache but installs nothing.
    pub fn for_inspection(cache_dir: PathBuf, events: Arc<EventLog>) -> Self {
        PluginRegistry {
            dir: PathBuf::new(),
            cache: ArtifactCache::new(cache_dir),
            events,
            limits: Limits::default(),
            loaded: RwLock::new(HashMap::new()),
        }
    }

    /// Sets the call limits of every plugin loaded from now on.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self.refresh();
        self
    }

    fn install_builtins(&self) -> anyhow::Result<()> {
        for builtin in BUILTINS {
            let sha = sha256_hex(builtin.wasm);
            match self.manifest(builtin.name) {
                // A user's own plugin of that name overrides the built-in one.
                Ok(m) if !m.builtin || m.sha256 == sha => continue,
                _ => {}
            }
            // A broken built-in must not take the other plugins down with it.
            let problem = match self.install_bytes(builtin.wasm, "built-in", true) {
                Ok(m) if m.name == builtin.name => continue,
                Ok(m) => format!("it calls itself `{}`", m.name),
                Err(err) => format!("{err:#}"),
            };
            self.events.record(
                Event::new(
                    "plugin-builtin-failed",
                    format!("built-in plugin `{}` is unusable: {problem}", builtin.name),
                )
                .plugin(builtin.name),
            );
        }
        Ok(())
    }

    /// Every installed plugin's manifest, sorted by name.
    pub fn list(&self) -> anyhow::Result<Vec<Manifest>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if !valid_name(&name) {
                continue;
            }
            match self.manifest(&name) {
                Ok(m) => out.push(m),
                Err(err) => tracing::warn!("skipping plugin folder `{name}`: {err:#}"),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The manifest of the plugin called `name`.
    pub fn manifest(&self, name: &str) -> anyhow::Result<Manifest> {
        if !valid_name(name) {
            bail!("no plugin named {name:?} (see `streamforge plugin list`)");
        }
        let path = self.dir.join(name).join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("no plugin named `{name}` is installed (see `streamforge plugin list`)")
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))
    }

    /// The plugin called `name`, compiled and linked (cached after first use).
    pub fn get(&self, name: &str) -> anyhow::Result<Arc<Plugin>> {
        if let Some(plugin) = self
            .loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(plugin.clone());
        }
        let manifest = self.manifest(name)?;
        let wasm = self.dir.join(name).join(WASM_FILE);
        let component = self
            .cache
            .load(&manifest.sha256, &wasm)
            .with_context(|| format!("loading plugin `{name}`"))?;
        let plugin = Plugin::prepare(manifest, &component, self.events.clone())?;
        let plugin = Arc::new(plugin.with_limits(self.limits));
        self.loaded
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), plugin.clone());
        Ok(plugin)
    }

    /// Forgets loaded plugins so the next `get` reads the disk again (after
    /// another process installed or removed one).
    pub fn refresh(&self) {
        self.loaded
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Installs the `.wasm` at `path`, checking its sha256 when one is given.
    pub fn install_file(&self, path: &Path, sha256: Option<&str>) -> anyhow::Result<Manifest> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        verify_sha256(&bytes, sha256)?;
        let source = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.install_bytes(&bytes, &source.display().to_string(), false)
    }

    /// Validates, test-calls, precompiles and stores a plugin.
    pub fn install_bytes(
        &self,
        bytes: &[u8],
        source: &str,
        builtin: bool,
    ) -> anyhow::Result<Manifest> {
        let (inspection, info) = self.check(bytes)?;
        if !valid_name(&info.name) {
            return Err(InstallError::BadName(info.name).into());
        }
        let existing = self.manifest(&info.name).ok();
        if let Some(existing) = &existing {
            // Built-ins are refreshed in place; a user plugin may replace a built-in.
            if !existing.builtin {
                return Err(InstallError::AlreadyInstalled(info.name).into());
            }
        }
        let manifest = Manifest {
            name: info.name.clone(),
            version: info.version,
            description: info.description,
            world: inspection.world,
            contract: inspection.contract,
            sha256: sha256_hex(bytes),
            imports: inspection.imports,
            builtin,
            source: source.to_string(),
            installed_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        self.write(&manifest, bytes)?;
        self.loaded
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&manifest.name);
        if !builtin {
            self.events.record(
                Event::new(
                    "plugin-installed",
                    format!(
                        "installed {} {} ({})",
                        manifest.name, manifest.version, manifest.world
                    ),
                )
                .plugin(&manifest.name),
            );
        }
        Ok(manifest)
    }

    /// Inspects `bytes` and asks the plugin for its info, without installing
    /// it. Compiles once; the artifact lands in the cache for the install.
    pub fn check(&self, bytes: &[u8]) -> anyhow::Result<(Inspection, PluginInfo)> {
        ensure_component(bytes)?;
        let component = self
            .cache
            .load_bytes(&sha256_hex(bytes), bytes)
            .map_err(|e| InstallError::Invalid(format!("{e:#}")))?;
        let inspection = inspect(&component)?;
        let probe = Manifest {
            name: "(being installed)".into(),
            version: String::new(),
            description: String::new(),
            world: inspection.world,
            contract: inspection.contract.clone(),
            sha256: String::new(),
            imports: Vec::new(),
            builtin: false,
            source: String::new(),
            installed_at: 0,
        };
        let plugin =
            Plugin::prepare(probe, &component, self.events.clone())?.with_limits(self.limits);
        let info = plugin.info().map_err(InstallError::from)?;
        Ok((inspection, info))
    }

    /// Writes the plugin folder atomically: a crash leaves the old one or the new one.
    fn write(&self, manifest: &Manifest, bytes: &[u8]) -> anyhow::Result<()> {
        let staging = tempfile::Builder::new()
            .prefix(".install-")
            .tempdir_in(&self.dir)?;
        std::fs::write(staging.path().join(WASM_FILE), bytes)?;
        std::fs::write(
            staging.path().join(MANIFEST_FILE),
            serde_json::to_vec_pretty(manifest)?,
        )?;
        let target = self.dir.join(&manifest.name);
        let old = self.dir.join(format!(".old-{}", manifest.name));
        let _ = std::fs::remove_dir_all(&old);
        if target.exists() {
            std::fs::rename(&target, &old)?;
        }
        std::fs::rename(staging.keep(), &target)?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }

    /// Removes a plugin the user installed. Built-in plugins stay.
    pub fn remove(&self, name: &str) -> anyhow::Result<Manifest> {
        let manifest = self.manifest(name)?;
        if manifest.builtin {
            bail!("`{name}` is built into StreamForge and cannot be removed");
        }
        std::fs::remove_dir_all(self.dir.join(name))
            .with_context(|| format!("removing plugin `{name}`"))?;
        self.loaded
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        self.events
            .record(Event::new("plugin-removed", format!("removed {name}")).plugin(name));
        // Put the built-in back if the removed plugin had replaced it.
        self.install_builtins()?;
        Ok(manifest)
    }
}

/// Checks `bytes` against an expected hex sha256.
pub fn verify_sha256(bytes: &[u8], expected: Option<&str>) -> anyhow::Result<()> {
    if let Some(expected) = expected {
        let expected = expected.trim().to_ascii_lowercase();
        let actual = sha256_hex(bytes);
        if expected != actual {
            return Err(InstallError::Checksum { expected, actual }.into());
        }
    }
    Ok(())
}

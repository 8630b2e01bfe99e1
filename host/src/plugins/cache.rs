//! Precompiled components on disk, keyed by content hash and by the
//! engine's compatibility hash, so each plugin is compiled once per build
//! of StreamForge rather than at every start.

use super::engine::{compatibility_key, engine};
use anyhow::Context;
use std::path::{Path, PathBuf};
use wasmtime::component::Component;

/// A folder of `<sha256>-<engine>.cwasm` artifacts.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// Uses (and creates) `dir`.
    pub fn new(dir: PathBuf) -> Self {
        ArtifactCache { dir }
    }

    fn path_for(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!(
            "{}-{}.cwasm",
            &sha256[..sha256.len().min(32)],
            compatibility_key()
        ))
    }

    /// The component for `wasm` (whose hash is `sha256`), from the cache when
    /// a matching artifact exists, else compiled now and stored.
    pub fn load(&self, sha256: &str, wasm: &Path) -> anyhow::Result<Component> {
        let artifact = self.path_for(sha256);
        if artifact.exists() {
            // SAFETY: artifacts are only ever written by `store` below into the
            // owner's data dir, keyed by content hash and engine compatibility.
            match unsafe { Component::deserialize_file(engine(), &artifact) } {
                Ok(component) => return Ok(component),
                Err(err) => {
                    tracing::warn!(
                        "discarding unusable precompiled plugin {}: {err:#}",
                        artifact.display()
                    );
                    let _ = std::fs::remove_file(&artifact);
                }
            }
        }
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        self.compile(sha256, &bytes)
    }

    /// The component for `bytes` (whose hash is `sha256`): cached, or compiled now.
    pub fn load_bytes(&self, sha256: &str, bytes: &[u8]) -> anyhow::Result<Component> {
        let artifact = self.path_for(sha256);
        if artifact.exists() {
            // SAFETY: as in `load`.
            if let Ok(component) = unsafe { Component::deserialize_file(engine(), &artifact) } {
                return Ok(component);
            }
        }
        self.compile(sha256, bytes)
    }

    /// Compiles `bytes` (validating them) and stores the artifact.
    pub fn compile(&self, sha256: &str, bytes: &[u8]) -> anyhow::Result<Component> {
        let artifact = engine().precompile_component(bytes)?;
        self.store(sha256, &artifact);
        // SAFETY: `artifact` was produced by this engine a moment ago.
        Ok(unsafe { Component::deserialize(engine(), &artifact)? })
    }

    fn store(&self, sha256: &str, artifact: &[u8]) {
        let path = self.path_for(sha256);
        let result = std::fs::create_dir_all(&self.dir).and_then(|()| {
            let tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
            std::fs::write(tmp.path(), artifact)?;
            tmp.persist(&path).map_err(|e| e.error)?;
            Ok(())
        });
        if let Err(err) = result {
            // A cache that cannot be written only costs a recompile next time.
            tracing::warn!(
                "could not cache precompiled plugin at {}: {err}",
                path.display()
            );
        }
    }
}

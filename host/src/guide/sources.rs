//! `guide add | list | remove` and the guide half of `sync`: XMLTV sources
//! (a URL or a file), each ingested into channels in the store and a
//! prepared programme file beside it. A failed ingest keeps the previous
//! guide whole.

use super::{ingest, GuideShift, IngestLimits};
use crate::blocking::run as blocking;
use crate::catalog::redact;
use crate::catalog::Progress;
use crate::clock::now_unix as now_secs;
use crate::events::Event;
use crate::events::EventLog;
use crate::store::Store;
use crate::store::{GuideChannelRecord, GuideRecord};
use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use streamforge_xmltv::shift_file;

/// Largest guide download accepted.
const MAX_DOWNLOAD: u64 = 4 << 30;

/// A guide as shown to the user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GuideView {
    /// The user's name for the guide; what `guide remove` takes.
    pub name: String,
    /// The URL (credentials hidden) or path.
    pub source: String,
    /// Channels the last successful ingest found.
    pub channels: usize,
    /// Programmes the last successful ingest kept.
    pub programmes: usize,
    /// Unix seconds of the last successful ingest.
    pub synced_at: u64,
    /// How far programme times are moved (`+1h30m`, `-45m`, `0`).
    #[serde(default)]
    pub shift: String,
}

/// How one guide's sync went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GuideSync {
    /// The guide that was synced.
    pub guide: String,
    /// Channels now stored (on failure: the kept previous count).
    pub channels: usize,
    /// Programmes now stored (on failure: the kept previous count).
    pub programmes: usize,
    /// Set when the ingest failed; the previous guide was kept.
    pub error: Option<String>,
}

fn view(g: &GuideRecord) -> GuideView {
    GuideView {
        name: g.name.clone(),
        source: redact::url(&g.source),
        channels: g.channels,
        programmes: g.programmes,
        synced_at: g.synced_at,
        shift: shift_of(g).to_string(),
    }
}

fn shift_of(g: &GuideRecord) -> GuideShift {
    GuideShift::from_minutes(g.shift_minutes).unwrap_or_default()
}

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// The guides service: everything `guide ...` and the guide half of `sync`
/// do, on the parts of the app it needs.
pub struct Guides {
    store: Store,
    events: Arc<EventLog>,
    /// Where prepared programme files live (`<data>/guides`).
    dir: PathBuf,
}

impl Guides {
    /// The service over these parts, keeping programme files in `dir`.
    pub fn new(store: Store, events: Arc<EventLog>, dir: PathBuf) -> Self {
        Guides { store, events, dir }
    }

    /// Removes programme files and downloads no guide refers to (left by an
    /// interrupted sync).
    pub fn clean_files(&self) -> anyhow::Result<()> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(());
        };
        let live: std::collections::HashSet<String> = self
            .store
            .guides()?
            .into_iter()
            .filter_map(|g| g.programme_file)
            .collect();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// Adds a guide (its programmes moved by `shift`) and ingests it at
    /// once; nothing is kept if that fails.
    pub async fn add_guide(
        &self,
        name: &str,
        source: &str,
        shift: GuideShift,
    ) -> anyhow::Result<GuideView> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !valid {
            bail!("guide name {name:?} is not usable: use 1-64 characters of A-Z, a-z, 0-9, `-`, `_`, `.`");
        }
        if self.store.guide(name)?.is_some() {
            bail!("a guide named `{name}` already exists; remove it first (`streamforge guide remove {name}`)");
        }
        let source = if is_url(source) {
            source.to_string()
        } else {
            std::fs::canonicalize(source)
                .with_context(|| format!("cannot read the guide file {source}"))?
                .display()
                .to_string()
        };
        let record = GuideRecord {
            name: name.to_string(),
            source,
            synced_at: 0,
            channels: 0,
            programmes: 0,
            programme_file: None,
            shift_minutes: shift.minutes(),
        };
        let record = self.ingest_guide(record).await?;
        self.events.record(Event::new(
            "guide-added",
            format!(
                "added guide {name}: {} channels, {} programmes",
                record.channels, record.programmes
            ),
        ));
        Ok(view(&record))
    }

    /// Every guide.
    pub fn list_guides(&self) -> anyhow::Result<Vec<GuideView>> {
        Ok(self.store.guides()?.iter().map(view).collect())
    }

    /// Changes a guide's time shift. The kept programme file is rewritten
    /// by the difference (no download); the previous file stays in force
    /// until the new one is complete.
    pub async fn set_shift(&self, name: &str, shift: GuideShift) -> anyhow::Result<GuideView> {
        let mut record = self.store.guide(name)?.ok_or_else(|| {
            anyhow!("there is no guide named `{name}` (see `streamforge guide list`)")
        })?;
        let old = shift_of(&record);
        if old == shift {
            return Ok(view(&record));
        }
        let delta = shift.minutes() - old.minutes();
        let old_file = record.programme_file.clone();
        if let Some(file) = old_file.clone() {
            let (dir, label) = (self.dir.clone(), name.to_string());
            let new_file = format!("{name}.{}.prog", now_nanos());
            let target = dir.join(&new_file);
            blocking(move || {
                let input = std::fs::File::open(dir.join(&file)).with_context(|| {
                    format!("cannot read the programmes of guide `{label}`; run `streamforge sync`")
                })?;
                let out = tempfile::Builder::new()
                    .prefix(".shift-")
                    .tempfile_in(&dir)?;
                let written = shift_file(
                    std::io::BufReader::new(input),
                    std::io::BufWriter::new(out.as_file()),
                    delta,
                );
                written.map_err(|e| {
                    anyhow!("cannot shift the programmes of guide `{label}`: {e}; run `streamforge sync`")
                })?;
                out.persist(&target).map_err(|e| e.error)?;
                Ok(())
            })
            .await?;
            record.programme_file = Some(new_file);
        }
        record.shift_minutes = shift.minutes();
        let store = self.store.clone();
        let to_store = record.clone();
        let stored = blocking(move || Ok(store.put_guide(&to_store)?)).await;
        // The file the stored record no longer (or never) names goes.
        let unused = match &stored {
            Ok(()) => old_file.as_ref(),
            Err(_) => record.programme_file.as_ref(),
        };
        if let Some(unused) = unused.filter(|_| old_file != record.programme_file) {
            let _ = std::fs::remove_file(self.dir.join(unused));
        }
        stored?;
        self.events.record(Event::new(
            "guide-shifted",
            format!("guide {name}: programme times shifted by {shift} (was {old})"),
        ));
        Ok(view(&record))
    }

    /// Removes a guide, its channels and its programmes.
    pub fn remove_guide(&self, name: &str) -> anyhow::Result<GuideView> {
        let record = self.store.remove_guide(name)?.ok_or_else(|| {
            anyhow!("there is no guide named `{name}` (see `streamforge guide list`)")
        })?;
        if let Some(file) = &record.programme_file {
            let _ = std::fs::remove_file(self.dir.join(file));
        }
        self.events
            .record(Event::new("guide-removed", format!("removed guide {name}")));
        Ok(view(&record))
    }

    /// Re-ingests every guide.
    pub async fn sync_guides(&self, progress: &dyn Progress) -> anyhow::Result<Vec<GuideSync>> {
        let mut results = Vec::new();
        for record in self.store.guides()? {
            let label = format!("guide {}", record.name);
            progress.step(&label);
            let name = record.name.clone();
            let result = match self.ingest_guide(record.clone()).await {
                Ok(r) => {
                    progress.done(
                        &label,
                        &format!("{} channels, {} programmes", r.channels, r.programmes),
                    );
                    self.events.record(Event::new(
                        "sync-ok",
                        format!(
                            "guide {name}: {} channels, {} programmes",
                            r.channels, r.programmes
                        ),
                    ));
                    GuideSync {
                        guide: name,
                        channels: r.channels,
                        programmes: r.programmes,
                        error: None,
                    }
                }
                Err(err) => {
                    let message = format!("{err:#}");
                    progress.done(&label, &format!("failed: {message}"));
                    self.events.record(Event::new(
                        "sync-failed",
                        format!("guide {name}: {message}; previous guide kept"),
                    ));
                    GuideSync {
                        guide: name,
                        channels: record.channels,
                        programmes: record.programmes,
                        error: Some(message),
                    }
                }
            };
            results.push(result);
        }
        Ok(results)
    }

    /// Reads `record`'s source into a new programme file and channel set,
    /// then swaps them in. On error nothing changes.
    async fn ingest_guide(&self, mut record: GuideRecord) -> anyhow::Result<GuideRecord> {
        let dir = self.dir.clone();
        std::fs::create_dir_all(&dir)?;
        let (input, _download) = if is_url(&record.source) {
            let file = download(&record.source, &dir).await?;
            (file.path().to_path_buf(), Some(file))
        } else {
            (PathBuf::from(&record.source), None)
        };
        let name = record.name.clone();
        let out_dir = dir.clone();
        let shift = record.shift_minutes;
        let (guide, prog) = blocking(move || {
            let file = std::fs::File::open(&input)
                .with_context(|| format!("cannot read the guide file {}", input.display()))?;
            let prog = tempfile::Builder::new()
                .prefix(".ingest-")
                .tempfile_in(&out_dir)?;
            let guide = ingest(
                std::io::BufReader::new(file),
                prog.as_file(),
                &IngestLimits::default(),
            )
            .map_err(|e| anyhow!("guide `{name}` is not usable XMLTV: {e}"))?;
            if shift == 0 {
                return Ok((guide, prog));
            }
            let shifted = tempfile::Builder::new()
                .prefix(".ingest-")
                .tempfile_in(&out_dir)?;
            shift_file(
                std::io::BufReader::new(prog.reopen()?),
                std::io::BufWriter::new(shifted.as_file()),
                shift,
            )
            .map_err(|e| anyhow!("cannot shift the programmes of guide `{name}`: {e}"))?;
            Ok((guide, shifted))
        })
        .await?;
        if guide.channels.is_empty() {
            bail!("guide `{}` has no channels", record.name);
        }
        let file_name = format!("{}.{}.prog", record.name, now_nanos());
        prog.persist(dir.join(&file_name)).map_err(|e| e.error)?;
        let old_file = record.programme_file.replace(file_name);
        record.synced_at = now_secs();
        record.channels = guide.channels.len();
        record.programmes = guide.summary.programmes as usize;
        let store = self.store.clone();
        let to_store = record.clone();
        let channels: Vec<GuideChannelRecord> =
            guide.channels.into_iter().map(Into::into).collect();
        blocking(move || Ok(store.replace_guide(&to_store, &channels)?)).await?;
        if let Some(old) = old_file {
            let _ = std::fs::remove_file(dir.join(old));
        }
        Ok(record)
    }
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Downloads `url` to a temporary file in `dir`, bounded in size and time.
async fn download(url: &str, dir: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let shown = redact::url(url);
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(600))
        .build()?;
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| anyhow!("cannot download the guide {shown}: {}", e.without_url()))?;
    if !response.status().is_success() {
        bail!(
            "downloading the guide {shown} failed: HTTP {}",
            response.status()
        );
    }
    let mut file = tempfile::Builder::new()
        .prefix(".download-")
        .tempfile_in(dir)?;
    let mut total = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| anyhow!("downloading the guide {shown} failed: {}", e.without_url()))?
    {
        total += chunk.len() as u64;
        if total > MAX_DOWNLOAD {
            bail!(
                "the guide {shown} is larger than {} GiB; refusing",
                MAX_DOWNLOAD >> 30
            );
        }
        file.write_all(&chunk)?;
    }
    file.flush()?;
    Ok(file)
}

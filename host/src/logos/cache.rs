//! The logo cache: files in `<data>/logos`, fetched in the background
//! through the host's fetcher, read back for `/logos/{id}`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::index::Index;
use super::{sniff, ImageKind};
use crate::fetch::{AccountAccess, AddressGuard, FetchConfig, Fetcher};
use crate::model::HttpRequest;
use crate::secrets::Secret;

/// Bounds of the logo cache.
#[derive(Debug, Clone)]
pub struct LogoLimits {
    /// Bytes all logos may take on disk together; the least recently used go first.
    pub max_total: u64,
    /// Largest logo accepted.
    pub max_logo: u64,
    /// Time allowed per logo download (connect, redirects and body).
    pub timeout: Duration,
    /// Downloads at the same time.
    pub concurrency: usize,
}

impl Default for LogoLimits {
    /// 64 MiB in all, 1 MiB per logo, 5 s per download, 4 at a time.
    fn default() -> Self {
        LogoLimits {
            max_total: 64 << 20,
            max_logo: 1 << 20,
            timeout: Duration::from_secs(5),
            concurrency: 4,
        }
    }
}

/// A cached logo as served.
#[derive(Debug, Clone)]
pub struct Logo {
    /// The `Content-Type` its bytes showed (PNG, JPEG, GIF or WebP), never
    /// the one the logo host sent.
    pub content_type: &'static str,
    /// The image.
    pub bytes: Vec<u8>,
    /// A strong validator of the bytes.
    pub etag: String,
}

/// The stable id of a logo URL: 32 hex digits of its SHA-256. Lists and
/// guides name logos by it, so a provider's URL (which may carry
/// credentials) is never handed to a client.
pub fn logo_id(url: &str) -> String {
    hex::encode(&Sha256::digest(url.as_bytes())[..16])
}

/// A cache file's image kind and where its bytes start: a first line
/// naming the type, then the image, which must sniff as that type.
fn parse_file(file: &[u8]) -> Option<(ImageKind, usize)> {
    let cut = file.iter().position(|&b| b == b'\n')?;
    let kind = sniff(&file[cut + 1..]).ok()?;
    (file[..cut] == *kind.content_type().as_bytes()).then_some((kind, cut + 1))
}

fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Logos fetched once and kept on disk within a size cap. Lookups never
/// fetch: downloads happen in the background (see [`LogoCache::want`]), so
/// a dead logo host never delays a lineup, a playlist or a tune.
pub struct LogoCache {
    dir: PathBuf,
    limits: LogoLimits,
    fetcher: Fetcher,
    index: Mutex<Index>,
    /// Ids whose download failed since the last refresh: not tried again.
    failed: Mutex<HashSet<String>>,
    /// Ids being downloaded now.
    busy: Mutex<HashSet<String>>,
    permits: Arc<Semaphore>,
    /// Downloads refused by the address guard since the last report.
    refused: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LogoCache {
    /// Opens (creating) the cache in `dir`, indexing the logos already
    /// there by their modification time (blocking: reads the folder).
    pub fn open(dir: PathBuf, limits: LogoLimits) -> anyhow::Result<Arc<LogoCache>> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create the logo cache {}: {e}", dir.display()))?;
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if !valid_id(&name) {
                let _ = std::fs::remove_file(entry.path()); // an interrupted write
                continue;
            }
            // Kept by an earlier version that trusted the logo host's
            // Content-Type: whatever is not a raster image goes.
            if meta.len() > limits.max_logo + 64
                || std::fs::read(entry.path())
                    .ok()
                    .and_then(|file| parse_file(&file).map(|_| ()))
                    .is_none()
            {
                tracing::info!("logo {name} dropped from the cache: not a PNG, JPEG, GIF or WebP");
                let _ = std::fs::remove_file(entry.path());
                continue;
            }
            found.push((meta.modified().ok(), name, meta.len()));
        }
        found.sort();
        let mut index = Index::default();
        for (_, id, size) in found {
            for old in index.insert(&id, size, limits.max_total) {
                let _ = std::fs::remove_file(dir.join(old));
            }
        }
        let fetcher = Fetcher::new(FetchConfig {
            connect_timeout: limits.timeout,
            timeout: limits.timeout,
            max_body_bytes: limits.max_logo,
            max_redirects: 5,
            // Through a proxy, the address checks would see the proxy's.
            system_proxy: false,
        })?;
        Ok(Arc::new(LogoCache {
            permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            dir,
            limits,
            fetcher,
            index: Mutex::new(index),
            failed: Mutex::default(),
            busy: Mutex::default(),
            refused: AtomicUsize::new(0),
        }))
    }

    /// Bytes the cached logos take.
    pub fn total_bytes(&self) -> u64 {
        lock(&self.index).total()
    }

    /// Whether the logo `id` is cached.
    pub fn contains(&self, id: &str) -> bool {
        lock(&self.index).contains(id)
    }

    /// The cached logo `id`, marked as used (blocking: reads its file).
    pub fn get(&self, id: &str) -> Option<Logo> {
        if !valid_id(id) || !lock(&self.index).contains(id) {
            return None;
        }
        let file = std::fs::read(self.dir.join(id)).ok()?;
        let (kind, at) = parse_file(&file)?;
        let bytes = file[at..].to_vec();
        lock(&self.index).touch(id);
        let etag = format!("\"{id}-{:08x}\"", crc32fast::hash(&bytes));
        Some(Logo {
            content_type: kind.content_type(),
            bytes,
            etag,
        })
    }

    /// Downloads, in the background, every logo of `logos` (its URL and
    /// the URL of the guide or playlist that named it) not cached yet and
    /// not failed since the last refresh; with `refresh`, forgets the
    /// failures and downloads the cached ones again too (a sync). Returns
    /// the downloads started.
    pub fn want(
        self: &Arc<Self>,
        logos: impl IntoIterator<Item = (String, Option<String>)>,
        refresh: bool,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        if refresh {
            lock(&self.failed).clear();
        }
        let mut started = Vec::new();
        for (url, source) in logos {
            let id = logo_id(&url);
            let skip = lock(&self.failed).contains(&id)
                || (!refresh && lock(&self.index).contains(&id))
                || !lock(&self.busy).insert(id.clone());
            if skip {
                continue;
            }
            let cache = self.clone();
            started.push(tokio::spawn(async move {
                let Ok(_permit) = cache.permits.clone().acquire_owned().await else {
                    return;
                };
                let result = cache.download(&url, source.as_deref()).await;
                let cache2 = cache.clone();
                let id2 = id.clone();
                let stored = match result {
                    Ok((kind, bytes)) => {
                        crate::blocking::run(move || cache2.store(&id2, kind, &bytes)).await
                    }
                    Err(why) => Err(anyhow::anyhow!(why)),
                };
                if let Err(e) = stored {
                    // Never the URL: it may carry credentials.
                    tracing::debug!("logo {id} not cached: {e:#}");
                    lock(&cache.failed).insert(id.clone());
                }
                lock(&cache.busy).remove(&id);
            }));
        }
        started
    }

    /// Logo downloads refused since the last call, by where they pointed
    /// (see [`crate::fetch::guard`]), and starts the count again.
    pub fn take_refused(&self) -> usize {
        self.refused.swap(0, Ordering::Relaxed)
    }

    /// Fetches one logo named by `source`; its kind and bytes, or why not
    /// (without the URL).
    async fn download(
        &self,
        url: &str,
        source: Option<&str>,
    ) -> Result<(ImageKind, Vec<u8>), String> {
        let parsed = url::Url::parse(url).map_err(|_| "not a URL".to_string())?;
        let origin = parsed.origin().ascii_serialization();
        let none = Secret::new(String::new());
        let access = AccountAccess::new(&origin, "", &none);
        let request = HttpRequest::get("logo", url, Vec::new());
        let guard = match source {
            Some(source) => AddressGuard::for_source(source).await,
            None => AddressGuard::public_only(),
        };
        let answer = self
            .fetcher
            .fetch_guarded(&request, &access, &guard)
            .await
            .map_err(|e| match e {
                crate::fetch::FetchError::Timeout { .. } => "timed out".to_string(),
                crate::fetch::FetchError::TooLarge { limit, .. } => {
                    format!("larger than {limit} bytes")
                }
                crate::fetch::FetchError::Forbidden { why, .. } => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    format!("refused: {why}")
                }
                _ => "the download failed".to_string(),
            })?;
        if answer.status != 200 {
            return Err(format!("HTTP {}", answer.status));
        }
        // The bytes say what the logo is; the host's Content-Type is not asked.
        let kind = sniff(&answer.body).map_err(|e| e.to_string())?;
        Ok((kind, answer.body))
    }

    /// Writes a logo (content type line, then the bytes) and evicts the
    /// least recently used over the cap.
    fn store(&self, id: &str, kind: ImageKind, bytes: &[u8]) -> anyhow::Result<()> {
        use std::io::Write;
        let kind = kind.content_type();
        let mut tmp = tempfile::Builder::new()
            .prefix(".logo-")
            .tempfile_in(&self.dir)?;
        tmp.write_all(kind.as_bytes())?;
        tmp.write_all(b"\n")?;
        tmp.write_all(bytes)?;
        tmp.persist(self.dir.join(id)).map_err(|e| e.error)?;
        let size = (kind.len() + 1 + bytes.len()) as u64;
        let evicted = lock(&self.index).insert(id, size, self.limits.max_total);
        for old in evicted {
            let _ = std::fs::remove_file(self.dir.join(old));
        }
        Ok(())
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_hex() {
        let id = logo_id("http://a/x.png?password=secret");
        assert_eq!(id, logo_id("http://a/x.png?password=secret"));
        assert!(valid_id(&id) && !id.contains("secret"));
        assert_ne!(id, logo_id("http://a/y.png"));
        assert!(!valid_id("../etc/passwd") && !valid_id(&id.to_uppercase()));
    }

    /// A PNG header (all the sniffer reads) padded to `size` bytes.
    fn png(size: usize) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
        v.resize(size, 0);
        v
    }

    #[test]
    fn store_get_and_evict_over_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let limits = LogoLimits {
            max_total: 2500,
            ..LogoLimits::default()
        };
        let cache = LogoCache::open(dir.path().join("logos"), limits.clone()).unwrap();
        let (a, b, c) = (logo_id("a"), logo_id("b"), logo_id("c"));
        cache.store(&a, ImageKind::Png, &png(1000)).unwrap();
        cache.store(&b, ImageKind::Png, &png(1000)).unwrap();
        let logo = cache.get(&a).unwrap();
        assert_eq!((logo.content_type, logo.bytes.len()), ("image/png", 1000));
        cache.store(&c, ImageKind::Png, &png(1000)).unwrap();
        assert!(cache.get(&b).is_none(), "b was the least recently used");
        assert!(!dir.path().join("logos").join(&b).exists());
        assert!(cache.get(&a).is_some() && cache.get(&c).is_some());
        // Reopened: the same logos, still within the cap.
        drop(cache);
        let again = LogoCache::open(dir.path().join("logos"), limits).unwrap();
        assert!(again.get(&a).is_some() && again.get(&c).is_some() && again.get(&b).is_none());
        assert!(again.total_bytes() <= 2500);
    }

    #[test]
    fn files_an_older_version_kept_that_are_not_images_are_dropped_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let logos = dir.path().join("logos");
        std::fs::create_dir_all(&logos).unwrap();
        let (svg, lying, good) = (logo_id("svg"), logo_id("lying"), logo_id("good"));
        std::fs::write(
            logos.join(&svg),
            b"image/svg+xml\n<svg><script>alert(1)</script></svg>",
        )
        .unwrap();
        let mut lie = b"image/png\n<html><script>x()</script>".to_vec();
        lie.extend_from_slice(&png(40));
        std::fs::write(logos.join(&lying), lie).unwrap();
        let mut ok = b"image/png\n".to_vec();
        ok.extend_from_slice(&png(40));
        std::fs::write(logos.join(&good), ok).unwrap();
        let cache = LogoCache::open(logos.clone(), LogoLimits::default()).unwrap();
        assert!(cache.get(&svg).is_none() && !logos.join(&svg).exists());
        assert!(cache.get(&lying).is_none() && !logos.join(&lying).exists());
        assert_eq!(cache.get(&good).unwrap().content_type, "image/png");
    }
}

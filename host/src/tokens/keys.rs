//! Signing and verifying with the current key, and noticing when the key
//! file was replaced (`streamforge token rotate-key` run beside a server),
//! so a rotation takes effect without a restart.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use super::claims::is_camera_id;
use super::key_file::{self, Stamp};
use super::{Claims, IssueError, KeyError, Scope, TokenError, MAX_TTL, MIN_TTL};
use crate::data_dir::DataDir;

/// How often the key file is looked at again.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The longest token looked at; longer ones are refused unread. Ours are
/// a few hundred bytes, even with dozens of camera ids.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The signing key of one data dir: issues and verifies camera tokens. One
/// per server, shared by every camera request (cheap to call concurrently).
pub struct TokenKeys {
    path: PathBuf,
    state: ArcSwap<State>,
    /// Start of this value's clock for `next_check_ms`.
    epoch: Instant,
    /// When (ms after `epoch`) the key file is due to be looked at again.
    next_check_ms: AtomicU64,
    check_every: Duration,
    validation: Validation,
}

/// The key as last read from the file.
enum State {
    Ready {
        encoding: EncodingKey,
        decoding: DecodingKey,
        stamp: Stamp,
    },
    /// The file is gone or unusable: every token is refused until it is fixed.
    Broken {
        error: Arc<KeyError>,
        stamp: Option<Stamp>,
    },
}

impl State {
    fn ready(path: &Path, key: &[u8], stamp: Stamp) -> Result<State, KeyError> {
        // Refused only when empty, which `key_file` never returns.
        let unusable = |_| KeyError::Damaged {
            path: path.to_path_buf(),
        };
        Ok(State::Ready {
            encoding: EncodingKey::from_secret(key).map_err(unusable)?,
            decoding: DecodingKey::from_secret(key).map_err(unusable)?,
            stamp,
        })
    }

    fn stamp(&self) -> Option<Stamp> {
        match self {
            State::Ready { stamp, .. } => Some(*stamp),
            State::Broken { stamp, .. } => *stamp,
        }
    }
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// The key of `data` (`jwt.key`), created (0600) on first use. Reads
    /// and may write the disk: call it at startup or on the blocking pool.
    pub fn open(data: &DataDir) -> Result<TokenKeys, KeyError> {
        Self::open_file(&data.jwt_key())
    }

    fn open_file(path: &Path) -> Result<TokenKeys, KeyError> {
        let (key, stamp) = key_file::load_or_create(path)?;
        let mut validation = Validation::new(Algorithm::HS256);
        // Issuer and verifier share one machine's clock: no leeway.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        Ok(TokenKeys {
            path: path.to_path_buf(),
            state: ArcSwap::from_pointee(State::ready(path, &key, stamp)?),
            epoch: Instant::now(),
            next_check_ms: AtomicU64::new(CHECK_EVERY.as_millis() as u64),
            check_every: CHECK_EVERY,
            validation,
        })
    }

    /// Looks at the key file on every use (tests of rotation).
    #[cfg(test)]
    pub(super) fn checking_always(mut self) -> TokenKeys {
        self.check_every = Duration::ZERO;
        self.next_check_ms = AtomicU64::new(0);
        self
    }

    /// The key file these keys come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A token for `scope`, living `ttl` (1 s to 365 days), issued for
    /// `sub` (who asked: `"cli"`, a console user...). The answer is a
    /// secret: hand it to the asker and nowhere else.
    pub fn issue(&self, scope: &Scope, ttl: Duration, sub: &str) -> Result<String, IssueError> {
        if ttl < MIN_TTL || ttl > MAX_TTL {
            return Err(IssueError::Ttl(humantime::format_duration(ttl).to_string()));
        }
        if let Scope::Cameras(ids) = scope {
            if let Some(bad) = ids.iter().find(|id| !is_camera_id(id)) {
                return Err(IssueError::CameraId(bad.clone()));
            }
        }
        let iat = crate::clock::now_unix();
        self.sign(&Claims {
            exp: iat + ttl.as_secs(),
            iat,
            sub: sub.to_string(),
            cameras: scope.clone(),
        })
    }

    /// Signs `claims` as they are (no bounds checked).
    pub(super) fn sign(&self, claims: &Claims) -> Result<String, IssueError> {
        self.refresh();
        match &**self.state.load() {
            State::Ready { encoding, .. } => {
                jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, encoding)
                    .map_err(|e| IssueError::Signing(e.to_string()))
            }
            State::Broken { error, .. } => Err(IssueError::Key(error.clone())),
        }
    }

    /// The claims of `token` if this key signed it with HS256 and it has
    /// not expired. Cheap enough for every request: at most once a second
    /// it costs one `stat` of the key file (see [`Self::refresh`]).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        self.refresh();
        match &**self.state.load() {
            State::Ready { decoding, .. } => {
                jsonwebtoken::decode::<Claims>(token, decoding, &self.validation)
                    .map(|data| data.claims)
                    .map_err(|e| classify(e.kind()))
            }
            State::Broken { error, .. } => Err(TokenError::Key(error.clone())),
        }
    }

    /// Writes a new key: every token issued before stops verifying, here at
    /// once and in other processes within a second. Writes the disk: call
    /// it on the blocking pool.
    pub fn rotate_key(&self) -> Result<(), KeyError> {
        let (key, stamp) = key_file::write_new(&self.path, true)?;
        self.state
            .store(Arc::new(State::ready(&self.path, &key, stamp)?));
        Ok(())
    }

    /// Picks up a replaced key file. At most once per `check_every` one
    /// caller does a `stat` (a metadata call: no read, microseconds on a
    /// local disk, so acceptable on an async thread) and, only when the
    /// file changed, reads its 65 bytes. Everyone else only loads an atomic.
    fn refresh(&self) {
        let now = self.epoch.elapsed().as_millis() as u64;
        let due = self.next_check_ms.load(Ordering::Relaxed);
        if now < due {
            return;
        }
        let next = now + self.check_every.as_millis() as u64;
        if self
            .next_check_ms
            .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return; // another caller is checking
        }
        let on_disk = std::fs::metadata(&self.path).ok().map(|m| Stamp::of(&m));
        if on_disk == self.state.load().stamp() {
            return;
        }
        let state = match key_file::read(&self.path) {
            Ok(Some((key, stamp))) => State::ready(&self.path, &key, stamp),
            Ok(None) => Err(KeyError::Missing {
                path: self.path.clone(),
            }),
            Err(e) => Err(e),
        };
        let state = state.unwrap_or_else(|error| {
            tracing::error!("{error}");
            State::Broken {
                error: Arc::new(error),
                stamp: on_disk,
            }
        });
        if matches!(state, State::Ready { .. }) {
            tracing::info!(
                "camera token key {} changed: tokens signed with the previous key are refused",
                self.path.display()
            );
        }
        self.state.store(Arc::new(state));
    }
}

/// Writes a new key for `data` (0600, replacing the old one atomically):
/// every token issued before stops verifying, in a running server too
/// (within a second). Returns the key file's path.
pub fn rotate_key(data: &DataDir) -> Result<PathBuf, KeyError> {
    let path = data.jwt_key();
    key_file::write_new(&path, true)?;
    Ok(path)
}

/// Sorts the JWT library's refusal into what the client did wrong.
fn classify(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::ExpiredSignature => TokenError::Expired,
        // Another key, altered bytes, or another algorithm than HS256.
        ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => TokenError::Forged,
        _ => TokenError::Malformed,
    }
}

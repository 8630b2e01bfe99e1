//! What a camera token says: when it was issued and expires, for whom, and
//! which cameras it opens (`"cameras": ["front", "yard"]` or `"cameras": "*"`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The claims of a camera token (the JWT payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Expiry, Unix seconds; the token is refused from then on.
    pub exp: u64,
    /// When it was issued, Unix seconds; tells tokens apart in audits.
    pub iat: u64,
    /// Who it was issued for (`"cli"` for `streamforge token issue`).
    pub sub: String,
    /// The cameras it opens.
    pub cameras: Scope,
}

impl Claims {
    /// Whether this token opens camera `camera_id`; `false` answers HTTP 403.
    pub fn allows(&self, camera_id: &str) -> bool {
        self.cameras.allows(camera_id)
    }
}

/// Which cameras a token opens. Serialized as the string `"*"` for every
/// camera, else as the list of ids, as DESIGN.md section 10 says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every camera, present and future.
    All,
    /// Only these camera ids.
    Cameras(Vec<String>),
}

impl Scope {
    /// Whether camera `camera_id` is in scope.
    pub fn allows(&self, camera_id: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Cameras(ids) => ids.iter().any(|id| id == camera_id),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scope::All => s.serialize_str("*"),
            Scope::Cameras(ids) => ids.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Star(String),
            Ids(Vec<String>),
        }
        match Raw::deserialize(d)? {
            Raw::Star(s) if s == "*" => Ok(Scope::All),
            Raw::Star(_) => Err(serde::de::Error::custom(
                "`cameras` must be \"*\" or a list of camera ids",
            )),
            Raw::Ids(ids) => Ok(Scope::Cameras(ids)),
        }
    }
}

/// Whether `id` can be a camera id: non-empty and URL-safe (RFC 3986
/// unreserved characters), as camera ids are (DESIGN.md section 10).
pub(crate) fn is_camera_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

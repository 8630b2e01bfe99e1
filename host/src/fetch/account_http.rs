//! What an account adds to each of its own requests (API calls and streams):
//! an extra CA to trust, a User-Agent and extra headers. Kept with the
//! account (the CA as PEM text, not a path that may vanish) and used only for
//! that account's connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::header::{HeaderName, HeaderValue, USER_AGENT};
use serde::{Deserialize, Serialize};

use super::headers::RequestHeader;

/// Largest CA file accepted (a bundle of a few certificates fits easily).
const MAX_CA_BYTES: usize = 256 * 1024;
/// Most extra headers per account.
const MAX_HEADERS: usize = 32;

/// An account's own HTTP settings. It exists so a panel behind a private CA,
/// or one that wants a particular player's User-Agent or a header, works
/// without weakening any other account's connections.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountHttp {
    /// PEM certificates trusted for this account besides the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// Sent as `User-Agent` instead of StreamForge's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Extra `(name, value)` headers, sent to the account's own origin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// No settings: what an account without any uses.
pub static NO_ACCOUNT_HTTP: AccountHttp = AccountHttp {
    ca_pem: None,
    user_agent: None,
    headers: Vec::new(),
};

impl AccountHttp {
    /// Checks a CA file's contents: PEM with at least one certificate that
    /// parses. The error says what to give instead.
    pub fn check_ca(pem: &[u8]) -> Result<String, String> {
        if pem.len() > MAX_CA_BYTES {
            return Err(format!(
                "the CA file is larger than {} KiB; give only the CA certificate(s) in PEM",
                MAX_CA_BYTES / 1024
            ));
        }
        let text = std::str::from_utf8(pem)
            .map_err(|_| "the CA file is not PEM text; give the CA certificate in PEM (-----BEGIN CERTIFICATE-----)".to_string())?;
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|_| {
            "the CA file holds no readable certificate; give the CA certificate in PEM (-----BEGIN CERTIFICATE-----)".to_string()
        })?;
        if certs.is_empty() || !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err("the CA file holds no certificate; give the CA certificate in PEM (-----BEGIN CERTIFICATE-----)".into());
        }
        // The same check the connections make: each certificate must be usable as a root.
        reqwest::Client::builder()
            .tls_certs_only(certs)
            .build()
            .map_err(|_| {
                "the CA file holds a certificate that cannot be used as a CA; give the CA certificate in PEM".to_string()
            })?;
        Ok(text.to_string())
    }

    /// Reads `Name: value` as given to `--header`. The error never repeats
    /// the value (it may be a token).
    pub fn parse_header(text: &str) -> Result<(String, String), String> {
        let (name, value) = text
            .split_once(':')
            .ok_or("a header is given as 'Name: value' (with a colon)")?;
        let (name, value) = (name.trim(), value.trim());
        let lower = name.to_ascii_lowercase();
        if HeaderName::from_bytes(lower.as_bytes()).is_err() || name.is_empty() {
            return Err(format!(
                "`{}` is not a valid header name",
                name.chars().take(64).collect::<String>()
            ));
        }
        if super::headers::is_reserved(&lower) {
            return Err(format!("header `{name}` is set by StreamForge itself"));
        }
        if lower == "user-agent" {
            return Err("give the User-Agent with --user-agent".into());
        }
        if HeaderValue::from_str(value).is_err() {
            return Err(format!(
                "the value of header `{name}` is not a valid header value"
            ));
        }
        Ok((name.to_string(), value.to_string()))
    }

    /// Checks a User-Agent.
    pub fn check_user_agent(ua: &str) -> Result<String, String> {
        let ua = ua.trim();
        if ua.is_empty() || HeaderValue::from_str(ua).is_err() {
            return Err("the User-Agent must be one line of printable text".into());
        }
        Ok(ua.to_string())
    }

    /// Checks a whole set of headers (count, names, values).
    pub fn check_headers(headers: &[(String, String)]) -> Result<(), String> {
        if headers.len() > MAX_HEADERS {
            return Err(format!("at most {MAX_HEADERS} headers per account"));
        }
        for (name, value) in headers {
            Self::parse_header(&format!("{name}: {value}"))?;
        }
        Ok(())
    }

    /// `headers` (a plugin's request headers) with the account's User-Agent
    /// and headers in place of any of the same name. The account's extra
    /// headers stay on its origin (they may carry a token); the User-Agent
    /// goes along redirects.
    pub(crate) fn apply(&self, mut headers: Vec<RequestHeader>) -> Vec<RequestHeader> {
        let mut own = Vec::with_capacity(self.headers.len() + 1);
        if let Some(ua) = &self.user_agent {
            if let Ok(value) = HeaderValue::from_str(ua) {
                own.push(RequestHeader {
                    name: USER_AGENT,
                    value,
                    sensitive: false,
                });
            }
        }
        for (name, value) in &self.headers {
            let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                continue;
            };
            value.set_sensitive(true);
            own.push(RequestHeader {
                name,
                value,
                sensitive: true,
            });
        }
        headers.retain(|h| !own.iter().any(|o| o.name == h.name));
        headers.extend(own);
        headers
    }
}

/// HTTP clients by the extra CA they trust: one without (the common case)
/// and one per distinct account CA, built on first use and kept. It exists
/// so an account's CA is trusted for that account's connections only, and
/// never by turning verification off.
#[derive(Clone)]
pub struct ClientsByCa {
    plain: reqwest::Client,
    build: Arc<dyn Fn() -> reqwest::ClientBuilder + Send + Sync>,
    with_ca: Arc<Mutex<HashMap<String, reqwest::Client>>>,
}

impl ClientsByCa {
    /// Clients built by `build` (the same settings for all of them).
    pub fn new(
        build: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> reqwest::Result<Self> {
        let plain = build().build()?;
        Ok(Self {
            plain,
            build: Arc::new(build),
            with_ca: Arc::default(),
        })
    }

    /// The client for an account with these settings.
    pub fn client(&self, http: &AccountHttp) -> Result<reqwest::Client, String> {
        let Some(pem) = &http.ca_pem else {
            return Ok(self.plain.clone());
        };
        let mut cache = self.with_ca.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = cache.get(pem) {
            return Ok(client.clone());
        }
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|_| {
            "its stored CA is not readable; give it again with --ca-file".to_string()
        })?;
        let client = (self.build)().tls_certs_merge(certs).build().map_err(|_| {
            "its stored CA cannot be used; give it again with --ca-file".to_string()
        })?;
        cache.insert(pem.clone(), client.clone());
        Ok(client)
    }
}

/// Why a TLS certificate was refused, when `err`'s causes say so: a short
/// reason such as `unknown issuer`.
pub fn certificate_problem(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(rustls::Error::InvalidCertificate(cert)) = e.downcast_ref::<rustls::Error>() {
            return Some(describe_cert(cert));
        }
        // An I/O error's `source()` skips the error it wraps: step into it.
        source = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn describe_cert(err: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match err {
        C::UnknownIssuer => "unknown issuer".into(),
        C::Expired | C::ExpiredContext { .. } => "expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "issued for another host name".into()
        }
        C::Revoked => "revoked".into(),
        C::BadSignature => "bad signature".into(),
        _ => "refused".into(),
    }
}

/// The one-line message for an untrusted certificate on `account`'s server.
pub fn untrusted_message(account: &str, at: &str, problem: &str) -> String {
    if account.is_empty() {
        return format!(
            "the certificate of {at} is not trusted ({problem}); check the address, or give the server's CA"
        );
    }
    format!(
        "account `{account}`: the panel's certificate ({at}) is not trusted ({problem}); give its CA with `streamforge account set {account} --ca-file ca.pem`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parsing_refuses_what_it_cannot_send_without_echoing_values() {
        assert_eq!(
            AccountHttp::parse_header("X-Token:  abc ").unwrap(),
            ("X-Token".into(), "abc".into())
        );
        let err = AccountHttp::parse_header("X-Token abc-secret").unwrap_err();
        assert!(!err.contains("abc-secret"), "{err}");
        assert!(AccountHttp::parse_header("Host: x").is_err());
        assert!(AccountHttp::parse_header("User-Agent: x").is_err());
        let err = AccountHttp::parse_header("X-T: a\u{1}secret").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
        assert!(AccountHttp::parse_header("bad name: x").is_err());
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        assert!(AccountHttp::check_ca(b"hello").is_err());
        assert!(AccountHttp::check_ca(&[0xff, 0xfe]).is_err());
        assert!(AccountHttp::check_ca(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        )
        .is_err());
    }

    #[test]
    fn account_headers_replace_the_plugins_and_stay_on_origin() {
        let http = AccountHttp {
            ca_pem: None,
            user_agent: Some("VLC/3.0".into()),
            headers: vec![("X-Token".into(), "t0k".into())],
        };
        let plugin = vec![RequestHeader {
            name: USER_AGENT,
            value: HeaderValue::from_static("plugin"),
            sensitive: false,
        }];
        let out = http.apply(plugin);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].name, USER_AGENT);
        assert_eq!(out[0].value, "VLC/3.0");
        assert!(!out[0].sensitive);
        assert_eq!(out[1].name.as_str(), "x-token");
        assert!(out[1].sensitive);
    }
}

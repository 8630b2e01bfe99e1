//! The token module against real key files in temporary data dirs.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::*;
use crate::clock::now_unix;
use crate::data_dir::DataDir;

fn data_dir() -> (tempfile::TempDir, DataDir) {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("data"));
    (dir, data)
}

fn front() -> Scope {
    Scope::Cameras(vec!["front".into()])
}

/// The JSON of a token's payload, read without checking anything.
fn payload(token: &str) -> serde_json::Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// `header.payload.signature` with the signature made by `key` under `alg`.
fn signed_with(key: &[u8], alg: jsonwebtoken::Algorithm, claims: &Claims) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(key).unwrap();
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), claims, &key).unwrap()
}

fn key_bytes(data: &DataDir) -> Vec<u8> {
    hex::decode(std::fs::read_to_string(data.jwt_key()).unwrap().trim()).unwrap()
}

fn claims_for(scope: Scope, exp: u64) -> Claims {
    Claims {
        exp,
        iat: now_unix(),
        sub: "test".into(),
        cameras: scope,
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn issued_token_verifies_with_its_claims() {
    let (_dir, data) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    let token = keys
        .issue(&front(), Duration::from_secs(600), "cli")
        .unwrap();
    assert_eq!(token.split('.').count(), 3);
    let claims = keys.verify(&token).unwrap();
    assert_eq!(claims.cameras, front());
    assert_eq!(claims.sub, "cli");
    assert_eq!(claims.exp - claims.iat, 600);
    assert!(claims.iat.abs_diff(now_unix()) <= 2);
    assert!(claims.allows("front"));
    assert!(!claims.allows("yard"));
    // Another handle on the same data dir (the server beside the CLI) agrees.
    assert_eq!(
        TokenKeys::open(&data).unwrap().verify(&token).unwrap(),
        claims
    );
}

#[test]
fn cameras_claim_is_a_list_or_a_star() {
    let (_dir, data) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    let hour = Duration::from_secs(3600);
    let all = keys.issue(&Scope::All, hour, "cli").unwrap();
    assert_eq!(payload(&all)["cameras"], "*");
    assert!(keys.verify(&all).unwrap().allows("anything"));
    let some = Scope::Cameras(vec!["front".into(), "nvr-1.cam_2".into()]);
    let two = keys.issue(&some, hour, "cli").unwrap();
    assert_eq!(
        payload(&two)["cameras"],
        serde_json::json!(["front", "nvr-1.cam_2"])
    );
    for (text, want) in [
        (r#""*""#, Some(Scope::All)),
        (r#"[]"#, Some(Scope::Cameras(vec![]))),
        (r#"["*"]"#, Some(Scope::Cameras(vec!["*".into()]))),
        (r#""all""#, None),
        (r#"7"#, None),
    ] {
        assert_eq!(serde_json::from_str::<Scope>(text).ok(), want, "{text}");
    }
    // A list holding "*" is a camera named "*", which cannot exist: not all.
    assert!(!Scope::Cameras(vec!["*".into()]).allows("front"));
}

#[test]
fn expired_token_is_refused_as_expired() {
    let (_dir, data) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    let token = keys.sign(&claims_for(Scope::All, now_unix() - 5)).unwrap();
    assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
}

#[test]
fn forged_tokens_are_refused() {
    let (_dir, data) = data_dir();
    let (_other_dir, other) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    let hour = Duration::from_secs(3600);

    // Signed with another data dir's key.
    let foreign = TokenKeys::open(&other)
        .unwrap()
        .issue(&Scope::All, hour, "cli")
        .unwrap();
    assert!(matches!(keys.verify(&foreign), Err(TokenError::Forged)));

    // A genuine token for one camera, its payload widened to every camera.
    let genuine = keys.issue(&front(), hour, "cli").unwrap();
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut widened = payload(&genuine);
    widened["cameras"] = "*".into();
    let widened = URL_SAFE_NO_PAD.encode(widened.to_string());
    let altered = format!("{}.{}.{}", parts[0], widened, parts[2]);
    assert!(matches!(keys.verify(&altered), Err(TokenError::Forged)));

    // The signature itself changed (its first character: six signature
    // bits, where the last one also holds padding bits).
    let mut sig = parts[2].to_string();
    let first = if sig.starts_with('A') { "B" } else { "A" };
    sig.replace_range(..1, first);
    let resigned = format!("{}.{}.{}", parts[0], parts[1], sig);
    assert!(matches!(keys.verify(&resigned), Err(TokenError::Forged)));
}

#[test]
fn other_algorithms_are_refused() {
    let (_dir, data) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    let key = key_bytes(&data);
    let claims = claims_for(Scope::All, now_unix() + 3600);

    // Our own key, but HS512 or HS384: not the algorithm we sign with.
    for alg in [
        jsonwebtoken::Algorithm::HS512,
        jsonwebtoken::Algorithm::HS384,
    ] {
        let token = signed_with(&key, alg, &claims);
        assert!(
            matches!(keys.verify(&token), Err(TokenError::Forged)),
            "{alg:?}"
        );
    }
    // Sanity: the same claims under HS256 pass, so only the algorithm differed.
    let hs256 = signed_with(&key, jsonwebtoken::Algorithm::HS256, &claims);
    assert!(keys.verify(&hs256).is_ok());

    // `alg: none` with no signature, the classic forgery.
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_string(&claims).unwrap());
    for token in [format!("{header}.{body}."), format!("{header}.{body}")] {
        let refused = keys.verify(&token).unwrap_err();
        assert!(
            matches!(refused, TokenError::Malformed | TokenError::Forged),
            "{refused:?}"
        );
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
}

#[test]
fn malformed_and_missing_tokens_are_told_apart() {
    let (_dir, data) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    assert!(matches!(keys.verify(""), Err(TokenError::Missing)));
    let long = "a".repeat(20_000);
    for junk in ["x", "a.b.c", "a.b", "....", long.as_str()] {
        assert!(
            matches!(keys.verify(junk), Err(TokenError::Malformed)),
            "{junk:.20}"
        );
    }
    // Signed by us but without the claims a camera token has.
    let key = key_bytes(&data);
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::json!({"exp": now_unix() + 60, "sub": "x"}),
        &jsonwebtoken::EncodingKey::from_secret(&key).unwrap(),
    )
    .unwrap();
    assert!(matches!(keys.verify(&token), Err(TokenError::Malformed)));
}

#[test]
fn refusals_never_carry_the_token() {
    let (_dir, data) = data_dir();
    let (_other_dir, other) = data_dir();
    let keys = Arc::new(TokenKeys::open(&data).unwrap());
    let foreign = TokenKeys::open(&other)
        .unwrap()
        .issue(&Scope::All, Duration::from_secs(60), "cli")
        .unwrap();
    let expired = keys.sign(&claims_for(Scope::All, now_unix() - 5)).unwrap();
    let malformed = format!("{foreign}garbage");
    let access = CameraAccess::new(keys.clone(), "admin-token".repeat(4));
    for token in [&foreign, &expired, &malformed] {
        let error = keys.verify(token).unwrap_err();
        let refusal = access.check_token(token).unwrap_err();
        let texts = [
            error.to_string(),
            format!("{error:?}"),
            refusal.to_string(),
            format!("{refusal:?}"),
            refusal.reason().to_string(),
        ];
        for text in texts {
            for part in token.split('.').filter(|p| p.len() > 8) {
                assert!(!text.contains(part), "{text} carries the token");
            }
        }
    }
    let ws = format!(r#"{{"type":"hello","token":"{foreign}"}}"#);
    let refusal = ws_auth_token(&ws).unwrap_err();
    assert!(!format!("{refusal} {refusal:?}").contains(&foreign));
}

#[test]
fn issue_refuses_bad_lifetimes_and_camera_ids() {
    let (_dir, data) = data_dir();
    let keys = TokenKeys::open(&data).unwrap();
    for ttl in [
        Duration::ZERO,
        Duration::from_millis(500),
        MAX_TTL + Duration::from_secs(1),
    ] {
        let error = keys.issue(&Scope::All, ttl, "cli").unwrap_err();
        assert!(matches!(error, IssueError::Ttl(_)), "{ttl:?}: {error}");
    }
    assert!(keys.issue(&Scope::All, MAX_TTL, "cli").is_ok());
    for id in ["", "*", "a/b", "front door", "caméra"] {
        let scope = Scope::Cameras(vec!["front".into(), id.into()]);
        let error = keys.issue(&scope, DEFAULT_TTL, "cli").unwrap_err();
        assert!(matches!(error, IssueError::CameraId(_)), "{id}: {error}");
    }
}

#[cfg(unix)]
#[test]
fn key_file_is_owner_only_and_replaced_owner_only() {
    let (_dir, data) = data_dir();
    TokenKeys::open(&data).unwrap();
    assert_eq!(mode(&data.jwt_key()), 0o600);
    let before = key_bytes(&data);
    assert!(before.len() >= 32);
    rotate_key(&data).unwrap();
    assert_eq!(mode(&data.jwt_key()), 0o600);
    assert_ne!(key_bytes(&data), before);
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(data.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["jwt.key"]);
}

#[cfg(unix)]
#[test]
fn key_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, data) = data_dir();
    TokenKeys::open(&data).unwrap();
    let perms = std::fs::Permissions::from_mode(0o644);
    std::fs::set_permissions(data.jwt_key(), perms).unwrap();
    let error = TokenKeys::open(&data).unwrap_err();
    assert!(
        matches!(error, KeyError::Mode { mode: 0o644, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("chmod 600"), "{error}");
}

#[test]
fn damaged_key_file_is_a_clear_error() {
    for content in ["not a key\n", "", "abcd\n", &"ab".repeat(16)] {
        let (_dir, data) = data_dir();
        std::fs::create_dir_all(data.root()).unwrap();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        std::io::Write::write_all(
            &mut options.open(data.jwt_key()).unwrap(),
            content.as_bytes(),
        )
        .unwrap();
        let error = TokenKeys::open(&data).unwrap_err();
        assert!(
            matches!(error, KeyError::Damaged { .. }),
            "{content:?}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("jwt.key") && message.contains("rotate-key"),
            "{message}"
        );
        // And the damaged key was left for the user to look at.
        assert_eq!(std::fs::read_to_string(data.jwt_key()).unwrap(), content);
    }
}

#[test]
fn rotation_invalidates_old_tokens_in_this_and_other_processes() {
    let (_dir, data) = data_dir();
    // The server's handle, which looks at the file on every use.
    let server = TokenKeys::open(&data).unwrap().checking_always();
    let old = server.issue(&front(), DEFAULT_TTL, "cli").unwrap();
    assert!(server.verify(&old).is_ok());

    // `streamforge token rotate-key` in another process.
    rotate_key(&data).unwrap();
    assert!(matches!(server.verify(&old), Err(TokenError::Forged)));
    let new = TokenKeys::open(&data)
        .unwrap()
        .issue(&front(), DEFAULT_TTL, "cli")
        .unwrap();
    assert!(server.verify(&new).is_ok());

    // Rotating through the handle itself takes effect at once.
    server.rotate_key().unwrap();
    assert!(matches!(server.verify(&new), Err(TokenError::Forged)));
}

#[test]
fn a_running_server_notices_rotation_within_a_second() {
    let (_dir, data) = data_dir();
    let server = TokenKeys::open(&data).unwrap();
    let old = server.issue(&Scope::All, DEFAULT_TTL, "cli").unwrap();
    rotate_key(&data).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    assert!(matches!(server.verify(&old), Err(TokenError::Forged)));
}

#[test]
fn a_removed_key_refuses_everything_until_a_new_one_exists() {
    let (_dir, data) = data_dir();
    let server = TokenKeys::open(&data).unwrap().checking_always();
    let token = server.issue(&Scope::All, DEFAULT_TTL, "cli").unwrap();
    std::fs::remove_file(data.jwt_key()).unwrap();
    let error = server.verify(&token).unwrap_err();
    assert!(matches!(&error, TokenError::Key(k) if matches!(**k, KeyError::Missing { .. })));
    assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!error.reason().contains("jwt.key"));
    // `token issue` makes a new key; the server uses it.
    let fresh = TokenKeys::open(&data)
        .unwrap()
        .issue(&Scope::All, DEFAULT_TTL, "cli")
        .unwrap();
    assert!(server.verify(&fresh).is_ok());
    assert!(matches!(server.verify(&token), Err(TokenError::Forged)));
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    headers.insert(axum::http::header::AUTHORIZATION, value);
    headers
}

#[test]
fn camera_access_from_header_query_admin_token_and_ws_message() {
    let (_dir, data) = data_dir();
    let keys = Arc::new(TokenKeys::open(&data).unwrap());
    let admin = "a".repeat(64);
    let access = CameraAccess::new(keys.clone(), admin.clone());
    let token = keys.issue(&front(), DEFAULT_TTL, "cli").unwrap();
    let none = HeaderMap::new();
    let front_only = Access::Cameras(vec!["front".into()]);

    assert_eq!(access.check(&bearer(&token), None), Ok(front_only.clone()));
    let query = format!("quality=high&token={token}");
    assert_eq!(access.check(&none, Some(&query)), Ok(front_only.clone()));
    // The scheme is case-insensitive; the header wins over the query.
    let mut lower = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("bearer {token}")).unwrap();
    lower.insert(axum::http::header::AUTHORIZATION, value);
    assert_eq!(
        access.check(&lower, Some("token=junk")),
        Ok(front_only.clone())
    );
    assert_eq!(access.check(&bearer(&admin), None), Ok(Access::All));
    // The admin token is not taken from a URL (history, Referer, logs).
    let in_url = access
        .check(&none, Some(&format!("token={admin}")))
        .unwrap_err();
    assert_eq!(in_url.status(), StatusCode::UNAUTHORIZED);
    assert!(in_url.reason().contains("not accepted in a URL"));

    let missing = access.check(&none, Some("quality=high")).unwrap_err();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert!(missing.is_missing());
    let empty = access.check(&none, Some("token=")).unwrap_err();
    assert!(empty.is_missing());
    let wrong = access.check(&bearer("x.y.z"), None).unwrap_err();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(!wrong.is_missing());

    // In scope, out of scope.
    assert!(access.check_camera(&bearer(&token), None, "front").is_ok());
    let denied = access
        .check_camera(&bearer(&token), None, "yard")
        .unwrap_err();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert!(access.check_camera(&bearer(&admin), None, "yard").is_ok());

    // The WebSocket's first message.
    let message = format!(r#"{{"type":"auth","token":"{token}"}}"#);
    assert_eq!(access.check_ws_message(&message), Ok(front_only));
    assert_eq!(ws_auth_token(&message).unwrap().as_str(), token);
    for bad in [
        r#"{"type":"ping"}"#,
        r#"{"type":"auth"}"#,
        r#"{"type":"auth","token":""}"#,
        "not json",
    ] {
        let error = access.check_ws_message(bad).unwrap_err();
        assert_eq!(error.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
}

#[tokio::test]
async fn refusal_answers_json_with_its_status() {
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    let refusal = Access::Cameras(vec![]).require("front").unwrap_err();
    let reason = refusal.reason();
    let response = refusal.into_response();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json, serde_json::json!({"error": reason}));
}

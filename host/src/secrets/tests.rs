use super::*;

const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn ring() -> KeyRing {
    KeyRing::from_env_value(HEX_KEY).unwrap()
}

#[test]
fn round_trip() {
    let ring = ring();
    let sealed = ring.seal("acme", "p@ss/w?rd&1 ü");
    assert_eq!(
        ring.open("acme", &sealed).unwrap().expose(),
        "p@ss/w?rd&1 ü"
    );
    let empty = ring.seal("acme", "");
    assert!(ring.open("acme", &empty).unwrap().is_empty());
}

#[test]
fn every_seal_uses_a_fresh_nonce() {
    let ring = ring();
    let a = ring.seal("acme", "same");
    let b = ring.seal("acme", "same");
    assert_ne!(a, b);
    assert_ne!(a[1..13], b[1..13]);
    assert_eq!(a[0], 1);
}

#[test]
fn a_different_key_gives_a_clear_error() {
    let sealed = ring().seal("acme", "secret-pass");
    let dir = tempfile::tempdir().unwrap();
    let other = KeyRing::from_key_file(dir.path()).unwrap();
    let err = other.open("acme", &sealed).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SecretError::WrongKey { .. }));
    assert!(text.contains("account `acme`"), "{text}");
    assert!(
        text.contains(&dir.path().join(KEY_FILE).display().to_string()),
        "{text}"
    );
    assert!(text.contains("restore the key"), "{text}");
    assert!(!text.contains("secret-pass"));
    let env_text = ring()
        .open("acme", &other.seal("acme", "x"))
        .unwrap_err()
        .to_string();
    assert!(
        env_text.contains("the key in STREAMFORGE_KEY"),
        "{env_text}"
    );
}

#[test]
fn a_password_moved_to_another_account_does_not_open() {
    let ring = ring();
    let sealed = ring.seal("acme", "secret-pass");
    assert!(matches!(
        ring.open("other", &sealed),
        Err(SecretError::WrongKey { .. })
    ));
}

#[test]
fn any_changed_byte_is_refused() {
    let ring = ring();
    let sealed = ring.seal("acme", "secret-pass");
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        assert!(ring.open("acme", &bad).is_err(), "byte {i}");
    }
    assert!(matches!(
        ring.open("acme", &sealed[..20]),
        Err(SecretError::Malformed { .. })
    ));
    assert!(ring.open("acme", &[]).is_err());
}

#[test]
fn sealed_bytes_hold_no_plaintext() {
    let sealed = ring().seal("acme", "plaintext-password-42");
    let needle = b"plaintext-password-42";
    assert!(!sealed.windows(needle.len()).any(|w| w == needle));
    assert!(!sealed.windows(4).any(|w| w == b"plai"));
}

#[test]
fn secret_never_prints() {
    let secret = Secret::from("hunter22");
    assert_eq!(format!("{secret}"), "<hidden>");
    assert_eq!(format!("{secret:?}"), "<hidden>");
    assert_eq!(format!("{:?}", Some(&secret)), "Some(<hidden>)");
    assert_eq!(secret.expose(), "hunter22");
    assert!(!format!("{:?}", ring()).contains(HEX_KEY));
}

#[cfg(unix)]
#[test]
fn key_file_is_created_owner_only_and_reused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let first = KeyRing::from_key_file(&data).unwrap();
    let path = data.join(KEY_FILE);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(first.source(), &KeySource::File(path.clone()));
    let sealed = first.seal("acme", "pw-1234");
    let second = KeyRing::from_key_file(&data).unwrap();
    assert_eq!(second.open("acme", &sealed).unwrap().expose(), "pw-1234");
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn racing_processes_agree_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let rings: Vec<KeyRing> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || KeyRing::from_key_file(&path).unwrap())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let sealed = rings[0].seal("acme", "pw-1234");
    for ring in &rings {
        assert_eq!(ring.open("acme", &sealed).unwrap().expose(), "pw-1234");
    }
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    KeyRing::from_key_file(dir.path()).unwrap();
    let path = dir.path().join(KEY_FILE);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = KeyRing::from_key_file(dir.path()).unwrap_err();
    assert!(matches!(err, SecretError::KeyFileMode { mode: 0o644, .. }));
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", path.display())),
        "{err}"
    );
}

#[test]
fn a_corrupt_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(KEY_FILE);
    std::fs::write(&path, "not a key\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let err = KeyRing::from_key_file(dir.path()).unwrap_err();
    assert!(matches!(err, SecretError::BadKeyFile(_)), "{err}");
}

#[test]
fn env_key_forms() {
    use base64::Engine;
    let bytes: Vec<u8> = (0u8..32).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
    let sealed = ring().seal("acme", "pw");
    for form in [
        HEX_KEY.to_string(),
        HEX_KEY.to_uppercase(),
        format!("  {HEX_KEY}\n"),
        b64,
        b64url,
    ] {
        let ring = KeyRing::from_env_value(&form).unwrap();
        assert_eq!(ring.open("acme", &sealed).unwrap().expose(), "pw", "{form}");
        assert_eq!(ring.source(), &KeySource::Env);
    }
    for bad in [
        "",
        "abc",
        &HEX_KEY[..62],
        &format!("{HEX_KEY}00"),
        "zz",
        "c2hvcnQ=",
    ] {
        let err = KeyRing::from_env_value(bad).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("64 hex characters or the base64 of 32 bytes"),
            "{text}"
        );
        assert!(bad.is_empty() || !text.contains(bad), "{text}");
    }
}

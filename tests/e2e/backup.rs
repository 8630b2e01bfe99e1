//! Backup and restore through the binary: a backup made while the server
//! runs, restored into a new data dir, serves the same lineup, numbers,
//! mappings and DeviceID; the admin token and plaintext passwords are never
//! in it; with `--include-key` the restored server tunes, without it the
//! user is told how to get the passwords back; damaged, cut and foreign
//! archives and non-empty targets are refused and the target is untouched.

use crate::common;
use crate::common::{cli, client, get_json, prepared};
use std::io::Read;
use std::path::Path;
use streamforge_sim::SimProvider;

/// The channel the test pins a stream of.
const ERSTE: &str = "daserste.de";

/// `(GuideNumber, GuideName, HD)` of every lineup entry, in order (the URL
/// holds the server's own address, so it is left out).
fn lineup(base: &str) -> Vec<(String, String, i64)> {
    get_json(&format!("{base}/lineup.json"))
        .as_array()
        .expect("lineup.json is a list")
        .iter()
        .map(|e| {
            (
                e["GuideNumber"].as_str().unwrap_or_default().to_string(),
                e["GuideName"].as_str().unwrap_or_default().to_string(),
                e["HD"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

fn device_id(base: &str) -> String {
    get_json(&format!("{base}/discover.json"))["DeviceID"]
        .as_str()
        .expect("a DeviceID")
        .to_string()
}

fn mappings(data: &Path) -> serde_json::Value {
    serde_json::from_str(&cli(data, &["mappings", "--json"])).expect("mappings JSON")
}

/// The archive's uncompressed bytes and its entry names.
fn unpacked(file: &Path) -> (Vec<u8>, Vec<String>) {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let names = tar::Archive::new(raw.as_slice())
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    (raw, names)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Plays `number` on the server at `base` long enough to see MPEG-TS.
fn plays(server: &common::Server, number: &str) {
    let mut resp = client()
        .get(format!("{}/stream/{number}", server.base))
        .send()
        .unwrap();
    assert_eq!(
        resp.status(),
        200,
        "channel {number} plays: {}",
        server.log_tail()
    );
    let mut buf = vec![0u8; 188 * 10];
    resp.read_exact(&mut buf).unwrap();
    assert_eq!(buf[0], 0x47, "MPEG-TS");
    drop(resp);
    server.wait_released();
}

#[test]
fn a_backup_made_while_serving_restores_the_same_lineup() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    cli(data.path(), &["map", ERSTE, "main", "12003", "--rank", "0"]);
    cli(data.path(), &["channel", "disable", "bbc1.uk"]);
    let before = lineup(&server.base);
    assert!(before.len() > 2, "{before:?}");
    let device = device_id(&server.base);
    let mapped = mappings(data.path());

    // Both backups are made by the running server (it holds the database).
    let out_dir = tempfile::tempdir().unwrap();
    let plain = out_dir.path().join("plain.tar.gz");
    let keyed = out_dir.path().join("keyed.tar.gz");
    let out = cli(data.path(), &["backup", plain.to_str().unwrap()]);
    assert!(out.contains("backup written to"), "{out}");
    assert!(out.contains("--include-key"), "{out}");
    let out = cli(
        data.path(),
        &["backup", keyed.to_str().unwrap(), "--include-key"],
    );
    assert!(out.contains("it holds the keys"), "{out}");
    let err = common::process::cli_fails(data.path(), &["backup", plain.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&plain).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only archive");
    }

    let token = std::fs::read_to_string(data.path().join("admin.token")).unwrap();
    let password = sim.config().password.clone();
    for file in [&plain, &keyed] {
        let (raw, names) = unpacked(file);
        assert!(
            !contains(&raw, token.trim()),
            "the admin token is in {names:?}"
        );
        assert!(
            !contains(&raw, &password),
            "a plaintext password is in the archive"
        );
        assert!(
            !names.iter().any(|n| n.contains("admin.token")),
            "{names:?}"
        );
        assert!(names.contains(&"db.dump".to_string()), "{names:?}");
        assert_eq!(
            names.contains(&"secret.key".to_string()),
            file == &keyed,
            "{names:?}"
        );
    }

    // Without the key: same lineup, numbers, mappings and DeviceID; the
    // user is told the passwords need re-entering, and doing so works.
    let restored = common::data_dir();
    let out = cli(restored.path(), &["restore", plain.to_str().unwrap()]);
    assert!(
        out.contains("cannot be decrypted") && out.contains("account set NAME --password-stdin"),
        "{out}"
    );
    assert!(out.contains("accounts: main"), "{out}");
    let second = common::Server::start(restored.path(), &["--idle-grace", "0"]);
    assert_eq!(lineup(&second.base), before);
    assert_eq!(device_id(&second.base), device);
    assert_eq!(mappings(restored.path()), mapped);
    let err = common::process::cli_fails(restored.path(), &["account", "test", "main"]);
    assert!(err.contains("cannot be decrypted"), "{err}");
    assert!(!err.contains(&password));
    common::process::cli_with_input(
        restored.path(),
        &["account", "set", "main", "--password-stdin"],
        &password,
    );
    cli(restored.path(), &["account", "test", "main"]);
    drop(second);

    // With the key: the stored password opens and the channels play.
    let keyed_dir = common::data_dir();
    let out = cli(keyed_dir.path(), &["restore", keyed.to_str().unwrap()]);
    assert!(!out.contains("cannot be decrypted"), "{out}");
    let third = common::Server::start(keyed_dir.path(), &["--idle-grace", "0"]);
    assert_eq!(lineup(&third.base), before);
    assert_eq!(device_id(&third.base), device);
    let erste = &before
        .iter()
        .find(|(_, name, _)| name == "Das Erste")
        .expect("Das Erste in the lineup")
        .0;
    plays(&third, erste);
    assert_ne!(
        std::fs::read_to_string(keyed_dir.path().join("admin.token")).unwrap(),
        token,
        "a restored server makes its own admin token"
    );
}

#[test]
fn damaged_foreign_and_misdirected_restores_are_refused_untouched() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let out_dir = tempfile::tempdir().unwrap();
    let good = out_dir.path().join("good.tar.gz");
    // No server: the CLI reads the database itself.
    cli(data.path(), &["backup", good.to_str().unwrap()]);
    let bytes = std::fs::read(&good).unwrap();

    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let foreign = {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mut header = tar::Header::new_gnu();
        header.set_size(4);
        header.set_mode(0o644);
        tar.append_data(&mut header, "etc/passwd", &b"root"[..])
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap()
    };
    let cases = [
        ("flipped.tar.gz", flipped, "is damaged"),
        (
            "cut.tar.gz",
            bytes[..bytes.len() * 2 / 3].to_vec(),
            "damaged or incomplete",
        ),
        ("foreign.tar.gz", foreign, "is not a StreamForge backup"),
        (
            "notes.txt",
            b"just text".to_vec(),
            "is not a StreamForge backup",
        ),
    ];
    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("data");
    std::fs::create_dir(&target).unwrap();
    for (name, content, expected) in cases {
        let file = out_dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let err = common::process::cli_fails(&target, &["restore", file.to_str().unwrap()]);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("nothing was changed"), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: one line: {err}");
        assert_eq!(
            std::fs::read_dir(&target).unwrap().count(),
            0,
            "{name}: the target was touched"
        );
        assert_eq!(
            std::fs::read_dir(parent.path()).unwrap().count(),
            1,
            "{name}: something was left beside the target"
        );
    }

    // A data dir in use is never overwritten.
    let before = std::fs::read_dir(data.path()).unwrap().count();
    let err = common::process::cli_fails(data.path(), &["restore", good.to_str().unwrap()]);
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), before);

    // The good one still restores into the empty target.
    let out = cli(&target, &["restore", good.to_str().unwrap()]);
    assert!(out.contains("restored"), "{out}");
    assert!(target.join("db").is_dir());
}

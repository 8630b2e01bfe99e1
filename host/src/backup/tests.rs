use super::*;
use crate::data_dir::DataDir;
use crate::store::Store;
use std::path::Path;

/// A data dir with a database, a guide file, a plugin, both keys and an
/// admin token; its store.
fn data_dir(root: &Path) -> (DataDir, Store) {
    let data = DataDir::new(root);
    std::fs::create_dir_all(data.guides()).unwrap();
    std::fs::create_dir_all(data.plugins().join("names")).unwrap();
    std::fs::write(data.guides().join("panel.xml"), "<tv/>").unwrap();
    std::fs::write(data.guides().join(".half-written"), "x").unwrap();
    std::fs::write(
        data.plugins().join("names/plugin.wasm"),
        [0u8, 97, 115, 109],
    )
    .unwrap();
    std::fs::write(root.join(crate::secrets::KEY_FILE), "k".repeat(64)).unwrap();
    std::fs::write(data.jwt_key(), "jwt").unwrap();
    std::fs::write(data.admin_token(), "the-admin-token").unwrap();
    let store = Store::open(&data.database()).unwrap();
    store.set_setting("device-id", "1234ABCD").unwrap();
    (data, store)
}

fn archive(data: &DataDir, store: &Store, include_key: bool, at: &Path) -> Manifest {
    let mut file = std::fs::File::create(at).unwrap();
    write_archive(data, store, include_key, &mut file).unwrap()
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        out.push(entry.file_name().to_string_lossy().into_owned());
    }
    out.sort();
    out
}

/// A restore gives back the database, guides and plugins; the keys only
/// when asked for; never the admin token or half-written files.
#[test]
fn an_archive_restores_into_a_new_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = data_dir(&tmp.path().join("old"));
    let file = tmp.path().join("backup.tar.gz");
    let manifest = archive(&data, &store, false, &file);
    assert!(!manifest.includes_key);
    assert_eq!(verify(&file).unwrap(), manifest);

    let target = tmp.path().join("new");
    let report = restore(&file, &target, RestoreLimits::default()).unwrap();
    assert!(report.accounts.is_empty());
    assert_eq!(files(&target), ["db", "guides", "plugins"]);
    assert_eq!(
        std::fs::read_to_string(target.join("guides/panel.xml")).unwrap(),
        "<tv/>"
    );
    assert_eq!(
        std::fs::read(target.join("plugins/names/plugin.wasm")).unwrap(),
        [0u8, 97, 115, 109]
    );
    let restored = Store::open(&target.join("db")).unwrap();
    assert_eq!(
        restored.setting("device-id").unwrap().as_deref(),
        Some("1234ABCD")
    );

    let with_key = tmp.path().join("with-key.tar.gz");
    assert!(archive(&data, &store, true, &with_key).includes_key);
    let target = tmp.path().join("keyed");
    std::fs::create_dir(&target).unwrap();
    restore(&with_key, &target, RestoreLimits::default()).unwrap();
    assert!(files(&target).contains(&"secret.key".to_string()));
    assert!(files(&target).contains(&"jwt.key".to_string()));
    assert!(!files(&target).contains(&"admin.token".to_string()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target.join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// Damaged, cut and foreign archives, and a data dir in use, are refused
/// with one line each, and the target stays as it was.
#[test]
fn bad_archives_and_full_targets_are_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = data_dir(&tmp.path().join("old"));
    let file = tmp.path().join("backup.tar.gz");
    archive(&data, &store, false, &file);
    let good = std::fs::read(&file).unwrap();
    let target = tmp.path().join("new");

    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("flipped", flipped, "damaged"),
        (
            "cut",
            good[..good.len() - 9].to_vec(),
            "damaged or incomplete",
        ),
        ("plain", b"hello".to_vec(), "not a StreamForge backup"),
        (
            "foreign",
            foreign_archive(),
            "not a StreamForge backup (it holds `notes.txt`)",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = format!(
            "{:#}",
            restore(&path, &target, RestoreLimits::default()).unwrap_err()
        );
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains('\n'), "{name}: one line: {err}");
        assert!(!target.exists(), "{name}: the target was touched");
    }
    let leftovers: Vec<_> = files(tmp.path())
        .into_iter()
        .filter(|f| f.starts_with(".streamforge-restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("mine.txt"), "keep").unwrap();
    let err = restore(&file, &target, RestoreLimits::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(files(&target), ["mine.txt"]);
}

/// A valid .tar.gz that is not a backup.
fn foreign_archive() -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut header = tar::Header::new_gnu();
    header.set_size(5);
    header.set_mode(0o644);
    tar.append_data(&mut header, "notes.txt", &b"hello"[..])
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

/// The entries of an archive (manifest left out), in order.
fn entries_of(file: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap());
    let mut tar = tar::Archive::new(gz);
    let mut out = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if path != MANIFEST {
            out.push((path, bytes));
        }
    }
    out
}

/// An archive of `entries` with a manifest that lists each one correctly
/// (what someone who altered a backup would write) and says `includes_key`.
fn forged_archive(entries: &[(String, Vec<u8>)], includes_key: bool) -> Vec<u8> {
    use sha2::Digest;
    let listed: Vec<Entry> = entries
        .iter()
        .map(|(path, bytes)| Entry {
            path: path.clone(),
            size: bytes.len() as u64,
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
        })
        .collect();
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        streamforge: "forged".into(),
        schema: crate::store::SCHEMA,
        created: 0,
        includes_key,
        entries: listed,
    };
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    let json = serde_json::to_vec(&manifest).unwrap();
    for (path, bytes) in entries
        .iter()
        .chain(std::iter::once(&(MANIFEST.to_string(), json)))
    {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        tar.append_data(&mut header, path, &bytes[..]).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// A key the manifest does not announce is refused, and nothing is written:
/// with it, whoever altered the archive could sign camera tokens.
#[test]
fn a_planted_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = data_dir(&tmp.path().join("old"));
    let file = tmp.path().join("backup.tar.gz");
    archive(&data, &store, false, &file);
    let mut entries = entries_of(&file);
    entries.push(("jwt.key".into(), vec![b'0'; 64]));
    let planted = tmp.path().join("planted.tar.gz");
    std::fs::write(&planted, forged_archive(&entries, false)).unwrap();
    let target = tmp.path().join("new");
    let err = format!(
        "{:#}",
        restore(&planted, &target, RestoreLimits::default()).unwrap_err()
    );
    assert!(
        err.contains("holds `jwt.key` although its manifest says it has no keys"),
        "{err}"
    );
    assert!(!target.exists());
    // The same archive announcing its keys is a backup made with --include-key.
    let announced = tmp.path().join("announced.tar.gz");
    std::fs::write(&announced, forged_archive(&entries, true)).unwrap();
    restore(&announced, &target, RestoreLimits::default()).unwrap();
    assert!(target.join("jwt.key").exists());
}

/// An archive that expands past the limits is refused before anything is
/// written, however small it is.
#[test]
fn an_archive_that_expands_too_far_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = data_dir(&tmp.path().join("old"));
    let file = tmp.path().join("backup.tar.gz");
    archive(&data, &store, false, &file);
    let mut entries = entries_of(&file);
    entries.push(("guides/huge.xml".into(), vec![b' '; 8 << 20]));
    let bomb = tmp.path().join("bomb.tar.gz");
    let bytes = forged_archive(&entries, false);
    assert!(bytes.len() < 64 << 10, "compresses well: {}", bytes.len());
    std::fs::write(&bomb, bytes).unwrap();
    let target = tmp.path().join("new");
    let small = RestoreLimits {
        total: 64 << 20,
        entry: 4 << 20,
    };
    let err = format!("{:#}", restore(&bomb, &target, small).unwrap_err());
    assert!(err.contains("expands to more than restore allows"), "{err}");
    assert!(err.contains("guides/huge.xml"), "{err}");
    assert!(!target.exists());
    let total = RestoreLimits {
        total: 4 << 20,
        entry: 64 << 20,
    };
    assert!(restore(&bomb, &target, total).is_err());
    assert!(!target.exists());
    // Within the limits, it restores.
    restore(&bomb, &target, RestoreLimits::default()).unwrap();
}

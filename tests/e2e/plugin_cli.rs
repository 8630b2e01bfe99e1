//! `streamforge plugin ...` as a user runs it: the real binary, a fresh data
//! dir, real `.wasm` files, one-line errors and non-zero exits.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use common::cli as ok;

/// Runs a command that must fail, returning its stderr (one `error:` line).
fn fails(data: &Path, args: &[&str]) -> String {
    let err = common::process::cli_fails(data, args);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "want one error line, got: {err}");
    lines[0].to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn fresh_data_dir_lists_the_five_builtins() {
    let dir = common::data_dir();
    let out = ok(dir.path(), &["plugin", "list"]);
    let version = env!("CARGO_PKG_VERSION");
    for (name, world) in [
        ("m3u", "provider-adapter"),
        ("matcher", "channel-matcher"),
        ("protect", "camera-source"),
        ("rtsp", "camera-source"),
        ("xtream", "provider-adapter"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{out}"));
        assert!(
            line.contains(version) && line.contains(world) && line.contains("built-in"),
            "{line}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["plugin", "list", "--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 5);
    assert_eq!(json[4]["name"], "xtream");
    assert_eq!(json[4]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json[2]["world"], "camera-source");
    assert_eq!(json[2]["contract"], "0.2.0");
}

#[test]
fn install_inspect_and_remove_a_plugin() {
    let dir = common::data_dir();
    let wasm = common::fixture("streamforge-fixture-hostile");
    let info = ok(dir.path(), &["plugin", "inspect", path(&wasm)]);
    assert!(
        info.contains("name:        hostile") && info.contains("(not installed)"),
        "{info}"
    );
    assert!(
        info.contains("wasi:cli/environment"),
        "imports are listed: {info}"
    );
    assert!(!ok(dir.path(), &["plugin", "list"]).contains("hostile"));

    let out = ok(dir.path(), &["plugin", "install", path(&wasm)]);
    assert!(
        out.starts_with("installed hostile 6.6.6 (provider-adapter, contract 0.1.0"),
        "{out}"
    );
    assert!(dir.path().join("plugins/hostile/plugin.wasm").exists());
    assert!(ok(dir.path(), &["plugin", "list"]).contains("hostile          6.6.6"));
    let shown = ok(dir.path(), &["plugin", "inspect", "hostile"]);
    assert!(
        shown.contains("built-in:    no") && shown.contains("sha256:"),
        "{shown}"
    );

    let again = fails(dir.path(), &["plugin", "install", path(&wasm)]);
    assert!(again.contains("already installed"), "{again}");

    assert_eq!(
        ok(dir.path(), &["plugin", "remove", "hostile"]).trim(),
        "removed hostile 6.6.6"
    );
    assert!(!ok(dir.path(), &["plugin", "list"]).contains("hostile"));
    assert!(
        fails(dir.path(), &["plugin", "remove", "hostile"]).contains("no plugin named `hostile`")
    );
    assert!(fails(dir.path(), &["plugin", "remove", "xtream"]).contains("built into StreamForge"));
}

#[test]
fn a_camera_source_is_inspected_and_installed_with_its_world() {
    let dir = common::data_dir();
    let wasm = common::fixture("streamforge-fixture-camera");
    let info = ok(dir.path(), &["plugin", "inspect", path(&wasm)]);
    assert!(
        info.contains("world:       camera-source")
            && info.contains("contract:    streamforge:plugin@0.2.0")
            && info.contains("streamforge:plugin/cameras@0.2.0"),
        "{info}"
    );
    let out = ok(dir.path(), &["plugin", "install", path(&wasm)]);
    assert!(
        out.starts_with("installed scripted-camera 0.2.0 (camera-source, contract 0.2.0"),
        "{out}"
    );
    let line = ok(dir.path(), &["plugin", "list"])
        .lines()
        .find(|l| l.starts_with("scripted-camera"))
        .map(str::to_string)
        .unwrap();
    assert!(
        line.contains("camera-source") && line.contains("0.2.0"),
        "{line}"
    );
    let shown = ok(dir.path(), &["plugin", "inspect", "scripted-camera"]);
    assert!(shown.contains("world:       camera-source"), "{shown}");
}

#[test]
fn bad_files_are_refused_with_one_clear_line() {
    let dir = common::data_dir();
    let scratch = common::data_dir();
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let p = scratch.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (scratch.path().join("missing.wasm"), "cannot read"),
        (
            write("text.wasm", b"hello, not wasm"),
            "not a WebAssembly file",
        ),
        (
            write("core.wasm", b"\0asm\x01\0\0\0"),
            "a core WebAssembly module, not a component",
        ),
        (
            write(
                "truncated.wasm",
                &std::fs::read(common::fixture("streamforge-fixture-hostile")).unwrap()[..5000],
            ),
            "not a valid WebAssembly component",
        ),
        (
            common::fixture("streamforge-fixture-wrong-world"),
            "not a StreamForge plugin: it exports acme:gadget/widget@1.0.0",
        ),
        (
            common::fixture("streamforge-fixture-wrong-version"),
            "built for plugin contract streamforge:plugin@9.0.0, but this StreamForge runs \
             @0.1.0, @0.2.0; rebuild the plugin against wit/v0.2.0 or upgrade StreamForge",
        ),
        // The test-only newer contract runs only in the host's unit tests.
        (
            common::fixture("streamforge-fixture-next-contract"),
            "built for plugin contract streamforge:plugin@0.99.0-test, but this StreamForge runs \
             @0.1.0, @0.2.0",
        ),
        (
            common::fixture("streamforge-fixture-sockets"),
            "imports `wasi:sockets/",
        ),
    ];
    for (file, expected) in cases {
        let err = fails(dir.path(), &["plugin", "install", path(&file)]);
        assert!(
            err.contains(expected),
            "{}: want {expected:?}, got {err}",
            file.display()
        );
        assert!(
            err.starts_with(&format!("error: cannot install {}", path(&file))),
            "{err}"
        );
    }
    // Nothing half-installed.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("plugins"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["m3u", "matcher", "protect", "rtsp", "xtream"]);
}

#[test]
fn checksum_is_verified() {
    let dir = common::data_dir();
    let wasm = common::fixture("streamforge-fixture-hostile");
    let wrong = "0".repeat(64);
    let err = fails(
        dir.path(),
        &["plugin", "install", path(&wasm), "--sha256", &wrong],
    );
    assert!(
        err.contains("checksum mismatch: expected sha256 0000"),
        "{err}"
    );
}

/// Serves `body` to every request on a loopback port, for `n` requests.
fn serve(body: Vec<u8>, n: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}/hostile.wasm")
}

#[test]
fn install_from_a_url_needs_and_checks_the_sha256() {
    let dir = common::data_dir();
    let bytes = std::fs::read(common::fixture("streamforge-fixture-hostile")).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let url = serve(bytes, 2);
    let err = fails(dir.path(), &["plugin", "install", &url]);
    assert!(err.contains("needs --sha256"), "{err}");
    let err = fails(
        dir.path(),
        &["plugin", "install", &url, "--sha256", &"a".repeat(64)],
    );
    assert!(err.contains("checksum mismatch"), "{err}");
    let out = ok(dir.path(), &["plugin", "install", &url, "--sha256", &sha]);
    assert!(out.starts_with("installed hostile 6.6.6"), "{out}");
    let err = fails(
        dir.path(),
        &[
            "plugin",
            "install",
            "http://example.com/x.wasm",
            "--sha256",
            &sha,
        ],
    );
    assert!(
        err.contains("refusing to download a plugin over plain http"),
        "{err}"
    );
}

#[test]
fn example_plugin_builds_and_installs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let example = root.join("examples/provider-plugin");
    let target = root.join("target/wasm-plugins");
    let status = std::process::Command::new(env!("CARGO"))
        .current_dir(&example)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .status()
        .expect("running cargo");
    assert!(status.success(), "building examples/provider-plugin failed");
    let wasm = target.join("wasm32-wasip2/release/streamforge_example_jsonlist.wasm");
    let dir = common::data_dir();
    let out = ok(dir.path(), &["plugin", "install", path(&wasm)]);
    assert!(out.starts_with("installed jsonlist "), "{out}");
    assert!(ok(dir.path(), &["plugin", "list"]).contains("jsonlist"));
}

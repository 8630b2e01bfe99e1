//! The contract's versioning, proved: released `wit/` folders cannot change
//! by accident, a plugin built against a newer contract loads and serves
//! beside 0.1.0 plugins, its answers converted into the host's model, and a
//! 0.2.0 camera source installs as its own world.

use crate::events::EventLog;
use crate::model::{HttpResponse, Quality};
use crate::plugins::PluginRegistry;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Every released contract folder under `wit/` and the sha256 of its files
/// (relative path, NUL, contents, NUL; in path order). A released contract is
/// frozen: a change belongs in a new `wit/vX.Y.Z/` folder with its own line here.
const RELEASED: &[(&str, &str)] = &[
    (
        "v0.1.0",
        "be62dff638955701a2ec26dd5cfd3d8bc76a8b9277e90d7dd7f9ca9ac2582681",
    ),
    (
        "v0.2.0",
        "ffe2630e340af6e2e99f95dec2bf3fc31c22ac0f31f10c065e5ebc083322b6af",
    ),
];

fn folder_digest(dir: &Path) -> String {
    let mut files: Vec<_> = walk(dir);
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        let relative = file
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        hash.update(relative.as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(&file).unwrap());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn released_contracts_are_frozen() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let mut on_disk: Vec<String> = std::fs::read_dir(&wit)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = RELEASED.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        on_disk, listed,
        "every folder under wit/ is a released contract with a digest in RELEASED"
    );
    for (version, digest) in RELEASED {
        assert_eq!(
            folder_digest(&wit.join(version)),
            *digest,
            "wit/{version} changed: released contracts are frozen; put changes in a new version folder"
        );
        let bindings = version.trim_start_matches('v');
        assert!(
            super::SUPPORTED.contains(&bindings),
            "wit/{version} has no bindings module in plugins/bindings"
        );
    }
}

const PLAYLIST: &str = "#EXTM3U\n\
#EXTINF:-1 tvg-id=\"bbc1.uk\" group-title=\"UK\",UK: BBC One FHD\n\
http://panel.example/{username}/{password}/101.ts\n\
#EXTINF:-1 tvg-id=\"daserste.de\" group-title=\"DE\",DE: Das Erste HD\n\
http://panel.example/{username}/{password}/201.ts\n\
#EXTINF:-1 group-title=\"DE\",Das Erste SD\n\
http://panel.example/{username}/{password}/202.ts\n";

fn playlist(body: &str) -> Vec<HttpResponse> {
    vec![HttpResponse {
        purpose: "playlist".into(),
        status: 200,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    }]
}

#[test]
fn a_newer_contract_plugin_serves_beside_a_0_1_0_one() {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(EventLog::default());
    let registry = PluginRegistry::open(
        dir.path().join("plugins"),
        streamforge_testkit::plugin_cache(),
        events,
    )
    .unwrap();
    let next = streamforge_test_plugins::path(streamforge_test_plugins::NEXT_CONTRACT);
    let manifest = registry.install_file(&next, None).unwrap();
    assert_eq!(
        (manifest.name.as_str(), manifest.contract.as_str()),
        ("m3u-next", super::v0_99_0_test::VERSION)
    );
    let builtin = registry.manifest("m3u").unwrap();
    assert_eq!(builtin.contract, super::v0_1_0::VERSION);

    let old = registry.get("m3u").unwrap();
    let new = registry.get("m3u-next").unwrap();
    let (old, new) = (old.provider().unwrap(), new.provider().unwrap());
    assert_eq!(new.info().unwrap().name, "m3u-next");

    let from_old = old.parse_catalog(playlist(PLAYLIST)).unwrap().unwrap();
    let from_new = new.parse_catalog(playlist(PLAYLIST)).unwrap().unwrap();
    let facts = |list: &[crate::model::ProviderChannel]| -> Vec<_> {
        list.iter()
            .map(|c| {
                let c = c.clone();
                (c.key, c.name, c.base_name, c.quality, c.guide_id, c.group)
            })
            .collect()
    };
    assert_eq!(facts(&from_new), facts(&from_old));
    assert_eq!(from_new.len(), 3);
    assert_eq!(from_new[0].quality, Quality::Fhd);

    // The newer contract's `uhd8k` tier arrives as the host's best tier.
    let eight_k = new
        .parse_catalog(playlist(
            "#EXTM3U\n#EXTINF:-1,Nature 8K\nhttp://panel.example/{username}/{password}/9.ts\n",
        ))
        .unwrap()
        .unwrap();
    assert_eq!(eight_k[0].quality, Quality::Uhd);

    // Candidates come back through both versions the same.
    for (a, b) in from_old.iter().zip(&from_new) {
        let a = old.stream_candidates(a, &[]).unwrap();
        let b = new.stream_candidates(b, &[]).unwrap();
        assert_eq!(a, b);
        assert!(a[0].url_template.contains("{password}"));
    }
}

#[test]
fn the_latest_contract_is_the_newest_released_folder() {
    let newest = RELEASED.last().unwrap().0.trim_start_matches('v');
    assert_eq!(super::LATEST, newest);
    assert!(super::SUPPORTED.contains(&super::v0_1_0::VERSION));
}

#[test]
fn a_0_2_0_camera_source_installs_as_its_own_world() {
    let dir = tempfile::tempdir().unwrap();
    let registry = PluginRegistry::open(
        dir.path().join("plugins"),
        streamforge_testkit::plugin_cache(),
        Arc::new(EventLog::default()),
    )
    .unwrap();
    let wasm = streamforge_test_plugins::path(streamforge_test_plugins::CAMERA);
    let manifest = registry.install_file(&wasm, None).unwrap();
    assert_eq!(manifest.world, crate::plugins::World::CameraSource);
    assert_eq!(manifest.world.to_string(), "camera-source");
    assert_eq!(manifest.contract, super::v0_2_0::VERSION);

    let plugin = registry.get("scripted-camera").unwrap();
    assert!(plugin.provider().is_none() && plugin.matcher().is_none());
    assert_eq!(plugin.info().unwrap().name, "scripted-camera");
    let options = vec![("mode".to_string(), "direct".to_string())];
    let step = plugin
        .camera_source()
        .unwrap()
        .list_cameras(&options, 0, &[])
        .unwrap()
        .unwrap();
    let crate::model::CameraStep::Cameras(cameras) = step else {
        panic!("a direct camera lists at once: {step:?}");
    };
    assert_eq!(cameras.len(), 1);
    let stream = &cameras[0].streams[0];
    assert_eq!(
        (stream.label.as_str(), stream.width, stream.height),
        ("High", 1920, 1080)
    );
    assert_eq!(stream.url_template, "rtsp://{host}:7447/alias");
    assert_eq!(cameras[0].codec.as_deref(), Some("h264"));

    // The 0.1.0 built-ins keep loading beside it.
    let m3u = registry.get("m3u").unwrap();
    assert_eq!(m3u.manifest().contract, super::v0_1_0::VERSION);
    assert!(m3u.camera_source().is_none() && m3u.provider().is_some());
}

#[test]
fn a_0_2_0_provider_asks_for_a_post_with_a_body_template() {
    let dir = tempfile::tempdir().unwrap();
    let registry = PluginRegistry::open(
        dir.path().join("plugins"),
        streamforge_testkit::plugin_cache(),
        Arc::new(EventLog::default()),
    )
    .unwrap();
    let wasm = streamforge_test_plugins::path(streamforge_test_plugins::PROVIDER_0_2);
    let manifest = registry.install_file(&wasm, None).unwrap();
    assert_eq!(
        (manifest.world, manifest.contract.as_str()),
        (
            crate::plugins::World::ProviderAdapter,
            super::v0_2_0::VERSION
        )
    );
    let plugin = registry.get("lines-0-2").unwrap();
    let provider = plugin.provider().unwrap();
    let requests = provider.catalog_requests(&[]).unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, crate::model::HttpMethod::Post);
    assert_eq!(
        requests[0].body,
        Some(crate::model::BodyTemplate::Json(
            r#"{"user":"{username}","pass":"{password}"}"#.into()
        ))
    );
    let channels = provider
        .parse_catalog(playlist("One\nTwo\n"))
        .unwrap()
        .unwrap();
    assert_eq!(channels.len(), 2);
    assert_eq!(
        provider.stream_candidates(&channels[1], &[]).unwrap()[0].url_template,
        "{server}/live/1.ts"
    );
    // 0.1.0 requests arrive as GETs without a body.
    let m3u = registry.get("m3u").unwrap();
    let old = m3u.provider().unwrap().catalog_requests(&[]).unwrap();
    assert_eq!(
        (old[0].method, old[0].body.clone()),
        (crate::model::HttpMethod::Get, None)
    );
}

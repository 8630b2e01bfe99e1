use super::schema::{self, Value};
use super::sources::{Origin, Sources};
use super::{file, Reloader, Resolved};
use crate::events::EventLog;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("streamforge.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn sources(flags: &[(&str, &str)], env: &[(&str, &str)], file: Option<PathBuf>) -> Sources {
    Sources {
        flags: flags
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        env: env
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<BTreeMap<_, _>>(),
        file,
    }
}

fn errors(text: &str) -> Vec<String> {
    file::parse("streamforge.toml", text)
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn flags_beat_env_beat_file_beat_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "friendly_name = \"From file\"\n\n[relay]\nstall_timeout = 4\nidle_grace = 7.5\nstuck_viewer_timeout = 20\n",
    );
    let shown = path.display().to_string();
    let r = sources(
        &[("stall_timeout", "1.5")],
        &[
            ("STREAMFORGE_IDLE_GRACE", "9"),
            ("STREAMFORGE_STALL_TIMEOUT", "8"),
        ],
        Some(path),
    )
    .resolve()
    .unwrap();
    let stall = r.get("relay.stall_timeout").unwrap();
    assert_eq!(stall.value, Some(Value::Seconds(1.5)));
    assert_eq!(
        stall.origin,
        Origin::Flag {
            flag: "--stall-timeout".into()
        }
    );
    let idle = r.get("relay.idle_grace").unwrap();
    assert_eq!(idle.value, Some(Value::Seconds(9.0)));
    assert_eq!(
        idle.origin,
        Origin::Env {
            name: "STREAMFORGE_IDLE_GRACE".into()
        }
    );
    let stuck = r.get("relay.stuck_viewer_timeout").unwrap();
    assert_eq!(stuck.value, Some(Value::Seconds(20.0)));
    assert_eq!(
        stuck.origin,
        Origin::File {
            path: shown.clone(),
            line: 6
        }
    );
    assert_eq!(r.text("friendly_name").as_deref(), Some("From file"));
    let slow = r.get("relay.slow_timeout").unwrap();
    assert_eq!(
        (slow.value.clone(), slow.origin.clone()),
        (Some(Value::Seconds(5.0)), Origin::Default)
    );
    assert_eq!(r.get("base_url").unwrap().value, None);
    assert_eq!(r.count("camera.max_streams"), Some(10));
}

#[test]
fn the_camera_storys_environment_names_are_read_as_they_are() {
    let r = sources(
        &[],
        &[
            ("STREAM_MAX_CONCURRENT", "3"),
            ("STREAM_DEFAULT_QUALITY", "high"),
            ("STREAM_FRAME_BUFFER_SIZE", "7"),
        ],
        None,
    )
    .resolve()
    .unwrap();
    assert_eq!(r.count("camera.max_streams"), Some(3));
    assert_eq!(r.text("camera.default_quality").as_deref(), Some("high"));
    assert_eq!(
        r.get("camera.frame_buffer").unwrap().origin,
        Origin::Env {
            name: "STREAM_FRAME_BUFFER_SIZE".into()
        }
    );
    // The StreamForge name wins over the old one.
    let r = sources(
        &[],
        &[
            ("STREAM_MAX_CONCURRENT", "3"),
            ("STREAMFORGE_CAMERA_MAX_STREAMS", "4"),
        ],
        None,
    )
    .resolve()
    .unwrap();
    assert_eq!(r.count("camera.max_streams"), Some(4));
}

#[test]
fn no_discovery_flag_and_discovery_env_turn_it_off() {
    let r = sources(&[("no_discovery", "true")], &[], None)
        .resolve()
        .unwrap();
    assert_eq!(r.switch("discovery"), Some(false));
    let r = sources(&[], &[("STREAMFORGE_DISCOVERY", "off")], None)
        .resolve()
        .unwrap();
    assert_eq!(r.switch("discovery"), Some(false));
    let r = sources(&[], &[], None).resolve().unwrap();
    assert_eq!(r.switch("discovery"), Some(true));
}

#[test]
fn an_unknown_key_names_its_line_and_the_closest_known_key() {
    let e = errors("listen = \"127.0.0.1:5004\"\n\n[relay]\nstall_timout = 3\n");
    assert_eq!(
        e,
        ["streamforge.toml:4: unknown key `stall_timout`; did you mean `stall_timeout`?"]
    );
    // A key put in the wrong table points at where it belongs.
    let e = errors("stall_timeout = 3\n");
    assert_eq!(
        e,
        ["streamforge.toml:1: unknown key `stall_timeout`; it belongs in the [relay] table"]
    );
    let e = errors("[relay]\ntuner_count = 3\n");
    assert_eq!(
        e,
        ["streamforge.toml:2: unknown key `tuner_count`; it belongs at the top of the file, before any [table]"]
    );
    // Nothing close: the table's keys are listed.
    let e = errors("[camera]\nzzzzzzzzzzzz = 1\n");
    assert!(e[0].starts_with("streamforge.toml:2: unknown key `zzzzzzzzzzzz`; known keys in [camera]: max_streams, default_quality"), "{e:?}");
    let e = errors("[camera.levels.ultra]\nwidth = 10\n");
    assert!(e[0].contains("unknown key `ultra`"), "{e:?}");
}

#[test]
fn wrong_types_and_out_of_range_values_say_what_is_allowed() {
    let e = errors(
        "tuner_count = \"four\"\nfriendly_name = 12\n[relay]\nstall_timeout = -1\nchannel_buffer_mib = 5000\n[camera]\ndefault_quality = \"ultra\"\n[camera.levels.low]\nfps = 0\n",
    );
    assert_eq!(
        e,
        [
            "streamforge.toml:1: `tuner_count` must be a whole number from 1 to 255, not the string \"four\" (write it without quotes)",
            "streamforge.toml:2: `friendly_name` must be a name of 1 to 64 characters, not 12",
            "streamforge.toml:4: `relay.stall_timeout` must be a number of seconds from 0 to 3600, not -1",
            "streamforge.toml:5: `relay.channel_buffer_mib` must be a whole number from 1 to 1024, not 5000",
            "streamforge.toml:7: `camera.default_quality` must be one of \"low\", \"medium\", \"high\", not \"ultra\"",
            "streamforge.toml:9: `camera.levels.low.fps` must be a whole number from 1 to 60, not 0",
        ]
    );
    let e =
        errors("listen = \"everywhere\"\ndevice_id = \"12345678\"\nbase_url = \"plex.local\"\n");
    assert!(
        e[0].contains("`listen` must be an address and port"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with(
            "streamforge.toml:2: `device_id`: DeviceID 12345678 fails the HDHomeRun checksum"
        ),
        "{e:?}"
    );
    assert!(e[2].contains("`base_url` must be a URL"), "{e:?}");
    let e = errors("relay = 3\n");
    assert_eq!(e, ["streamforge.toml:1: `relay` is a table, like [relay]"]);
}

#[test]
fn broken_toml_names_its_line() {
    let e = errors("listen = \"127.0.0.1:5004\"\nfriendly_name = \"unterminated\n");
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("streamforge.toml:2: not valid TOML"),
        "{e:?}"
    );
    assert!(!e[0].contains('\n'));
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let err = sources(&[], &[("STREAMFORGE_TUNER_COUNT", "0")], None)
        .resolve()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "environment STREAMFORGE_TUNER_COUNT: `tuner_count` must be a whole number from 1 to 255, not 0"
    );
}

#[test]
fn every_default_is_valid_and_every_key_has_a_distinct_env_name() {
    let mut names = std::collections::HashSet::new();
    for key in schema::keys() {
        let _ = key.default_value();
        assert!(names.insert(key.env()), "{} twice", key.env());
        assert!(
            key.default.is_some() || !key.unset.is_empty(),
            "{}: say what unset means",
            key.path
        );
    }
}

/// The example file names every key with its default, so it cannot drift:
/// its commented-out keys are checked too.
#[test]
fn the_example_file_names_every_key_with_its_default() {
    let text = include_str!("../../../examples/streamforge.toml");
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest
                    .split_once(" = ")
                    .is_some_and(|(k, _)| !k.contains(' ')) =>
            {
                rest
            }
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let values =
        file::parse("examples/streamforge.toml", &uncommented).unwrap_or_else(|e| panic!("{e}"));
    for key in schema::keys() {
        let found = values.iter().find(|v| v.key.path == key.path);
        let found =
            found.unwrap_or_else(|| panic!("examples/streamforge.toml lacks `{}`", key.path));
        if let Some(default) = key.default_value() {
            assert_eq!(found.value, default, "`{}` shows another default", key.path);
        }
    }
    // As shipped (comments kept) it gives exactly the defaults.
    let shipped = file::parse("streamforge.toml", text).unwrap();
    assert!(shipped
        .iter()
        .all(|v| Some(&v.value) == v.key.default_value().as_ref()));
}

fn reloader(path: PathBuf) -> (Reloader, Arc<EventLog>, Arc<Mutex<Vec<Resolved>>>) {
    let sources = sources(&[("friendly_name", "Flagged")], &[], Some(path));
    let running = sources.resolve().unwrap();
    let events = Arc::new(EventLog::default());
    let applied = Arc::new(Mutex::new(Vec::new()));
    let seen = applied.clone();
    let apply = Box::new(move |r: &Resolved| seen.lock().unwrap().push(r.clone()));
    (
        Reloader::new(sources, running, events.clone(), apply),
        events,
        applied,
    )
}

#[test]
fn a_reload_applies_live_keys_and_names_the_ones_that_need_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "listen = \"127.0.0.1:5004\"\ntuner_count = 2\n");
    let (reloader, events, applied) = reloader(path.clone());
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:6000\"\ntuner_count = 3\nfriendly_name = \"Outranked\"\n[relay]\nstall_timeout = 1\n",
    )
    .unwrap();
    let report = reloader.reload();
    assert_eq!(report.error, None);
    assert_eq!(report.applied, ["tuner_count", "relay.stall_timeout"]);
    assert_eq!(report.restart_needed, ["listen"]);
    let applied = applied.lock().unwrap();
    let last = applied.last().unwrap();
    assert_eq!(last.count("tuner_count"), Some(3));
    // The flag still outranks the file; the listener stays until a restart.
    assert_eq!(last.text("friendly_name").as_deref(), Some("Flagged"));
    assert_eq!(last.addr("listen"), "127.0.0.1:5004".parse().ok());
    assert_eq!(reloader.running().count("tuner_count"), Some(3));
    let kinds: Vec<(String, String)> = events
        .snapshot()
        .into_iter()
        .map(|e| (e.kind, e.detail))
        .collect();
    assert!(
        kinds
            .iter()
            .any(|(k, d)| k == "config-restart-needed" && d.contains("listen")),
        "{kinds:?}"
    );
}

#[test]
fn a_bad_file_on_reload_keeps_the_running_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "tuner_count = 2\n");
    let (reloader, events, applied) = reloader(path.clone());
    let before = reloader.running();
    std::fs::write(&path, "tuner_count = 3\n[relay]\nstall_timout = 1\n").unwrap();
    let report = reloader.reload();
    let error = report.error.unwrap();
    assert!(error.contains(":3: unknown key `stall_timout`"), "{error}");
    assert!(report.applied.is_empty());
    assert!(applied.lock().unwrap().is_empty());
    assert_eq!(reloader.running(), before);
    let failed: Vec<String> = events
        .snapshot()
        .into_iter()
        .filter(|e| e.kind == "config-reload-failed")
        .map(|e| e.detail)
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].contains("the running settings stay"),
        "{failed:?}"
    );
}

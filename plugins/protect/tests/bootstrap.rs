//! Reading Protect bootstraps natively: cameras, online state, RTSP channels.

use streamforge_plugin_protect::bootstrap::{parse_bootstrap, Ports};

const BOOTSTRAP: &str = include_str!("fixtures/bootstrap.json");

fn ports(pairs: &[(&str, &str)]) -> Ports {
    let options: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ports::from_options(&options).unwrap()
}

#[test]
fn cameras_channels_and_states() {
    let cameras = parse_bootstrap(BOOTSTRAP.as_bytes(), &ports(&[])).unwrap();
    assert_eq!(cameras.len(), 2, "a camera without id is skipped");
    let door = &cameras[0];
    assert_eq!(door.key, "65f1a0c2003e8303e4000aa1");
    assert_eq!(door.name, "Front Door");
    assert!(door.online);
    assert_eq!(door.codec.as_deref(), Some("h264"));
    let streams: Vec<(&str, u32, u32, &str)> = door
        .streams
        .iter()
        .map(|s| (s.label.as_str(), s.width, s.height, s.url_template.as_str()))
        .collect();
    assert_eq!(
        streams,
        [
            ("High", 1920, 1080, "rtsp://{host}:7447/HighAlias1"),
            ("Low", 640, 360, "rtsp://{host}:7447/LowAlias3"),
        ],
        "enabled channels only, largest first"
    );
    let garage = &cameras[1];
    assert!(!garage.online);
    assert_eq!(garage.codec, None);
    assert!(
        garage.streams.is_empty(),
        "an alias that is no plain token is not a stream"
    );
}

#[test]
fn ports_from_options_then_bootstrap_then_default() {
    let body = BOOTSTRAP.replace("\"rtsp\": 7447", "\"rtsp\": 8554");
    let from_nvr = parse_bootstrap(body.as_bytes(), &ports(&[])).unwrap();
    assert_eq!(
        from_nvr[0].streams[0].url_template,
        "rtsp://{host}:8554/HighAlias1"
    );
    let forced = parse_bootstrap(body.as_bytes(), &ports(&[("rtsp-port", "9000")])).unwrap();
    assert_eq!(
        forced[0].streams[0].url_template,
        "rtsp://{host}:9000/HighAlias1"
    );
    let secure = parse_bootstrap(BOOTSTRAP.as_bytes(), &ports(&[("scheme", "rtsps")])).unwrap();
    assert_eq!(
        secure[0].streams[0].url_template,
        "rtsps://{host}:7441/HighAlias1"
    );
    let bare = parse_bootstrap(
        br#"{"cameras":[{"id":"a","channels":[{"rtspAlias":"x","isRtspEnabled":true}]}]}"#,
        &ports(&[]),
    )
    .unwrap();
    assert_eq!(bare[0].streams[0].url_template, "rtsp://{host}:7447/x");
    assert_eq!(bare[0].name, "a");
}

#[test]
fn unreadable_answers_and_options_say_what_is_wrong() {
    let err = parse_bootstrap(b"<html>login</html>", &ports(&[])).unwrap_err();
    assert!(err.contains("not readable JSON"), "{err}");
    let err = parse_bootstrap(b"{}", &ports(&[])).unwrap_err();
    assert!(err.contains("no `cameras` list"), "{err}");
    let options = vec![("rtsp-port".to_string(), "http".to_string())];
    assert!(Ports::from_options(&options)
        .unwrap_err()
        .contains("must be a port number"));
    let options = vec![("scheme".to_string(), "http".to_string())];
    assert!(Ports::from_options(&options).is_err());
}

//! A camera source (contract 0.2.0) scripted by its options, for the host's
//! tests of camera listing. Option `mode`:
//!   "login" (default)  round 0: POST `login` (default `{server}/login`) with a
//!                      JSON body holding `{username}`/`{password}`; round 1:
//!                      GET `list` (default `{server}/cameras`) with the login
//!                      answer's `x-csrf-token`; round 2: one camera `seen`
//!                      whose name is every answer it received, as JSON, and
//!                      whose stream is option `stream` (default
//!                      `rtsp://{host}:7447/alias`)
//!   "direct"           round 0: that camera at once, no requests
//!   "endless"          asks for a request every round
//!   "refuse"           answers an error
wit_bindgen::generate!({ path: "../../../wit/v0.2.0", world: "camera-source" });

use exports::streamforge::plugin::cameras::*;
use streamforge::plugin::types::{BodyTemplate, HttpMethod};

struct Scripted;

fn option<'a>(options: &'a [(String, String)], key: &str, default: &'a str) -> &'a str {
    options
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or(default)
}

fn request(purpose: &str, method: HttpMethod, url: &str) -> HttpRequest {
    HttpRequest {
        purpose: purpose.into(),
        method,
        url_template: url.into(),
        headers: Vec::new(),
        body: None,
    }
}

fn seen(options: &[(String, String)], answers: &[HttpResponse]) -> Camera {
    let report: Vec<serde_json::Value> = answers
        .iter()
        .map(|a| {
            serde_json::json!({
                "purpose": a.purpose,
                "status": a.status,
                "headers": a.headers,
                "body": String::from_utf8_lossy(&a.body),
            })
        })
        .collect();
    Camera {
        key: "seen".into(),
        name: serde_json::Value::from(report).to_string(),
        online: true,
        streams: vec![CameraStream {
            label: "High".into(),
            width: 1920,
            height: 1080,
            url_template: option(options, "stream", "rtsp://{host}:7447/alias").into(),
        }],
        codec: Some("h264".into()),
    }
}

impl Guest for Scripted {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "scripted-camera".into(),
            version: "0.2.0".into(),
            description: "Test fixture: a camera source scripted by its options.".into(),
        }
    }

    fn list_cameras(
        options: Vec<(String, String)>,
        round: u32,
        answers: Vec<HttpResponse>,
    ) -> Result<CameraStep, String> {
        match (option(&options, "mode", "login"), round) {
            ("refuse", _) => Err("the controller said no".into()),
            ("endless", _) => Ok(CameraStep::Requests(vec![request(
                "again",
                HttpMethod::Get,
                "{server}/",
            )])),
            ("direct", _) => Ok(CameraStep::Cameras(vec![seen(&options, &answers)])),
            (_, 0) => {
                let mut login = request(
                    "login",
                    HttpMethod::Post,
                    option(&options, "login", "{server}/login"),
                );
                login.body = Some(BodyTemplate::Json(
                    r#"{"username":"{username}","password":"{password}","remember":true}"#.into(),
                ));
                Ok(CameraStep::Requests(vec![login]))
            }
            (_, 1) => {
                let mut list = request(
                    "cameras",
                    HttpMethod::Get,
                    option(&options, "list", "{server}/cameras"),
                );
                if let Some((_, token)) = answers
                    .first()
                    .and_then(|a| a.headers.iter().find(|(n, _)| n == "x-csrf-token"))
                {
                    list.headers.push(("x-csrf-token".into(), token.clone()));
                }
                Ok(CameraStep::Requests(vec![list]))
            }
            _ => Ok(CameraStep::Cameras(vec![seen(&options, &answers)])),
        }
    }
}

export!(Scripted);

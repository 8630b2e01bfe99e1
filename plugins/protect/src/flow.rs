//! Which requests each round asks for, and what the answers mean.

use crate::bootstrap::{parse_bootstrap, Ports};
use crate::{BodyTemplate, CameraStep, HttpMethod, HttpRequest, HttpResponse};

/// Purpose of the login request (round 0).
pub const LOGIN: &str = "login";
/// Purpose of the bootstrap request (round 1).
pub const BOOTSTRAP: &str = "bootstrap";

/// The login body; the host fills the placeholders JSON-escaped.
pub const LOGIN_BODY: &str = r#"{"username":"{username}","password":"{password}"}"#;

/// One round of the flow (see the crate docs).
pub fn step(
    options: &[(String, String)],
    round: u32,
    answers: &[HttpResponse],
) -> Result<CameraStep, String> {
    match round {
        0 => Ok(CameraStep::Requests(vec![login()])),
        1 => {
            let login = answer(answers, LOGIN)?;
            check_login(login.status)?;
            Ok(CameraStep::Requests(vec![bootstrap(login)]))
        }
        _ => {
            let answer = answer(answers, BOOTSTRAP)?;
            check_bootstrap(answer.status)?;
            let ports = Ports::from_options(options)?;
            parse_bootstrap(&answer.body, &ports).map(CameraStep::Cameras)
        }
    }
}

fn login() -> HttpRequest {
    HttpRequest {
        purpose: LOGIN.into(),
        method: HttpMethod::Post,
        url_template: "{server}/api/auth/login".into(),
        headers: vec![("accept".into(), "application/json".into())],
        body: Some(BodyTemplate::Json(LOGIN_BODY.into())),
    }
}

fn bootstrap(login: &HttpResponse) -> HttpRequest {
    let mut headers = vec![("accept".to_string(), "application/json".to_string())];
    if let Some((_, token)) = login
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-csrf-token"))
    {
        headers.push(("x-csrf-token".into(), token.clone()));
    }
    HttpRequest {
        purpose: BOOTSTRAP.into(),
        method: HttpMethod::Get,
        url_template: "{server}/proxy/protect/api/bootstrap".into(),
        headers,
        body: None,
    }
}

fn answer<'a>(answers: &'a [HttpResponse], purpose: &str) -> Result<&'a HttpResponse, String> {
    answers
        .iter()
        .rev()
        .find(|a| a.purpose == purpose)
        .ok_or_else(|| format!("the host gave no answer to the {purpose} request"))
}

fn check_login(status: u16) -> Result<(), String> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(format!(
            "the controller refused the user name or password (HTTP {status}); \
             check the controller's credentials"
        )),
        429 => Err(
            "the controller refuses logins for now (HTTP 429, too many attempts); \
                    wait a few minutes"
                .into(),
        ),
        404 => Err("the controller has no /api/auth/login (HTTP 404); \
                    is this a UniFi Protect controller, and is its address right?"
            .into()),
        _ => Err(format!(
            "logging in to the controller failed with HTTP {status}"
        )),
    }
}

fn check_bootstrap(status: u16) -> Result<(), String> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(format!(
            "the controller did not accept the session after logging in (HTTP {status}); \
             check that this user may use Protect"
        )),
        404 => Err(
            "the controller has no Protect application (HTTP 404 on the bootstrap); \
                    is Protect installed on it?"
                .into(),
        ),
        _ => Err(format!(
            "reading the controller's cameras failed with HTTP {status}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(purpose: &str, status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            purpose: purpose.into(),
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn requests(step: CameraStep) -> Vec<HttpRequest> {
        match step {
            CameraStep::Requests(list) => list,
            CameraStep::Cameras(_) => panic!("wanted requests"),
        }
    }

    #[test]
    fn round_0_posts_the_login_as_a_json_template() {
        let list = requests(step(&[], 0, &[]).unwrap());
        assert_eq!(list.len(), 1);
        assert!(matches!(list[0].method, HttpMethod::Post));
        assert_eq!(list[0].url_template, "{server}/api/auth/login");
        let Some(BodyTemplate::Json(body)) = &list[0].body else {
            panic!("a JSON body");
        };
        assert_eq!(body, r#"{"username":"{username}","password":"{password}"}"#);
    }

    #[test]
    fn round_1_reads_the_bootstrap_with_the_csrf_token() {
        let login = response(LOGIN, 200, &[("x-csrf-token", "tok-1")], "{}");
        let list = requests(step(&[], 1, &[login]).unwrap());
        assert_eq!(list[0].url_template, "{server}/proxy/protect/api/bootstrap");
        assert!(matches!(list[0].method, HttpMethod::Get));
        assert!(list[0]
            .headers
            .contains(&("x-csrf-token".to_string(), "tok-1".to_string())));
    }

    #[test]
    fn a_refused_login_says_to_check_the_credentials() {
        let login = response(LOGIN, 401, &[], r#"{"error":"Invalid credentials"}"#);
        let err = step(&[], 1, &[login]).unwrap_err();
        assert!(
            err.contains("refused the user name or password (HTTP 401)"),
            "{err}"
        );
    }

    #[test]
    fn round_2_lists_the_cameras_or_says_why_not() {
        let login = response(LOGIN, 200, &[], "{}");
        let body = r#"{"nvr":{"ports":{"rtsp":7447}},"cameras":[{"id":"c1","name":"Door",
            "state":"CONNECTED","channels":[{"name":"High","width":1920,"height":1080,
            "rtspAlias":"aaa","isRtspEnabled":true}]}]}"#;
        let answers = [login.clone(), response(BOOTSTRAP, 200, &[], body)];
        let CameraStep::Cameras(cameras) = step(&[], 2, &answers).unwrap() else {
            panic!("wanted cameras");
        };
        assert_eq!(cameras[0].streams[0].url_template, "rtsp://{host}:7447/aaa");

        let answers = [login, response(BOOTSTRAP, 401, &[], "")];
        let err = step(&[], 2, &answers).unwrap_err();
        assert!(err.contains("did not accept the session"), "{err}");
    }
}

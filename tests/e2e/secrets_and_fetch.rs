//! The fetcher against loopback HTTP servers: credentials filled and
//! percent-encoded, redirects followed across ports, every bound enforced,
//! secrets scrubbed from what a plugin gets and absent from every error.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use streamforge::fetch::template::{self, TemplateError};
use streamforge::fetch::{AccountAccess, FetchConfig, FetchError, Fetcher};
use streamforge::model::{BodyTemplate, HttpMethod, HttpRequest};
use streamforge::secrets::Secret;

const USER: &str = "streamer7";
const PASS: &str = "p@ss/w?rd&1";
const PASS_ENCODED: &str = "p%40ss%2Fw%3Frd%261";

/// What a test server saw of one request.
#[derive(Clone)]
struct Seen {
    path_and_query: String,
    headers: HeaderMap,
}

/// A loopback HTTP server that records every request it gets.
struct Server {
    port: u16,
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

struct ServerState {
    seen: Arc<Mutex<Vec<Seen>>>,
    own_port: OnceLock<u16>,
    peer_port: OnceLock<u16>,
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts a server whose redirects to `/peer/...` go to `peer_port`.
async fn start(peer_port: Option<u16>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new(ServerState {
        seen: seen.clone(),
        own_port: OnceLock::new(),
        peer_port: OnceLock::new(),
    });
    state.own_port.set(port).unwrap();
    if let Some(p) = peer_port {
        state.peer_port.set(p).unwrap();
    }
    let app = Router::new().fallback(handle).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        port,
        base: format!("http://127.0.0.1:{port}"),
        seen,
    }
}

async fn handle(State(state): State<Arc<ServerState>>, req: Request) -> Response {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    state.seen.lock().unwrap().push(Seen {
        path_and_query: path_and_query.clone(),
        headers: req.headers().clone(),
    });
    let own = *state.own_port.get().unwrap();
    let path = req.uri().path();
    match path {
        "/player_api.php" => (
            [
                (header::SET_COOKIE, format!("session={PASS_ENCODED}")),
                (header::CONTENT_LOCATION, format!("/live/{USER}/{PASS_ENCODED}/1.ts")),
            ],
            format!(
                "{{\"user_info\":{{\"username\":\"{USER}\",\"password\":\"{}\",\"auth\":1}}}}",
                PASS.replace('/', "\\/")
            ),
        )
            .into_response(),
        "/playlist.m3u" => format!(
            "#EXTM3U\n#EXTINF:-1 tvg-id=\"one\",One\nhttp://127.0.0.1:{own}/live/{USER}/{PASS_ENCODED}/1.ts\n\
             #EXTINF:-1,Two\nhttp://127.0.0.1:{own}/{USER}/{PASS}/2.ts\n\
             #EXTINF:-1,Three\nhttp://127.0.0.1:{own}/get?u={USER}&p={}\n",
            PASS_ENCODED.to_lowercase()
        )
        .into_response(),
        "/choices" => (
            StatusCode::MULTIPLE_CHOICES,
            [(header::LOCATION, format!("/live/{USER}/{PASS_ENCODED}/9.ts"))],
        )
            .into_response(),
        "/live/redirect" => {
            let peer = *state.peer_port.get().unwrap();
            let to = format!("http://127.0.0.1:{peer}/lb/{USER}/{PASS_ENCODED}/1.ts?token=tok123");
            (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
        }
        "/login-307" => {
            let peer = *state.peer_port.get().unwrap();
            let to = format!("http://127.0.0.1:{peer}/lb/login");
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response()
        }
        p if p.starts_with("/lb/") => "from the load balancer".into_response(),
        "/loop/a" => (StatusCode::FOUND, [(header::LOCATION, "/loop/b")]).into_response(),
        "/loop/b" => (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, "/loop/a")]).into_response(),
        p if p.starts_with("/hop/") => {
            let n: u32 = p[5..].parse().unwrap();
            (StatusCode::FOUND, [(header::LOCATION, format!("/hop/{}", n + 1))]).into_response()
        }
        "/to-file" => (StatusCode::FOUND, [(header::LOCATION, "file:///etc/passwd")]).into_response(),
        "/big" => vec![b'x'; 2 * 1024 * 1024].into_response(),
        "/big-stream" => {
            let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'y'; 64 * 1024])));
            Body::from_stream(futures_util::stream::iter(chunks)).into_response()
        }
        "/slow" => {
            // A server that answers late on purpose: what the timeout test times out on.
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late".into_response()
        }
        "/status" => (StatusCode::FORBIDDEN, "banned").into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn config() -> FetchConfig {
    FetchConfig {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        max_body_bytes: 1024 * 1024,
        max_redirects: 10,
        system_proxy: false,
    }
}

fn request(template: &str) -> HttpRequest {
    HttpRequest::get("test", template, vec![])
}

/// Neither credential, in any form, in an error's Display or Debug.
fn assert_no_secret(err: &FetchError) {
    for text in [err.to_string(), format!("{err:?}")] {
        for secret in [USER, PASS, PASS_ENCODED, "p@ss", "p%40ss", "tok123"] {
            assert!(!text.contains(secret), "`{secret}` leaked in {text}");
        }
        assert!(!text.contains('\n'), "not one line: {text}");
    }
}

async fn fetch_err(fetcher: &Fetcher, server: &str, template: &str) -> FetchError {
    let password = Secret::from(PASS);
    let access = AccountAccess::new(server, USER, &password);
    let err = fetcher
        .fetch(&request(template), &access)
        .await
        .unwrap_err();
    eprintln!("{err}");
    assert_no_secret(&err);
    assert!(
        err.to_string().contains(template) || matches!(err, FetchError::Template(_)),
        "{err}"
    );
    err
}

#[tokio::test]
async fn credentials_are_filled_percent_encoded_and_scrubbed_from_the_answer() {
    let server = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&server.base, USER, &password);
    let mut req = request("{server}/player_api.php?username={username}&password={password}");
    req.headers = vec![("X-Auth".into(), "{username}:{password}".into())];
    let resp = fetcher.fetch(&req, &access).await.unwrap();

    let seen = server.seen();
    assert_eq!(
        seen[0].path_and_query,
        format!("/player_api.php?username={USER}&password={PASS_ENCODED}")
    );
    assert_eq!(seen[0].headers["x-auth"], format!("{USER}:{PASS}").as_str());
    assert!(seen[0].headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("StreamForge/"));

    assert_eq!(resp.status, 200);
    assert_eq!(resp.purpose, "test");
    let body = String::from_utf8(resp.body).unwrap();
    assert_eq!(
        body,
        r#"{"user_info":{"username":"{username}","password":"{password}","auth":1}}"#
    );
    assert!(!resp.headers.iter().any(|(n, _)| n == "set-cookie"));
    let location = resp
        .headers
        .iter()
        .find(|(n, _)| n == "content-location")
        .map(|(_, v)| v.as_str());
    assert_eq!(location, Some("/live/{username}/{password}/1.ts"));
}

#[tokio::test]
async fn a_playlist_becomes_templates_that_fill_back_to_working_urls() {
    let server = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&server.base, USER, &password);
    let resp = fetcher
        .fetch(&request("{url}/playlist.m3u"), &access)
        .await
        .unwrap();
    let body = String::from_utf8(resp.body).unwrap();
    assert!(
        !body.contains(USER) && !body.contains("p@ss") && !body.contains("p%40ss"),
        "{body}"
    );
    let urls: Vec<&str> = body.lines().filter(|l| l.starts_with("http")).collect();
    assert_eq!(
        urls,
        [
            format!("{}/live/{{username}}/{{password}}/1.ts", server.base),
            format!("{}/{{username}}/{{password}}/2.ts", server.base),
            format!("{}/get?u={{username}}&p={{password}}", server.base),
        ]
    );
    let filled = template::fill(urls[0], &access.fill()).unwrap();
    assert_eq!(
        filled.as_str(),
        format!("{}/live/{USER}/{PASS_ENCODED}/1.ts", server.base)
    );
    let resp = fetcher
        .fetch(&request("{server}/choices"), &access)
        .await
        .unwrap();
    assert_eq!(resp.status, 300, "a 300 is not followed");
    assert!(resp
        .headers
        .contains(&("location".into(), "/live/{username}/{password}/9.ts".into())));
}

#[tokio::test]
async fn a_redirect_to_another_port_is_followed_without_credential_headers() {
    let balancer = start(None).await;
    let panel = start(Some(balancer.port)).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&panel.base, USER, &password);
    let mut req = request("{server}/live/redirect");
    req.headers = vec![
        ("X-Token".into(), "{password}".into()),
        ("X-Plain".into(), "kept".into()),
    ];
    let resp = fetcher.fetch(&req, &access).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, b"from the load balancer");
    let seen = balancer.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].path_and_query,
        format!("/lb/{USER}/{PASS_ENCODED}/1.ts?token=tok123")
    );
    assert_eq!(seen[0].headers["x-plain"], "kept");
    assert!(seen[0].headers.get("x-token").is_none());
    assert_eq!(panel.seen()[0].headers["x-token"], PASS);
}

#[tokio::test]
async fn a_request_body_never_follows_a_redirect_to_another_origin() {
    let balancer = start(None).await;
    let panel = start(Some(balancer.port)).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&panel.base, USER, &password);
    let mut req = request("{server}/login-307");
    req.method = HttpMethod::Post;
    req.body = Some(BodyTemplate::Json(
        r#"{"u":"{username}","p":"{password}"}"#.into(),
    ));
    let err = fetcher.fetch(&req, &access).await.unwrap_err();
    assert!(matches!(err, FetchError::BodyRedirect { .. }), "{err}");
    assert_no_secret(&err);
    assert_eq!(panel.seen()[0].headers["content-type"], "application/json");
    assert!(balancer.seen().is_empty(), "the body stayed home");

    // A 302 turns the POST into a GET without its body (as browsers do): followed.
    req.url_template = "{server}/live/redirect".into();
    let resp = fetcher.fetch(&req, &access).await.unwrap();
    assert_eq!(resp.body, b"from the load balancer");
    assert!(balancer.seen()[0].headers.get("content-type").is_none());
}

#[tokio::test]
async fn redirect_loops_and_chains_are_bounded() {
    let server = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let base = server.base.clone();
    let err = fetch_err(&fetcher, &base, "{server}/loop/a").await;
    assert!(matches!(err, FetchError::RedirectLoop { .. }), "{err}");
    assert_eq!(server.seen().len(), 2);

    let err = fetch_err(&fetcher, &base, "{server}/hop/0").await;
    assert!(
        matches!(err, FetchError::TooManyRedirects { max: 10, .. }),
        "{err}"
    );
    assert_eq!(server.seen().len(), 2 + 11);

    let err = fetch_err(&fetcher, &base, "{server}/to-file").await;
    assert!(matches!(err, FetchError::BadRedirect { .. }), "{err}");
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused() {
    let server = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    for path in ["{server}/big", "{server}/big-stream"] {
        let err = fetch_err(&fetcher, &server.base, path).await;
        assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
        assert!(
            err.to_string().contains("answer larger than 1 MiB"),
            "{err}"
        );
    }
    let roomy = Fetcher::new(FetchConfig {
        max_body_bytes: 4 * 1024 * 1024,
        ..config()
    })
    .unwrap();
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&server.base, USER, &password);
    let resp = roomy
        .fetch(&request("{server}/big-stream"), &access)
        .await
        .unwrap();
    assert_eq!(resp.body.len(), 40 * 64 * 1024);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = start(None).await;
    let fetcher = Fetcher::new(FetchConfig {
        timeout: Duration::from_millis(300),
        ..config()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let err = fetch_err(&fetcher, &server.base, "{server}/slow?u={username}").await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("after 0.3 s"), "{err}");
}

#[tokio::test]
async fn connection_refused_names_host_and_port() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let fetcher = Fetcher::new(config()).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let err = fetch_err(&fetcher, &base, "{server}/player_api.php?p={password}").await;
    assert!(matches!(err, FetchError::Refused { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn tls_failures_are_reported_as_such() {
    let server = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let base = format!("https://127.0.0.1:{}", server.port);
    let err = fetch_err(&fetcher, &base, "{server}/player_api.php?p={password}").await;
    assert!(matches!(err, FetchError::Tls { .. }), "{err:?}");
}

#[tokio::test]
async fn a_foreign_origin_is_refused_before_any_request() {
    let panel = start(None).await;
    let elsewhere = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let template = format!("{}/steal?p={{password}}", elsewhere.base);
    let err = fetch_err(&fetcher, &panel.base, &template).await;
    assert!(
        matches!(err, FetchError::Template(TemplateError::ForeignOrigin(..))),
        "{err}"
    );
    // The fetch returned without a request (one would have been answered
    // before it returned); the same fetcher's next request is the first
    // either server sees.
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&panel.base, USER, &password);
    let resp = fetcher
        .fetch(&request("{server}/status"), &access)
        .await
        .unwrap();
    assert_eq!(resp.status, 403);
    assert!(elsewhere.seen().is_empty());
    let seen: Vec<String> = panel.seen().into_iter().map(|r| r.path_and_query).collect();
    assert_eq!(seen, ["/status"]);
}

#[tokio::test]
async fn bad_headers_are_refused_before_any_request() {
    let server = start(None).await;
    let fetcher = Fetcher::new(config()).unwrap();
    let password = Secret::from(PASS);
    let access = AccountAccess::new(&server.base, USER, &password);
    for (name, value) in [
        ("Host", "evil"),
        ("X-A", "{token}"),
        ("X-B", "a\r\nb: {password}"),
    ] {
        let mut req = request("{server}/status");
        req.headers = vec![(name.into(), value.into())];
        let err = fetcher.fetch(&req, &access).await.unwrap_err();
        assert!(matches!(err, FetchError::Header { .. }), "{err}");
        assert_no_secret(&err);
    }
    assert!(server.seen().is_empty());
    let resp = fetcher
        .fetch(&request("{server}/status"), &access)
        .await
        .unwrap();
    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (403, b"banned".as_slice())
    );
}

#[test]
fn debug_output_hides_credentials() {
    let password = Secret::from(PASS);
    let access = AccountAccess::new("http://panel.example", USER, &password);
    let text = format!("{access:?} {:?} {password} {password:?}", access.fill());
    assert!(!text.contains(USER) && !text.contains("p@ss"), "{text}");
    let fetcher = format!("{:?}", Fetcher::new(config()).unwrap());
    assert!(fetcher.contains("Fetcher"), "{fetcher}");
}

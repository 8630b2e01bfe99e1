//! The fetcher: one reusable HTTP client, redirects followed by the host.

use std::fmt;

use reqwest::header::{HeaderValue, CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Method, StatusCode};
use url::Url;

use super::classify::{classify, host_port};
use super::guard::AddressGuard;
use super::headers::{self, RequestHeader};
use super::{AccountAccess, ClientsByCa, CookieJar, FetchConfig, FetchError, Scrubber};
use crate::fetch::template;
use crate::model::{HttpMethod, HttpRequest, HttpResponse};

/// Sent unless a plugin sets its own `User-Agent`.
const USER_AGENT: &str = concat!("StreamForge/", env!("CARGO_PKG_VERSION"));
/// Bodies larger than this are scrubbed off the async worker threads.
const SCRUB_INLINE_MAX: usize = 1024 * 1024;

/// Performs plugins' HTTP requests for accounts. It exists so that filling
/// templates, following redirects, bounding time and size and scrubbing
/// secrets happen in one place; build one and reuse it (it pools connections).
#[derive(Clone)]
pub struct Fetcher {
    clients: ClientsByCa,
    config: FetchConfig,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One filled request on its way, with what its errors may name.
struct Job<'a> {
    template: &'a str,
    /// The account's client (its CA trusted besides the system's).
    client: reqwest::Client,
    /// The account's name, for certificate errors.
    account: &'a str,
    method: Method,
    headers: Vec<RequestHeader>,
    /// Content type and filled bytes; may hold credentials.
    body: Option<(&'static str, zeroize::Zeroizing<Vec<u8>>)>,
    scrubber: Scrubber,
}

fn method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
    }
}

impl Fetcher {
    /// A fetcher with these bounds.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let (connect_timeout, system_proxy) = (config.connect_timeout, config.system_proxy);
        let clients = ClientsByCa::new(move || {
            let builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(connect_timeout)
                .user_agent(USER_AGENT)
                .dns_resolver(super::guard::resolver());
            if system_proxy {
                builder
            } else {
                builder.no_proxy()
            }
        })
        .map_err(|e| FetchError::Client {
            detail: e.without_url().to_string(),
        })?;
        Ok(Self { clients, config })
    }

    /// The bounds this fetcher applies.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fills `request` for `account`, performs it and returns the answer with
    /// the account's credentials replaced by placeholders. Any HTTP status is
    /// an answer; errors are for when there is none (see [`FetchError`]).
    pub async fn fetch(
        &self,
        request: &HttpRequest,
        account: &AccountAccess<'_>,
    ) -> Result<HttpResponse, FetchError> {
        let guard = AddressGuard::for_source(account.url).await;
        self.send(request, account, &guard, &mut None).await
    }

    /// Like [`Fetcher::fetch`], for a URL that came from provider or guide
    /// data: every hop may only reach what `guard` (the source that named
    /// the URL) allows.
    pub async fn fetch_guarded(
        &self,
        request: &HttpRequest,
        account: &AccountAccess<'_>,
        guard: &AddressGuard,
    ) -> Result<HttpResponse, FetchError> {
        self.send(request, account, guard, &mut None).await
    }

    /// Like [`Fetcher::fetch`], as one request of a run that shares
    /// `cookies`: cookies the account's server set earlier in the run go
    /// with this request (to that origin only) and those it sets now are
    /// kept. A camera controller's login and bootstrap are such a run.
    pub async fn fetch_with_cookies(
        &self,
        request: &HttpRequest,
        account: &AccountAccess<'_>,
        cookies: &mut CookieJar,
    ) -> Result<HttpResponse, FetchError> {
        let mut jar = Some(std::mem::take(cookies));
        let guard = AddressGuard::for_source(account.url).await;
        let result = self.send(request, account, &guard, &mut jar).await;
        *cookies = jar.unwrap_or_default();
        result
    }

    async fn send(
        &self,
        request: &HttpRequest,
        account: &AccountAccess<'_>,
        guard: &AddressGuard,
        cookies: &mut Option<CookieJar>,
    ) -> Result<HttpResponse, FetchError> {
        let template = request.url_template.as_str();
        let fill = account.fill();
        let url = template::fill(template, &fill)?;
        let body = match &request.body {
            Some(body) => {
                let (kind, bytes) = template::fill_body(body, template, &fill)?;
                Some((kind, zeroize::Zeroizing::new(bytes)))
            }
            None => None,
        };
        let client = self
            .clients
            .client(account.http)
            .map_err(|detail| FetchError::Client {
                detail: format!("account `{}`: {detail}", account.account),
            })?;
        let job = Job {
            template,
            client,
            account: account.account,
            method: method(request.method),
            headers: account.http.apply(headers::prepare(request, account)?),
            body,
            scrubber: Scrubber::new(account.username, account.password.expose()),
        };
        let at = host_port(&url);
        let (status, headers, body) = tokio::time::timeout(
            self.config.timeout,
            guard.scope(self.run(&job, url, guard, cookies)),
        )
        .await
        .map_err(|_| FetchError::Timeout {
            template: template.to_string(),
            at,
            secs: self.config.timeout.as_secs_f64(),
        })??;
        let body = if body.len() <= SCRUB_INLINE_MAX {
            job.scrubber.scrub_vec(body)
        } else {
            let scrubber = job.scrubber.clone();
            tokio::task::spawn_blocking(move || scrubber.scrub_vec(body))
                .await
                .expect("scrubbing does not panic")
        };
        Ok(HttpResponse {
            purpose: request.purpose.clone(),
            status,
            headers,
            body,
        })
    }

    /// Follows redirects and reads the final body.
    async fn run(
        &self,
        job: &Job<'_>,
        first: Url,
        guard: &AddressGuard,
        cookies: &mut Option<CookieJar>,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>), FetchError> {
        let origin = first.origin();
        let mut visited = vec![first.clone()];
        let mut url = first;
        let mut method = job.method.clone();
        let mut with_body = job.body.is_some();
        loop {
            let at = host_port(&url);
            let fail = |e: reqwest::Error| {
                let connect = self.config.connect_timeout.as_secs_f64();
                classify(e, job.template, &at, connect, &job.scrubber, job.account)
            };
            // Checked on the addresses the name gives now; the client's
            // resolver checks them again when it connects.
            if let Err(why) = guard.resolve(&url).await {
                if why != super::guard::Refusal::Unresolved {
                    return Err(FetchError::Forbidden {
                        template: job.template.to_string(),
                        at,
                        why,
                    });
                }
            }
            let same_origin = url.origin() == origin;
            let mut req = job.client.request(method.clone(), url.clone());
            let mut own_cookie = None;
            for h in job.headers.iter().filter(|h| same_origin || !h.sensitive) {
                if h.name == COOKIE {
                    own_cookie = Some(&h.value);
                    continue;
                }
                req = req.header(h.name.clone(), h.value.clone());
            }
            let here = url.origin().ascii_serialization();
            let jar = cookies.as_ref().filter(|_| same_origin);
            if let Some(cookie) = jar
                .and_then(|j| j.header(&here, own_cookie))
                .or(own_cookie.cloned())
            {
                req = req.header(COOKIE, cookie);
            }
            if let Some((kind, bytes)) = job.body.as_ref().filter(|_| with_body) {
                if !job.headers.iter().any(|h| h.name == CONTENT_TYPE) {
                    req = req.header(CONTENT_TYPE, HeaderValue::from_static(kind));
                }
                req = req.body(bytes.to_vec());
            }
            let mut resp = req.send().await.map_err(fail)?;
            if same_origin {
                if let Some(jar) = cookies.as_mut() {
                    jar.store(&here, resp.headers());
                }
            }
            if let Some(next) = redirect_target(&resp, &url) {
                let next = next.ok_or_else(|| FetchError::BadRedirect {
                    template: job.template.to_string(),
                    at: at.clone(),
                })?;
                // 307/308 repeat the request as it is; the others become a GET
                // without a body (what browsers do).
                let keeps_method = matches!(
                    resp.status(),
                    StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
                );
                if !keeps_method && method != Method::HEAD {
                    method = Method::GET;
                    with_body = false;
                }
                if with_body && next.origin() != origin {
                    return Err(FetchError::BodyRedirect {
                        template: job.template.to_string(),
                        at,
                    });
                }
                if visited.contains(&next) {
                    return Err(FetchError::RedirectLoop {
                        template: job.template.to_string(),
                        at,
                    });
                }
                if visited.len() > self.config.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        template: job.template.to_string(),
                        at,
                        max: self.config.max_redirects,
                    });
                }
                visited.push(next.clone());
                url = next;
                continue;
            }
            let limit = self.config.max_body_bytes;
            let too_large = || FetchError::TooLarge {
                template: job.template.to_string(),
                limit,
            };
            if resp.content_length().is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let expected = resp.content_length().unwrap_or(0).min(limit).min(16 << 20);
            let mut body = Vec::with_capacity(expected as usize);
            while let Some(chunk) = resp.chunk().await.map_err(fail)? {
                if (body.len() + chunk.len()) as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            let headers = headers::for_plugin(resp.headers(), &job.scrubber);
            return Ok((resp.status().as_u16(), headers, body));
        }
    }
}

/// `None` when `resp` is not a redirect to follow; `Some(None)` when it is
/// one whose target is not an http(s) URL.
fn redirect_target(resp: &reqwest::Response, current: &Url) -> Option<Option<Url>> {
    let follow = matches!(
        resp.status(),
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    );
    let location = resp.headers().get(LOCATION).filter(|_| follow)?;
    let next = location
        .to_str()
        .ok()
        .and_then(|l| current.join(l.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    Some(next)
}

//! Listing a camera controller's cameras through its camera-source plugin
//! (contract 0.2.0): the plugin asks for requests in rounds (log in, then
//! read the cameras), the host fills and performs them and hands the answers
//! back, and every stream URL template the plugin returns is checked to stay
//! on the controller's host before anyone may open it.
//!
//! The host knows no controller's flow: only rounds, templates and cookies.
//! Secrets stay with the host (see [`crate::fetch`]); errors name templates,
//! never filled URLs.

use std::collections::HashSet;
use std::sync::Arc;

use crate::fetch::template::{self, TemplateError};
use crate::fetch::{AccountAccess, CookieJar, FetchError, Fetcher};
use crate::model::{CameraSpec, CameraStep, HttpResponse};
use crate::plugins::{CallError, Plugin};
use crate::text::one_line;

/// Most calls to `list-cameras` in one listing (rounds 0 to 3): enough for a
/// login, a bootstrap and one follow-up; a plugin asking for more is broken.
pub const MAX_ROUNDS: u32 = 4;

/// Why a controller's cameras could not be listed. Every message names the
/// plugin and what to do; none holds a filled URL or a credential.
#[derive(Debug, thiserror::Error)]
pub enum ListCamerasError {
    /// The plugin named for the controller exports another world.
    #[error(
        "plugin `{plugin}` is a {world} plugin, not a camera source; \
         choose a camera-source plugin (see `streamforge plugin list`)"
    )]
    NotCameraSource {
        /// The plugin's name.
        plugin: String,
        /// The world it exports instead.
        world: String,
    },
    /// The plugin crashed, timed out or answered too much.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The plugin reported a problem (a refused login, an unreadable answer).
    #[error("camera source `{plugin}`: {message}")]
    Plugin {
        /// The plugin's name.
        plugin: String,
        /// Its own message, one line.
        message: String,
    },
    /// A request the plugin asked for got no answer, or was refused by the
    /// host (another origin, a bad header or body).
    #[error("camera source `{plugin}`, round {round}: {error}")]
    Fetch {
        /// The plugin's name.
        plugin: String,
        /// The round whose request failed (0 is the first).
        round: u32,
        /// Why; names the request's URL template.
        error: FetchError,
    },
    /// The plugin still asked for requests in its last allowed round.
    #[error(
        "camera source `{plugin}` still asked for requests after {max} rounds; \
         a camera source must list its cameras by then (report this to the plugin's author)"
    )]
    TooManyRounds {
        /// The plugin's name.
        plugin: String,
        /// [`MAX_ROUNDS`].
        max: u32,
    },
    /// A camera's stream URL template is refused (another host, not rtsp).
    #[error("camera source `{plugin}`, camera `{camera}`: {error}")]
    Stream {
        /// The plugin's name.
        plugin: String,
        /// The camera's key.
        camera: String,
        /// Why; names the template only.
        error: TemplateError,
    },
    /// Two cameras share a key, or one has none.
    #[error(
        "camera source `{plugin}` listed {problem}; camera keys must be unique \
         (report this to the plugin's author)"
    )]
    BadKey {
        /// The plugin's name.
        plugin: String,
        /// What is wrong, naming the key.
        problem: String,
    },
    /// The background task running the plugin call was lost (shutdown).
    #[error("listing cameras with `{plugin}` stopped: {detail}")]
    Background {
        /// The plugin's name.
        plugin: String,
        /// Why, in one line.
        detail: String,
    },
}

/// Lists the cameras of the controller at `controller` (its server URL and
/// credentials) through the camera-source `plugin`, with the controller's
/// free-form `options`. Runs at most [`MAX_ROUNDS`] plugin calls, each on the
/// blocking pool; performs the requests of each round in order with
/// `fetcher`, sharing one cookie jar across the rounds. Every stream URL
/// template of the answer is checked with [`template::fill_stream`] (an
/// `rtsp`/`rtsps` URL on the controller's host, any port); the templates are
/// returned unfilled, for the camera service to fill when it connects.
pub async fn list_cameras(
    plugin: Arc<Plugin>,
    fetcher: &Fetcher,
    controller: &AccountAccess<'_>,
    options: &[(String, String)],
) -> Result<Vec<CameraSpec>, ListCamerasError> {
    let name = plugin.name().to_string();
    if plugin.camera_source().is_none() {
        return Err(ListCamerasError::NotCameraSource {
            plugin: name,
            world: plugin.manifest().world.to_string(),
        });
    }
    let options: Arc<Vec<(String, String)>> = Arc::new(options.to_vec());
    let mut answers: Vec<HttpResponse> = Vec::new();
    let mut cookies = CookieJar::new();
    for round in 0..MAX_ROUNDS {
        let (step, back) = call_round(&plugin, &options, round, answers).await?;
        answers = back;
        let requests = match step {
            Ok(CameraStep::Cameras(cameras)) => return checked(&name, cameras, controller),
            Ok(CameraStep::Requests(requests)) => requests,
            Err(message) => {
                return Err(ListCamerasError::Plugin {
                    plugin: name,
                    message,
                })
            }
        };
        if round + 1 == MAX_ROUNDS {
            break;
        }
        for request in &requests {
            let answer = fetcher
                .fetch_with_cookies(request, controller, &mut cookies)
                .await
                .map_err(|error| ListCamerasError::Fetch {
                    plugin: name.clone(),
                    round,
                    error,
                })?;
            answers.push(answer);
        }
    }
    Err(ListCamerasError::TooManyRounds {
        plugin: name,
        max: MAX_ROUNDS,
    })
}

type RoundAnswer = (Result<CameraStep, String>, Vec<HttpResponse>);

/// One `list-cameras` call on the blocking pool; the answers travel there
/// and back instead of being copied each round.
async fn call_round(
    plugin: &Arc<Plugin>,
    options: &Arc<Vec<(String, String)>>,
    round: u32,
    answers: Vec<HttpResponse>,
) -> Result<RoundAnswer, ListCamerasError> {
    let (plugin, options) = (plugin.clone(), options.clone());
    let name = plugin.name().to_string();
    let result = crate::blocking::run(move || {
        let source = plugin.camera_source().expect("checked above");
        let step = source.list_cameras(&options, round, &answers);
        Ok((step, answers))
    })
    .await;
    match result {
        Ok((step, answers)) => Ok((step?, answers)),
        Err(e) => Err(ListCamerasError::Background {
            plugin: name,
            detail: format!("{e:#}"),
        }),
    }
}

/// Checks every camera's key and stream templates.
fn checked(
    plugin: &str,
    cameras: Vec<CameraSpec>,
    controller: &AccountAccess<'_>,
) -> Result<Vec<CameraSpec>, ListCamerasError> {
    let fill = controller.fill();
    let mut keys = HashSet::new();
    for camera in &cameras {
        if camera.key.is_empty() || !keys.insert(camera.key.as_str()) {
            let problem = if camera.key.is_empty() {
                format!("camera `{}` without a key", one_line(&camera.name, 80))
            } else {
                format!("the key `{}` twice", one_line(&camera.key, 80))
            };
            return Err(ListCamerasError::BadKey {
                plugin: plugin.to_string(),
                problem,
            });
        }
        for stream in &camera.streams {
            template::fill_stream(&stream.url_template, &fill).map_err(|error| {
                ListCamerasError::Stream {
                    plugin: plugin.to_string(),
                    camera: one_line(&camera.key, 80),
                    error,
                }
            })?;
        }
    }
    Ok(cameras)
}

#[cfg(test)]
mod tests;

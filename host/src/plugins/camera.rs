//! Typed, bounded calls into a camera-source plugin (contract 0.2.0+). The
//! rounds of requests between calls are run by [`crate::camera_source`].

use super::bindings::CameraSource as Linked;
use super::budget::responses_size;
use super::call::{bounded, check_size};
use super::error::CallError;
use super::loaded::Plugin;
use super::provider::{plugin_message, MAX_REQUESTS, MAX_TEXT};
use crate::model::{BodyTemplate, CameraStep, HttpResponse, PluginInfo};

/// Most cameras one controller may list.
pub const MAX_CAMERAS: usize = 4096;
/// Most RTSP streams one camera may have.
pub const MAX_STREAMS: usize = 16;

/// The camera-source face of a [`Plugin`].
pub struct CameraSource<'a> {
    plugin: &'a Plugin,
    source: &'a Linked,
}

impl<'a> CameraSource<'a> {
    pub(crate) fn new(plugin: &'a Plugin, source: &'a Linked) -> Self {
        CameraSource { plugin, source }
    }

    fn check(&self, what: &str, n: usize, max: usize) -> Result<(), CallError> {
        let p = self.plugin;
        check_size(p.name(), "list-cameras", what, n, max, &p.events)
    }

    /// Who the plugin is.
    pub fn info(&self) -> Result<PluginInfo, CallError> {
        let p = self.plugin;
        bounded(p.name(), "info", p.limits.quick, &p.events, |store| {
            self.source.info(store)
        })
    }

    /// One round of `list-cameras`: round 0 gets no answers, round N the
    /// answers to every earlier round's requests. The inner error is the
    /// plugin's own message, made safe to show. Sizes are bounded here; where
    /// the URLs point is checked by the runner.
    pub fn list_cameras(
        &self,
        options: &[(String, String)],
        round: u32,
        answers: &[HttpResponse],
    ) -> Result<Result<CameraStep, String>, CallError> {
        let p = self.plugin;
        let limits = p.bulk_limits("list-cameras", responses_size(answers))?;
        let step = bounded(p.name(), "list-cameras", limits, &p.events, |store| {
            self.source.list_cameras(store, options, round, answers)
        })?;
        match &step {
            Ok(CameraStep::Requests(list)) => {
                self.check("requests", list.len(), MAX_REQUESTS)?;
                let longest = list.iter().map(|r| r.url_template.len()).max();
                self.check("bytes in one URL", longest.unwrap_or(0), MAX_TEXT)?;
                let body = |r: &crate::model::HttpRequest| match &r.body {
                    Some(BodyTemplate::Json(t) | BodyTemplate::Form(t)) => t.len(),
                    None => 0,
                };
                let longest = list.iter().map(body).max();
                self.check("bytes in one body", longest.unwrap_or(0), MAX_TEXT)?;
            }
            Ok(CameraStep::Cameras(list)) => {
                self.check("cameras", list.len(), MAX_CAMERAS)?;
                let most = list.iter().map(|c| c.streams.len()).max();
                self.check("streams of one camera", most.unwrap_or(0), MAX_STREAMS)?;
                let longest = list
                    .iter()
                    .flat_map(|c| c.streams.iter().map(|s| s.url_template.len()))
                    .chain(list.iter().map(|c| c.name.len() + c.key.len()))
                    .max();
                self.check("bytes in one name or URL", longest.unwrap_or(0), MAX_TEXT)?;
            }
            Err(_) => {}
        }
        Ok(step.map_err(|e| plugin_message(&e)))
    }
}

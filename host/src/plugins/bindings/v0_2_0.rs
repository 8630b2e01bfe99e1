//! `streamforge:plugin@0.2.0` (frozen in `wit/v0.2.0`): the generated
//! bindings, their conversions into and out of the host's [`model`], and the
//! calls the host makes through them. 0.2.0 adds request methods and body
//! templates, and the `camera-source` world.

use super::super::sandbox::Sandbox;
use crate::model;
use wasmtime::component::InstancePre;
use wasmtime::Store;

/// The provider-adapter world (and the shared `types` interface).
mod provider {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "provider-adapter",
    });
}

/// The channel-matcher world; reuses the provider module's `types`.
mod matcher {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "channel-matcher",
        with: {
            "streamforge:plugin/types": super::provider::streamforge::plugin::types,
        },
    });
}

/// The camera-source world; reuses the provider module's `types`.
mod camera {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "camera-source",
        with: {
            "streamforge:plugin/types": super::provider::streamforge::plugin::types,
        },
    });
}

/// The contract version these bindings speak.
pub const VERSION: &str = "0.2.0";

use camera::exports::streamforge::plugin::cameras as c;
use matcher::exports::streamforge::plugin::matcher as m;
use provider::streamforge::plugin::types as wit;

shared_bindings!();

impl From<wit::HttpRequest> for model::HttpRequest {
    fn from(r: wit::HttpRequest) -> Self {
        model::HttpRequest {
            purpose: r.purpose,
            method: r.method.into(),
            url_template: r.url_template,
            headers: r.headers,
            body: r.body.map(Into::into),
        }
    }
}

impl From<wit::HttpMethod> for model::HttpMethod {
    fn from(m: wit::HttpMethod) -> Self {
        match m {
            wit::HttpMethod::Get => model::HttpMethod::Get,
            wit::HttpMethod::Head => model::HttpMethod::Head,
            wit::HttpMethod::Post => model::HttpMethod::Post,
            wit::HttpMethod::Put => model::HttpMethod::Put,
            wit::HttpMethod::Patch => model::HttpMethod::Patch,
            wit::HttpMethod::Delete => model::HttpMethod::Delete,
        }
    }
}

impl From<wit::BodyTemplate> for model::BodyTemplate {
    fn from(b: wit::BodyTemplate) -> Self {
        match b {
            wit::BodyTemplate::Json(text) => model::BodyTemplate::Json(text),
            wit::BodyTemplate::Form(text) => model::BodyTemplate::Form(text),
        }
    }
}

impl From<c::CameraStream> for model::CameraStream {
    fn from(s: c::CameraStream) -> Self {
        model::CameraStream {
            label: s.label,
            width: s.width,
            height: s.height,
            url_template: s.url_template,
        }
    }
}

impl From<c::Camera> for model::CameraSpec {
    fn from(c: c::Camera) -> Self {
        model::CameraSpec {
            key: c.key,
            name: c.name,
            online: c.online,
            streams: all(c.streams),
            codec: c.codec,
        }
    }
}

impl From<c::CameraStep> for model::CameraStep {
    fn from(s: c::CameraStep) -> Self {
        match s {
            c::CameraStep::Requests(list) => model::CameraStep::Requests(all(list)),
            c::CameraStep::Cameras(list) => model::CameraStep::Cameras(all(list)),
        }
    }
}

/// A camera source built against this version, linked and ready to call.
pub(crate) struct Cameras(camera::CameraSourcePre<Sandbox>);

impl Cameras {
    /// Checks that `pre` exports this version's camera-source world.
    pub(crate) fn new(pre: InstancePre<Sandbox>) -> wasmtime::Result<Self> {
        Ok(Cameras(camera::CameraSourcePre::new(pre)?))
    }

    pub(crate) fn info(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<model::PluginInfo> {
        let g = self.0.instantiate(&mut *store)?;
        Ok(g.streamforge_plugin_cameras().call_info(store)?.into())
    }

    pub(crate) fn list_cameras(
        &self,
        store: &mut Store<Sandbox>,
        options: &[(String, String)],
        round: u32,
        answers: &[model::HttpResponse],
    ) -> wasmtime::Result<Result<model::CameraStep, String>> {
        let g = self.0.instantiate(&mut *store)?;
        let answers = responses(answers);
        Ok(g.streamforge_plugin_cameras()
            .call_list_cameras(store, options, round, &answers)?
            .map(Into::into))
    }
}

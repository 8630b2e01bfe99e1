//! `streamforge:plugin@0.1.0` (frozen in `wit/v0.1.0`): the generated
//! bindings, their conversions into and out of the host's [`model`], and the
//! calls the host makes through them.

use super::super::sandbox::Sandbox;
use crate::model;
use wasmtime::component::InstancePre;
use wasmtime::Store;

/// The provider-adapter world (and the shared `types` interface).
mod provider {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "provider-adapter",
    });
}

/// The channel-matcher world; reuses the provider module's `types`.
mod matcher {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "channel-matcher",
        with: {
            "streamforge:plugin/types": super::provider::streamforge::plugin::types,
        },
    });
}

/// The contract version these bindings speak.
pub const VERSION: &str = "0.1.0";

use matcher::exports::streamforge::plugin::matcher as m;
use provider::streamforge::plugin::types as wit;

shared_bindings!();

impl From<wit::HttpRequest> for model::HttpRequest {
    fn from(r: wit::HttpRequest) -> Self {
        model::HttpRequest {
            purpose: r.purpose,
            method: model::HttpMethod::Get,
            url_template: r.url_template,
            headers: r.headers,
            body: None,
        }
    }
}

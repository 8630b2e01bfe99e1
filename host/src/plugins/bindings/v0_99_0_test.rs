//! `streamforge:plugin@0.99.0-test`, a test-only contract newer than any
//! released one (`tests/plugins/wit-next`), compiled into unit tests only. It
//! proves the versioning path: a plugin built against it loads beside 0.1.0
//! plugins, and its answers are converted up into the host's model.

use super::super::sandbox::Sandbox;
use crate::model;
use wasmtime::component::InstancePre;
use wasmtime::Store;

mod provider {
    wasmtime::component::bindgen!({
        path: "../tests/plugins/wit-next",
        world: "provider-adapter",
    });
}

/// The contract version these bindings speak.
pub const VERSION: &str = "0.99.0-test";

use provider::streamforge::plugin::types as wit;

impl From<wit::Quality> for model::Quality {
    fn from(q: wit::Quality) -> Self {
        match q {
            // The host's best tier holds everything above FHD.
            wit::Quality::Uhd8k | wit::Quality::Uhd => model::Quality::Uhd,
            wit::Quality::Fhd => model::Quality::Fhd,
            wit::Quality::Hd => model::Quality::Hd,
            wit::Quality::Sd => model::Quality::Sd,
            wit::Quality::Unknown => model::Quality::Unknown,
        }
    }
}

impl From<model::Quality> for wit::Quality {
    fn from(q: model::Quality) -> Self {
        match q {
            model::Quality::Uhd => wit::Quality::Uhd,
            model::Quality::Fhd => wit::Quality::Fhd,
            model::Quality::Hd => wit::Quality::Hd,
            model::Quality::Sd => wit::Quality::Sd,
            model::Quality::Unknown => wit::Quality::Unknown,
        }
    }
}

channel_conversions!();

fn request(r: wit::HttpRequest) -> model::HttpRequest {
    model::HttpRequest {
        purpose: r.purpose,
        method: model::HttpMethod::Get,
        url_template: r.url_template,
        headers: r.headers,
        body: None,
    }
}

fn responses(list: &[model::HttpResponse]) -> Vec<wit::HttpResponse> {
    list.iter()
        .map(|r| wit::HttpResponse {
            purpose: r.purpose.clone(),
            status: r.status,
            headers: r.headers.clone(),
            body: r.body.clone(),
        })
        .collect()
}

/// A provider adapter built against the test-only contract.
pub(crate) struct Provider(provider::ProviderAdapterPre<Sandbox>);

impl Provider {
    pub(crate) fn new(pre: InstancePre<Sandbox>) -> wasmtime::Result<Self> {
        Ok(Provider(provider::ProviderAdapterPre::new(pre)?))
    }

    fn guest(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<provider::ProviderAdapter> {
        self.0.instantiate(store)
    }

    pub(crate) fn info(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<model::PluginInfo> {
        let g = self.guest(store)?;
        let i = g.streamforge_plugin_provider().call_info(store)?;
        Ok(model::PluginInfo {
            name: i.name,
            version: i.version,
            description: i.description,
        })
    }

    pub(crate) fn parse_name(
        &self,
        store: &mut Store<Sandbox>,
        name: &str,
    ) -> wasmtime::Result<model::ParsedName> {
        let g = self.guest(store)?;
        let p = g
            .streamforge_plugin_provider()
            .call_parse_name(store, name)?;
        Ok(model::ParsedName {
            base_name: p.base_name,
            quality: p.quality.into(),
            tags: p.tags,
        })
    }

    pub(crate) fn stream_candidates(
        &self,
        store: &mut Store<Sandbox>,
        channel: &model::ProviderChannel,
        options: &[(String, String)],
    ) -> wasmtime::Result<Vec<model::Candidate>> {
        let g = self.guest(store)?;
        let channel = wit::ProviderChannel::from(channel);
        let list = g
            .streamforge_plugin_provider()
            .call_stream_candidates(store, &channel, options)?;
        Ok(list
            .into_iter()
            .map(|c| model::Candidate {
                url_template: c.url_template,
                headers: c.headers,
            })
            .collect())
    }

    pub(crate) fn account_requests(
        &self,
        store: &mut Store<Sandbox>,
        options: &[(String, String)],
    ) -> wasmtime::Result<Vec<model::HttpRequest>> {
        let g = self.guest(store)?;
        let list = g
            .streamforge_plugin_provider()
            .call_account_requests(store, options)?;
        Ok(list.into_iter().map(request).collect())
    }

    pub(crate) fn parse_account(
        &self,
        store: &mut Store<Sandbox>,
        answers: &[model::HttpResponse],
    ) -> wasmtime::Result<Result<model::AccountStatus, String>> {
        let g = self.guest(store)?;
        let answer = g
            .streamforge_plugin_provider()
            .call_parse_account(store, &responses(answers))?;
        Ok(answer.map(|s| model::AccountStatus {
            authenticated: s.authenticated,
            status: s.status,
            expires_at: s.expires_at,
            max_connections: s.max_connections,
            active_connections: s.active_connections,
            formats: s.formats,
        }))
    }

    pub(crate) fn catalog_requests(
        &self,
        store: &mut Store<Sandbox>,
        options: &[(String, String)],
    ) -> wasmtime::Result<Vec<model::HttpRequest>> {
        let g = self.guest(store)?;
        let list = g
            .streamforge_plugin_provider()
            .call_catalog_requests(store, options)?;
        Ok(list.into_iter().map(request).collect())
    }

    /// The newer `catalog` record is converted up: its channels become the
    /// host's; the skipped count has no place in the model yet and is dropped.
    pub(crate) fn parse_catalog(
        &self,
        store: &mut Store<Sandbox>,
        answers: Vec<model::HttpResponse>,
    ) -> wasmtime::Result<Result<Vec<model::ProviderChannel>, String>> {
        let g = self.guest(store)?;
        let answer = g
            .streamforge_plugin_provider()
            .call_parse_catalog(store, &responses(&answers))?;
        Ok(answer.map(|catalog| catalog.channels.into_iter().map(Into::into).collect()))
    }
}

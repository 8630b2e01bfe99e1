//! The plugin contract, one module per frozen `wit/` version (the Zed
//! `extension_host` model): each module holds its generated bindings and
//! converts their types into and out of the host's [`model`](crate::model).
//! The rest of the host calls through [`ProviderAdapter`],
//! [`ChannelMatcher`] and [`CameraSource`], enums over the versions, and never
//! names a generated type. A new contract version adds a module and a variant; plugins built
//! against older versions keep loading.

#[macro_use]
mod common;
pub mod v0_1_0;
pub mod v0_2_0;
#[cfg(test)]
pub mod v0_99_0_test;

use super::error::InstallError;
use super::inspect::World;
use super::sandbox::Sandbox;
use crate::model;
use wasmtime::component::InstancePre;
use wasmtime::Store;

/// Contract versions this host runs, oldest first.
#[cfg(not(test))]
pub const SUPPORTED: &[&str] = &[v0_1_0::VERSION, v0_2_0::VERSION];
/// Contract versions this host runs, oldest first; unit tests also run the
/// test-only contract kept with the fixtures (`tests/plugins/wit-next`).
#[cfg(test)]
pub const SUPPORTED: &[&str] = &[v0_1_0::VERSION, v0_2_0::VERSION, v0_99_0_test::VERSION];

/// The newest contract this host runs: what new plugins should build against.
pub const LATEST: &str = v0_2_0::VERSION;

/// Runs `$call` on whichever version `$value` holds, bound as `$p`.
macro_rules! each_version {
    ($value:expr, $enum:ident, $p:ident => $call:expr) => {
        match $value {
            $enum::V0_1_0($p) => $call,
            $enum::V0_2_0($p) => $call,
            #[cfg(test)]
            $enum::V0_99_0Test($p) => $call,
        }
    };
}

/// A provider adapter of any supported contract version.
pub(crate) enum ProviderAdapter {
    V0_1_0(v0_1_0::Provider),
    V0_2_0(v0_2_0::Provider),
    #[cfg(test)]
    V0_99_0Test(v0_99_0_test::Provider),
}

/// A channel matcher of any supported contract version.
pub(crate) enum ChannelMatcher {
    V0_1_0(v0_1_0::Matcher),
    V0_2_0(v0_2_0::Matcher),
}

/// A camera source of any supported contract version (0.2.0 introduced the world).
pub(crate) enum CameraSource {
    V0_2_0(v0_2_0::Cameras),
}

/// A linked plugin of any world.
pub(crate) enum Linked {
    Provider(ProviderAdapter),
    Matcher(ChannelMatcher),
    Camera(CameraSource),
}

/// Links `pre` as `world` of contract `version` (as recorded at install).
pub(crate) fn link(
    world: World,
    version: &str,
    pre: InstancePre<Sandbox>,
) -> Result<Linked, InstallError> {
    let wrong = |e: wasmtime::Error| InstallError::WrongWorld(format!("{e:#}"));
    let linked = match (world, version) {
        (World::ProviderAdapter, v0_1_0::VERSION) => Linked::Provider(ProviderAdapter::V0_1_0(
            v0_1_0::Provider::new(pre).map_err(wrong)?,
        )),
        #[cfg(test)]
        (World::ProviderAdapter, v0_99_0_test::VERSION) => Linked::Provider(
            ProviderAdapter::V0_99_0Test(v0_99_0_test::Provider::new(pre).map_err(wrong)?),
        ),
        (World::ProviderAdapter, v0_2_0::VERSION) => Linked::Provider(ProviderAdapter::V0_2_0(
            v0_2_0::Provider::new(pre).map_err(wrong)?,
        )),
        (World::ChannelMatcher, v0_1_0::VERSION) => Linked::Matcher(ChannelMatcher::V0_1_0(
            v0_1_0::Matcher::new(pre).map_err(wrong)?,
        )),
        (World::ChannelMatcher, v0_2_0::VERSION) => Linked::Matcher(ChannelMatcher::V0_2_0(
            v0_2_0::Matcher::new(pre).map_err(wrong)?,
        )),
        (World::CameraSource, v0_2_0::VERSION) => Linked::Camera(CameraSource::V0_2_0(
            v0_2_0::Cameras::new(pre).map_err(wrong)?,
        )),
        (world, version) if SUPPORTED.contains(&version) => {
            return Err(InstallError::WrongWorld(format!(
                "contract {version} has no {world} world"
            )))
        }
        (_, version) => return Err(InstallError::wrong_version(version)),
    };
    Ok(linked)
}

type Options<'o> = &'o [(String, String)];

/// A matcher's answer and the guide channels and streams it was given, handed
/// back: they are moved into the call, not copied.
pub(crate) type MatchAnswer = (
    Vec<model::ChannelMatch>,
    Vec<model::GuideChannel>,
    Vec<model::AccountChannel>,
);

impl ProviderAdapter {
    pub(crate) fn info(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<model::PluginInfo> {
        each_version!(self, ProviderAdapter, p => p.info(store))
    }

    pub(crate) fn parse_name(
        &self,
        store: &mut Store<Sandbox>,
        name: &str,
    ) -> wasmtime::Result<model::ParsedName> {
        each_version!(self, ProviderAdapter, p => p.parse_name(store, name))
    }

    pub(crate) fn stream_candidates(
        &self,
        store: &mut Store<Sandbox>,
        channel: &model::ProviderChannel,
        options: Options<'_>,
    ) -> wasmtime::Result<Vec<model::Candidate>> {
        each_version!(self, ProviderAdapter, p => p.stream_candidates(store, channel, options))
    }

    pub(crate) fn account_requests(
        &self,
        store: &mut Store<Sandbox>,
        options: Options<'_>,
    ) -> wasmtime::Result<Vec<model::HttpRequest>> {
        each_version!(self, ProviderAdapter, p => p.account_requests(store, options))
    }

    pub(crate) fn parse_account(
        &self,
        store: &mut Store<Sandbox>,
        answers: &[model::HttpResponse],
    ) -> wasmtime::Result<Result<model::AccountStatus, String>> {
        each_version!(self, ProviderAdapter, p => p.parse_account(store, answers))
    }

    pub(crate) fn catalog_requests(
        &self,
        store: &mut Store<Sandbox>,
        options: Options<'_>,
    ) -> wasmtime::Result<Vec<model::HttpRequest>> {
        each_version!(self, ProviderAdapter, p => p.catalog_requests(store, options))
    }

    pub(crate) fn parse_catalog(
        &self,
        store: &mut Store<Sandbox>,
        answers: Vec<model::HttpResponse>,
    ) -> wasmtime::Result<Result<Vec<model::ProviderChannel>, String>> {
        each_version!(self, ProviderAdapter, p => p.parse_catalog(store, answers))
    }
}

impl ChannelMatcher {
    pub(crate) fn info(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<model::PluginInfo> {
        match self {
            ChannelMatcher::V0_1_0(m) => m.info(store),
            ChannelMatcher::V0_2_0(m) => m.info(store),
        }
    }

    pub(crate) fn match_channels(
        &self,
        store: &mut Store<Sandbox>,
        guide: Vec<model::GuideChannel>,
        streams: Vec<model::AccountChannel>,
        options: Options<'_>,
    ) -> wasmtime::Result<MatchAnswer> {
        match self {
            ChannelMatcher::V0_1_0(m) => m.match_channels(store, guide, streams, options),
            ChannelMatcher::V0_2_0(m) => m.match_channels(store, guide, streams, options),
        }
    }
}

impl CameraSource {
    pub(crate) fn info(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<model::PluginInfo> {
        match self {
            CameraSource::V0_2_0(c) => c.info(store),
        }
    }

    pub(crate) fn list_cameras(
        &self,
        store: &mut Store<Sandbox>,
        options: Options<'_>,
        round: u32,
        answers: &[model::HttpResponse],
    ) -> wasmtime::Result<Result<model::CameraStep, String>> {
        match self {
            CameraSource::V0_2_0(c) => c.list_cameras(store, options, round, answers),
        }
    }
}

#[cfg(test)]
mod tests;

//! A plugin ready to call: its manifest and a reusable `InstancePre`.

use super::bindings::{self, Linked};
use super::budget::BulkBudget;
use super::error::{CallError, InstallError};
use super::manifest::Manifest;
use super::sandbox::{CallLimits, Sandbox};
use super::{call, camera::CameraSource, matcher::Matcher, provider::Provider};
use crate::events::{Event, EventLog};
use crate::model::PluginInfo;
use std::sync::{Arc, OnceLock};
use wasmtime::component::{Component, Linker};

/// Limits for the two kinds of calls a plugin answers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Names, candidates, info: small and frequent.
    pub quick: CallLimits,
    /// Catalogues and matching: large and rare, limits grown with the input.
    pub bulk: BulkBudget,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            quick: CallLimits::QUICK,
            bulk: BulkBudget::DEFAULT,
        }
    }
}

/// An installed plugin, compiled and linked once; every call instantiates
/// it afresh from the shared `InstancePre`, so one bad call never poisons the next.
pub struct Plugin {
    manifest: Manifest,
    linked: Linked,
    pub(crate) limits: Limits,
    pub(crate) events: Arc<EventLog>,
}

fn shared_linker() -> Result<&'static Linker<Sandbox>, InstallError> {
    static LINKER: OnceLock<Linker<Sandbox>> = OnceLock::new();
    if let Some(linker) = LINKER.get() {
        return Ok(linker);
    }
    let linker = super::sandbox::linker().map_err(|e| InstallError::Invalid(format!("{e:#}")))?;
    Ok(LINKER.get_or_init(|| linker))
}

impl Plugin {
    /// Links `component` for the world and contract version named in `manifest`.
    pub(crate) fn prepare(
        manifest: Manifest,
        component: &Component,
        events: Arc<EventLog>,
    ) -> Result<Plugin, InstallError> {
        let pre = shared_linker()?
            .instantiate_pre(component)
            .map_err(|e| InstallError::Invalid(format!("{e:#}")))?;
        let linked = bindings::link(manifest.world, &manifest.contract, pre)?;
        Ok(Plugin {
            manifest,
            linked,
            limits: Limits::default(),
            events,
        })
    }

    /// What was recorded at install.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// The limits of a bulk call `call` given `input` bytes, or the error
    /// (and its event) saying the input is larger than this plugin may take.
    pub(crate) fn bulk_limits(
        &self,
        call: &'static str,
        input: usize,
    ) -> Result<CallLimits, CallError> {
        self.limits.bulk.for_input(input).ok_or_else(|| {
            let error = CallError::InputTooLarge {
                plugin: self.name().to_string(),
                call,
                size: input,
                limit: self.limits.bulk.max_input,
            };
            self.events
                .record(Event::new(error.kind(), error.to_string()).plugin(self.name()));
            error
        })
    }

    /// Replaces the call limits (tests and configuration).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The provider-adapter calls, when this plugin is one.
    pub fn provider(&self) -> Option<Provider<'_>> {
        match &self.linked {
            Linked::Provider(adapter) => Some(Provider::new(self, adapter)),
            Linked::Matcher(_) | Linked::Camera(_) => None,
        }
    }

    /// The channel-matcher calls, when this plugin is one.
    pub fn matcher(&self) -> Option<Matcher<'_>> {
        match &self.linked {
            Linked::Matcher(matcher) => Some(Matcher::new(self, matcher)),
            Linked::Provider(_) | Linked::Camera(_) => None,
        }
    }

    /// The camera-source calls, when this plugin is one.
    pub fn camera_source(&self) -> Option<CameraSource<'_>> {
        match &self.linked {
            Linked::Camera(source) => Some(CameraSource::new(self, source)),
            Linked::Provider(_) | Linked::Matcher(_) => None,
        }
    }

    /// Asks the plugin who it is (every world exports `info`).
    pub fn info(&self) -> Result<PluginInfo, CallError> {
        let info = match &self.linked {
            Linked::Provider(_) => self.provider().expect("provider").info()?,
            Linked::Matcher(_) => self.matcher().expect("matcher").info()?,
            Linked::Camera(_) => self.camera_source().expect("camera source").info()?,
        };
        let size = info.name.len() + info.version.len() + info.description.len();
        call::check_size(self.name(), "info", "bytes", size, 4096, &self.events)?;
        Ok(info)
    }
}

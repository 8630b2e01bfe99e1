//! Typed bindings for each frozen contract version, generated from `wit/`.
//!
//! One module per contract version (the Zed `extension_host` model): a later
//! `v0_2_0` module sits beside this one and the host keeps running both.

/// `streamforge:plugin@0.1.0`.
pub mod v0_1_0 {
    /// The provider-adapter world (and the shared `types` interface).
    pub mod provider {
        wasmtime::component::bindgen!({
            path: "../wit/v0.1.0",
            world: "provider-adapter",
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        });
    }

    /// The channel-matcher world; reuses the provider module's `types`.
    pub mod matcher {
        wasmtime::component::bindgen!({
            path: "../wit/v0.1.0",
            world: "channel-matcher",
            additional_derives: [serde::Serialize, serde::Deserialize],
            with: {
                "streamforge:plugin/types": super::provider::streamforge::plugin::types,
            },
        });
    }

    /// The contract version these bindings speak.
    pub const VERSION: &str = "0.1.0";

    pub use matcher::exports::streamforge::plugin::matcher::{
        AccountChannel, ChannelMatch, GuideChannel,
    };
    pub use provider::streamforge::plugin::types::{
        AccountStatus, Candidate, HttpRequest, HttpResponse, ParsedName, PluginInfo,
        ProviderChannel, Quality,
    };
}

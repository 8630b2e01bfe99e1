//! Reading a `.wasm` file before trusting it: is it a component, which world
//! and contract version does it export, and which capabilities does it ask for.

use super::bindings::SUPPORTED;
use super::error::InstallError;
use wasmtime::component::Component;

/// Which contract world a plugin implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    /// Exports `streamforge:plugin/provider`.
    ProviderAdapter,
    /// Exports `streamforge:plugin/matcher`.
    ChannelMatcher,
    /// Exports `streamforge:plugin/cameras` (contract 0.2.0 and later).
    CameraSource,
}

impl World {
    /// The world's name in the WIT.
    pub fn as_str(self) -> &'static str {
        match self {
            World::ProviderAdapter => "provider-adapter",
            World::ChannelMatcher => "channel-matcher",
            World::CameraSource => "camera-source",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a component says about itself, read without running it.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The one world it exports: decides how it is called.
    pub world: World,
    /// The contract version it was built against ("0.1.0").
    pub contract: String,
    /// Every import, e.g. `wasi:cli/environment@0.2.6`.
    pub imports: Vec<String>,
    /// Every export.
    pub exports: Vec<String>,
}

/// WASI interfaces a plugin may import. These are what Rust's std links on
/// `wasm32-wasip2`; the sandbox backs them with nothing (no preopened
/// directories, no environment, a frozen clock), so importing them grants no
/// capability. Sockets and HTTP are not here: plugins get no network.
const ALLOWED_IMPORTS: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
];

/// Splits `ns:pkg/iface@1.2.3` into (`ns:pkg/iface`, `Some("1.2.3")`).
fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (name, None),
    }
}

/// Refuses what is not a WebAssembly component at all, before compiling it.
pub fn ensure_component(bytes: &[u8]) -> Result<(), InstallError> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(InstallError::NotWasm);
    }
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(InstallError::CoreModule);
    }
    Ok(())
}

/// Checks that a compiled component is a StreamForge plugin this host can run.
pub fn inspect(component: &Component) -> Result<Inspection, InstallError> {
    let engine = super::engine::engine();
    let ty = component.component_type();
    let imports: Vec<String> = ty.imports(engine).map(|(n, _)| n.to_string()).collect();
    let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();

    let mut found = None;
    for export in &exports {
        let (name, version) = split_version(export);
        let world = match name {
            "streamforge:plugin/provider" => World::ProviderAdapter,
            "streamforge:plugin/matcher" => World::ChannelMatcher,
            "streamforge:plugin/cameras" => World::CameraSource,
            _ => continue,
        };
        let version = version.unwrap_or("");
        if !SUPPORTED.contains(&version) {
            return Err(InstallError::wrong_version(version));
        }
        if found.is_some() {
            return Err(InstallError::WrongWorld(
                "it exports more than one of provider, matcher and cameras; build one plugin per world"
                    .into(),
            ));
        }
        found = Some((world, version.to_string()));
    }
    let Some((world, contract)) = found else {
        let listed = if exports.is_empty() {
            "nothing".to_string()
        } else {
            exports.join(", ")
        };
        return Err(InstallError::WrongWorld(format!(
            "it exports {listed}, not streamforge:plugin/provider, streamforge:plugin/matcher \
             or streamforge:plugin/cameras"
        )));
    };

    for import in &imports {
        let (name, version) = split_version(import);
        // The contract's own `types` interface carries only type definitions.
        let contract_types =
            name == "streamforge:plugin/types" && version == Some(contract.as_str());
        let wasi =
            ALLOWED_IMPORTS.contains(&name) && version.is_some_and(|v| v.starts_with("0.2."));
        let allowed = contract_types || wasi;
        if !allowed {
            return Err(InstallError::Capability(import.clone()));
        }
    }

    Ok(Inspection {
        world,
        contract,
        imports,
        exports,
    })
}

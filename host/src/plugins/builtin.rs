//! The plugins shipped inside the `streamforge` binary, built by `build.rs`
//! from `plugins/` for `wasm32-wasip2`.

/// One embedded plugin.
pub struct Builtin {
    /// The name the plugin must give itself.
    pub name: &'static str,
    /// The component, built by `build.rs` and embedded in the binary.
    pub wasm: &'static [u8],
}

/// Every built-in plugin.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "xtream",
        wasm: include_bytes!(concat!(
            env!("OUT_DIR"),
            "/plugins/streamforge_plugin_xtream.wasm"
        )),
    },
    Builtin {
        name: "m3u",
        wasm: include_bytes!(concat!(
            env!("OUT_DIR"),
            "/plugins/streamforge_plugin_m3u.wasm"
        )),
    },
    Builtin {
        name: "matcher",
        wasm: include_bytes!(concat!(
            env!("OUT_DIR"),
            "/plugins/streamforge_plugin_matcher.wasm"
        )),
    },
    Builtin {
        name: "rtsp",
        wasm: include_bytes!(concat!(
            env!("OUT_DIR"),
            "/plugins/streamforge_plugin_rtsp.wasm"
        )),
    },
    Builtin {
        name: "protect",
        wasm: include_bytes!(concat!(
            env!("OUT_DIR"),
            "/plugins/streamforge_plugin_protect.wasm"
        )),
    },
];

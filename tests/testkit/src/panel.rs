//! The tests' own simulated panel (separate from the demo's, so improving
//! the demo never breaks a test) and data dirs prepared against it.

use crate::process::{cli, run};
use std::path::Path;
use std::process::Output;
use streamforge_sim::{CategoryRow, SimConfig, SimProvider, StreamRow};

const CATEGORIES: &[CategoryRow] = &[
    (1, "UK | Entertainment"),
    (2, "UK | News"),
    (4, "DE | Vollprogramm"),
    (6, "4K | UHD"),
];

/// Variants of the same channels in several qualities and decoration styles,
/// a regional and a +1 feed, guide ids on some variants only. Relay tests
/// rely on Das Erste: FHD 12002, HD 12001, SD 12003 (tried in that order).
const STREAMS: &[StreamRow] = &[
    (11001, "UK: BBC One FHD", "BBC One", "bbc1.uk", 1, "bbc-one"),
    (11002, "|UK| BBC ONE HD", "BBC One", "bbc1.uk", 1, "bbc-one"),
    (11003, "BBC One SD", "BBC One", "", 1, ""),
    (
        11004,
        "UK: BBC One East",
        "BBC One East",
        "bbc1east.uk",
        1,
        "bbc-one",
    ),
    (11007, "UK: ITV 1 FHD", "ITV1", "itv1.uk", 1, "itv1"),
    (11008, "UK: ITV1 HD", "ITV1", "itv1.uk", 1, "itv1"),
    (11009, "[UK] ITV 1 +1", "ITV1 +1", "itv1plus1.uk", 1, "itv1"),
    (11016, "UK: E4 ᴴᴰ", "E4", "e4.uk", 1, "e4"),
    (
        11020,
        "UK: BBC News HD",
        "BBC News",
        "bbcnews.uk",
        2,
        "bbc-news",
    ),
    (
        11021,
        "UK: Sky News FHD",
        "Sky News",
        "skynews.uk",
        2,
        "sky-news",
    ),
    (11022, "UK: Sky News SD", "Sky News", "", 2, ""),
    (
        12001,
        "DE: Das Erste HD",
        "Das Erste",
        "daserste.de",
        4,
        "das-erste",
    ),
    (
        12002,
        "DE: Das Erste FHD",
        "Das Erste",
        "daserste.de",
        4,
        "das-erste",
    ),
    (12003, "Das Erste SD", "Das Erste", "", 4, ""),
    (12004, "ZDF HD", "ZDF", "zdf.de", 4, "zdf"),
    (12006, "ZDFneo HD", "ZDFneo", "zdfneo.de", 4, "zdfneo"),
    (12007, "DE: ZDFneo SD", "ZDFneo", "", 4, ""),
    (
        12010,
        "[DE] ProSieben FHD HEVC",
        "ProSieben",
        "prosieben.de",
        4,
        "prosieben",
    ),
    (
        14001,
        "4K: Nature UHD",
        "Nature 4K",
        "nature4k.uk",
        6,
        "nature",
    ),
    (
        14003,
        "UK 4K: BBC One UHD",
        "BBC One",
        "bbc1.uk",
        6,
        "bbc-one",
    ),
];

/// The tests' panel: account `tester` / `t3st-Pa55w0rd!`, two connections,
/// 20 live streams in 4 categories.
pub fn test_panel() -> SimConfig {
    let mut config = SimConfig::from_rows(CATEGORIES, STREAMS);
    config.username = "tester".into();
    config.password = "t3st-Pa55w0rd!".into();
    config.max_connections = 2;
    config
}

/// `streamforge account add NAME` for the simulated panel (password on
/// stdin, `extra` options appended); whatever it answers.
pub fn add_panel_account(data: &Path, sim: &SimProvider, name: &str, extra: &[&str]) -> Output {
    let config = sim.config();
    let mut args = vec![
        "account",
        "add",
        name,
        "--url",
        sim.base_url(),
        "--username",
        &config.username,
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    run(data, &args, &config.password)
}

/// A fresh data dir with `sim` as account `main` (`--max-connections`), its
/// guide as `panel`, synced and matched.
pub fn prepared(sim: &SimProvider, max_connections: u32) -> tempfile::TempDir {
    let data = crate::paths::data_dir();
    prepared_at(data.path(), sim, max_connections);
    data
}

/// [`prepared`] in the data dir `data`.
pub fn prepared_at(data: &Path, sim: &SimProvider, max_connections: u32) {
    let limit = max_connections.to_string();
    let out = add_panel_account(data, sim, "main", &["--max-connections", &limit]);
    assert!(
        out.status.success(),
        "account add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    cli(data, &["guide", "add", "panel", &sim.xmltv_url()]);
    cli(data, &["sync"]);
    cli(data, &["match"]);
}

/// One second of `sim`'s stream `id`, in bytes (its clip's rate): the unit
/// tests measure playback progress in, rather than time.
pub fn second_of(sim: &SimProvider, id: u32) -> usize {
    let clip = sim.config().clip_for(id).expect("a stream of the panel");
    (clip.bitrate_bps() / 8) as usize
}

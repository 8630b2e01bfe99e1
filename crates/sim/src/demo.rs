//! [`SimConfig::demo`]: a small hand-written catalogue that looks like a real
//! reseller panel — the same channels in FHD/HD/SD, different decoration
//! styles, regional and +1 feeds, guide ids on some variants only.

use super::config::{CategoryRow, SimConfig, StreamRow};

/// (category id, category name).
const CATEGORIES: &[CategoryRow] = &[
    (1, "UK | Entertainment"),
    (2, "UK | News"),
    (3, "UK | Sports"),
    (4, "DE | Vollprogramm"),
    (5, "US | News & Entertainment"),
    (6, "4K | UHD"),
    (7, "FR | Général"),
];

/// (stream id, name, guide name, epg id or "", category, icon slug or "").
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
    (11005, "UK: BBC Two HD", "BBC Two", "bbc2.uk", 1, "bbc-two"),
    (11006, "UK: BBC Two SD", "BBC Two", "", 1, "bbc-two"),
    (11007, "UK: ITV 1 FHD", "ITV1", "itv1.uk", 1, "itv1"),
    (11008, "UK: ITV1 HD", "ITV1", "itv1.uk", 1, "itv1"),
    (11009, "[UK] ITV 1 +1", "ITV1 +1", "itv1plus1.uk", 1, "itv1"),
    (
        11010,
        "UK: Channel 4 HD",
        "Channel 4",
        "channel4.uk",
        1,
        "channel-4",
    ),
    (11011, "UK: Channel 4 SD", "Channel 4", "", 1, ""),
    (11012, "UK: Dave HD", "Dave", "dave.uk", 1, "dave"),
    (11013, "UK: Dave +1", "Dave +1", "daveplus1.uk", 1, "dave"),
    (
        11014,
        "UK FHD: Sky Atlantic",
        "Sky Atlantic",
        "skyatlantic.uk",
        1,
        "sky-atlantic",
    ),
    (
        11015,
        "UK: Sky Atlantic HEVC",
        "Sky Atlantic",
        "skyatlantic.uk",
        1,
        "",
    ),
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
        11030,
        "UK: Sky Sports Main Event FHD 50FPS",
        "Sky Sports Main Event",
        "skysportsmainevent.uk",
        3,
        "sky-sports-main-event",
    ),
    (
        11031,
        "UK: Sky Sports Main Event HD",
        "Sky Sports Main Event",
        "skysportsmainevent.uk",
        3,
        "sky-sports-main-event",
    ),
    (
        11032,
        "UK: Sky Sports Main Event SD",
        "Sky Sports Main Event",
        "",
        3,
        "",
    ),
    (
        11033,
        "UK: Sky Sports F1 1080p",
        "Sky Sports F1",
        "skysportsf1.uk",
        3,
        "sky-sports-f1",
    ),
    (
        11034,
        "UK: Sky Sports F1 720p",
        "Sky Sports F1",
        "",
        3,
        "sky-sports-f1",
    ),
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
    (12005, "DE: ZDF FHD", "ZDF", "zdf.de", 4, "zdf"),
    (12006, "ZDFneo HD", "ZDFneo", "zdfneo.de", 4, "zdfneo"),
    (12007, "DE: ZDFneo SD", "ZDFneo", "", 4, ""),
    (12008, "DE: RTL HD", "RTL", "rtl.de", 4, "rtl"),
    (12009, "DE: RTL", "RTL", "", 4, "rtl"),
    (
        12010,
        "[DE] ProSieben FHD HEVC",
        "ProSieben",
        "prosieben.de",
        4,
        "prosieben",
    ),
    (
        13001,
        "US: CNN International",
        "CNN International",
        "cnni.us",
        5,
        "cnn-international",
    ),
    (13002, "US: CNN HD", "CNN", "cnn.us", 5, "cnn"),
    (
        13003,
        "US: Fox News FHD",
        "Fox News",
        "foxnews.us",
        5,
        "fox-news",
    ),
    (13004, "US: Fox News SD", "Fox News", "", 5, ""),
    (
        13005,
        "US: NBC East HD",
        "NBC East",
        "nbc.east.us",
        5,
        "nbc",
    ),
    (
        13006,
        "US: NBC West HD",
        "NBC West",
        "nbc.west.us",
        5,
        "nbc",
    ),
    (
        13007,
        "US: Hallmark Movies & Mysteries HD",
        "Hallmark Movies & Mysteries",
        "hallmarkmm.us",
        5,
        "",
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
        14002,
        "4K: Sky Sports Main Event UHD",
        "Sky Sports Main Event",
        "skysportsmainevent.uk",
        6,
        "sky-sports-main-event",
    ),
    (
        14003,
        "UK 4K: BBC One UHD",
        "BBC One",
        "bbc1.uk",
        6,
        "bbc-one",
    ),
    (15001, "FR: TF1 HD", "TF1", "tf1.fr", 7, "tf1"),
    (15002, "FR: TF1 SD", "TF1", "", 7, ""),
];

impl SimConfig {
    /// The demo panel: account `demo` / `demo-Pa55w0rd!`, two connections,
    /// 46 live streams in 7 categories.
    pub fn demo() -> SimConfig {
        let mut config = SimConfig::from_rows(CATEGORIES, STREAMS);
        config.username = "demo".into();
        config.password = "demo-Pa55w0rd!".into();
        config.max_connections = 2;
        config
    }
}

//! [`SimConfig::generated`]: big deterministic catalogues for benchmarks and
//! scale tests — base channels in several variants (FHD/HD/SD/4K/HEVC,
//! +1 and East/West feeds) with the decoration styles real panels use.

use super::config::{SimCategory, SimChannel, SimConfig};
use std::collections::HashMap;

/// Country codes and the genre words of their categories.
const COUNTRIES: &[&str] = &[
    "UK", "US", "DE", "FR", "IT", "ES", "NL", "PL", "PT", "TR", "CA", "AR",
];

/// Category genres.
const GENRES: &[&str] = &[
    "Entertainment",
    "News",
    "Sports",
    "Movies",
    "Kids",
    "Documentary",
    "Music",
    "Lifestyle",
];

/// First word of generated channel names.
const BRANDS: &[&str] = &[
    "Nova", "Star", "Prime", "Global", "Vision", "Max", "Arena", "Cine", "Planet", "Pulse",
    "Metro", "Royal", "Atlas", "Zenit", "Polar", "Vista", "Echo", "Orbit", "Delta", "Sigma",
    "Canal", "Tele", "Mega", "Ultra", "Alpha", "Terra", "Aqua", "Solar", "Luna", "Blue",
];

/// Second word, by genre (same order as [`GENRES`]); eight each, all
/// distinct, so every generated base name is unique.
const WORDS: &[[&str; 8]] = &[
    [
        "One", "Two", "Life", "Plus", "Gold", "Family", "Comedy", "Drama",
    ],
    [
        "News", "24", "Info", "Business", "World", "Live", "Report", "Today",
    ],
    [
        "Sport", "Sports", "Football", "Golf", "Racing", "Fight", "Tennis", "Motors",
    ],
    [
        "Cinema", "Movies", "Films", "Action", "Premiere", "Classics", "Thriller", "Romance",
    ],
    [
        "Kids", "Junior", "Toons", "Cartoon", "Jr", "Teen", "Tiny", "Play",
    ],
    [
        "Discovery",
        "History",
        "Nature",
        "Science",
        "Wild",
        "Explore",
        "Earth",
        "Ocean",
    ],
    [
        "Music", "Hits", "Rock", "Dance", "Vibes", "Jazz", "Classic", "Country",
    ],
    [
        "Living", "Food", "Travel", "Home", "Style", "Garden", "Fashion", "Auto",
    ],
];

/// Small deterministic PRNG (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A variant's full name: country tag, base name and quality tag in one of
/// the styles panels use.
fn decorate(rng: &mut Rng, cc: &str, base: &str, quality: &str) -> String {
    let shout = rng.chance(10);
    let base = if shout {
        base.to_uppercase()
    } else {
        base.to_owned()
    };
    let q = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!(" {s}")
        }
    };
    match rng.below(8) {
        0..=2 => format!("{cc}: {base}{}", q(quality)),
        3 => format!("|{cc}| {base}{}", q(quality)),
        4 => format!("[{cc}] {base}{}", q(quality)),
        5 if !quality.is_empty() => format!("{cc} {quality}: {base}"),
        6 => format!("{base}{}", q(quality)),
        _ => format!("{cc}: {base}{}", q(&alias(quality, rng))),
    }
}

/// Another way panels write a quality tag.
fn alias(quality: &str, rng: &mut Rng) -> String {
    let pick = |options: &[&str], rng: &mut Rng| options[rng.below(options.len())].to_owned();
    match quality {
        "FHD" => pick(&["1080p", "FHD 50FPS", "FHD HEVC", "Full HD"], rng),
        "HD" => pick(&["720p", "ᴴᴰ", "HD H265", "HQ"], rng),
        "SD" => pick(&["576p", "SD", "LQ"], rng),
        "UHD" => pick(&["4K", "UHD HEVC", "2160p"], rng),
        other => other.to_owned(),
    }
}

/// Lowercase letters and digits of a name, for guide ids and icon slugs.
/// `+` becomes `plus` so `X 2 +1` and `X 21` stay apart.
fn slug(name: &str) -> String {
    name.replace('+', "plus")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl SimConfig {
    /// A catalogue of exactly `n` live streams, the same for the same
    /// `(n, seed)`. Meant for benchmarks and scale tests (up to 200 000 and
    /// beyond); credentials are those of [`SimConfig::default`].
    pub fn generated(n: usize, seed: u64) -> SimConfig {
        let mut rng = Rng(seed ^ 0x005e_ed0f_574e_a5a5);
        let mut categories: Vec<SimCategory> = Vec::new();
        let mut category_ids: HashMap<(usize, usize), u32> = HashMap::new();
        let mut channels = Vec::with_capacity(n);
        let mut stream_id = 10_000 + rng.below(5_000) as u32;
        let offset = rng.below(BRANDS.len());
        let mut k = 0usize;
        while channels.len() < n {
            let (country, genre) = (rng.below(COUNTRIES.len()), rng.below(GENRES.len()));
            let cc = COUNTRIES[country];
            let words = WORDS[genre];
            let brand = BRANDS[(k + offset) % BRANDS.len()];
            let word = words[(k / BRANDS.len()) % 8];
            let round = k / (BRANDS.len() * 8);
            k += 1;
            let mut base = format!("{brand} {word}");
            if round > 0 {
                base.push_str(&format!(" {}", round + 1));
            }
            let next_cat = categories.len() as u32 + 1;
            let category_id = *category_ids.entry((country, genre)).or_insert(next_cat);
            if category_id == next_cat {
                categories.push(SimCategory {
                    id: category_id,
                    name: format!("{cc} | {}", GENRES[genre]),
                });
            }
            let guided = rng.chance(75);
            let icon = rng.chance(80).then(|| {
                format!(
                    "http://logos.panel.example/{}/{}.png",
                    cc.to_lowercase(),
                    slug(&base)
                )
            });
            // Feeds: the main one, sometimes +1 or East/West (distinct channels).
            let mut feeds = vec![base.clone()];
            if rng.chance(12) {
                feeds.push(format!("{base} +1"));
            } else if rng.chance(5) {
                feeds = vec![format!("{base} East"), format!("{base} West")];
            }
            for feed in feeds {
                let epg = guided.then(|| format!("{}.{}", slug(&feed), cc.to_lowercase()));
                let mut tiers: Vec<&str> = match rng.below(6) {
                    0 => vec![""],
                    1 => vec!["HD"],
                    2 => vec!["FHD", "HD"],
                    3 => vec!["HD", "SD"],
                    _ => vec!["FHD", "HD", "SD"],
                };
                if rng.chance(4) {
                    tiers.insert(0, "UHD");
                }
                for tier in tiers {
                    if channels.len() == n {
                        break;
                    }
                    stream_id += 1 + rng.below(3) as u32;
                    let num = channels.len() as u32 + 1;
                    channels.push(SimChannel {
                        stream_id,
                        num,
                        name: decorate(&mut rng, cc, &feed, tier),
                        guide_name: feed.clone(),
                        icon: icon.clone(),
                        epg_channel_id: epg.clone().filter(|_| rng.chance(85)),
                        category_id,
                        added: 1_650_000_000 + u64::from(num) * 97,
                        archive_days: if rng.chance(5) { 3 } else { 0 },
                    });
                }
            }
        }
        SimConfig {
            categories,
            channels,
            max_connections: 4,
            ..SimConfig::default()
        }
    }
}

//! Hostile and random names: never a panic, never a blow-up in time or size.

use std::time::Instant;
use streamforge_names::{match_key, parse_name};

#[test]
fn hostile_names_never_panic_or_blow_up() {
    let pieces = [
        "(", "[", "|", "UK", "HD", "★", "-", ":", "+1", "ᴴᴰ", "é", "🇬🇧", " ", "((UK", "East",
    ];
    for piece in pieces {
        let name = piece.repeat(10_000 / piece.len().max(1));
        let started = Instant::now();
        let got = parse_name(&name);
        assert!(got.base_name.len() <= name.len() * 2);
        assert!(
            started.elapsed().as_secs() < 2,
            "{piece:?} took {:?}",
            started.elapsed()
        );
    }
    // Every mix of a few awkward fragments, including non-ASCII scripts.
    let fragments = [
        "UK",
        ":",
        "|",
        "(",
        ")",
        "HD",
        "4K",
        "+1",
        "ᴴᴰ",
        "قناة",
        "Первый",
        "Köln",
        "综合",
        "",
        " ",
    ];
    for a in fragments {
        for b in fragments {
            for c in fragments {
                let _ = parse_name(&format!("{a}{b} {c}"));
                let _ = parse_name(&format!("{a} {b}{c}"));
            }
        }
    }
}

#[test]
fn random_names_from_an_awkward_alphabet() {
    let alphabet: Vec<char> =
        "aZ09 :|-+()[]{}.,&!/'_★•🇬🇧ᴴᴰᶠˢᵁ²ßéäقПк综\u{200B}\u{FE0F}\u{FFFD}\t\r\n#@%"
            .chars()
            .collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..5_000 {
        let mut name = String::new();
        for _ in 0..(seed % 40) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            name.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let parsed = parse_name(&name);
        let _ = match_key(&parsed.base_name);
        assert!(
            parsed
                .tags
                .iter()
                .all(|t| t.is_ascii() && *t == t.to_ascii_lowercase()),
            "{name:?}"
        );
        assert_eq!(parsed.base_name, parsed.base_name.trim(), "{name:?}");
        assert!(!parsed.base_name.contains("  "), "{name:?}");
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    }
}

//! What the fuzzy stage compares: a name's core words and its signature.
//!
//! The signature is the feeds (`east`, `west`, `+1`, ...) and the numbers a
//! name carries ("Sky Sports F1" → `1`, "BBC One" → `1`). Names with
//! different signatures are different channels however alike they look, which
//! keeps "Channel 4"/"Channel 5", "E4"/"E4 +1" and "BBC One"/"BBC One East"
//! apart.

#![deny(missing_docs)]

use streamforge_names::match_key;

use crate::similarity::trigrams;

/// A name as the fuzzy stage sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameForm {
    /// Core words: folded, numbers as digits, without feeds, countries or
    /// filler ("Discovery Channel UK" → `discovery`). Quality and codec
    /// decorations are the names crate's job: pass a parsed base name.
    pub words: Vec<String>,
    /// Feeds and numbers, e.g. `+1|4`; only equal signatures may match.
    pub signature: String,
    /// The distinct core words, sorted, for subset tests.
    pub set: Vec<String>,
    /// Trigrams of the core words joined, for Dice and the index.
    pub grams: Vec<u64>,
}

impl NameForm {
    /// The core words joined, the string trigrams are taken from.
    pub fn core(&self) -> String {
        self.words.concat()
    }
}

/// Country codes providers put around names; never part of a channel's identity.
const COUNTRIES: &[&str] = &[
    "uk", "gb", "us", "usa", "ca", "de", "at", "ch", "fr", "it", "es", "pt", "nl", "be", "pl",
    "tr", "ie", "au", "nz", "se", "dk", "fi", "gr", "ro", "ru", "ar", "mx", "br", "za", "hu", "cz",
    "sk", "hr", "rs", "bg", "ua", "latino", "exyu",
];

/// Words that do not tell two channels apart ("Discovery" = "Discovery Channel").
const FILLER: &[&str] = &["tv", "channel", "the", "network", "television"];

/// Number words read as digits so "BBC One" = "BBC 1" and "Sky Sports F1" ≠ "F2".
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("ii", "2"),
    ("iii", "3"),
];

/// Reads a base name (plus the tags the provider or parser gave it) into a form.
pub fn analyse(base_name: &str, tags: &[String]) -> NameForm {
    let mut feeds: Vec<String> = tags
        .iter()
        .filter(|t| is_feed(t))
        .map(|t| t.to_string())
        .collect();
    let mut numbers = Vec::new();
    let mut words = Vec::new();
    for word in raw_words(base_name, &mut feeds) {
        if word == "east" || word == "west" {
            feeds.push(word);
            continue;
        }
        for part in split_digits(&word) {
            let number = if part.bytes().all(|b| b.is_ascii_digit()) {
                Some(trim_zeros(&part).to_string())
            } else {
                NUMBER_WORDS
                    .iter()
                    .find(|(w, _)| *w == part)
                    .map(|(_, d)| d.to_string())
            };
            match number {
                Some(n) => {
                    numbers.push(n.clone());
                    words.push(n);
                }
                None => words.push(part),
            }
        }
    }
    let core: Vec<String> = words
        .iter()
        .filter(|w| !COUNTRIES.contains(&w.as_str()) && !FILLER.contains(&w.as_str()))
        .cloned()
        .collect();
    feeds.sort();
    feeds.dedup();
    numbers.sort();
    let words = if core.is_empty() { words } else { core };
    let mut set = words.clone();
    set.sort_unstable();
    set.dedup();
    NameForm {
        grams: trigrams(&words.concat()),
        signature: format!("{}|{}", feeds.join(","), numbers.join(",")),
        set,
        words,
    }
}

/// The country a tag or guide-id suffix names, `gb` read as `uk`; `None`
/// when it is not a country code providers use.
pub fn country(tag: &str) -> Option<&'static str> {
    let tag = tag.trim().to_ascii_lowercase();
    let tag = if tag == "gb" { "uk" } else { tag.as_str() };
    COUNTRIES.iter().find(|c| **c == tag).copied()
}

/// Whether a tag names a feed: `east`, `west`, `+1`, `+2`, ... (a feed is
/// a different channel, so feeds must agree for any match).
pub fn is_feed(tag: &str) -> bool {
    tag == "east"
        || tag == "west"
        || (tag.len() > 1 && tag.starts_with('+') && tag[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// Folded words of a name (folded by [`match_key`], so words agree with the
/// exact key); `+N` feeds go to `feeds`, `&` reads as `and`, `Canal+` as
/// `canalplus`.
fn raw_words(name: &str, feeds: &mut Vec<String>) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        if c == '+' && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            let mut feed = String::from("+");
            while let Some(d) = chars.next_if(|d| d.is_ascii_digit()) {
                feed.push(d);
            }
            feeds.push(feed);
        } else if c == '+' && !word.is_empty() {
            word.push(c);
            continue;
        }
        words.push(std::mem::take(&mut word));
        if c == '&' {
            words.push("and".to_string());
        }
    }
    words.push(word);
    words
        .iter()
        .map(|w| match_key(w))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Splits a word where letters meet digits: "bbc1" → `bbc`, `1`.
fn split_digits(word: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut last_digit = None;
    for c in word.chars() {
        let digit = c.is_ascii_digit();
        if last_digit != Some(digit) {
            parts.push(String::new());
        }
        last_digit = Some(digit);
        if let Some(p) = parts.last_mut() {
            p.push(c);
        }
    }
    parts
}

/// "007" → "7", "0" → "0".
fn trim_zeros(digits: &str) -> &str {
    let t = digits.trim_start_matches('0');
    if t.is_empty() {
        "0"
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str) -> NameForm {
        let parsed = streamforge_names::parse_name(name);
        analyse(&parsed.base_name, &parsed.tags)
    }

    #[test]
    fn signatures_keep_feeds_and_numbers() {
        assert_eq!(form("BBC One").signature, "|1");
        assert_eq!(form("BBC 1").signature, "|1");
        assert_eq!(form("BBC One East").signature, "east|1");
        assert_eq!(form("Dave +1").signature, "+1|");
        assert_eq!(form("Dave+1").signature, "+1|");
        assert_eq!(form("E4 +1").signature, "+1|4");
        assert_eq!(form("Sky Sports F1").signature, "|1");
        assert_eq!(form("Channel 004").signature, "|4");
        assert_eq!(analyse("Dave", &["+1".to_string()]).signature, "+1|");
    }

    #[test]
    fn core_words_drop_decorations() {
        assert_eq!(form("UK: BBC One FHD").words, ["bbc", "1"]);
        assert_eq!(form("|UK| BBC ONE HD").words, ["bbc", "1"]);
        assert_eq!(form("BBC One ᴴᴰ").words, ["bbc", "1"]);
        assert_eq!(form("Discovery Channel").words, ["discovery"]);
        assert_eq!(form("Das Erste").words, ["das", "erste"]);
        assert_eq!(form("ProSieben MAXX").core(), "prosiebenmaxx");
        assert_eq!(form("Channel 4").words, ["4"]);
        assert_eq!(form("TV").words, ["tv"]);
        assert_eq!(form("").words, Vec::<String>::new());
        assert_eq!(form("Tom & Jerry").words, ["tom", "and", "jerry"]);
        assert_eq!(form("Canal+ Sport").words, ["canalplus", "sport"]);
        assert_eq!(form("Télé-Québec").words, ["tele", "quebec"]);
        assert_eq!(form("Sky Sports F1").words, ["sky", "sports", "f", "1"]);
    }
}

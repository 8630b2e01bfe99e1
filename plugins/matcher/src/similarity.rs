//! How alike two names are: character trigrams (Dice) blended with a soft
//! word overlap where near-identical words (Jaro-Winkler) count as equal.

#![deny(missing_docs)]

use crate::form::NameForm;

/// Words at least this long may match by spelling ("Sport" ~ "Sports").
const SOFT_MIN_LEN: usize = 4;
/// Jaro-Winkler similarity from which two words count as the same word.
const SOFT_MIN_JW: f32 = 0.9;
/// Trigram similarity needed when some word has no partner: tolerates
/// spacing ("Pro Sieben Maxxx" ~ "ProSieben Maxx"), not different words.
const UNMATCHED_MIN_DICE: f32 = 0.85;

/// Distinct trigrams of `s` padded with boundary marks, sorted; each packs
/// three chars into one `u64` so comparisons are integer merges.
pub fn trigrams(s: &str) -> Vec<u64> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut chars = vec!['\u{2}'];
    chars.extend(s.chars());
    chars.push('\u{3}');
    let mut grams: Vec<u64> = chars
        .windows(3)
        .map(|w| ((w[0] as u64) << 42) | ((w[1] as u64) << 21) | w[2] as u64)
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Dice coefficient of two sorted, distinct trigram lists.
pub fn dice(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * shared) as f32 / (a.len() + b.len()) as f32
}

/// Jaro-Winkler similarity of two words (0 for words over 64 chars, which
/// no channel name has).
pub fn jaro_winkler(a: &str, b: &str) -> f32 {
    if a.is_ascii() && b.is_ascii() {
        jaro_winkler_of(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        jaro_winkler_of(&a, &b)
    }
}

/// Jaro-Winkler over letters of any kind, without allocating.
fn jaro_winkler_of<T: PartialEq + Copy>(a: &[T], b: &[T]) -> f32 {
    if a.is_empty() || b.is_empty() || a.len() > 64 || b.len() > 64 {
        return if a == b { 1.0 } else { 0.0 };
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_used, mut b_used) = (0u64, 0u64);
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        if let Some(j) = (lo..hi).find(|&j| b_used & (1 << j) == 0 && b[j] == *ca) {
            b_used |= 1 << j;
            a_used |= 1 << i;
        }
    }
    let m = a_used.count_ones() as f32;
    if m == 0.0 {
        return 0.0;
    }
    let a_hits = (0..a.len())
        .filter(|i| a_used & (1 << i) != 0)
        .map(|i| a[i]);
    let b_hits = (0..b.len())
        .filter(|j| b_used & (1 << j) != 0)
        .map(|j| b[j]);
    let transpositions = a_hits.zip(b_hits).filter(|(x, y)| x != y).count() / 2;
    let jaro = (m / a.len() as f32 + m / b.len() as f32 + (m - transpositions as f32) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f32;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Similarity of two different words as words: their Jaro-Winkler when both
/// are long enough and it reaches [`SOFT_MIN_JW`], else 0.
fn near(wa: &str, wb: &str) -> f32 {
    let (la, lb) = (wa.chars().count(), wb.chars().count());
    if la < SOFT_MIN_LEN || lb < SOFT_MIN_LEN {
        return 0.0;
    }
    // Jaro-Winkler cannot exceed this for these lengths: skip hopeless pairs.
    let jaro_max = (2.0 + la.min(lb) as f32 / la.max(lb) as f32) / 3.0;
    if jaro_max + 0.4 * (1.0 - jaro_max) < SOFT_MIN_JW {
        return 0.0;
    }
    let jw = jaro_winkler(wa, wb);
    if jw >= SOFT_MIN_JW {
        jw
    } else {
        0.0
    }
}

/// Word overlap of two names: 0..1, and whether some word on either side
/// found no partner. A word matches an equal word or, if long enough, a
/// near-identical one; each word of `b` is used once.
pub fn soft_words(a: &[String], b: &[String]) -> (f32, bool) {
    if a.is_empty() || b.is_empty() || b.len() > 64 {
        return (0.0, true);
    }
    let mut used = 0u64;
    let mut matched = 0.0;
    let mut pairs = 0;
    for wa in a {
        let mut best: Option<(usize, f32)> = None;
        for (j, wb) in b.iter().enumerate() {
            if used & (1 << j) != 0 {
                continue;
            }
            let s = if wa == wb { 1.0 } else { near(wa, wb) };
            if s > 0.0 && best.is_none_or(|(_, bs)| s > bs) {
                best = Some((j, s));
            }
        }
        if let Some((j, s)) = best {
            used |= 1 << j;
            matched += s;
            pairs += 1;
        }
    }
    let unmatched = pairs < a.len() || pairs < b.len();
    (2.0 * matched / (a.len() + b.len()) as f32, unmatched)
}

/// Similarity (0..1) of two forms, or `None` when it is below `min_score`
/// or they cannot be the same channel: different feeds or numbers, one's
/// words a strict subset of the other's ("BBC One" vs "BBC One Scotland"),
/// or a word without a near-identical partner ("Animal Football" vs "Global
/// Football") unless the whole names are nearly the same string (spacing).
pub fn score(a: &NameForm, b: &NameForm, min_score: f32) -> Option<f32> {
    if a.signature != b.signature || a.words.is_empty() || b.words.is_empty() {
        return None;
    }
    if a.set == b.set {
        return Some(1.0);
    }
    if is_subset(&a.set, &b.set) || is_subset(&b.set, &a.set) {
        return None;
    }
    // The word part is at most 1, so a low Dice rules the pair out early.
    let dice = dice(&a.grams, &b.grams);
    if 0.5 * dice + 0.5 < min_score {
        return None;
    }
    let (soft, unmatched) = soft_words(&a.words, &b.words);
    let score = 0.5 * dice + 0.5 * soft;
    if (unmatched && dice < UNMATCHED_MIN_DICE) || score < min_score {
        return None;
    }
    Some(score)
}

/// Whether every word of sorted `small` is in sorted `big`.
fn is_subset(small: &[String], big: &[String]) -> bool {
    small.iter().all(|w| big.binary_search(w).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::analyse;

    fn sim(a: &str, b: &str) -> Option<f32> {
        score(&analyse(a, &[]), &analyse(b, &[]), 0.0)
    }

    #[test]
    fn trigram_dice_basics() {
        assert_eq!(trigrams("ab").len(), 2);
        assert_eq!(trigrams("a").len(), 1);
        assert_eq!(dice(&trigrams("zdf"), &trigrams("zdf")), 1.0);
        assert!(dice(&trigrams("zdf"), &trigrams("zdfneo")) < 0.5);
        assert_eq!(dice(&[], &trigrams("a")), 0.0);
    }

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.01);
        assert!((jaro_winkler("dixon", "dicksonx") - 0.813).abs() < 0.01);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
        assert_eq!(jaro_winkler("", ""), 1.0);
    }

    #[test]
    fn scores_separate_variants() {
        assert_eq!(
            sim("Sky Sports Main Event", "SKY SPORTS MAIN EVENT UK"),
            Some(1.0)
        );
        assert!(sim("Sky Sport Main Event", "Sky Sports Main Event").unwrap() > 0.85);
        assert!(sim("Nickelodeon", "Nickelodean").unwrap() > 0.75);
        assert_eq!(sim("ZDF", "ZDFneo"), None);
        assert_eq!(sim("BBC One", "BBC One Scotland"), None);
        assert_eq!(sim("BBC One", "BBC One East"), None);
        assert_eq!(sim("Sky Sports F1", "Sky Sports F2"), None);
        assert_eq!(sim("Dave", "Dave +1"), None);
        assert_eq!(sim("", "Dave"), None);
        let (a, b) = (
            analyse("Sky Sport Main Event", &[]),
            analyse("Sky Sports Main Event", &[]),
        );
        assert_eq!(score(&a, &b, 0.99), None);
        assert_eq!(
            sim("Sky Sports Main Event", "Sky Sports Premier League"),
            None
        );
        assert_eq!(sim("Animal Football 6", "Global Football 6"), None);
        assert_eq!(sim("Sky Gold", "Sky Golf"), None);
        assert!(sim("Pro Sieben Maxxx", "ProSieben Maxx").unwrap() > 0.6);
    }
}

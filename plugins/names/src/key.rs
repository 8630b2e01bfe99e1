//! The normalised key the matcher compares for exact name matches.

use crate::fold::fold_latin;
use crate::normalize::{decorative, fancy};

/// The key two names must share to be the same channel by name: lower-case,
/// Latin diacritics folded (`ä`→`a`, `é`→`e`, `ß`→`ss`), `&` spelled `and`, `+`
/// spelled `plus` (so `+1` becomes `plus1` and `Canal+` `canalplus`), and every
/// space, punctuation mark and symbol removed. Letters of other scripts are
/// kept, lower-cased. Pass a base name (from [`crate::parse_name`]) so
/// decorations do not get in the way: `match_key("BBC One +1") == "bbconeplus1"`.
pub fn match_key(base_name: &str) -> String {
    let mut key = String::with_capacity(base_name.len());
    for c in base_name.chars() {
        let c = fancy(c).or_else(|| decorative(c)).unwrap_or(c);
        match c {
            '&' => key.push_str("and"),
            '+' => key.push_str("plus"),
            c if c.is_ascii_alphanumeric() => key.push(c.to_ascii_lowercase()),
            c if c.is_ascii() => {}
            c => {
                if let Some(folded) = fold_latin(c) {
                    key.push_str(folded);
                } else if c.is_alphanumeric() {
                    key.extend(c.to_lowercase());
                }
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::match_key;

    #[test]
    fn folds_and_spells() {
        assert_eq!(match_key("BBC One +1"), "bbconeplus1");
        assert_eq!(match_key("A&E"), "aande");
        assert_eq!(match_key("Süddeutsche Straße"), "suddeutschestrasse");
        assert_eq!(match_key("Télé-Québec"), "telequebec");
        assert_eq!(match_key("Canal+ Sport"), "canalplussport");
        assert_eq!(match_key("Первый канал"), "первыйканал");
        assert_eq!(match_key("  "), "");
    }
}

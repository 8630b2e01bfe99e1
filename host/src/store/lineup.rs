//! Stable channel numbers (HDHomeRun `GuideNumber`): given once per guide
//! channel and kept forever, so Plex's channel list never reshuffles.

use super::{Result, Store};

/// A guide channel's number in the lineup.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineupNumber {
    /// The numbered guide channel's XMLTV id.
    pub guide_id: String,
    /// Digits, optionally with one `.` (e.g. "101", "5.1"); never `_`.
    pub number: String,
}

/// Where numbers start when a guide gives none.
const FIRST_ASSIGNED: u64 = 1000;

/// Whether `n` is usable as a GuideNumber.
pub fn valid_number(n: &str) -> bool {
    let mut parts = n.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let first = parts.next();
    let second = parts.next();
    ok(first) && (second.is_none() || ok(second)) && parts.next().is_none()
}

impl Store {
    /// Every assigned number, by guide id.
    pub fn lineup_numbers(&self) -> Result<Vec<LineupNumber>> {
        self.lineup
            .iter()
            .map(|e| {
                let (k, v) = e?;
                Ok(LineupNumber {
                    guide_id: String::from_utf8_lossy(&k).into_owned(),
                    number: String::from_utf8_lossy(&v).into_owned(),
                })
            })
            .collect()
    }

    /// Gives each of `channels` (guide id, the guide's own number if any) a
    /// number, keeping every number already given. The guide's number is
    /// used when free; otherwise the next free one from 1000 up.
    pub fn assign_numbers(&self, channels: &[(String, Option<String>)]) -> Result<()> {
        let existing = self.lineup_numbers()?;
        let mut taken: std::collections::HashSet<String> =
            existing.iter().map(|n| n.number.clone()).collect();
        let mut next = FIRST_ASSIGNED;
        let mut batch = sled::Batch::default();
        for (guide_id, wanted) in channels {
            if self.lineup.contains_key(guide_id.as_bytes())? {
                continue;
            }
            let number = match wanted {
                Some(n) if valid_number(n) && !taken.contains(n) => n.clone(),
                _ => loop {
                    let candidate = next.to_string();
                    next += 1;
                    if !taken.contains(&candidate) {
                        break candidate;
                    }
                },
            };
            taken.insert(number.clone());
            batch.insert(guide_id.as_bytes(), number.as_bytes());
        }
        self.lineup.apply_batch(batch)?;
        self.lineup.flush()?;
        self.changed()
    }
}

#[cfg(test)]
mod tests {
    use super::valid_number;

    #[test]
    fn numbers_are_digits_with_one_optional_dot() {
        for ok in ["1", "101", "5.1", "999999"] {
            assert!(valid_number(ok), "{ok}");
        }
        for bad in ["", "1_2", "a", "1.2.3", ".5", "5.", "1234567", "-1"] {
            assert!(!valid_number(bad), "{bad}");
        }
    }
}

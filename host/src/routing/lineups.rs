//! The lineups besides `main` as the tuner and the relay read them: each
//! one's channels (a selection of the [`Universe`], so numbers are the same
//! everywhere), its identity and its tuner count, built into the snapshot.

use super::lineup::{by_number, Lineup, Universe};
use crate::store::{AccountRecord, LineupRecord};
use std::cmp::Ordering;

/// One lineup besides `main`, ready to serve.
#[derive(Debug, Clone)]
pub struct LineupView {
    /// What the user made.
    pub record: LineupRecord,
    /// Its channels, sorted by number.
    pub lineup: Lineup,
    /// Tuners it advertises and may hold at once: its own count (capped, as
    /// `main`'s, by the accounts' lowered limits), else `main`'s.
    pub tuner_count: u32,
}

/// Whether `record` holds channel `number` by its list or its range
/// (group filters aside): with neither, every channel.
pub fn selects(record: &LineupRecord, number: &str) -> bool {
    let ranged = record.first.is_some() || record.last.is_some();
    if record.channels.is_empty() && !ranged {
        return true;
    }
    let in_range = ranged
        && record
            .first
            .as_deref()
            .is_none_or(|f| by_number(number, f) != Ordering::Less)
        && record
            .last
            .as_deref()
            .is_none_or(|l| by_number(number, l) != Ordering::Greater);
    in_range || record.channels.contains(number)
}

/// Builds each lineup's view from `universe`; `main_tuners` is `main`'s count.
pub fn views(
    records: Vec<LineupRecord>,
    universe: &Universe,
    accounts: &[AccountRecord],
    main_tuners: u32,
) -> Vec<LineupView> {
    records
        .into_iter()
        .map(|record| {
            let lineup = universe.select(&record.groups, |n| selects(&record, n));
            let tuner_count = match record.tuners {
                Some(n) => super::table::tuner_count(Some(n), accounts),
                None => main_tuners,
            };
            LineupView {
                record,
                lineup,
                tuner_count,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lineup_holds_its_list_and_its_range() {
        let mut r = LineupRecord::default();
        assert!(selects(&r, "5"), "no list, no range: everything");
        r.channels.insert("7".into());
        assert!(selects(&r, "7") && !selects(&r, "5"));
        r.first = Some("100".into());
        r.last = Some("199".into());
        assert!(selects(&r, "100") && selects(&r, "150.1") && selects(&r, "199"));
        assert!(!selects(&r, "99") && !selects(&r, "200") && !selects(&r, "1000"));
        assert!(selects(&r, "7"), "the list still holds");
        r.last = None;
        assert!(selects(&r, "5000"), "open-ended range");
    }
}

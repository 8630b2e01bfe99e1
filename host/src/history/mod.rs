//! What each provider stream really is and how it behaves, learned while it
//! plays: its measured format (from the relay's tracker), its tunes, start
//! times, failures by kind, minutes played and bitrate steadiness. Ranking
//! uses it (`matching::rank`: the measured tier before the name's, then the
//! score), `mappings --stats`, `status` and the console show it.
//!
//! Kept in memory (the relay writes here without touching the database) and
//! saved to the store by a task every [`SAVE_EVERY`] and at shutdown;
//! bounded to [`MAX_STREAMS`] streams (the longest unseen go first) and each
//! record to a few counters and its latest marks (see [`record`]).

pub mod record;
pub mod score;

pub use record::{MeasuredFormat, StreamRecord};

use crate::store::StreamHistoryStore;
use dashmap::DashMap;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Streams remembered at most; beyond, the one seen longest ago is dropped.
pub const MAX_STREAMS: usize = 20_000;

/// How often changed records are written to the store.
pub const SAVE_EVERY: Duration = Duration::from_secs(30);

/// A provider stream: its account and its key in that account's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    /// The account's name.
    pub account: String,
    /// The stream's key in the account's catalogue.
    pub key: String,
}

impl StreamId {
    /// The id of `key` on `account`.
    pub fn new(account: &str, key: &str) -> StreamId {
        StreamId {
            account: account.to_string(),
            key: key.to_string(),
        }
    }
}

/// What `mappings --stats`, `status` and the console show of a stream.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StreamStats {
    /// The tier its picture measured, once it played or was probed.
    pub measured: Option<crate::model::Quality>,
    /// `1280x720p25 H.264 High`, once measured.
    pub video: Option<String>,
    /// `AAC 2ch 48 kHz`, once measured.
    pub audio: Option<String>,
    /// Megabits per second while it played, on average.
    pub mbps: Option<f64>,
    /// 0..=100, see [`score`].
    pub score: u8,
    /// The score's reasons in words.
    pub explained: String,
}

/// Every stream's record, in memory, with the store behind it.
pub struct History {
    records: DashMap<StreamId, StreamRecord>,
    /// Changed since the last save (and removed, when no longer in `records`).
    dirty: Mutex<HashSet<StreamId>>,
    store: Option<StreamHistoryStore>,
    /// One save at a time.
    saving: Mutex<()>,
}

impl History {
    /// The history saved in `store` (blocking: reads the database).
    pub fn load(store: StreamHistoryStore) -> crate::store::Result<History> {
        let records = DashMap::new();
        for (account, key, record) in store.load::<StreamRecord>()? {
            records.insert(StreamId { account, key }, record);
        }
        Ok(History {
            records,
            dirty: Mutex::default(),
            store: Some(store),
            saving: Mutex::default(),
        })
    }

    /// A history that is never saved (tests, benchmarks).
    pub fn in_memory() -> History {
        History {
            records: DashMap::new(),
            dirty: Mutex::default(),
            store: None,
            saving: Mutex::default(),
        }
    }

    /// `id`'s record, if it ever played or was probed.
    pub fn get(&self, id: &StreamId) -> Option<StreamRecord> {
        self.records.get(id).map(|r| r.clone())
    }

    /// The tier `id` ranks at (measured, else `named`) and its score now.
    pub fn rank_facts(
        &self,
        id: &StreamId,
        named: crate::model::Quality,
        now: u64,
    ) -> (crate::model::Quality, u8) {
        match self.records.get(id) {
            Some(r) => (
                score::ranked_tier(Some(&r), named),
                score::score(Some(&r), now),
            ),
            None => (named, 100),
        }
    }

    /// What is shown of `id` (named `named`) at `now`.
    pub fn stats(&self, id: &StreamId, named: crate::model::Quality, now: u64) -> StreamStats {
        let record = self.get(id);
        let r = record.as_ref();
        let measured = r.and_then(|r| r.measured.as_ref());
        StreamStats {
            measured: measured.map(|m| m.tier),
            video: measured.map(|m| m.video.clone()),
            audio: measured.and_then(|m| m.audio.clone()),
            mbps: r
                .filter(|r| r.bitrate.samples > 0)
                .map(|r| (r.bitrate.mbps() * 100.0).round() / 100.0),
            score: score::score(r, now),
            explained: score::explain(r, named, now),
        }
    }

    /// Changes `id`'s record (made if new), to be saved with the next save.
    pub fn update(&self, id: &StreamId, change: impl FnOnce(&mut StreamRecord)) {
        if !self.records.contains_key(id) && self.records.len() >= MAX_STREAMS {
            self.drop_oldest();
        }
        change(&mut self.records.entry(id.clone()).or_default());
        self.dirty.lock().expect("history lock").insert(id.clone());
    }

    /// Forgets what was learned of `id` (`streamforge streams forget`).
    pub fn forget(&self, id: &StreamId) -> bool {
        let had = self.records.remove(id).is_some();
        self.dirty.lock().expect("history lock").insert(id.clone());
        had
    }

    fn drop_oldest(&self) {
        let oldest = self
            .records
            .iter()
            .min_by_key(|r| r.value().last_seen)
            .map(|r| r.key().clone());
        if let Some(id) = oldest {
            self.records.remove(&id);
            self.dirty.lock().expect("history lock").insert(id);
        }
    }

    /// Streams remembered now.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Nothing remembered.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Writes the records changed since the last save; how many (blocking:
    /// writes the database). A failed write keeps them for the next save.
    pub fn save(&self) -> crate::store::Result<usize> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let _one_at_a_time = self.saving.lock().expect("history save lock");
        let ids: Vec<StreamId> = self.dirty.lock().expect("history lock").drain().collect();
        let batch: Vec<(String, String, Option<StreamRecord>)> = ids
            .iter()
            .map(|id| (id.account.clone(), id.key.clone(), self.get(id)))
            .collect();
        if let Err(e) = store.save(&batch) {
            self.dirty.lock().expect("history lock").extend(ids);
            return Err(e);
        }
        Ok(batch.len())
    }

    /// Saves every [`SAVE_EVERY`] on the current runtime until the handle
    /// is dropped or aborted; failures go to `events` once per kind of error.
    pub fn spawn_saver(
        self: &Arc<Self>,
        events: Arc<crate::events::EventLog>,
    ) -> tokio::task::JoinHandle<()> {
        let history = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAVE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            let mut said = false;
            loop {
                tick.tick().await;
                let h = history.clone();
                match crate::blocking::run(move || Ok(h.save()?)).await {
                    Ok(_) => said = false,
                    Err(e) if !said => {
                        said = true;
                        events.record(crate::events::Event::new(
                            "history-save-failed",
                            format!("the streams' play history could not be saved ({e:#}); it is kept in memory and saved again in {} s", SAVE_EVERY.as_secs()),
                        ));
                    }
                    Err(_) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_records_come_back_and_forgotten_ones_stay_gone() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        let history = History::load(StreamHistoryStore::new(store.clone())).unwrap();
        let (a, b) = (StreamId::new("acc", "1"), StreamId::new("acc", "2"));
        history.update(&a, |r| r.note_failure("stall", 10));
        history.update(&b, |r| r.note_connected(500, 11));
        assert_eq!(history.save().unwrap(), 2);
        assert_eq!(history.save().unwrap(), 0, "nothing changed since");
        history.forget(&b);
        history.save().unwrap();
        let again = History::load(StreamHistoryStore::new(store)).unwrap();
        assert_eq!(again.get(&a).unwrap().failures["stall"], 1);
        assert!(again.get(&b).is_none());
    }

    #[test]
    fn the_stream_seen_longest_ago_makes_room() {
        let history = History::in_memory();
        for i in 0..MAX_STREAMS as u64 {
            history.update(&StreamId::new("a", &i.to_string()), |r| {
                r.note_connected(1, 1_000 + i)
            });
        }
        history.update(&StreamId::new("a", "new"), |r| r.note_connected(1, 99_999));
        assert_eq!(history.len(), MAX_STREAMS);
        assert!(history.get(&StreamId::new("a", "0")).is_none());
        assert!(history.get(&StreamId::new("a", "1")).is_some());
    }
}

//! Which logos the cache holds, their sizes and their last use: the
//! bookkeeping for evicting the least recently used once over the cap.

use std::collections::HashMap;

/// Sizes and last uses of the cached logos (in memory; rebuilt at start).
#[derive(Debug, Default)]
pub(crate) struct Index {
    entries: HashMap<String, (u64, u64)>,
    total: u64,
    clock: u64,
}

impl Index {
    /// Whether `id` is cached.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// Bytes held by every logo together.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Marks `id` as just used.
    pub(crate) fn touch(&mut self, id: &str) {
        self.clock += 1;
        if let Some(e) = self.entries.get_mut(id) {
            e.1 = self.clock;
        }
    }

    /// Records `id` with `size` bytes as just used (replacing what it had),
    /// and returns the least recently used others to evict so the total
    /// stays within `cap`.
    pub(crate) fn insert(&mut self, id: &str, size: u64, cap: u64) -> Vec<String> {
        self.remove(id);
        self.clock += 1;
        self.entries.insert(id.to_owned(), (size, self.clock));
        self.total += size;
        let mut evicted = Vec::new();
        if self.total > cap {
            let mut by_age: Vec<(u64, String)> = self
                .entries
                .iter()
                .filter(|(k, _)| k.as_str() != id)
                .map(|(k, (_, used))| (*used, k.clone()))
                .collect();
            by_age.sort_unstable();
            for (_, old) in by_age {
                if self.total <= cap {
                    break;
                }
                self.remove(&old);
                evicted.push(old);
            }
        }
        evicted
    }

    /// Forgets `id`.
    pub(crate) fn remove(&mut self, id: &str) {
        if let Some((size, _)) = self.entries.remove(id) {
            self.total -= size;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used() {
        let mut i = Index::default();
        assert!(i.insert("a", 40, 100).is_empty());
        assert!(i.insert("b", 40, 100).is_empty());
        i.touch("a");
        assert_eq!(i.insert("c", 40, 100), vec!["b".to_string()]);
        assert!(i.contains("a") && i.contains("c") && !i.contains("b"));
        assert_eq!(i.total(), 80);
        assert_eq!(i.insert("a", 10, 100), Vec::<String>::new());
        assert_eq!(i.total(), 50);
    }
}

//! Short-lived load-balancer tokens: the panel hands one out in a `302`,
//! the load balancer accepts it for one stream id until it expires.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most tokens kept; beyond it the ones expiring soonest are dropped.
const MAX_TOKENS: usize = 10_000;

/// Tokens issued and not yet expired.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    live: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Tokens {
    /// A new random token for `stream_id`, valid for `ttl`.
    pub(crate) fn issue(&self, stream_id: u32, ttl: Duration) -> String {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).expect("simulated provider: OS randomness");
        let token = hex::encode(raw);
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if live.len() >= MAX_TOKENS {
            live.retain(|_, (_, expiry)| *expiry > now);
        }
        while live.len() >= MAX_TOKENS {
            let soonest = live
                .iter()
                .min_by_key(|(_, (_, expiry))| *expiry)
                .map(|(k, _)| k.clone());
            match soonest {
                Some(key) => live.remove(&key),
                None => break,
            };
        }
        live.insert(token.clone(), (stream_id, now + ttl));
        token
    }

    /// Whether `token` was issued for `stream_id` and has not expired.
    pub(crate) fn valid(&self, token: &str, stream_id: u32) -> bool {
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        matches!(live.get(token), Some(&(id, expiry)) if id == stream_id && Instant::now() < expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_per_stream_and_expire() {
        let tokens = Tokens::default();
        let t = tokens.issue(5, Duration::from_secs(60));
        assert_eq!(t.len(), 32);
        assert!(tokens.valid(&t, 5));
        assert!(!tokens.valid(&t, 6));
        assert!(!tokens.valid("nope", 5));
        let gone = tokens.issue(5, Duration::ZERO);
        assert!(!tokens.valid(&gone, 5));
        assert_ne!(t, tokens.issue(5, Duration::from_secs(60)));
    }
}

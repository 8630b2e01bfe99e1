//! How much a bulk call (a whole catalogue, an account check, a match, a
//! camera list) may use: limits that grow with the size of its input, up to
//! global maxima, so a small input cannot buy a large sandbox and a large
//! catalogue is not stopped by limits sized for a small one. An input too
//! large for the maxima is refused before the plugin runs.

use super::sandbox::CallLimits;
use crate::model::{AccountChannel, GuideChannel, HttpResponse};
use std::time::Duration;

/// A megabyte as people count it (`94 MB`): limits are set in these so the
/// figures messages show are the figures configured.
pub const MB: usize = 1_000_000;

/// How a bulk call's limits grow with its input. It exists so one rule sizes
/// every bulk call, and so tests can shrink it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BulkBudget {
    /// The limits for an empty input.
    pub base: CallLimits,
    /// What each megabyte ([`MB`]) of input adds to them.
    pub per_mb: CallLimits,
    /// The largest input a bulk call is given, in bytes; a larger one is
    /// refused before the call.
    pub max_input: usize,
}

impl BulkBudget {
    /// The budget the host runs with, sized by measurement (release build,
    /// built-in plugins; the server's peak RSS is its VmHWM over a sync):
    ///
    /// | input | plugin memory used | server peak |
    /// |---|---|---|
    /// | M3U, 300 000 entries, 37.7 MB | 141 MiB (m3u) | 384 MB |
    /// | M3U, 720 000 short entries, 79 MB | 312 MiB (m3u) | 812 MB |
    /// | Xtream, 50 000 streams, 16 MB | 40 MiB (xtream) | |
    /// | match, 10 000 × 50 000 streams, 7.5 MB | 29 MiB (matcher) | |
    ///
    /// Those M3U answers take about 3 MiB of host memory per megabyte of
    /// playlist (counted as wasmtime counts hostcall fuel: 208 bytes a
    /// channel and its text), so memory and answer both get at least 1.4
    /// times what the m3u plugin needs. At the largest input (80 MB) the
    /// limits are 464 MiB of plugin memory and 352 MiB of answer: with the
    /// input itself 892 MiB, what a plugin that takes all it may can cost.
    /// Larger playlists exist (a million short entries is ~94 MB); they are
    /// refused with a message, not run.
    pub const DEFAULT: BulkBudget = BulkBudget {
        base: CallLimits {
            deadline: Duration::from_secs(60),
            memory: 64 << 20,
            answer: 32 << 20,
        },
        per_mb: CallLimits {
            deadline: Duration::from_secs(1),
            memory: 5 << 20,
            answer: 4 << 20,
        },
        max_input: 80 * MB,
    };

    /// The limits for an input of `bytes`, or `None` when it is larger than
    /// [`BulkBudget::max_input`].
    pub fn for_input(&self, bytes: usize) -> Option<CallLimits> {
        if bytes > self.max_input {
            return None;
        }
        let grow = |base: usize, per_mb: usize| {
            let extra = (per_mb as u128 * bytes as u128).div_ceil(MB as u128);
            base.saturating_add(usize::try_from(extra).unwrap_or(usize::MAX))
        };
        let per_mb_nanos = self.per_mb.deadline.as_nanos();
        let extra_nanos = (per_mb_nanos * bytes as u128).div_ceil(MB as u128);
        Some(CallLimits {
            deadline: self.base.deadline
                + Duration::from_nanos(u64::try_from(extra_nanos).unwrap_or(u64::MAX)),
            memory: grow(self.base.memory, self.per_mb.memory),
            answer: grow(self.base.answer, self.per_mb.answer),
        })
    }

    /// The limits at the largest input: the most any bulk call gets.
    pub fn maxima(&self) -> CallLimits {
        self.for_input(self.max_input)
            .expect("the largest input is within itself")
    }
}

/// What a list of HTTP answers weighs as a plugin's input, in bytes.
pub fn responses_size(responses: &[HttpResponse]) -> usize {
    responses
        .iter()
        .map(|r| {
            let headers: usize = r.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
            r.body.len() + r.purpose.len() + headers
        })
        .sum()
}

/// What a match's guide channels and streams weigh as a plugin's input, in
/// bytes: their text, plus a record's fixed fields.
pub fn match_input_size(guide: &[GuideChannel], streams: &[AccountChannel]) -> usize {
    const RECORD: usize = 32;
    let text = |s: &str| s.len();
    let option = |s: &Option<String>| s.as_deref().map_or(0, text);
    let guide: usize = guide
        .iter()
        .map(|g| {
            RECORD
                + g.id.len()
                + g.names.iter().map(String::len).sum::<usize>()
                + option(&g.number)
                + option(&g.icon)
        })
        .sum();
    let streams: usize = streams
        .iter()
        .map(|s| {
            let c = &s.channel;
            RECORD
                + s.account.len()
                + c.key.len()
                + c.name.len()
                + c.base_name.len()
                + c.tags.iter().map(String::len).sum::<usize>()
                + option(&c.group)
                + option(&c.logo)
                + option(&c.guide_id)
                + c.extra
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
        })
        .sum();
    guide + streams
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_grow_with_the_input_up_to_the_largest() {
        let budget = BulkBudget::DEFAULT;
        assert_eq!(budget.for_input(0), Some(budget.base));
        let ten = budget.for_input(10 * MB).unwrap();
        assert_eq!(ten.memory, budget.base.memory + 10 * budget.per_mb.memory);
        assert_eq!(ten.answer, budget.base.answer + 10 * budget.per_mb.answer);
        assert_eq!(
            ten.deadline,
            budget.base.deadline + budget.per_mb.deadline * 10
        );
        let half = budget.for_input(MB / 2).unwrap();
        assert_eq!(half.memory, budget.base.memory + budget.per_mb.memory / 2);
        assert_eq!(budget.for_input(budget.max_input), Some(budget.maxima()));
        assert_eq!(budget.for_input(budget.max_input + 1), None);
    }

    #[test]
    fn the_largest_budget_stays_within_a_gib() {
        let budget = BulkBudget::DEFAULT;
        let most = budget.maxima();
        let total = budget.max_input + most.memory + most.answer;
        assert!(total <= 1 << 30, "{total} bytes: {most:?}");
        assert!(most.deadline <= Duration::from_secs(300), "{most:?}");
    }

    #[test]
    fn answers_weigh_their_bodies_and_headers() {
        let r = HttpResponse {
            purpose: "list".into(),
            status: 200,
            headers: vec![("a".into(), "bc".into())],
            body: vec![0; 100],
        };
        assert_eq!(responses_size(&[r.clone(), r]), 2 * (100 + 4 + 3));
    }
}

//! A match too large for the matcher plugin, told in the user's terms: how
//! much there is to match, the limit, and what to do. It exists because the
//! plugin runtime's own errors name calls and limits, not guides and streams.

use crate::plugins::CallError;
use crate::text::size;

/// What the user can do about a match that is too large.
const ADVICE: &str = "disable accounts whose streams need no guide channel \
    (`streamforge account disable NAME`) or ask their providers for live channels only";

/// `err`, from matching `bytes` of guide channels and streams, worded for the
/// user when it comes from their size; other errors as they are.
pub(super) fn worded(err: CallError, bytes: usize) -> anyhow::Error {
    let what = format!(
        "the guide channels and streams to match ({})",
        size(bytes as u64)
    );
    match &err {
        CallError::InputTooLarge { plugin, limit, .. } => anyhow::anyhow!(
            "{what} are more than the {plugin} plugin may handle ({} limit); {ADVICE}",
            size(*limit as u64)
        ),
        CallError::OutOfMemory { plugin, .. }
        | CallError::OutputTooLarge { plugin, .. }
        | CallError::Timeout { plugin, .. } => {
            anyhow::anyhow!("{what} need more than the {plugin} plugin may use ({err}); {ADVICE}")
        }
        _ => err.into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_input_over_the_limit_names_size_limit_and_what_to_do() {
        let err = crate::plugins::CallError::InputTooLarge {
            plugin: "matcher".into(),
            call: "match-channels",
            size: 135_000_000,
            limit: 80_000_000,
        };
        assert_eq!(
            super::worded(err, 135_000_000).to_string(),
            "the guide channels and streams to match (135 MB) are more than the matcher plugin \
             may handle (80 MB limit); disable accounts whose streams need no guide channel \
             (`streamforge account disable NAME`) or ask their providers for live channels only"
        );
    }
}

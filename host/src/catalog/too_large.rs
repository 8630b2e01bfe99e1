//! A catalogue larger than its provider plugin may handle, told in the
//! user's terms: which account, how large, what the limit is, what to do.
//! It exists because the plugin runtime's own errors name calls and limits
//! ("parse-catalog", "memory limit"), not the account and its catalogue.

use crate::plugins::CallError;
use crate::text::size;

/// What the user can do about a catalogue that is too large.
const ADVICE: &str = "ask the provider for a smaller playlist or catalogue \
    (live channels only, without films and series)";

/// `err`, from reading the catalogue of `account` (`bytes` long), worded for
/// the user when it comes from the catalogue's size; other errors as they are.
pub(super) fn worded(err: CallError, account: &str, bytes: usize) -> anyhow::Error {
    let catalogue = format!(
        "the catalogue of account `{account}` ({})",
        size(bytes as u64)
    );
    match &err {
        CallError::InputTooLarge { plugin, limit, .. } => anyhow::anyhow!(
            "{catalogue} is larger than the {plugin} plugin may handle ({} limit); {ADVICE}",
            size(*limit as u64)
        ),
        CallError::OutOfMemory { plugin, .. }
        | CallError::OutputTooLarge { plugin, .. }
        | CallError::Timeout { plugin, .. } => anyhow::anyhow!(
            "{catalogue} needs more than the {plugin} plugin may use ({err}); {ADVICE}"
        ),
        _ => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_over_the_limit_names_account_size_and_limit() {
        let err = CallError::InputTooLarge {
            plugin: "m3u".into(),
            call: "parse-catalog",
            size: 94_400_000,
            limit: 80_000_000,
        };
        let text = worded(err, "x", 94_400_000).to_string();
        assert!(
            text.starts_with(
                "the catalogue of account `x` (94 MB) is larger than the m3u plugin may handle (80 MB limit); ask the provider"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_plugin_stopped_by_its_limits_is_told_with_the_size() {
        let err = CallError::OutputTooLarge {
            plugin: "m3u".into(),
            call: "parse-catalog",
            detail: "an answer larger than its 400 MiB limit".into(),
        };
        let text = worded(err, "x", 1_500_000).to_string();
        assert!(
            text.starts_with("the catalogue of account `x` (1.5 MB) needs more than the m3u plugin may use (plugin `m3u` answered `parse-catalog` with too much: an answer larger than its 400 MiB limit); ask"),
            "{text}"
        );
    }

    #[test]
    fn other_failures_pass_through() {
        let err = CallError::Trap {
            plugin: "m3u".into(),
            call: "parse-catalog",
            detail: "panicked".into(),
        };
        assert_eq!(
            worded(err, "x", 10).to_string(),
            "plugin `m3u` crashed in `parse-catalog`: panicked"
        );
    }
}

//! Where `serve`'s settings come from: the flags typed on the command line
//! (they outrank the environment, which outranks the config file, which
//! outranks the defaults; see `crate::config`). What the settings then are
//! is `crate::server::Settings`.

use super::serve::ServeArgs;
use crate::config::Sources;
use clap::parser::ValueSource;
use std::path::PathBuf;

/// The flags of `matches` typed on the command line, with their text.
pub fn typed_flags(matches: &clap::ArgMatches) -> Vec<(String, String)> {
    matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .filter_map(|id| {
            let raw = matches.get_raw(id.as_str())?.next_back()?;
            Some((id.to_string(), raw.to_string_lossy().into_owned()))
        })
        .collect()
}

impl ServeArgs {
    /// Where these options' settings come from: the typed flags, the
    /// process environment and `file`.
    pub fn sources(&self, file: Option<PathBuf>) -> Sources {
        Sources {
            flags: self.typed.clone(),
            env: Sources::process_env(),
            file,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::schema;
    use clap::{Args, Command, FromArgMatches};

    /// The defaults `serve --help` shows are the schema's (what `config
    /// show` prints and the server runs with).
    #[test]
    fn the_schema_defaults_are_the_flags_defaults() {
        let command = ServeArgs::augment_args(Command::new("serve"));
        let mut checked = 0;
        for arg in command.get_arguments() {
            let Some(key) = schema::keys()
                .iter()
                .find(|k| k.flag == Some(arg.get_id().as_str()))
            else {
                continue;
            };
            let Some(shown) = arg.get_default_values().first() else {
                continue;
            };
            let shown = shown.to_string_lossy();
            if key.kind == schema::Kind::Switch {
                continue; // a bare flag: its default is "off", the key's may be on
            }
            assert_eq!(
                schema::parse_text(key, &shown).ok(),
                key.default_value(),
                "--{} shows {shown:?}, `{}` defaults to {:?}",
                arg.get_id(),
                key.path,
                key.default
            );
            checked += 1;
        }
        assert!(checked >= 15, "only {checked} flags checked");
    }

    /// Only typed flags count as flags: defaults leave room for the file.
    #[test]
    fn typed_flags_are_the_ones_on_the_command_line() {
        let matches = ServeArgs::augment_args(Command::new("serve"))
            .try_get_matches_from(["serve", "--stall-timeout", "1.5", "--no-discovery"])
            .unwrap();
        let typed = typed_flags(&matches);
        let has = |id: &str, text: &str| typed.iter().any(|(i, t)| i == id && t == text);
        assert!(has("no_discovery", "true"), "{typed:?}");
        assert!(has("stall_timeout", "1.5"), "{typed:?}");
        // Defaults are not typed flags.
        assert!(!typed.iter().any(|(i, _)| i == "listen"), "{typed:?}");
        let mut args = ServeArgs::from_arg_matches(&matches).unwrap();
        args.typed = typed;
        let r = args.sources(None).resolve().unwrap();
        let settings = crate::server::Settings::from_resolved(&r).unwrap();
        assert_eq!(settings.relay.stall_timeout.as_secs_f64(), 1.5);
        assert!(!settings.discovery);
    }
}

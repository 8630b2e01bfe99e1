//! Reading `streamforge.toml`: every key checked against the schema, with
//! the line it is on, so an error points at it and `config show` can say
//! which line a value came from. Unknown keys are errors (a typo must not be
//! silently ignored), with the closest known key as a suggestion.

use super::error::{closest, line_of, ConfigError, ConfigErrors};
use super::schema::{self, Key, Value};
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One value set by the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileValue {
    /// The setting.
    pub key: &'static Key,
    /// Its checked value.
    pub value: Value,
    /// The line it is on (1-based).
    pub line: usize,
}

/// Reads and checks the config file at `path`.
pub fn read(path: &Path) -> Result<Vec<FileValue>, ConfigErrors> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            place: shown.clone(),
            message: format!("cannot read the config file: {e}"),
        }])
    })?;
    parse(&shown, &text)
}

/// Checks config `text`; `shown` names the file in errors. Every error is
/// reported, not only the first.
pub fn parse(shown: &str, text: &str) -> Result<Vec<FileValue>, ConfigErrors> {
    let at = |offset: usize| format!("{shown}:{}", line_of(text, offset));
    let table = DeTable::parse(text).map_err(|e| {
        let place = e.span().map_or_else(|| shown.to_string(), |s| at(s.start));
        let message = e.message().trim().replace('\n', " ");
        ConfigErrors(vec![ConfigError {
            place,
            message: format!("not valid TOML: {message}"),
        }])
    })?;
    let mut walk = Walk {
        text,
        shown,
        values: Vec::new(),
        errors: Vec::new(),
    };
    walk.table("", table.get_ref());
    if walk.errors.is_empty() {
        Ok(walk.values)
    } else {
        // Tables are walked by key; errors read best in file order.
        walk.errors.sort_by_key(|(offset, _)| *offset);
        Err(ConfigErrors(
            walk.errors.into_iter().map(|(_, e)| e).collect(),
        ))
    }
}

struct Walk<'t> {
    text: &'t str,
    shown: &'t str,
    values: Vec<FileValue>,
    /// Each with its byte offset, to list them in file order.
    errors: Vec<(usize, ConfigError)>,
}

impl Walk<'_> {
    fn error(&mut self, offset: usize, message: String) {
        let place = format!("{}:{}", self.shown, line_of(self.text, offset));
        self.errors.push((offset, ConfigError { place, message }));
    }

    fn table(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (name, value) in table.iter() {
            let path = format!("{prefix}{}", name.get_ref());
            self.entry(prefix, &path, name, value);
        }
    }

    fn entry(
        &mut self,
        prefix: &str,
        path: &str,
        name: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Spanned<DeValue<'_>>,
    ) {
        let offset = name.span().start;
        if let Some(key) = schema::find(path) {
            match check(key, value.get_ref()) {
                Ok(v) => self.values.push(FileValue {
                    key,
                    value: v,
                    line: line_of(self.text, offset),
                }),
                Err(message) => self.error(value.span().start, message),
            }
            return;
        }
        let table_prefix = format!("{path}.");
        if schema::keys()
            .iter()
            .any(|k| k.path.starts_with(&table_prefix))
        {
            match value.get_ref() {
                DeValue::Table(t) => self.table(&table_prefix, t),
                _ => self.error(offset, format!("`{path}` is a table, like [{path}]")),
            }
            return;
        }
        self.error(offset, unknown(prefix, path));
    }
}

/// "unknown key `x`; did you mean `y`?" — a key of that very name in
/// another table first (the likelier slip), else the closest among the keys
/// of the same table.
fn unknown(prefix: &str, path: &str) -> String {
    let name = &path[prefix.len()..];
    let siblings: Vec<&str> = schema::keys()
        .iter()
        .filter_map(|k| k.path.strip_prefix(prefix))
        .map(|rest| rest.split('.').next().unwrap_or(rest))
        .collect();
    let elsewhere = schema::keys()
        .iter()
        .find(|k| k.name() == name)
        .map(|k| k.path);
    let hint = match (closest(name, siblings.iter().copied()), elsewhere) {
        (_, Some(full)) => match full.rsplit_once('.') {
            Some((table, _)) => format!("; it belongs in the [{table}] table"),
            None => "; it belongs at the top of the file, before any [table]".to_string(),
        },
        (Some(near), None) => format!("; did you mean `{near}`?"),
        (None, None) => {
            let table = prefix.trim_end_matches('.');
            let within = if table.is_empty() {
                String::new()
            } else {
                format!(" in [{table}]")
            };
            let mut known = siblings;
            known.dedup();
            format!("; known keys{within}: {}", known.join(", "))
        }
    };
    format!("unknown key `{name}`{hint}")
}

/// Checks one TOML value against `key`.
fn check(key: &'static Key, value: &DeValue<'_>) -> Result<Value, String> {
    match value {
        DeValue::String(s) => match key.kind {
            schema::Kind::Count { .. } | schema::Kind::Seconds | schema::Kind::Switch => Err(
                schema::wanted(key, &format!("the string {s:?} (write it without quotes)")),
            ),
            _ => schema::parse_string(key, s),
        },
        DeValue::Integer(i) => {
            let n = i64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| schema::wanted(key, i.as_str()))?;
            schema::check_count(key, n)
        }
        DeValue::Float(f) => {
            let v: f64 = f
                .as_str()
                .parse()
                .map_err(|_| schema::wanted(key, f.as_str()))?;
            schema::check_seconds(key, v)
        }
        DeValue::Boolean(b) if key.kind == schema::Kind::Switch => Ok(Value::Switch(*b)),
        DeValue::Boolean(b) => Err(schema::wanted(key, &b.to_string())),
        DeValue::Datetime(d) => Err(schema::wanted(key, &format!("the date {d}"))),
        DeValue::Array(_) => Err(schema::wanted(key, "a list")),
        DeValue::Table(_) => Err(schema::wanted(key, "a table")),
    }
}
